"""Educational Service Area Offices and the districts each serves, from an editable CSV."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from gis.loading import LoadError, LoadReport, record_load, sha256_of
from gis.models import District, OfficeKind, ServiceAreaOffice, ServiceAreaOfficeDistrict

OFFICE_FIELDS = ["code", "name_th", "name_en", "kind", "province_code", "district_codes"]


def load_offices(session: Session, path: Path) -> LoadReport:
    """Upsert the offices in ``path`` and replace their district lists."""
    report = LoadReport(kind="offices", source=str(path), sha256=sha256_of(path))
    try:
        table = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise LoadError(path, f"cannot be read as CSV: {exc}") from exc
    missing = [name for name in OFFICE_FIELDS if name not in table.columns]
    if missing:
        raise LoadError(path, f"missing column(s) {', '.join(missing)}")
    known_districts = set(session.scalars(select(District.code)))
    kinds = {k.value for k in OfficeKind}
    links = 0
    seen: set[str] = set()
    for index, row in table.iterrows():
        line = int(str(index)) + 2
        code = row["code"].strip()
        if not code or len(code) > 16 or code in seen:
            raise LoadError(
                path, f"code {code!r} is empty, too long or repeated", row=line, field="code"
            )
        seen.add(code)
        if not row["name_th"].strip():
            raise LoadError(path, "a Thai name is required", row=line, field="name_th")
        kind = row["kind"].strip()
        if kind not in kinds:
            raise LoadError(
                path, f"kind must be one of {sorted(kinds)}, got {kind!r}", row=line, field="kind"
            )
        districts = row["district_codes"].split()
        unknown = [d for d in districts if d not in known_districts]
        if not districts or unknown:
            raise LoadError(
                path,
                f"unknown or no district codes: {unknown or 'none given'} "
                "(4-digit DOPA codes of loaded districts, separated by spaces)",
                row=line,
                field="district_codes",
            )
        province = row["province_code"].strip()
        if any(not d.startswith(province) for d in districts):
            raise LoadError(
                path, f"districts outside province {province!r}", row=line, field="district_codes"
            )
        values = {
            "code": code,
            "name_th": row["name_th"].strip(),
            "name_en": row["name_en"].strip() or None,
            "kind": OfficeKind(kind),
            "province_code": province,
        }
        statement = insert(ServiceAreaOffice).values(**values)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["code"], set_={k: v for k, v in values.items() if k != "code"}
            )
        )
        session.execute(
            delete(ServiceAreaOfficeDistrict).where(ServiceAreaOfficeDistrict.office_code == code)
        )
        session.add_all(
            ServiceAreaOfficeDistrict(office_code=code, district_code=d) for d in districts
        )
        links += len(districts)
    session.flush()
    report.counts = {"offices": len(seen), "district_links": links}
    record_load(session, report)
    return report
