"""Coverage: which children each school serves and who is left out, computed in PostGIS.

Children come with their stage and flags from the census rules (census/assessment_sql.py).
Point-in-service-area joins use the subdivided parts (GiST); distances are geodesic metres on
the indexed geography twins of the points (``location_geog``), never a cast in a predicate.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from census.assessment_sql import assessed_children_sql, assessment_params
from census.follow_up import LATEST_FINDING_SQL
from gis.geography import geography_version, geometry_sql
from gis.schools.norms import OVER_CAPACITY_SQL, norm_params, seats_sql
from gis.service_areas.propose import max_distance_m
from gis.villages import VILLAGE_OF_MOO_SQL
from kernel.areas import area_filter
from kernel.disclosure import SMALL_COUNT_THRESHOLD, WITHHELD, complement, suppress_small_count
from kernel.errors import InvalidInputError
from kernel.ratios import ratio
from kernel.vocabulary import GRADES_SQL_ARRAY, LEVELS


def coverage_params(round_year: int) -> dict[str, Any]:
    norms = max_distance_m()
    return (
        assessment_params(round_year)
        | norm_params()
        | {f"max_m_{level}": norms[level] for level in LEVELS}
    )


# The ways a child is not served, as conditions on ``c`` (the stored coverage); the last needs
# ``over_capacity`` (OVER_CAPACITY_SQL) in the query's WITH.
UNSERVED_CONDITIONS = {
    "out_of_school": "c.out_of_school",
    "beyond_distance": "c.beyond_distance AND (c.compulsory_age OR c.stage = 'pre_primary')",
    "over_capacity_area": "EXISTS (SELECT 1 FROM over_capacity o "
    "WHERE o.grade = c.expected_grade AND o.school_ids && c.area_school_ids)",
}


def unserved_condition(flag: str) -> str:
    if flag not in UNSERVED_CONDITIONS:
        raise InvalidInputError("flag", f"one of {', '.join(UNSERVED_CONDITIONS)}")
    return UNSERVED_CONDITIONS[flag]


# One row per child of the round: where they live, what the rules say, whether they are in a
# service area of their level, and whether no school teaching their grade is within the norm.
# The service areas are looked up once per household, before its children join (not once per
# child: a third less work at national size).
CHILD_COVERAGE_SQL = """
    SELECT a.*, h.subdistrict_code, h.village_code, h.location, h.location_geog,
        h.house_number, h.moo, h.uuid AS household_uuid,
        CASE a.stage WHEN 'pre_primary' THEN h_areas.pre_primary
                     WHEN 'primary' THEN h_areas.primary
                     WHEN 'lower_secondary' THEN h_areas.lower_secondary
                     WHEN 'upper_secondary' THEN h_areas.upper_secondary END AS area_school_ids,
        h_areas.primary AS primary_area_school_ids,
        (a.expected_grade IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM school s
            -- "= ANY", not "@>": the GIN index on grades would make every child read the
            -- posting list of every school teaching its grade (18,000 at national size).
            WHERE a.expected_grade = ANY(s.grades)
              AND ST_DWithin(s.location_geog, h.location_geog,
                  CASE a.stage WHEN 'pre_primary' THEN :max_m_pre_primary
                               WHEN 'primary' THEN :max_m_primary
                               WHEN 'lower_secondary' THEN :max_m_lower_secondary
                               ELSE :max_m_upper_secondary END))) AS beyond_distance,
        (a.enrolment_status IN ('enrolled', 'enrolled_outside_area')) AS enrolled
    FROM household h
    LEFT JOIN LATERAL (
        -- every current service area of the round that holds the home, by level
        SELECT array_agg(s_a.school_id) FILTER (WHERE s_a.level = 'pre_primary') AS pre_primary,
            array_agg(s_a.school_id) FILTER (WHERE s_a.level = 'primary') AS primary,
            array_agg(s_a.school_id) FILTER (WHERE s_a.level = 'lower_secondary')
                AS lower_secondary,
            array_agg(s_a.school_id) FILTER (WHERE s_a.level = 'upper_secondary')
                AS upper_secondary
        FROM service_area_part p JOIN service_area s_a ON s_a.id = p.service_area_id
        WHERE ST_Intersects(p.geom, h.location)
          AND s_a.academic_year = :round_year AND s_a.is_current
    ) h_areas ON true
    JOIN ({children}) a ON a.household_id = h.id
    WHERE h.round_year = :round_year AND ({households}) AND {where}
