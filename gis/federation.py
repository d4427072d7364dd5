"""Federation: an office publishes its aggregates, a national instance sums them.

An office instance keeps its named data; what it shares with the national instance are the
``fed_*`` tables (migration 0031): coverage per tambon and per school, matching counts per
tambon and status, data-round completeness. ``publish_aggregates`` rewrites the office's own
rows in one transaction; PostgreSQL logical replication (``PUBLICATION``) carries the changes
to every national instance subscribed, row by row.

Three rules keep one office from touching another's rows at the national instance:
- every row's primary key starts with its office's code, and updates and deletes replicate by
  that key;
- the publication's row filter (``WHERE office_code = ...``) sends only the office's own code,
  whatever else a table holds;
- TRUNCATE is not published (``publish = 'insert, update, delete'``): emptying a table at the
  office cannot empty the national one.

The national side (``subscribe``, ``resync``) runs ``CREATE SUBSCRIPTION`` per office. The
counts are exact (between government instances); what the national instance shows the public
goes through the same small-count suppression as an office's.
"""

from __future__ import annotations

import json
import re
from typing import Any, cast

import psycopg
from psycopg import sql
from sqlalchemy import CursorResult, TextClause, text
from sqlalchemy.orm import Session

from gis.coverage import (
    COVERAGE_COUNTS,
    COVERAGE_COUNTS_SQL,
    public_counts,
    public_tambon_counts,
    school_coverage,
)
from kernel.areas import area_filter
from kernel.errors import InvalidInputError, NotFoundError

PUBLICATION = "edumap_aggregates"
# The tables published, each with its office's code first in its primary key.
AGGREGATE_TABLES = (
    "fed_office",
    "fed_coverage_tambon",
    "fed_coverage_school",
    "fed_matching",
    "fed_data_round",
)
OFFICE_CODE = re.compile(r"^[A-Z0-9]{2,16}$")


def _checked(office_code: str) -> str:
    """An office code, refused unless it looks like one (it is written into SQL names)."""
    if not OFFICE_CODE.match(office_code):
        raise InvalidInputError("office", f"not an office code: {office_code!r}")
    return office_code


def _office(session: Session, office_code: str) -> dict[str, Any]:
    _checked(office_code)
    found = (
        session.execute(
            text(
                "SELECT code, name_th, kind::text AS kind, province_code "
                "FROM service_area_office WHERE code = :o"
            ),
            {"o": office_code},
        )
        .mappings()
        .one_or_none()
    )
    if found is None:
        raise NotFoundError(f"no office {office_code} is loaded")
    return dict(found)


def publish_aggregates(session: Session, office_code: str) -> dict[str, int]:
    """Replace the office's rows of the ``fed_*`` tables with its current aggregates (in the
    caller's transaction: the national instance sees the old rows or the new, never half);
    the rows written per table. A primary office publishes its districts' tambons; every
    office its own schools and data rounds."""
    office = _office(session, office_code)
    params = {"o": office_code}
    for table in reversed(AGGREGATE_TABLES):
        session.execute(text(f"DELETE FROM {table} WHERE office_code = :o"), params)
    session.execute(
        text(
            "INSERT INTO fed_office (office_code, name_th, kind, province_code, published_at) "
            "VALUES (:o, :name, :kind, :province, now())"
        ),
        params
        | {"name": office["name_th"], "kind": office["kind"], "province": office["province_code"]},
    )
    written = {"fed_office": 1}
    tambons, area_params = area_filter("c", None, None, office_code)
    if office["kind"] == "primary":  # a secondary office's districts are its primaries' too
        written["fed_coverage_tambon"] = _rows_written(
            session,
            text(
                f"""
                INSERT INTO fed_coverage_tambon (office_code, round_year, subdistrict_code,
                    {", ".join(COVERAGE_COUNTS)})
                SELECT CAST(:o AS varchar), c.round_year, c.subdistrict_code, {COVERAGE_COUNTS_SQL}
                FROM child_coverage c WHERE {tambons}
                GROUP BY c.round_year, c.subdistrict_code
                """
            ),
            params | area_params,
        )
        written["fed_matching"] = _rows_written(
            session,
            text(
                f"""
                INSERT INTO fed_matching (office_code, round_year, subdistrict_code, status,
                    children)
                SELECT CAST(:o AS varchar), c.round_year, c.subdistrict_code, c.status, count(*)
                FROM register_match c WHERE c.subdistrict_code IS NOT NULL AND {tambons}
                GROUP BY c.round_year, c.subdistrict_code, c.status
                """
            ),
            params | area_params,
        )
    written["fed_coverage_school"] = _publish_schools(session, office_code)
    written["fed_data_round"] = _rows_written(
        session,
        text(
            """
            INSERT INTO fed_data_round (office_code, round_id, kind, title_th, academic_year,
                deadline, schools, not_started, draft, submitted, returned, accepted)
            SELECT CAST(:o AS varchar), r.id, r.kind, r.title_th, r.academic_year, r.deadline,
                   count(s.school_id),
                   count(*) FILTER (WHERE s.state = 'not_started'),
                   count(*) FILTER (WHERE s.state = 'draft'),
                   count(*) FILTER (WHERE s.state = 'submitted'),
                   count(*) FILTER (WHERE s.state = 'returned'),
                   count(*) FILTER (WHERE s.state = 'accepted')
            FROM data_round r LEFT JOIN data_round_school s ON s.round_id = r.id
            WHERE r.office_code = :o
            GROUP BY r.id
            """
        ),
        params,
    )
    return written


