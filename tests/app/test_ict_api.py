"""The ICT needs, plan and price lists over HTTP (issue 20): the public sees sums per
district, a school only itself, a planner their office; the plan as XLSX and a Thai PDF with
the same totals as the JSON; a price list loaded from a file prices the plan, a bad row named
and nothing stored."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.helpers.ict_world import FISCAL_YEAR, OFFICE, SCHOOL_A, make_ict_schools
from tests.helpers.pdf_text import pdf_text, squash, words_past_the_right_margin
from tests.helpers.world import MATRIX_SCHOOL, Account

PLAN = {"fiscal_year": FISCAL_YEAR, "esao": OFFICE, "budget_baht": 200000}


def test_the_public_sees_sums_and_only_the_school_and_its_office_see_it(
    client: TestClient, db_session: Session, accounts: dict[str, Account]
) -> None:
    public = client.get("/api/v1/ict/needs", params={"by": "district"})
    assert public.status_code == 200
    body = public.json()
    assert body["rows"] and all("needs" in row and "name_th" in row for row in body["rows"])
    assert body["norm_sources_th"]["learning_devices"].startswith("ตัวอย่าง")
    assert client.get("/api/v1/ict/needs", params={"by": "school"}).status_code == 401
    # A school sees itself and nobody else.
    school = accounts["school"].headers
    own = client.get("/api/v1/ict/needs", params={"by": "school"}, headers=school).json()
    assert [row["code"] for row in own["rows"]] == [MATRIX_SCHOOL]
    other = client.get(
        "/api/v1/ict/needs", params={"by": "school", "school": SCHOOL_A}, headers=school
    )
    assert other.status_code == 403
    # A planner sees their office's districts, not another's.
    planner = accounts["planner"].headers
    rows = client.get("/api/v1/ict/needs", params={"by": "school"}, headers=planner).json()["rows"]
    districts = set(
        db_session.scalars(
            text(
                "SELECT district_code FROM service_area_office_district WHERE office_code = "
                "(SELECT office_code FROM user_account WHERE username = :u)"
            ),
            {"u": accounts["planner"].username},
        )
    )
    assert rows and {row["district_code"] for row in rows} <= districts
    outside = sorted(
        set(db_session.scalars(text("SELECT code FROM district WHERE province_code = '55'")))
        - districts
    )[0]
    assert (
        client.get(
            "/api/v1/ict/needs", params={"by": "school", "district": outside}, headers=planner
        ).status_code
        == 403
    )
    # The same figures as a workbook: a sheet per district and per school.
    book = openpyxl.load_workbook(
        io.BytesIO(
            client.get(
                "/api/v1/ict/needs", params={"by": "school", "format": "xlsx"}, headers=planner
            ).content
        )
    )
    assert book.sheetnames == ["รายอำเภอ", "รายโรงเรียน"]
    assert book["รายโรงเรียน"].max_row == len(rows) + 1


def test_the_plan_as_json_xlsx_and_pdf_agree(
    client: TestClient, db_session: Session, accounts: dict[str, Account], tmp_path: Path
) -> None:
    make_ict_schools(db_session)
    admin = accounts["admin"].headers
    plan = client.get("/api/v1/ict/plan", params=PLAN, headers=admin)
    assert plan.status_code == 200, plan.text
    found = plan.json()
    assert (found["funded_baht"], found["total_baht"], len(found["lines"])) == (
        192_600,
        659_900,
        12,
    )
    assert client.get("/api/v1/ict/plan", params=PLAN).status_code == 401
    assert (
        client.get("/api/v1/ict/plan", params=PLAN, headers=accounts["school"].headers).status_code
        == 403
    )
    book = openpyxl.load_workbook(
        io.BytesIO(
            client.get("/api/v1/ict/plan", params=PLAN | {"format": "xlsx"}, headers=admin).content
        )
    )
    assert book.sheetnames == ["สรุป", "แผนจัดซื้อ", "บัญชีราคา"]
    sheet = book["แผนจัดซื้อ"]
    header = [cell.value for cell in sheet[1]]
    funded = header.index("ใช้เงิน (บาท)") + 1
    assert sum(row[funded - 1].value for row in sheet.iter_rows(min_row=2)) == 192_600
    ranked_by = {row[1].value for row in sheet.iter_rows(min_row=2)}
    assert ranked_by == {"ขั้นต่ำให้ทุกโรงเรียนที่ขาด", "ขาดมากต่อนักเรียนก่อน"}
    pdf = client.get("/api/v1/ict/plan", params=PLAN | {"format": "pdf"}, headers=admin)
    assert pdf.headers["content-type"] == "application/pdf"
    path = tmp_path / "plan.pdf"
    path.write_bytes(pdf.content)
    assert words_past_the_right_margin(path, margin_mm=14) == []
    extracted = squash(pdf_text(path))
    for expected in ("แผนจัดซื้ออุปกรณ์คอมพิวเตอร์ ปีงบประมาณ 2570", "192,600", "โรงเรียนทดสอบ 3"):
        assert squash(expected) in extracted, expected
    assert squash("บัญชีตัวอย่าง") in extracted


def test_a_price_list_from_a_file_prices_the_plan(
    client: TestClient, db_session: Session, accounts: dict[str, Account], tmp_path: Path
) -> None:
    make_ict_schools(db_session)
    planner = accounts["planner"].headers
    bad = tmp_path / "prices.csv"
    bad.write_text(
        "ใช้สำหรับ,รหัส,รายการ,หน่วย,ราคาต่อหน่วย (บาท)\n"
        "learning,NB,โน้ตบุ๊ก,เครื่อง,20000\n"
        "printer,PR,เครื่องพิมพ์,เครื่อง,ฟรี\n",
        encoding="utf-8",
    )
    form = {"fiscal_year": str(FISCAL_YEAR), "name_th": "บัญชีราคา 2570"}
    with bad.open("rb") as handle:
        refused = client.post(
            "/api/v1/ict/prices", data=form, files={"file": ("prices.csv", handle)}, headers=planner
        )
    assert refused.status_code == 422
    assert "แถว 3 ช่อง ราคาต่อหน่วย (บาท)" in refused.text
    assert db_session.execute(text("SELECT count(*) FROM ict_price_list")).scalar_one() == 0
    good = tmp_path / "prices-2570.csv"
    good.write_bytes(
        (
            "ใช้สำหรับ,รหัส,รายการ,หน่วย,ราคาต่อหน่วย (บาท)\n"
            'learning,NB,โน้ตบุ๊ก,เครื่อง,"20,000"\n'
            "administration,PC,คอมพิวเตอร์,ชุด,18000\n"
            "printer,PR,เครื่องพิมพ์,เครื่อง,5000\n"
        ).encode("cp874")
    )
    with good.open("rb") as handle:
        loaded = client.post(
            "/api/v1/ict/prices", data=form, files={"file": ("prices.csv", handle)}, headers=planner
        )
    assert loaded.status_code == 201, loaded.text
    assert loaded.json()["example"] is False
    plan = client.get(
        "/api/v1/ict/plan",
        params={k: v for k, v in PLAN.items() if k != "budget_baht"},
        headers=accounts["admin"].headers,
    ).json()
    assert plan["price_list"]["name_th"] == "บัญชีราคา 2570"
    # 26 learning devices, 9 computers, 3 printers at the loaded prices.
    assert plan["total_baht"] == 26 * 20_000 + 9 * 18_000 + 3 * 5_000
    prices = client.get("/api/v1/ict/prices", params={"fiscal_year": FISCAL_YEAR}).json()
    assert [item["code"] for item in prices["items"]] == ["NB", "PC", "PR"]


def test_the_ict_report_renders_and_its_totals_are_the_api_s(
    client: TestClient, db_session: Session, tmp_path: Path
) -> None:
    make_ict_schools(db_session)
    book = openpyxl.load_workbook(
        io.BytesIO(
            client.get("/api/v1/reports/ict", params={"esao": OFFICE, "format": "xlsx"}).content
        )
    )
    sheet = book["รายอำเภอ"]
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(2)]
    total = rows[-1]
    assert total["อำเภอ"] == "รวม"
    api = client.get("/api/v1/ict/needs", params={"by": "district", "esao": OFFICE}).json()["rows"]
    assert total["โรงเรียน"] == sum(a["schools"] for a in api) == 3
    assert total["นักเรียน"] == sum(a["pupils"] for a in api) == 365
    for need, column in (
        ("learning", "อุปกรณ์เรียนที่ขาด"),
        ("administration", "คอมพิวเตอร์บริหารที่ขาด"),
        ("printer", "เครื่องพิมพ์ที่ขาด"),
    ):
        assert total[column] == sum(a["needs"][need]["shortfall"] for a in api), need
    # Use: only A reported, 5 computers at 20 hours and 4 tablets at 10: 140 / 9 hours.
    (district,) = rows[:-1]
    assert (district["ชั่วโมงใช้งานต่อสัปดาห์ (อุปกรณ์เรียน)"], total["โรงเรียนที่รายงานการใช้งาน"]) == (
        15.6,
        1,
    )
    # A: adsl 20 Mbps under 47.5 (slow); B: no link; C: 100 Mbps under 120 (slow).
    assert (total["ไม่มีอินเทอร์เน็ต"], total["ช้ากว่าเกณฑ์"], total["ตามเกณฑ์"]) == (1, 2, 0)
    pdf = client.get("/api/v1/reports/ict", params={"esao": OFFICE})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    path = tmp_path / "ict.pdf"
    path.write_bytes(pdf.content)
    assert words_past_the_right_margin(path, margin_mm=14) == []
    extracted = squash(pdf_text(path))
    for expected in (
        "รายงานทรัพยากรเทคโนโลยีสารสนเทศของสถานศึกษา",
        "สำนักงานทดสอบไอซีที",
        "อำเภอเมืองน่าน",
    ):
        assert squash(expected) in extracted, expected
