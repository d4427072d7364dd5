"""Typeset Thai reads back as the same Thai: the rebuilt ToUnicode map, on the hard cases
(stacked marks, lowered tone marks on tall consonants, ญ and ฐ without their tails, SARA AM)."""

from __future__ import annotations

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from io import BytesIO
from pathlib import Path

from fontTools.ttLib import TTFont
from openpyxl import load_workbook

from app.report.pdf import FONT_DIR, glyph_texts, html_to_pdf
from app.report.render import call_list_pdf, call_list_xlsx
from tests.helpers.pdf_text import pdf_text, squash

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


def test_call_list_pdf_has_the_villages_and_last_rounds_follow_up(tmp_path: Path) -> None:
    child = {
        "id": 1,
        "title": "ด.ญ.",
        "first_name": "ปิ่นมณี",
        "last_name": "ฟ้าใส",
        "sex": "F",
        "birth_date": dt.date(2021, 3, 15),
        "guardian_name": "นางน้ำฝน ฟ้าใส",
        "guardian_relationship": "มารดา",
        "house_number": "12/3",
    }
    listed = {
        "school_code": "9955010001",
        "school_name_th": "โรงเรียนบ้านทดสอบ",
        "round": 2569,
        "entry_year": 2570,
        "children": 1,
        "villages": [
            {
                "subdistrict_code": "550101",
                "subdistrict_name": "ในเวียง",
                "moo": 4,
                "village_code": "55010104",
                "village_name": "ป่าคา",
                "children": [child],
            }
        ],
        "follow_up_of_last_round": [
            {
                "first_name": "ต้นกล้า",
                "last_name": "ใจดี",
                "enrolment_status": "enrolled",
                "school_code": "9955010001",
                "grade": "P1",
            },
            {
                "first_name": "ฝนทิพย์",
                "last_name": "ศรีสุข",
                "enrolment_status": None,
                "school_code": None,
                "grade": None,
            },
        ],
    }
    path = tmp_path / "call.pdf"
    path.write_bytes(call_list_pdf(listed, thai_digits=True))
    text = squash(pdf_text(path))
    for expected in (
        "หมู่ ๔ บ้านป่าคา ต.ในเวียง (๑ คน)",
        "ด.ญ. ปิ่นมณี ฟ้าใส",
        "๑๕ มี.ค. ๒๕๖๔",
        "นางน้ำฝน ฟ้าใส",
        "๑๒/๓ ม.๔ ต.ในเวียง",
        "ติดตามผล: เด็กในบัญชีปีการศึกษา ๒๕๖๙",
        "ต้นกล้า ใจดี กำลังศึกษาในเขตพื้นที่",
        "ฝนทิพย์ ศรีสุข ไม่พบในรอบนี้",
    ):
        assert squash(expected) in text, expected
    sheet = load_workbook(BytesIO(call_list_xlsx(listed)), read_only=True)["พฐ.03"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:3] == ("หมู่ 4 บ้านป่าคา ต.ในเวียง", 1, "ด.ญ. ปิ่นมณี ฟ้าใส")