def _rows_written(session: Session, statement: TextClause, params: dict[str, Any]) -> int:
    result = cast(CursorResult[Any], session.execute(statement, params))
    return result.rowcount


def _publish_schools(session: Session, office_code: str) -> int:
    """Per school of the office and census round: children of its grades living in its
    service area, pupils, seats, and next year's Prathom 1 intake."""
    schools = {
        row.code: row.subdistrict_code
        for row in session.execute(
            text("SELECT code, subdistrict_code FROM school WHERE office_code = :o"),
            {"o": office_code},
        )
    }
    rows = []
    rounds = session.scalars(text("SELECT DISTINCT round_year FROM child_coverage")).all()
    provinces = sorted({code[:2] for code in schools.values()})
    for round_year in rounds:
        for province in provinces:
            for school in school_coverage(session, round_year, province=province):
                if school["code"] not in schools:
                    continue
                grades = school["grades"]
                rows.append(
                    {
                        "o": office_code,
                        "y": round_year,
                        "code": school["code"],
                        "name": school["name_th"],
                        "tambon": schools[school["code"]],
                        "demand": sum(g["demand"] for g in grades),
                        "enrolled": sum(g["enrolled"] for g in grades),
                        "capacity": sum(g["capacity"] for g in grades),
                        "p1": school.get("prathom1_next_year", {}).get("children", 0),
                    }
                )
    if rows:
        session.execute(
            text(
                """
                INSERT INTO fed_coverage_school (office_code, round_year, school_code, name_th,
                    subdistrict_code, demand, enrolled, capacity, prathom1_next_year)
                VALUES (:o, :y, :code, :name, :tambon, :demand, :enrolled, :capacity, :p1)
                """
            ),
            rows,
        )
    return len(rows)


def publication_sql(office_code: str) -> sql.Composed:
    """The publication of the office's aggregate tables, its own rows only, no TRUNCATE."""
    _checked(office_code)
    tables = sql.SQL(", ").join(
        sql.SQL("{} WHERE (office_code = {})").format(sql.Identifier(t), sql.Literal(office_code))
        for t in AGGREGATE_TABLES
    )
    return sql.SQL("TABLE {}").format(tables)


def ensure_publication(conn: psycopg.Connection, office_code: str) -> None:
    """Create (or point at this office) the publication national instances subscribe to."""
    exists = conn.execute("SELECT 1 FROM pg_publication WHERE pubname = %s", (PUBLICATION,))
    if exists.fetchone():
        conn.execute(
            sql.SQL("ALTER PUBLICATION {} SET {}").format(
                sql.Identifier(PUBLICATION), publication_sql(office_code)
            )
        )
    else:
        conn.execute(
            sql.SQL(
                "CREATE PUBLICATION {} FOR {} WITH (publish = 'insert, update, delete')"
            ).format(sql.Identifier(PUBLICATION), publication_sql(office_code))
        )


def subscription_name(office_code: str) -> str:
    return f"edumap_office_{_checked(office_code).lower()}"


def subscribe(conn: psycopg.Connection, office_code: str, conninfo: str) -> None:
    """Subscribe the national instance to an office's publication (``conn`` in autocommit:
    CREATE SUBSCRIPTION cannot run in a transaction). Its current rows are copied first."""
    name = subscription_name(office_code)
    conn.execute(
        sql.SQL(
            "CREATE SUBSCRIPTION {} CONNECTION {} PUBLICATION {} "
            "WITH (copy_data = true, slot_name = {})"
        ).format(
            sql.Identifier(name),
            sql.Literal(conninfo),
            sql.Identifier(PUBLICATION),
            sql.Literal(name),
        )
    )