"""


def child_coverage_sql(
    where: str = "true", children_where: str = "true", households_where: str = "true"
) -> str:
    """Each child's coverage; ``children_where`` (a condition on ``c``, the child) and
    ``households_where`` (on ``h``) narrow the children before the spatial work, ``where``
    the result."""
    return CHILD_COVERAGE_SQL.format(
        children=assessed_children_sql(children_where), households=households_where, where=where
    )


# The stored copy (child_coverage) with the child and household columns the readers need.
STORED_SQL = """
    SELECT ch.id, ch.title, ch.first_name, ch.last_name, ch.sex, ch.birth_date,
        ch.guardian_name, ch.guardian_relationship, ch.enrolment_status, ch.not_enrolled_reason,
        ch.school_code,
        c.expected_grade, c.stage, c.compulsory_age, c.out_of_school, c.due_prathom1_next_year,
        c.enrolled, c.beyond_distance, c.area_school_ids, c.primary_area_school_ids,
        c.subdistrict_code, h.village_code, h.village_id, h.location, h.location_geog,
        h.house_number, h.moo
    FROM child_coverage c JOIN child ch ON ch.id = c.child_id
    JOIN household h ON h.id = c.household_id
    WHERE c.round_year = :round_year AND {where}
"""


def parameters_hash(round_year: int) -> str:
    """What the stored coverage was computed with (rules, norms); a change means recompute."""
    params = coverage_params(round_year)
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()


# Past this share of a round's households changed, one pass over the round is quicker.
INCREMENTAL_MAX_SHARE = 0.2


def coverage_status(session: Session, round_year: int) -> dict[str, Any]:
    """As of when the round's stored coverage was computed, and whether changes wait for the
    next refresh (which runs off the request path, seconds after a write). Reads only."""
    state = session.execute(
        text(
            "SELECT stale, parameters_hash, refreshed_at FROM coverage_state WHERE round_year = :y"
        ),
        {"y": round_year},
    ).first()
    changed = session.execute(
        text(
            "SELECT EXISTS (SELECT 1 FROM coverage_change WHERE round_year = :y) "
            "OR EXISTS (SELECT 1 FROM coverage_dirty_household WHERE round_year = :y)"
        ),
        {"y": round_year},
    ).scalar_one()
    pending = (
        state is None
        or state.stale
        or state.parameters_hash != parameters_hash(round_year)
        or bool(changed)
    )
    return {"refreshed_at": state.refreshed_at if state else None, "pending_changes": pending}


def coverage_version(session: Session, round_year: int) -> str:
    """Changes whenever what a coverage reader would read changes: a refresh, or the
    boundaries and names around it."""
    status = coverage_status(session, round_year)
    return f"{status['refreshed_at']}|{status['pending_changes']}|{geography_version(session)}"


def rounds_pending(session: Session) -> list[int]:
    """The census rounds whose stored coverage waits for a refresh."""
    years = session.execute(text("SELECT academic_year FROM census_round ORDER BY 1")).scalars()
    return [year for year in years if coverage_status(session, year)["pending_changes"]]


# A whole-round pass over at least this many households is shared between worker connections.
PARALLEL_MIN_HOUSEHOLDS = 20_000


def refresh_coverage(
    session: Session,
    round_year: int,
    *,
    wait: bool = True,
    workers: int = 1,
    parallel_min_households: int = PARALLEL_MIN_HOUSEHOLDS,
) -> bool:
    """Bring the round's stored coverage up to date; True when it recomputed anything.

    A change to schools, enrolment or service areas (or to the norms) recomputes every child;
    census changes recompute only the children of the households they touched (the triggers of
    migrations 0006, 0007 and 0033 keep the account). Runs in the caller's transaction and is
    serialised against other refreshes only: readers never call it and never wait, they read
    the last committed coverage. With ``wait`` False a refresh already running elsewhere makes
    this one return False at once (the background refresher's next tick will look again).

    With ``workers`` above 1 a whole-round pass over a large round (``parallel_min_households``)
    is computed by that many connections of their own, so only a caller that has written
    nothing uncommitted the pass needs may ask for it (the background refresher)."""
    lock = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    locked = session.execute(
        text(f"SELECT {lock}(hashtext('edumap-coverage'), :y)::text"), {"y": round_year}
    ).scalar()
    if not wait and locked != "true":
        return False
    digest = parameters_hash(round_year)
    state = session.execute(
        text("SELECT stale, parameters_hash FROM coverage_state WHERE round_year = :y"),
        {"y": round_year},
    ).first()
    # Taking the marks first (row locks) means a change committed while we recompute marks
    # again, for the next refresh, instead of being lost.
    changes = session.execute(
        text("DELETE FROM coverage_change WHERE round_year = :y RETURNING id"), {"y": round_year}
    ).all()
    dirty = list(
        session.execute(
            text(
                "DELETE FROM coverage_dirty_household WHERE round_year = :y RETURNING household_id"
            ),
            {"y": round_year},
        ).scalars()
    )
    whole_round = state is None or state.stale or bool(changes) or state.parameters_hash != digest
    if not whole_round and not dirty:
        return False
    _fast_plan(session)
    if not whole_round:
        # Counted only as far as the answer needs: past dirty / share households the change
        # is incremental whatever the round's size (a national round's 7 million households
        # took 0.3 s to count, three times an office's whole refresh).
        enough = math.floor(len(dirty) / INCREMENTAL_MAX_SHARE) + 1
        whole_round = not _has_households(session, round_year, enough)
    if whole_round:
        session.execute(text("DELETE FROM child_coverage WHERE round_year = :y"), {"y": round_year})
        if workers > 1 and _has_households(session, round_year, parallel_min_households):
            _store_coverage_in_parallel(session, round_year, workers)
        else:
            _store_coverage(session, round_year, "true")
    else:
        session.execute(
            text(
                # "= ANY(ARRAY(...))", not "IN (SELECT ...)": a hashed subquery in an OR is no
                # index condition, and the scan of every stored child was the whole of a
                # national refresh after one submission (1.1 s, against 0.1 ms).
                "DELETE FROM child_coverage WHERE round_year = :y AND (household_id = ANY(:ids) "
                "OR child_id = ANY(ARRAY(SELECT id FROM child WHERE household_id = ANY(:ids))))"
            ),
            {"y": round_year, "ids": dirty},
        )
        _store_coverage(
            session,
            round_year,
            "c.household_id = ANY(:ids)",
            {"ids": dirty},
            households_where="h.id = ANY(:ids)",
        )
    session.execute(
        text(
            """
        INSERT INTO coverage_state (round_year, stale, parameters_hash, refreshed_at)
        VALUES (:y, false, :h, now())
        ON CONFLICT (round_year) DO UPDATE SET stale = false, parameters_hash = :h,
            refreshed_at = now()
        """
        ),
        {"y": round_year, "h": digest},
    )
    return True


def _has_households(session: Session, round_year: int, at_least: int) -> bool:
    """Whether the round has ``at_least`` households, counted only that far (a national
    round's 7 million households took 0.3 s to count, three times an office's refresh)."""
    counted = session.execute(
        text("SELECT count(*) FROM (SELECT 1 FROM household WHERE round_year = :y LIMIT :n) h"),
        {"y": round_year, "n": at_least},
    ).scalar_one()
    return bool(counted >= at_least)


STORED_COLUMNS = (
    "child_id, round_year, household_id, subdistrict_code, expected_grade, stage, "
    "compulsory_age, out_of_school, due_prathom1_next_year, enrolled, beyond_distance, "
    "area_school_ids, primary_area_school_ids"
)


def _coverage_rows_sql(children_where: str = "true", households_where: str = "true") -> str:
    """The stored columns (STORED_COLUMNS) of the coverage of the round's children."""
    computed = child_coverage_sql(children_where=children_where, households_where=households_where)
    return f"""
        SELECT c.id, c.round_year, c.household_id, c.subdistrict_code, c.expected_grade,
            c.stage, c.compulsory_age, c.out_of_school, c.due_prathom1_next_year, c.enrolled,
            coalesce(c.beyond_distance, false), c.area_school_ids, c.primary_area_school_ids
        FROM ({computed}) c
    """


def _store_coverage(
    session: Session,
    round_year: int,
    children_where: str,
    params: dict[str, Any] | None = None,
    households_where: str = "true",
) -> None:
    """Compute and store the coverage of the round's children matching ``children_where``
    (a condition on ``c``, the child) in households matching ``households_where`` (on ``h``)."""
    session.execute(
        text(
            f"INSERT INTO child_coverage ({STORED_COLUMNS}) "
            + _coverage_rows_sql(children_where, households_where)
        ),
        coverage_params(round_year) | (params or {}),
    )


def _store_coverage_in_parallel(session: Session, round_year: int, workers: int) -> None:
    """The whole round's coverage, computed by ``workers`` connections at once, each for a
    share of the households, then stored in the caller's transaction (readers see the old
    coverage or the new, never a mix).

    PostgreSQL runs no INSERT ... SELECT in parallel, and correlated subqueries keep even a
    plain SELECT on one core, so a national pass used one of the machine's two. The workers
    write to an unlogged scratch table of this refresh (a scratch copy, not schema: the
    advisory lock makes it this round's alone, and it is dropped in the caller's
    transaction); the caller copies it in."""
    engine = session.get_bind().engine
    scratch = f"coverage_scratch_{int(round_year)}"
    with engine.begin() as connection:
        connection.execute(text(f"DROP TABLE IF EXISTS {scratch}"))  # a crashed refresh's
        connection.execute(
            text(
                f"CREATE UNLOGGED TABLE {scratch} AS SELECT {STORED_COLUMNS} "
                "FROM child_coverage WITH NO DATA"
            )
        )
    params = coverage_params(round_year) | {"parts": workers}
    share = _coverage_rows_sql(households_where="h.id % :parts = :part")

    def compute(part: int) -> None:
        with engine.begin() as connection:
            connection.execute(text("SET LOCAL jit = off"))
            connection.execute(
                text(f"INSERT INTO {scratch} ({STORED_COLUMNS}) {share}"), params | {"part": part}
            )

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(compute, range(workers)))
    session.execute(text(f"INSERT INTO child_coverage ({STORED_COLUMNS}) SELECT * FROM {scratch}"))
    # After a failure the table stays until the next refresh drops it: dropping it from
    # another connection would wait for the caller's own (failed) transaction.
    session.execute(text(f"DROP TABLE {scratch}"))


