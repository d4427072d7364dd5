"""The procurement plan (issue 20, part 2): from the shortfalls and a budget, a ranked list of
what to buy for which school, priced from the year's price-and-specification list.

Ranking (``[plan] rule`` in the norms file, named on every line):
- ``minimum``: under ``minimum_then_need``, every school short of a norm first gets up to
  ``minimum_units`` of what it lacks, most need per pupil first, so a small remote school is
  not left at the bottom of a list sorted by size;
- ``need``: then the rest of every shortfall, most need per pupil first (the school's
  shortfall of that need over its pupils), ties by school code and need.
The budget is spent down the ranking; the line it runs out on is bought in part (as many
units as fit) and nothing below it is bought, so the plan never skips a line for a cheaper one
further down. Schools with no pupils counted are in the needs but not in the plan.
All of it is one SQL query (window functions over the needs), so a country's plan is computed
where the data lives.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.ict.models import PURCHASE_NEEDS
from gis.ict.needs import NEEDS_CTES, needs_params
from gis.ict.norms import IctNorms, ict_norms
from gis.ict.prices import price_list_for
from kernel.errors import InvalidInputError

PLAN_SQL = f"""
    WITH {NEEDS_CTES},
    lines AS (
        SELECT code, name_th, district_code, district_name_th, need, need_order, pupils,
            shortfall, shortfall::numeric / pupils AS need_per_pupil
        FROM shortfalls WHERE shortfall > 0 AND pupils > 0
    ),
    parts AS (
        SELECT l.*, 'minimum' AS ranked_by, 1 AS pass,
            least(l.shortfall, :minimum_units) AS units
        FROM lines l WHERE :rule = 'minimum_then_need'
        UNION ALL
        SELECT l.*, 'need', 2,
            l.shortfall - CASE WHEN :rule = 'minimum_then_need'
                THEN least(l.shortfall, :minimum_units) ELSE 0 END
        FROM lines l
    ),
    priced AS (
        SELECT p.*, (CAST(:prices AS jsonb) ->> p.need)::numeric AS unit_price_baht
        FROM parts p WHERE p.units > 0
    ),
    ranked AS (
        SELECT r.*, r.units * r.unit_price_baht AS cost_baht,
            row_number() OVER (ORDER BY r.pass, r.need_per_pupil DESC, r.code, r.need_order)
                AS rank
        FROM priced r
    ),
    running AS (
        SELECT r.*, sum(r.cost_baht) OVER (ORDER BY r.rank) AS running_baht FROM ranked r
    )
    SELECT r.*,
        CASE WHEN CAST(:budget AS numeric) IS NULL OR r.running_baht <= :budget THEN r.units
             WHEN r.running_baht - r.cost_baht < :budget
                 THEN floor((:budget - (r.running_baht - r.cost_baht)) / r.unit_price_baht)::int
             ELSE 0 END AS funded_units
    FROM running r ORDER BY r.rank
"""


def fiscal_year_of(day: dt.date) -> int:
    """The government's fiscal year (B.E.) a day falls in: October to September, named by the
    year it ends in (1 October 2026 - 30 September 2027 is 2570)."""
    return day.year + 543 + (1 if day.month >= 10 else 0)


def fiscal_year_span(fiscal_year: int) -> tuple[dt.date, dt.date]:
    end = fiscal_year - 543
    return dt.date(end - 1, 10, 1), dt.date(end, 9, 30)


def procurement_plan(
    session: Session,
    *,
    fiscal_year: int,
    budget_baht: Decimal | None,
    districts: list[str] | None = None,
    office_code: str | None = None,
    norms: IctNorms | None = None,
) -> dict[str, Any]:
    """The ranked plan for the schools in scope, the budget spent down it, the price list it
    was priced from (the first item of each need), and the rule that ranked it."""
    if budget_baht is not None and budget_baht < 0:
        raise InvalidInputError("budget_baht", "0 or more")
    norms = norms or ict_norms()
    prices = price_list_for(session, fiscal_year)
    chosen: dict[str, dict[str, Any]] = {}
    for item in prices["items"]:
        chosen.setdefault(item["need"], item)
    lacking = [need for need in PURCHASE_NEEDS if need not in chosen]
    if lacking:
        raise InvalidInputError(
            "price_list", f"the price list has no item for {', '.join(lacking)}"
        )
    params = needs_params(
        norms, as_of_year=fiscal_year, districts=districts, office_code=office_code
    ) | {
        "rule": norms.plan_rule,
        "minimum_units": norms.plan_minimum_units,
        "prices": json.dumps({need: str(item["unit_price_baht"]) for need, item in chosen.items()}),
        "budget": budget_baht,
    }
    lines = []
    for row in session.execute(text(PLAN_SQL), params).mappings():
        item = chosen[row["need"]]
        unit_price = Decimal(row["unit_price_baht"])
        lines.append(
            {
                "rank": row["rank"],
                "ranked_by": row["ranked_by"],
                "school_code": row["code"],
                "school_name_th": row["name_th"],
                "district_code": row["district_code"],
                "district_name_th": row["district_name_th"],
                "need": row["need"],
                "pupils": row["pupils"],
                "shortfall": row["shortfall"],
                "need_per_pupil": round(float(row["need_per_pupil"]), 4),
                "item_code": item["code"],
                "item_name_th": item["name_th"],
                "unit_th": item["unit_th"],
                "spec_th": item["spec_th"],
                "unit_price_baht": float(unit_price),
                "units": row["units"],
                "cost_baht": float(unit_price * row["units"]),
                "funded_units": row["funded_units"],
                "funded_baht": float(unit_price * row["funded_units"]),
            }
        )
    total = sum(Decimal(str(line["cost_baht"])) for line in lines)
    funded = sum(Decimal(str(line["funded_baht"])) for line in lines)
    first, last = fiscal_year_span(fiscal_year)
    return {
        "fiscal_year": fiscal_year,
        "fiscal_year_starts": first,
        "fiscal_year_ends": last,
        "budget_baht": float(budget_baht) if budget_baht is not None else None,
        "rule": norms.plan_rule,
        "minimum_units": norms.plan_minimum_units,
        "price_list": {k: v for k, v in prices.items() if k != "items"}
        | {
            "items": [
                chosen[need] | {"unit_price_baht": float(chosen[need]["unit_price_baht"])}
                for need in PURCHASE_NEEDS
            ]
        },
        "total_baht": float(total),
        "funded_baht": float(funded),
        "left_baht": float(budget_baht - funded) if budget_baht is not None else None,
        "lines": lines,
        "lines_funded": sum(1 for line in lines if line["funded_units"] == line["units"]),
        "lines_in_part": sum(1 for line in lines if 0 < line["funded_units"] < line["units"]),
    }