def resync(conn: psycopg.Connection, office_code: str, conninfo: str) -> None:
    """Start an office's subscription again from a fresh copy: after its slot was lost (the
    office's WAL passed ``max_slot_wal_keep_size`` while the link was down), the changes in
    between are gone, so the office's rows are replaced by what it holds now."""
    name = subscription_name(office_code)
    found = conn.execute("SELECT 1 FROM pg_subscription WHERE subname = %s", (name,)).fetchone()
    if found:
        conn.execute(sql.SQL("ALTER SUBSCRIPTION {} DISABLE").format(sql.Identifier(name)))
        try:  # drops the office's slot too, where the office can be reached
            conn.execute(sql.SQL("DROP SUBSCRIPTION {}").format(sql.Identifier(name)))
        except psycopg.OperationalError:
            conn.execute(
                sql.SQL("ALTER SUBSCRIPTION {} SET (slot_name = NONE)").format(sql.Identifier(name))
            )
            conn.execute(sql.SQL("DROP SUBSCRIPTION {}").format(sql.Identifier(name)))
    with conn.transaction():
        for table in reversed(AGGREGATE_TABLES):
            conn.execute(
                sql.SQL("DELETE FROM {} WHERE office_code = %s").format(sql.Identifier(table)),
                (office_code,),
            )
    subscribe(conn, office_code, conninfo)


def national_offices(session: Session) -> list[dict[str, Any]]:
    """The offices received, with when each last published."""
    rows = session.execute(
        text(
            "SELECT office_code, name_th, kind, province_code, published_at FROM fed_office "
            "ORDER BY office_code"
        )
    ).mappings()
    return [dict(row) for row in rows]


NATIONAL_KEYS = {
    "office": "t.office_code",
    "province": "left(t.subdistrict_code, 2)",
    "subdistrict_code": "t.subdistrict_code",
}


def national_coverage(
    session: Session, round_year: int, by: str, *, suppress: bool = True
) -> dict[str, Any]:
    """The offices' tambon coverage summed by office, province or tambon, and the national
    total; public figures (``suppress``) as an office's own are shown."""
    if by not in NATIONAL_KEYS:
        raise InvalidInputError("by", "office, province or subdistrict_code")
    sums = ", ".join(f"coalesce(sum(t.{name}), 0)::int AS {name}" for name in COVERAGE_COUNTS)
    rows = [
        dict(row)
        for row in session.execute(
            text(
                f"SELECT {NATIONAL_KEYS[by]} AS {by}, {sums} FROM fed_coverage_tambon t "
                "WHERE t.round_year = :y GROUP BY 1 ORDER BY 1"
            ),
            {"y": round_year},
        ).mappings()
    ]
    total = dict(
        session.execute(
            text(f"SELECT {sums} FROM fed_coverage_tambon t WHERE t.round_year = :y"),
            {"y": round_year},
        )
        .mappings()
        .one()
    )
    offices = national_offices(session)
    if suppress:
        rows = (
            public_tambon_counts(rows)
            if by == "subdistrict_code"
            else [public_counts(row) for row in rows]
        )
        total = public_counts(total)
    published = [o["published_at"] for o in offices]
    return {
        "round": round_year,
        "by": by,
        "offices": len(offices),
        "oldest_publication": min(published) if published else None,
        "total": total,
        "areas": rows,
    }


def national_geojson(session: Session, round_year: int) -> str:
    """Provinces with their summed public coverage, as GeoJSON (the national map)."""
    figures = {
        row["province"]: row for row in national_coverage(session, round_year, "province")["areas"]
    }
    shapes = session.execute(
        text(
            "SELECT code, name_th, ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, 0.01), 5) "
            "FROM province WHERE code = ANY(:codes) ORDER BY code"
        ),
        {"codes": sorted(figures)},
    ).all()
    features = [
        {
            "type": "Feature",
            "id": code,
            "geometry": json.loads(shape),
            "properties": {"code": code, "name_th": name, **figures[code]},
        }
        for code, name, shape in shapes
    ]
    return json.dumps(
        {"type": "FeatureCollection", "features": features}, ensure_ascii=False, default=str
    )