def stored_coverage_sql(where: str = "true") -> str:
    return STORED_SQL.format(where=where)


def _fast_plan(session: Session) -> None:
    # The planner's cost guesses for these joins trigger JIT, whose compile time (~0.7 s)
    # exceeds the query's own run time at an office's scale.
    session.execute(text("SET LOCAL jit = off"))


def subdistrict_coverage(
    session: Session,
    round_year: int,
    *,
    province: str | None = None,
    district: str | None = None,
    esao: str | None = None,
    suppress: bool = True,
) -> list[dict[str, Any]]:
    """Per tambon: compulsory-age children, enrolled, out of school, beyond distance, coverage
    rate; the same for pre-primary ages. Counts of 1-4 show as "<5" when ``suppress``."""
    return _counts_by(
        session,
        round_year,
        "subdistrict_code",
        "c.subdistrict_code",
        "",
        province=province,
        district=district,
        esao=esao,
        suppress=suppress,
    )


def area_coverage(
    session: Session,
    round_year: int,
    *,
    by: str,
    province: str | None = None,
    district: str | None = None,
    esao: str | None = None,
    suppress: bool = True,
) -> list[dict[str, Any]]:
    """The same figures per district or per office (an office's districts)."""
    if by == "district":
        return _counts_by(
            session,
            round_year,
            "district",
            "left(c.subdistrict_code, 4)",
            "",
            province=province,
            district=district,
            esao=esao,
            suppress=suppress,
        )
    if by == "esao":
        join = (
            "JOIN service_area_office_district od ON od.district_code = left(c.subdistrict_code, 4)"
        )
        return _counts_by(
            session,
            round_year,
            "esao",
            "od.office_code",
            join,
            province=province,
            district=district,
            esao=esao,
            suppress=suppress,
        )
    raise InvalidInputError("by", "district or esao")


