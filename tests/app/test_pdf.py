"""Typeset Thai reads back as the same Thai: the rebuilt ToUnicode map, on the hard cases
(stacked marks, lowered tone marks on tall consonants, ญ and ฐ without their tails, SARA AM)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from fontTools.ttLib import TTFont

from app.pdf import FONT_DIR, glyph_texts, html_to_pdf
from tests.pdf_text import pdf_text, squash

HARD_THAI = (
    "รายงานการจัดการศึกษา ที่นั่งว่าง ปี่ ป่า ปั้น ฝั่ง ฟื้น ญาติ กตัญญู ฐานะ ฎีกา น้ำ "
    "กำลังเรียน ผู้ปกครอง ต.ป่าคา เจ้าหน้าที่ ปู่ ฤๅษี ๒๕๖๙ ปิ่น"
)


def test_every_substituted_glyph_reads_as_its_character() -> None:
    regular = FONT_DIR / "Sarabun-Regular.ttf"
    texts = glyph_texts(regular)
    order = TTFont(regular, lazy=True).getGlyphOrder()
    by_name = {order[glyph]: text for glyph, text in texts.items()}
    assert by_name[TTFont(regular, lazy=True).getBestCmap()[ord("า")]] == "า"
    # Variants that are in no character map still read as the character they stand for.
    variants = {
        name: text for name, text in by_name.items() if "." in name and name.startswith("uni0E")
    }
    assert variants, "Sarabun has Thai shaping variants"
    for name, text in variants.items():
        assert chr(int(name[3:7], 16)) in text, (name, text)


def test_thai_round_trips_through_the_pdf(tmp_path: Path) -> None:
    html = f"""<style>@font-face {{ font-family: Sarabun;
        src: url("{FONT_DIR.as_uri()}/Sarabun-Regular.ttf"); }}
        @font-face {{ font-family: Sarabun; font-weight: 700;
        src: url("{FONT_DIR.as_uri()}/Sarabun-Bold.ttf"); }}
        body {{ font-family: Sarabun; }}</style><p>{HARD_THAI}</p><p><b>{HARD_THAI}</b></p>"""
    path = tmp_path / "thai.pdf"
    path.write_bytes(html_to_pdf(html))
    assert squash(pdf_text(path)) == squash(HARD_THAI) * 2


def test_typesetting_fetches_nothing_over_the_network() -> None:
    # A report never reaches out: an image on a (local, listening) web server is not asked for.
    requests: list[str] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(404)
            self.end_headers()

    server = HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        pdf = html_to_pdf(f'<p>ก</p><img src="http://127.0.0.1:{port}/x.png">')
    finally:
        server.shutdown()
    assert pdf.startswith(b"%PDF")
    assert requests == []


def test_thai_lines_break_between_words(tmp_path: Path) -> None:
    # Thai has no spaces between words: a narrow column must still break at word boundaries
    # (Pango's dictionary breaker, libthai), never inside a word or before a vowel or mark.
    words = ("การ", "ศึกษา", "ภาค", "บังคับ", "โรงเรียน", "ประถม")
    sentence = "".join(words) * 12
    html = f"""<style>@font-face {{ font-family: Sarabun;
        src: url("{FONT_DIR.as_uri()}/Sarabun-Regular.ttf"); }}
        p {{ font-family: Sarabun; width: 38mm; }}</style><p>{sentence}</p>"""
    path = tmp_path / "lines.pdf"
    path.write_bytes(html_to_pdf(html))
    lines = [squash(line) for line in pdf_text(path).splitlines() if line.strip()]
    assert len(lines) > 5
    assert "".join(lines) == squash(sentence)
    for line in lines:
        assert line.startswith(tuple(squash(w) for w in words)), line
