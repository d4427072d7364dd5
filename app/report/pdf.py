"""HTML to PDF with WeasyPrint, with Sarabun embedded and a text layer that reads back as Thai.

WeasyPrint shapes Thai correctly (Pango and HarfBuzz) but writes each glyph's Unicode text as
the text of the first cluster it met the glyph in. Thai clusters hold several glyphs (a
consonant with its vowel and tone marks; SARA AM split into NIKHAHIT and SARA AA), so copied or
extracted text came out wrong ("รำยงำน" for "รายงาน"). After typesetting, each Sarabun font's
ToUnicode map is rewritten glyph by glyph from the font itself: its character map, and for the
shaping variants (lowered tone marks, ญ without its tail) the character they substitute for.
SARA AM then reads back as NIKHAHIT + SARA AA, its compatibility decomposition.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

from fontTools.ttLib import TTFont
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject

FONT_DIR = Path(__file__).resolve().parents[1] / "static" / "vendor" / "sarabun"
# PDF font names (without the subset prefix) -> the file WeasyPrint embedded them from.
SARABUN_FILES = {
    "Sarabun": FONT_DIR / "Sarabun-Regular.ttf",
    "Sarabun-Bold": FONT_DIR / "Sarabun-Bold.ttf",
}
GSUB_SINGLE, GSUB_ALTERNATE, GSUB_LIGATURE, GSUB_EXTENSION = 1, 3, 4, 7


@functools.cache
def glyph_texts(font_path: Path) -> dict[int, str]:
    """Glyph id -> the text it shows: from the character map, then through the font's
    substitutions until nothing new is learnt."""
    font = TTFont(font_path, lazy=True)
    texts: dict[str, str] = {}
    for codepoint, name in sorted(font.getBestCmap().items()):
        texts.setdefault(name, chr(codepoint))
    subtables = []
    if "GSUB" in font:
        for lookup in font["GSUB"].table.LookupList.Lookup:
            for subtable in lookup.SubTable:
                kind = lookup.LookupType
                if kind == GSUB_EXTENSION:
                    kind, subtable = subtable.ExtensionLookupType, subtable.ExtSubTable
                subtables.append((kind, subtable))
    learnt = True
    while learnt:
        learnt = False
        for kind, subtable in subtables:
            pairs: list[tuple[str, str]] = []
            if kind == GSUB_SINGLE:
                pairs = [(texts.get(a, ""), b) for a, b in subtable.mapping.items()]
            elif kind == GSUB_ALTERNATE:
                pairs = [(texts.get(a, ""), b) for a, bs in subtable.alternates.items() for b in bs]
            elif kind == GSUB_LIGATURE:
                for first, ligatures in subtable.ligatures.items():
                    for ligature in ligatures:
                        parts = [first, *ligature.Component]
                        if all(part in texts for part in parts):
                            pairs.append(("".join(texts[p] for p in parts), ligature.LigGlyph))
            for text, glyph in pairs:
                if text and glyph not in texts:
                    texts[glyph] = text
                    learnt = True
    order = {name: index for index, name in enumerate(font.getGlyphOrder())}
    return {order[name]: text for name, text in texts.items() if name in order}


def to_unicode_cmap(texts: dict[int, str]) -> bytes:
    """A ToUnicode CMap for two-byte glyph ids (WeasyPrint's Identity-H encoding)."""
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<0000> <ffff>",
        "endcodespacerange",
    ]
    items = sorted(texts.items())
    for start in range(0, len(items), 100):
        batch = items[start : start + 100]
        lines.append(f"{len(batch)} beginbfchar")
        lines.extend(f"<{glyph:04x}> <{text.encode('utf-16-be').hex()}>" for glyph, text in batch)
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")


def fix_thai_text_layer(pdf: bytes) -> bytes:
    """Rewrite the ToUnicode map of every embedded Sarabun font (see the module's note)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    replaced: dict[str, object] = {}
    for page in writer.pages:
        resources = page.get("/Resources")
        fonts = resources.get_object().get("/Font") if resources else None
        if not fonts:
            continue
        for reference in fonts.get_object().values():
            font: DictionaryObject = reference.get_object()
            name = str(font.get("/BaseFont", "")).lstrip("/").split("+", 1)[-1]
            if name not in SARABUN_FILES or "/ToUnicode" not in font:
                continue
            if name not in replaced:
                stream = StreamObject()
                stream.set_data(to_unicode_cmap(glyph_texts(SARABUN_FILES[name])))
                replaced[name] = writer._add_object(stream)
            font[NameObject("/ToUnicode")] = replaced[name]
    writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def html_to_pdf(html: str, base_dir: Path = FONT_DIR) -> bytes:
    """Typeset HTML with WeasyPrint; only local files and data: URIs are fetched, so a report
    never reaches the network."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"file", "data"})
    typeset = HTML(string=html, base_url=str(base_dir), url_fetcher=fetcher).write_pdf()
    assert typeset is not None
    return fix_thai_text_layer(typeset)