# The coverage counts of a group of stored children (``c``), as a select list; the rates
# divide compulsory_enrolled by compulsory_age and pre_primary_enrolled by pre_primary_age.
COVERAGE_COUNTS = {
    "compulsory_age": "c.compulsory_age",
    "compulsory_enrolled": "c.compulsory_age AND c.enrolled",
    "out_of_school": "c.out_of_school",
    "beyond_distance": "c.compulsory_age AND c.beyond_distance",
    "pre_primary_age": "c.stage = 'pre_primary'",
    "pre_primary_enrolled": "c.stage = 'pre_primary' AND c.enrolled",
    "pre_primary_beyond_distance": "c.stage = 'pre_primary' AND c.beyond_distance",
    "due_prathom1_next_year": "c.due_prathom1_next_year",
}
COVERAGE_COUNTS_SQL = ", ".join(
    f"count(*) FILTER (WHERE {condition})::int AS {name}"
    for name, condition in COVERAGE_COUNTS.items()
)


def _counts_by(
    session: Session,
    round_year: int,
    name: str,
    key_sql: str,
    join_sql: str,
    *,
    province: str | None,
    district: str | None,
    esao: str | None,
    suppress: bool,
) -> list[dict[str, Any]]:
    """Coverage counts and rates of the stored children, grouped by ``key_sql``."""
    where, params = (
        area_filter("c", province, district, esao) if province or district or esao else ("true", {})
    )
    exact = _exact_counts(session, round_year, name, key_sql, join_sql, where, params)
    if suppress and name in AREA_PARENTS:
        every = exact
        if name == "district" and (district or esao):
            # A province's complements are chosen among all its districts, whatever was asked.
            provinces = sorted({row[name][:2] for row in exact})
            every = _exact_counts(
                session,
                round_year,
                name,
                key_sql,
                join_sql,
                "c.subdistrict_code IN (SELECT t.code FROM subdistrict t "
                "WHERE t.province_code = ANY(:provinces))",
                {"provinces": provinces},
            )
        withheld = area_complements(every, name)
        return [public_counts(counts, withheld.get(counts[name], ())) for counts in exact]
    if suppress:
        return [public_counts(counts) for counts in exact]
    return [
        counts | {r: rate(counts[part], counts[whole]) for part, whole, _, r in LINKED_COUNTS}
        for counts in exact
    ]


def _exact_counts(
    session: Session,
    round_year: int,
    name: str,
    key_sql: str,
    join_sql: str,
    where: str,
    params: dict[str, Any],
) -> list[dict[str, Any]]:
    rows = session.execute(
        text(
            f"""
        SELECT {key_sql} AS key, {COVERAGE_COUNTS_SQL}
        FROM child_coverage c {join_sql}
        WHERE c.round_year = :round_year AND {where}
        GROUP BY 1 ORDER BY 1
        """
        ),
        params | {"round_year": round_year},
    ).mappings()
    return [{name: row["key"], **{k: v for k, v in row.items() if k != "key"}} for row in rows]


def rate(part: int, whole: int) -> float | None:
    """part / whole to four places, or None when there is no whole."""
    return ratio(part, whole, 4)


