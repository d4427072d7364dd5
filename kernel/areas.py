"""Areas as SQL: a province, district or office as the list of its tambon codes.

Lists of tambon codes, not ``left(code, 4)`` nor ``LIKE '55%'``: neither is an index condition
(a prefix ``LIKE`` needs the C collation to use a b-tree), so at national size every office's
read scanned the country; a list of tambons is looked up on the ``(round_year,
subdistrict_code)`` indexes."""

from __future__ import annotations

from typing import Any

from kernel.errors import InvalidInputError

# ``column`` (a tambon code) in the districts :scope_districts.
TAMBONS_OF_DISTRICTS = (
    "{column} IN (SELECT t.code FROM subdistrict t WHERE t.district_code = ANY(:scope_districts))"
)


def _tambon_conditions(
    province: str | None, district: str | None, esao: str | None
) -> tuple[str, dict[str, Any]]:
    """Conditions on ``t`` (subdistrict) for a province, district and office: every one given
    applies (a planner's district within their office is both)."""
    conditions, params = [], {}
    if esao:
        conditions.append(
            "t.district_code IN (SELECT district_code FROM service_area_office_district "
            "WHERE office_code = :esao)"
        )
        params["esao"] = esao
    if district:
        conditions.append("t.district_code = :district")
        params["district"] = district
    if province:
        conditions.append("t.province_code = :province")
        params["province"] = province
    if not conditions:
        raise InvalidInputError("query", "give province=, district= or esao=")
    return " AND ".join(conditions), params


def area_filter(
    alias: str, province: str | None, district: str | None, esao: str | None
) -> tuple[str, dict[str, Any]]:
    """SQL limiting ``alias.subdistrict_code`` to a province, district and office."""
    conditions, params = _tambon_conditions(province, district, esao)
    return f"{alias}.subdistrict_code IN (SELECT t.code FROM subdistrict t WHERE {conditions})", (
        params
    )


def district_filter(
    alias: str, province: str | None, district: str | None, esao: str | None
) -> tuple[str, dict[str, Any]]:
    """SQL limiting ``alias.code`` (a district) to a province, district and office."""
    conditions, params = _tambon_conditions(province, district, esao)
    return f"{alias}.code IN (SELECT t.district_code FROM subdistrict t WHERE {conditions})", (
        params
    )
