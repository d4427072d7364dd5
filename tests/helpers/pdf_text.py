"""Reading a PDF back as a person's copy-and-paste would: poppler's pdftotext and pdfinfo."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path


def pdf_text(path: Path) -> str:
    """The text in content order (pdftotext -raw)."""
    return subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def squash(text: str) -> str:
    """For comparing Thai text across extraction: compatibility form (SARA AM reads back as
    NIKHAHIT + SARA AA) and no white space (extractors guess spaces around stacked marks)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def page_count(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE).group(1))  # type: ignore[union-attr]


def words_past_the_right_margin(path: Path, margin_mm: float) -> list[str]:
    """Words whose box ends inside the page's right margin or beyond it (pdftotext -bbox):
    a table wider than the page's text area runs into it."""
    boxes = subprocess.run(
        ["pdftotext", "-bbox", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    past = []
    for page in re.finditer(r'<page width="([\d.]+)".*?</page>', boxes, re.DOTALL):
        edge = float(page.group(1)) - margin_mm * 72 / 25.4 + 1  # points, 1 pt of slack
        for x_max, word in re.findall(
            r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)"'
            r' yMax="[\d.]+">([^<]*)</word>',
            page.group(0),
        ):
            if float(x_max) > edge:
                past.append(word)
    return past