# Counts where the whole less the part is itself a count of children at risk: (part, whole,
# the difference where it is published, the rate). Where the part or the difference is 1-4,
# the public sees neither the part nor the difference, nor the rate: the whole less the one
# shown would give the hidden one back (120 children, 117 enrolled: 3 out of school).
LINKED_COUNTS = (
    ("compulsory_enrolled", "compulsory_age", "out_of_school", "coverage_rate"),
    ("pre_primary_enrolled", "pre_primary_age", None, "pre_primary_rate"),
)


def linked_small(part: int, whole: int) -> bool:
    """Whether a part or its difference from the whole is a count of 1-4."""
    return 0 < part < SMALL_COUNT_THRESHOLD or 0 < whole - part < SMALL_COUNT_THRESHOLD


def linked_small_sql(part: str, whole: str) -> str:
    """``linked_small`` in SQL, over count expressions."""
    return f"({part} BETWEEN 1 AND 4 OR {whole} - {part} BETWEEN 1 AND 4)"


def public_counts(counts: dict[str, int], withheld: Collection[str] = ()) -> dict[str, Any]:
    """Coverage counts and rates as the public sees them: counts of 1-4 "<5", rates of fewer
    than 5 children none, and the linked counts (``LINKED_COUNTS``) withheld ("x") beside a
    small one, with their rate; and the counts and rates named in ``withheld`` (a tambon's
    complements, ``area_complements``)."""
    shown: dict[str, Any] = {
        name: suppress_small_count(value) if name in COVERAGE_COUNTS else value
        for name, value in counts.items()
    }
    for part, whole, difference, rate_name in LINKED_COUNTS:
        shown[rate_name] = public_rate(counts[part], counts[whole])
        if linked_small(counts[part], counts[whole]):
            for name in (part, difference):
                if name is not None and not isinstance(shown[name], str):
                    shown[name] = WITHHELD
            shown[rate_name] = None
    for name in withheld:
        if name in COVERAGE_COUNTS and not isinstance(shown[name], str):
            shown[name] = WITHHELD
        elif name not in COVERAGE_COUNTS:
            shown[name] = None
    return shown


# The areas whose public rows get complements down their column, with the key of their rows
# and the parent whose total is published: tambons within their district, districts within
# their province. (Offices are not: a province's secondary office covers the same districts
# as its primary ones, so their totals do not partition a parent.)
AREA_PARENTS = {"subdistrict_code": 4, "district": 2}


def area_complements(rows: list[dict[str, Any]], key: str) -> dict[str, set[str]]:
    """Secondary suppression down a column whose total is published: where one area's count
    is hidden, the parent's total less its other areas' would give it back, so a second count
    is withheld beside it: area code -> the counts and rates withheld.

    ``rows`` are the exact counts of every area of whole parents (``AREA_PARENTS``: a
    parent's choice depends only on its own areas, so every filter of the API and every layer
    agree). A linked pair (``LINKED_COUNTS``) is withheld together, with its rate, and a small
    ``whole`` is covered where its pair is withheld too, so its row cannot sum it back."""
    by_parent: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_parent.setdefault(row[key][: AREA_PARENTS[key]], []).append(row)
    withheld: dict[str, set[str]] = {}
    for areas in by_parent.values():
        for code, names in _parent_complements(areas, key).items():
            withheld.setdefault(code, set()).update(names)
    return withheld


def _parent_complements(areas: list[dict[str, Any]], key: str) -> dict[str, set[str]]:
    def values(name: str) -> dict[str, int]:
        return {row[key]: row[name] for row in areas}

    def small(name: str) -> set[str]:
        return {code for code, value in values(name).items() if 0 < value < SMALL_COUNT_THRESHOLD}

    withheld: dict[str, set[str]] = {}
    linked = set()
    for part, whole, difference, rate_name in LINKED_COUNTS:
        linked.update({part, whole} | ({difference} if difference else set()))
        pair_names = {part, rate_name} | ({difference} if difference else set())
        # Both columns of the pair are withheld at the complement, so the smallest other area
        # counted, preferring one where both its counts are non-zero (a withheld 0 protects
        # little: the total less what is shown would still be the hidden one).
        shut = {row[key] for row in areas if linked_small(row[part], row[whole])}
        both = {row[key] for row in areas if row[part] > 0 and row[whole] - row[part] > 0}
        chosen = complement(values(whole), shut, prefer=both)
        if chosen is not None:
            shut.add(chosen)
            withheld.setdefault(chosen, set()).update(pair_names)
        # A whole of 1-4 is covered by another whole whose row does not add up (its pair shut).
        cover = complement(values(whole), small(whole), prefer=shut)
        if cover is not None:
            withheld.setdefault(cover, set()).add(whole)
    for name in COVERAGE_COUNTS:
        if name not in linked:
            chosen = complement(values(name), small(name))
            if chosen is not None:
                withheld.setdefault(chosen, set()).add(name)
    return withheld


def public_tambon_counts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tambons' exact coverage rows (every tambon of whole districts) as the public sees them:
    ``public_counts`` with each district's complements."""
    withheld = area_complements(rows, "subdistrict_code")
    return [public_counts(dict(row), withheld.get(row["subdistrict_code"], ())) for row in rows]


