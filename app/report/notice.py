"""The notice to a guardian under the Compulsory Education Act B.E. 2545 (sections 6 and 13),
in Thai, as a PDF an office prints, signs and sends."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.report.pdf import FONT_DIR, html_to_pdf
from app.web.templating import templates
from census.dates import format_thai_date
from kernel.vocabulary import GRADE_LABELS_TH

# Thai digits for the letter's dates, as official letters write them.
_THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def notice_pdf(
    child: dict[str, Any],
    office: dict[str, Any],
    *,
    ref: str,
    round_year: int,
    today: dt.date,
    synthetic: bool,
) -> bytes:
    letter = {
        "child": child,
        "office": office,
        "ref": ref,
        "round_year": str(round_year).translate(_THAI_DIGITS),
        "today_th": format_thai_date(today, short=False).translate(_THAI_DIGITS),
        "birth_date_th": (
            format_thai_date(child["birth_date"], short=False).translate(_THAI_DIGITS)
            if child.get("birth_date")
            else "-"
        ),
        "expected_grade_th": GRADE_LABELS_TH.get(child.get("expected_grade") or ""),
        "synthetic": synthetic,
    }
    html = templates.get_template("notice_letter.html").render(
        letter=letter, font_url=FONT_DIR.as_uri(), thai_digits=True
    )
    return html_to_pdf(html)
