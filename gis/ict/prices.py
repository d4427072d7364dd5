"""Price-and-specification lists (issue 20): the government publishes one for computer
equipment each year; an office loads it from a CSV or XLSX file (Thai or English headers,
UTF-8 or TIS-620), and the procurement plan prices each line from it. Until one is loaded the
shipped example is used, and says so."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.ict.models import PURCHASE_NEEDS, IctPriceItem, IctPriceList
from gis.loading import LoadError
from kernel.config import get_settings
from kernel.tabular import TableError, open_table

PRICE_ALIASES: dict[str, tuple[str, ...]] = {
    "need": ("ใช้สำหรับ", "need"),
    "code": ("รหัส", "code"),
    "name_th": ("รายการ", "name_th", "name"),
    "unit_th": ("หน่วย", "unit_th", "unit"),
    "unit_price_baht": ("ราคาต่อหน่วย (บาท)", "ราคาต่อหน่วย", "unit_price_baht", "price"),
    "spec_th": ("คุณลักษณะพื้นฐาน", "spec_th", "spec"),
}
REQUIRED = ("need", "code", "name_th", "unit_th", "unit_price_baht")
EXAMPLE_NAME_TH = (
    "ตัวอย่างบัญชีราคาและคุณลักษณะ (เลียนแบบเกณฑ์ราคากลางและคุณลักษณะพื้นฐานการจัดหาอุปกรณ์"
    "และระบบคอมพิวเตอร์ ของกระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม; ราคาสมมุติ ไม่ใช่ราคาทางการ)"
)
MAX_PRICE_BAHT = Decimal("10000000")


def example_path() -> Path:
    return get_settings().data_dir / "norms" / "ict_prices_example.csv"


def read_price_file(path: Path) -> list[dict[str, Any]]:
    """The items of a price file, checked; every bad cell named by row and field."""
    try:
        table = open_table(path, PRICE_ALIASES)
    except TableError as exc:
        raise LoadError(path, str(exc)) from exc
    missing = [field for field in REQUIRED if field not in table.columns]
    if missing:
        raise LoadError(path, f"missing column(s) {', '.join(missing)}")
    items: list[dict[str, Any]] = []
    errors: list[str] = []
    try:
        for number, row in table.rows:

            def bad(field: str, message: str, number: int = number) -> None:
                label = PRICE_ALIASES[field][0]
                errors.append(f"แถว {number} ช่อง {label} (row {number}, field {field}): {message}")

            need = str(row.get("need") or "").strip()
            if need not in PURCHASE_NEEDS:
                bad("need", f"one of {', '.join(PURCHASE_NEEDS)}, not {need!r}")
            for field in ("code", "name_th", "unit_th"):
                if not str(row.get(field) or "").strip():
                    bad(field, "empty")
            try:
                price = Decimal(str(row.get("unit_price_baht") or "").replace(",", "").strip())
                if not Decimal(0) < price <= MAX_PRICE_BAHT:
                    raise InvalidOperation
            except InvalidOperation:
                bad("unit_price_baht", "a price in baht, more than 0")
                price = Decimal(0)
            items.append(
                {
                    "position": len(items) + 1,
                    "need": need,
                    "code": str(row.get("code") or "").strip(),
                    "name_th": str(row.get("name_th") or "").strip(),
                    "unit_th": str(row.get("unit_th") or "").strip(),
                    "unit_price_baht": price,
                    "spec_th": str(row.get("spec_th") or "").strip(),
                }
            )
    except TableError as exc:
        raise LoadError(path, str(exc).removeprefix(f"{path.name}: ")) from exc
    if errors:
        raise LoadError(
            path, "; ".join(errors[:20]) + (f" (+{len(errors) - 20})" if len(errors) > 20 else "")
        )
    if not items:
        raise LoadError(path, "no items")
    return items


def load_price_list(
    session: Session, path: Path, *, name_th: str, fiscal_year: int, actor: str
) -> IctPriceList:
    """Store a price list read from a file; the newest list of a fiscal year prices its plan.
    Nothing is stored unless every row is good."""
    items = read_price_file(path)
    found = IctPriceList(
        name_th=name_th,
        fiscal_year=fiscal_year,
        source_file=path.name,
        loaded_by=actor,
        items=[IctPriceItem(**item) for item in items],
    )
    session.add(found)
    session.flush()
    return found


def price_list_json(
    name_th: str,
    fiscal_year: int | None,
    items: list[dict[str, Any]],
    *,
    list_id: int | None,
    example: bool,
) -> dict[str, Any]:
    return {
        "id": list_id,
        "name_th": name_th,
        "fiscal_year": fiscal_year,
        "example": example,
        "items": [item | {"unit_price_baht": float(item["unit_price_baht"])} for item in items],
    }


def price_list_for(session: Session, fiscal_year: int) -> dict[str, Any]:
    """The newest list loaded for the fiscal year, else the newest of an earlier year, else
    the shipped example (``example`` true)."""
    found = session.scalars(
        select(IctPriceList)
        .where(IctPriceList.fiscal_year <= fiscal_year)
        .order_by(IctPriceList.fiscal_year.desc(), IctPriceList.id.desc())
        .limit(1)
    ).first()
    if found is None:
        return price_list_json(
            EXAMPLE_NAME_TH, None, read_price_file(example_path()), list_id=None, example=True
        )
    items = [
        {
            "position": item.position,
            "need": item.need,
            "code": item.code,
            "name_th": item.name_th,
            "unit_th": item.unit_th,
            "unit_price_baht": item.unit_price_baht,
            "spec_th": item.spec_th,
        }
        for item in found.items
    ]
    return price_list_json(found.name_th, found.fiscal_year, items, list_id=found.id, example=False)