def public_rate(part: int, whole: int) -> float | None:
    """The rate, except of fewer than 5 children: 2 of 3 enrolled would name the one who is not,
    so small groups get no rate, as their counts show "<5"."""
    return rate(part, whole) if whole >= SMALL_COUNT_THRESHOLD else None


# The stored coverage of the children living in the round's current service areas (of the
# levels ``levels``, on ``sa``) of the schools matching ``where`` (on ``s``): the only
# children whose area_school_ids can name those schools (the refresh computed them with the
# same ST_Intersects). Found on the
# households' spatial index: reading the round's every child for one office's schools took
# 19 s of its report at national size. (While a change to service areas waits for the
# refresher, a child of the old area outside the new one is left out until it runs.)
AREA_CHILDREN_SQL = """
    SELECT c.* FROM child_coverage c
    -- An array, not "IN (SELECT ...)": the planner guesses millions of homes from the spatial
    -- join and hashes them against a scan of every stored child; an array is looked up.
    WHERE c.round_year = :round_year AND c.household_id = ANY(ARRAY(
        SELECT DISTINCT h.id FROM school s
        JOIN service_area sa ON sa.school_id = s.id AND sa.academic_year = :round_year
             AND sa.is_current AND {levels}
        JOIN service_area_part p ON p.service_area_id = sa.id
        JOIN household h ON h.round_year = :round_year AND ST_Intersects(p.geom, h.location)
        WHERE {where}))
"""


def area_children_sql(where: str, levels: str = "true") -> str:
    """AREA_CHILDREN_SQL for the schools matching ``where`` (on ``s``), through their service
    areas matching ``levels`` (on ``sa``) only."""
    return AREA_CHILDREN_SQL.format(where=where, levels=levels)


def school_coverage(
    session: Session,
    round_year: int,
    *,
    province: str | None = None,
    district: str | None = None,
    esao: str | None = None,
) -> list[dict[str, Any]]:
    """Per school and grade: demand (children of the grade living in its service area),
    enrolment, capacity, spare seats; and next year's Prathom 1 intake against capacity."""
    where, params = area_filter("s", province, district, esao)
    rows = (
        session.execute(
            text(
                f"""
        WITH coverage AS (
            SELECT expected_grade, due_prathom1_next_year, area_school_ids,
                   primary_area_school_ids
            FROM ({area_children_sql(where)}) c
        ), demand AS (
            SELECT school_id, c.expected_grade AS grade, count(*) AS children
            FROM coverage c, unnest(c.area_school_ids) AS school_id
            GROUP BY 1, 2
        ), p1_next AS (
            SELECT school_id, count(*) AS children
            FROM coverage c, unnest(c.primary_area_school_ids) AS school_id
            WHERE c.due_prathom1_next_year
            GROUP BY 1
        ), latest AS (
            SELECT DISTINCT ON (school_id) school_id, academic_year FROM school_grade_year
            WHERE academic_year <= :round_year
              AND school_id IN (SELECT s.id FROM school s WHERE {where})
            ORDER BY school_id, academic_year DESC
        )
        SELECT s.code, s.name_th, left(s.subdistrict_code, 4) AS district_code, g.grade,
               coalesce(d.children, 0) AS demand,
               coalesce(gy.enrolled_male + gy.enrolled_female, 0) AS enrolled,
               {seats_sql("g.grade", "coalesce(gy.classrooms, 0)")} AS capacity,
               coalesce(pn.children, 0) AS p1_next_year
        FROM school s
        CROSS JOIN LATERAL unnest(s.grades) AS g(grade)
        LEFT JOIN latest l ON l.school_id = s.id
        LEFT JOIN school_grade_year gy ON gy.school_id = s.id
             AND gy.academic_year = l.academic_year AND gy.grade = g.grade
        LEFT JOIN demand d ON d.school_id = s.id AND d.grade = g.grade
        LEFT JOIN p1_next pn ON pn.school_id = s.id AND g.grade = 'P1'
        WHERE {where}
        ORDER BY s.code, array_position({GRADES_SQL_ARRAY}, g.grade::text)
        """
            ),
            coverage_params(round_year) | params,
        )
        .mappings()
        .all()
    )
    schools: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = schools.setdefault(
            row["code"],
            {
                "code": row["code"],
                "name_th": row["name_th"],
                "district_code": row["district_code"],
                "grades": [],
            },
        )
        grade = {k: row[k] for k in ("grade", "demand", "enrolled", "capacity")}
        grade["spare_seats"] = grade["capacity"] - grade["enrolled"]
        grade["over_capacity"] = grade["enrolled"] > grade["capacity"]
        entry["grades"].append(grade)
        if row["grade"] == "P1":
            entry["prathom1_next_year"] = {
                "children": row["p1_next_year"],
                "capacity": grade["capacity"],
                "short_of_seats": max(0, row["p1_next_year"] - grade["capacity"]),
            }
    return list(schools.values())


# The nearest school teaching the grade of ``c`` (a child with ``expected_grade`` and its
# home's ``location_geog``), as ``nearest``: KNN (<->, on the index) orders by distance on the
# sphere; the few nearest are ranked again by the exact distance on the WGS84 spheroid.
NEAREST_SCHOOL_SQL = """
    LEFT JOIN LATERAL (
        SELECT k.code, k.name_th, k.distance_m FROM (
            SELECT s.code, s.name_th,
                   ST_Distance(s.location_geog, c.location_geog) AS distance_m
            FROM school s WHERE s.grades @> ARRAY[c.expected_grade]::varchar[]
            ORDER BY s.location_geog <-> c.location_geog LIMIT 4
        ) k ORDER BY k.distance_m, k.code LIMIT 1
    ) nearest ON true
"""


def children_coverage(
    session: Session,
    round_year: int,
    *,
    flag: str,
    province: str | None = None,
    district: str | None = None,
    esao: str | None = None,
    limit: int = 500,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Named children with a flag (out_of_school, beyond_distance, over_capacity_area), each
    with the nearest school teaching their grade and its geodesic distance (KNN on the index)."""
    condition = unserved_condition(flag)
    where, params = area_filter("c", province, district, esao)
    rows = session.execute(
        text(
            f"""
        WITH over_capacity AS ({OVER_CAPACITY_SQL})
        SELECT c.id, c.first_name, c.last_name, c.sex, c.birth_date, c.guardian_name,
               c.enrolment_status, c.not_enrolled_reason, c.expected_grade, c.stage,
               CASE WHEN c.enrolment_status = 'enrolled' AND EXISTS (
                        SELECT 1 FROM school e WHERE e.code = c.school_code
                        AND e.id = ANY(c.area_school_ids)) THEN 'enrolled_in_area'
                    WHEN c.enrolled THEN 'enrolled_outside_area'
                    WHEN c.out_of_school THEN 'out_of_school'
                    ELSE c.enrolment_status END AS served,
               c.out_of_school, c.beyond_distance, c.subdistrict_code, c.village_code, c.moo,
               c.house_number, ST_X(c.location) AS lon, ST_Y(c.location) AS lat,
               nearest.code AS nearest_school_code, nearest.name_th AS nearest_school_name,
               round(nearest.distance_m::numeric, 1) AS nearest_school_distance_m
        FROM ({stored_coverage_sql(where)}) c
        {NEAREST_SCHOOL_SQL}
        WHERE {condition}
        ORDER BY c.subdistrict_code, c.moo NULLS LAST, c.last_name, c.first_name
        LIMIT :limit OFFSET :offset
        """
        ),
        coverage_params(round_year) | params | {"limit": limit, "offset": offset},
    )
    return [dict(r) for r in rows.mappings()]


# Children of the civil registration due to enter Prathom 1 next year whose registered village
# lies in the school's current primary service area, and whom the census did not list (by ID):
# unless a visit found them moved away or deceased (the verified status over the registers').
REGISTERED_DUE_PRATHOM1_SQL = f"""
WITH villages AS ({VILLAGE_OF_MOO_SQL})
SELECT NULL::int AS id, r.title, r.first_name, r.last_name, r.sex, r.birth_date,
       NULL AS guardian_name, NULL AS guardian_relationship, r.house_number, r.moo,
       vl.code AS village_code, r.subdistrict_code, vl.name_th AS village_name,
       t.name_th AS subdistrict_name, 'registers' AS source
FROM register_match m
JOIN register_record r ON r.id = m.civil_record_id
{LATEST_FINDING_SQL}
JOIN villages vl ON vl.subdistrict_code = r.subdistrict_code AND vl.moo = r.moo
JOIN subdistrict t ON t.code = r.subdistrict_code
WHERE m.round_year = :round_year
  AND extract(year FROM r.birth_date)::int + 543 = :round_year + 1 - :p1_offset
  AND coalesce(v.finding NOT IN ('moved_away', 'deceased'), true)
  AND NOT EXISTS (SELECT 1 FROM child ch WHERE ch.round_year = :round_year
                  AND ch.national_id_hash = m.person_key)
  AND EXISTS (SELECT 1 FROM service_area_part p JOIN service_area sa ON sa.id = p.service_area_id
              WHERE sa.school_id = :school_id AND sa.level = 'primary'
                AND sa.academic_year = :round_year AND sa.is_current
                AND ST_Intersects(p.geom, vl.geom))
ORDER BY r.subdistrict_code, r.moo, r.last_name, r.first_name
"""


def call_list(session: Session, school_code: str, round_year: int) -> dict[str, Any]:
    """Form พฐ.03: children living in the school's primary service area who are due to enter
    Prathom 1 next academic year, by village, with guardian and address: the census's, then the
    civil registration's it did not list (``source``); and the follow-up of last round's list:
    where those children are enrolled now."""
    params = coverage_params(round_year) | {"code": school_code}
    school_id, school_name = session.execute(
        text("SELECT id, name_th FROM school WHERE code = :code"), {"code": school_code}
    ).one()
    rows = (
        session.execute(
            text(
                f"""
        SELECT c.id, c.title, c.first_name, c.last_name, c.sex, c.birth_date, c.guardian_name,
               c.guardian_relationship, c.house_number, c.moo, c.village_code,
               c.subdistrict_code, v.name_th AS village_name, t.name_th AS subdistrict_name,
               'census' AS source
        FROM ({stored_coverage_sql("c.due_prathom1_next_year")}) c
        LEFT JOIN village v ON v.id = (SELECT id FROM village WHERE code = c.village_code
                                       ORDER BY id LIMIT 1)
        JOIN subdistrict t ON t.code = c.subdistrict_code
        WHERE :school_id = ANY(c.primary_area_school_ids)
        ORDER BY c.subdistrict_code, c.moo NULLS LAST, c.last_name, c.first_name
        """
            ),
            params | {"school_id": school_id},
        )
        .mappings()
        .all()
    )
    registered = (
        session.execute(text(REGISTERED_DUE_PRATHOM1_SQL), params | {"school_id": school_id})
        .mappings()
        .all()
    )
    villages: dict[str, dict[str, Any]] = {}
    for row in [*rows, *registered]:
        key = f"{row['subdistrict_code']}:{row['moo'] or 0}"
        group = villages.setdefault(
            key,
            {
                "subdistrict_code": row["subdistrict_code"],
                "subdistrict_name": row["subdistrict_name"],
                "moo": row["moo"],
                "village_code": row["village_code"],
                "village_name": row["village_name"],
                "children": [],
            },
        )
        group["children"].append(
            {
                k: row[k]
                for k in (
                    "id",
                    "title",
                    "first_name",
                    "last_name",
                    "sex",
                    "birth_date",
                    "guardian_name",
                    "guardian_relationship",
                    "house_number",
                    "source",
                )
            }
        )
    follow_up = (
        session.execute(
            text(
                """
        SELECT prev.first_name, prev.last_name, now.enrolment_status, now.school_code, now.grade
        FROM child prev
        JOIN household ph ON ph.id = prev.household_id
        LEFT JOIN child now ON now.round_year = :round_year
             AND now.national_id_hash = prev.national_id_hash
        WHERE prev.round_year = :round_year - 1
          AND extract(year FROM prev.birth_date)::int + 543 = :round_year - 1 + 1 - :p1_offset
          AND EXISTS (
              SELECT 1 FROM service_area_part p JOIN service_area sa ON sa.id = p.service_area_id
              WHERE sa.school_id = :school_id AND sa.level = 'primary'
                AND sa.academic_year = :round_year - 1 AND ST_Intersects(p.geom, ph.location))
        ORDER BY prev.last_name, prev.first_name
        """
            ),
            params | {"school_id": school_id},
        )
        .mappings()
        .all()
    )
    return {
        "school_code": school_code,
        "school_name_th": school_name,
        "round": round_year,
        "entry_year": round_year + 1,
        "children": len(rows) + len(registered),
        "registered_children": len(registered),
        "villages": sorted(
            villages.values(),
            key=lambda v: (v["subdistrict_code"], v["moo"] is None, v["moo"] or 0),
        ),
        "follow_up_of_last_round": [dict(r) for r in follow_up],
    }


def subdistrict_coverage_geojson(
    session: Session,
    round_year: int,
    *,
    province: str | None = None,
    district: str | None = None,
    esao: str | None = None,
    simplify_m: float | None = 50.0,
) -> str:
    """Coverage per tambon as a GeoJSON FeatureCollection string, assembled by PostGIS from
    the stored coverage and the stored generalised geometries (public: counts under 5 hidden).
    """
    rows = {
        r["subdistrict_code"]: r
        for r in subdistrict_coverage(
            session, round_year, province=province, district=district, esao=esao
        )
    }
    status = coverage_status(session, round_year)
    header = {
        "type": "FeatureCollection",
        "round": round_year,
        "refreshed_at": status["refreshed_at"].isoformat() if status["refreshed_at"] else None,
        "pending_changes": status["pending_changes"],
        "suppressed_below": SMALL_COUNT_THRESHOLD,
    }
    return str(
        session.execute(
            text(
                f"""
        SELECT (CAST(:header AS jsonb) || jsonb_build_object('features', coalesce(jsonb_agg(
            jsonb_build_object(
                'type', 'Feature', 'id', s.code,
                'geometry', ST_AsGeoJSON({geometry_sql(simplify_m)}, 5)::jsonb,
                'properties', jsonb_build_object('name_th', s.name_th,
                                                 'district_code', s.district_code)
                              || (CAST(:rows AS jsonb) -> s.code))
            ORDER BY s.code), '[]'::jsonb)))::text
        FROM subdistrict s WHERE s.code = ANY(:codes)
        """
            ),
            {
                "header": json.dumps(header),
                "rows": json.dumps(rows, default=str),
                "codes": list(rows),
                "simplify_m": simplify_m,
            },
        ).scalar_one()
    )
