"""Matching the civil registration against the schools' records, in PostgreSQL.

The current extracts of a round (a newer extract of a kind and agency supersedes the older)
are joined on the keyed ID hash both keep (IDs stay encrypted at rest). Every child of the
register and every pupil of the records gets exactly one status, the first that applies:

1. ``record_conflict``: the same ID with another birth date or sex in the two registers, or in
   the records of two schools on one counting day;
2. ``pupil_not_registered``: in a school's records, not in the register;
3. ``no_record``: in the register, of compulsory age, in no school's records
   (``outside_window`` instead when past or before the compulsory window);
4. ``grade_mismatch``: matched, and the recorded grade is two or more below, or one or more
   above, the grade the age rule gives;
5. ``enrolled_elsewhere``: matched to a school outside the office that serves the registered
   tambon for the child's stage (the primary office for pre-primary and primary ages, the
   secondary office for secondary ages; for lower-secondary ages the primary office too, whose
   extended-opportunity schools teach Mathayom 1-3);
6. ``enrolled_in_area``: matched to a school of that office.

Each result says which records matched and how (``explanation``). Matching replaces the round's
previous results and can be run again at will: the same extracts give the same results.
Pupils without an ID (a G-code, or none) are matched to registered children by birth date, sex
and name, compared after folding titles, spaces, tone marks and letters commonly spelt for one
another (``match_names``); a link is made only when it is clear on both sides, and what is
close but not clear is shown as a possible match on both children, never merged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import text
from sqlalchemy.orm import Session

from census.assessment_sql import (
    age_on_cutoff_sql,
    assessment_params,
    born_be_sql,
    grade_index_sql,
    grade_of_index_sql,
    in_window_sql,
    stage_of_index_sql,
)
from census.follow_up import CHILD_REF_SQL, LATEST_FINDING_SQL, verified
from census.register_models import MATCH_STATUSES
from kernel.disclosure import suppress_small_count
from kernel.errors import ConflictError, InvalidInputError
from kernel.names import person_name_key
from kernel.vocabulary import GRADES_SQL_ARRAY

# The round's current records: the civil registration one row a person, and the pupils' rows
# keyed by ID, else G-code, else the row itself.
REGISTER_CTES = """
current_records AS (
    -- only the columns matching reads: 20 million rows are carried through sorts and joins
    SELECT r.id, e.kind, e.as_of, r.national_id_hash, r.g_code, r.birth_date, r.sex,
           r.subdistrict_code, r.school_code, r.grade
    FROM register_record r JOIN register_extract e ON e.id = r.extract_id
    -- the extracts by id (``current_extracts``): the planner then knows from the statistics
    -- how few rows an office's extracts hold beside the other rounds' millions (index scans,
    -- not a scan of the whole table)
    WHERE r.extract_id = ANY(CAST(:extract_ids AS int[]))
), civil AS (
    -- one registration per person (the first row of the extract if a person repeats)
    SELECT DISTINCT ON (person_key) *
    FROM (SELECT coalesce(national_id_hash, 'c:' || id) AS person_key, id, birth_date, sex,
                 subdistrict_code
          FROM current_records WHERE kind = 'civil') c
    ORDER BY person_key, id
), pupil_rows AS (
    SELECT coalesce(national_id_hash, 'g:' || g_code, 's:' || id) AS record_key, *
    FROM current_records WHERE kind = 'school'
)"""

# Pairs the ID leaves apart that may be one child: a pupil whose key no registration has and a
# registered child whose key no pupil has, born the same day, of the same sex, the school in
# the province of the registered address. Their names are compared in Python (rapidfuzz).
NAME_CANDIDATES_SQL = f"""
WITH {REGISTER_CTES}, unplaced_pupils AS (
    SELECT DISTINCT ON (r.record_key) r.*, left(s.subdistrict_code, 2) AS school_province
    FROM pupil_rows r LEFT JOIN school s ON s.code = r.school_code
    WHERE NOT EXISTS (SELECT 1 FROM civil c WHERE c.person_key = r.record_key)
    ORDER BY r.record_key, r.as_of DESC, r.id
), pairs AS (
    SELECT p.record_key AS pupil_key, p.national_id_hash IS NULL AS without_id,
           p.id AS pupil_id, p.school_code, c.person_key AS civil_key, c.id AS civil_id
    FROM unplaced_pupils p
    JOIN civil c ON c.birth_date = p.birth_date AND c.sex = p.sex
         AND left(c.subdistrict_code, 2) = p.school_province
    WHERE NOT EXISTS (SELECT 1 FROM pupil_rows r WHERE r.record_key = c.person_key)
)
SELECT x.pupil_key, x.without_id, x.school_code, x.civil_key,
       pr.first_name AS pupil_first, pr.last_name AS pupil_last, pe.source_name AS pupil_extract,
       pr.row_number AS pupil_row,
       cr.first_name AS civil_first, cr.last_name AS civil_last, ce.source_name AS civil_extract,
       cr.row_number AS civil_row
FROM pairs x
JOIN register_record pr ON pr.id = x.pupil_id JOIN register_extract pe ON pe.id = pr.extract_id
JOIN register_record cr ON cr.id = x.civil_id JOIN register_extract ce ON ce.id = cr.extract_id
"""

MATCH_SQL = f"""
WITH {REGISTER_CTES}, links AS (
    SELECT * FROM unnest(CAST(:link_pupil AS text[]), CAST(:link_civil AS text[]),
                         CAST(:link_score AS real[])) AS l(pupil_key, civil_key, score)
), pupil_sets AS (
    -- per person: every record, the latest one's school, grade, birth date and sex (by
    -- counting day, then file order), whether two schools counted the person on one day, and
    -- the spread of birth dates and sexes the records give
    SELECT p.person_key,
           array_agg(p.id ORDER BY p.id) AS record_ids,
           max(p.school_code) FILTER (WHERE p.latest) AS school_code,
           max(p.grade) FILTER (WHERE p.latest) AS grade,
           max(p.birth_date) FILTER (WHERE p.latest) AS birth_date,
           max(p.sex) FILTER (WHERE p.latest) AS sex,
           bool_or(p.day_first_school <> p.day_last_school) AS two_schools,
           max(p.name_score) AS name_score,
           min(p.birth_date) AS earliest_birth, max(p.birth_date) AS latest_birth,
           min(p.sex) AS min_sex, max(p.sex) AS max_sex
    FROM (
        SELECT q.*,
               row_number() OVER (PARTITION BY q.person_key
                                  ORDER BY q.as_of DESC, q.id) = 1 AS latest,
               min(q.school_code) OVER (PARTITION BY q.person_key, q.as_of) AS day_first_school,
               max(q.school_code) OVER (PARTITION BY q.person_key, q.as_of) AS day_last_school
        FROM (
            -- a pupil without an ID linked by name and birth date takes the child's key
            SELECT coalesce(l.civil_key, r.record_key) AS person_key, l.score AS name_score,
                   r.id, r.as_of, r.school_code, r.grade, r.birth_date, r.sex
            FROM pupil_rows r LEFT JOIN links l ON l.pupil_key = r.record_key
        ) q
    ) p GROUP BY p.person_key
), people AS (
    SELECT coalesce(c.person_key, s.person_key) AS person_key, c.id AS civil_id,
           c.subdistrict_code AS registered_tambon, c.birth_date AS civil_birth,
           c.sex AS civil_sex, s.record_ids, s.school_code, s.grade AS recorded_grade,
           s.two_schools, s.earliest_birth, s.latest_birth, s.min_sex, s.max_sex, s.name_score,
           coalesce(c.birth_date, s.birth_date) AS birth_date
    FROM civil c FULL JOIN pupil_sets s ON s.person_key = c.person_key
), assessed AS MATERIALIZED (
    -- computed once a child: the age rules are long expressions, inlined they ran many times
    SELECT p.*, b.born_be, {in_window_sql("b.born_be")} AS in_window,
           {grade_index_sql("b.born_be", "b.age_on_cutoff")} AS grade_index
    FROM people p CROSS JOIN LATERAL (
        SELECT {born_be_sql("p.birth_date")} AS born_be,
               {age_on_cutoff_sql("p.birth_date")} AS age_on_cutoff
    ) b
), graded AS MATERIALIZED (
    SELECT a.*, {grade_of_index_sql("a.grade_index")} AS expected_grade,
           {stage_of_index_sql("a.grade_index")} AS stage,
           array_position({GRADES_SQL_ARRAY}, a.recorded_grade) - 1 AS recorded_index
    FROM assessed a
), district_offices AS (
    SELECT d.district_code, o.kind::text AS kind,
           array_agg(d.office_code ORDER BY d.office_code) AS offices
    FROM service_area_office_district d JOIN service_area_office o ON o.code = d.office_code
    GROUP BY 1, 2
), placed AS (
    SELECT g.*, s.subdistrict_code AS school_tambon,
           -- the office the school belongs to: its own, else the one of its district for the
           -- grade it counts the child in (Mathayom: secondary; Anuban, Prathom: primary)
           coalesce(s.office_code, so.offices[1]) AS school_office,
           -- the offices serving the registered tambon for the child's stage: the primary
           -- office for pre-primary and primary ages, the secondary office for secondary ages,
           -- and for lower-secondary ages the primary office too (its extended-opportunity
           -- schools teach Mathayom 1-3)
           CASE WHEN g.stage IN ('pre_primary', 'primary', 'out_of_range') THEN hp.offices
                WHEN g.stage = 'lower_secondary' THEN hs.offices || hp.offices
                ELSE hs.offices END AS home_offices
    FROM graded g
    LEFT JOIN school s ON s.code = g.school_code
    LEFT JOIN district_offices so ON so.district_code = left(s.subdistrict_code, 4)
         AND so.kind = CASE WHEN g.recorded_grade LIKE 'M%' THEN 'secondary' ELSE 'primary' END
    LEFT JOIN district_offices hp ON hp.district_code = left(g.registered_tambon, 4)
         AND hp.kind = 'primary'
    LEFT JOIN district_offices hs ON hs.district_code = left(g.registered_tambon, 4)
         AND hs.kind = 'secondary'
)
INSERT INTO register_match (round_year, person_key, status, civil_record_id, school_record_ids,
                            subdistrict_code, school_code, expected_grade, recorded_grade,
                            explanation)
SELECT :round_year, person_key, status, civil_id, to_jsonb(record_ids),
       coalesce(registered_tambon, school_tambon), school_code, expected_grade, recorded_grade,
       -- which records (the files and rows) are read with the result: ``RECORDS_EXPLAINED``
       jsonb_build_object(
           'matched_by', CASE WHEN civil_id IS NOT NULL AND record_ids IS NOT NULL
                                   AND name_score IS NOT NULL THEN 'name_birth_date'
                              WHEN civil_id IS NOT NULL AND record_ids IS NOT NULL
                              THEN 'national_id' WHEN person_key LIKE 'g:%' THEN 'g_code' END,
           'name_score', name_score,
           'possible_matches', CAST(:possible_matches AS jsonb) -> person_key,
           'home_offices', to_jsonb(home_offices), 'school_office', school_office,
           'reason', reason)
FROM (
    -- One ladder: the first rule that applies gives the status and says why.
    SELECT p.*, f.finding[1] AS status, f.finding[2] AS reason
    FROM placed p CROSS JOIN LATERAL (SELECT CASE
        WHEN p.two_schools
            THEN ARRAY['record_conflict', 'in the records of two schools on one counting day']
        WHEN p.civil_id IS NOT NULL AND p.record_ids IS NOT NULL
             AND (p.earliest_birth <> p.civil_birth OR p.latest_birth <> p.civil_birth
                  OR p.min_sex <> p.civil_sex OR p.max_sex <> p.civil_sex)
            THEN ARRAY['record_conflict',
                       'the same ID with another birth date or sex in the two registers']
        WHEN p.civil_id IS NULL
            THEN ARRAY['pupil_not_registered', 'in a school''s records, not in the register']
        WHEN p.record_ids IS NULL AND p.in_window
            THEN ARRAY['no_record', 'of compulsory age, in no school''s records']
        WHEN p.record_ids IS NULL
            THEN ARRAY['outside_window', 'outside the compulsory window, in no records']
        WHEN p.grade_index IS NOT NULL AND (p.recorded_index <= p.grade_index - 2
                                            OR p.recorded_index >= p.grade_index + 1)
            THEN ARRAY['grade_mismatch', 'recorded grade ' || p.recorded_grade
                                         || ', the age rule gives ' || p.expected_grade]
        WHEN NOT coalesce(p.school_office = ANY(p.home_offices), false)
            THEN ARRAY['enrolled_elsewhere',
                       'at a school of ' || coalesce(p.school_office, 'no office')
                       || ', registered in the area of '
                       || coalesce(array_to_string(p.home_offices, ', '), 'no office')]
        ELSE ARRAY['enrolled_in_area', 'at a school of the office serving the registered tambon']
        END AS finding) f
) r
"""


def match_again_if_matched(session: Session, round_year: int) -> dict[str, int] | None:
    """After an import: a round matched before is matched again (its findings hold where the
    child's status stays; ``census.follow_up.LATEST_FINDING_SQL``); None for a round never
    matched (the office matches when its extracts are all in)."""
    matched_at = session.execute(
        text("SELECT matched_at FROM census_round WHERE academic_year = :y"), {"y": round_year}
    ).scalar()
    return None if matched_at is None else match_round(session, round_year)


def registers_version(session: Session, round_year: int) -> str:
    """Changes whenever what the registers' figures read changes: a matching run, a follow-up."""
    matched_at, last_follow_up = session.execute(
        text(
            "SELECT (SELECT matched_at FROM census_round WHERE academic_year = :y), "
            "(SELECT max(id) FROM register_follow_up WHERE round_year = :y)"
        ),
        {"y": round_year},
    ).one()
    return f"{matched_at}|{last_follow_up}"


# A result's explanation as a person reads it (``m`` a register_match row): what matching kept,
# with the records it rests on, the file, row, agency and date of each (for pupils the school
# and grade), read from the records rather than copied into 20 million results.
RECORDS_EXPLAINED = """
m.explanation || jsonb_build_object(
    'civil', (SELECT jsonb_build_object('extract', e.source_name, 'row', r.row_number)
              FROM register_record r JOIN register_extract e ON e.id = r.extract_id
              WHERE r.id = m.civil_record_id),
    'school_records', (
        SELECT jsonb_agg(jsonb_build_object('extract', e.source_name, 'row', r.row_number,
                                            'agency', e.agency, 'counted_on', e.as_of,
                                            'school', r.school_code, 'grade', r.grade)
                         ORDER BY r.id)
        FROM register_record r JOIN register_extract e ON e.id = r.extract_id
        WHERE r.id IN (SELECT CAST(jsonb_array_elements_text(m.school_record_ids) AS bigint))))
"""

# A name pair scores 0-100 (rapidfuzz's ratio of the folded names); a link needs this much,
# and the runner-up of either child must score this much less: two children whose names are
# that close (twins) are never merged, they are shown as possible matches for a person to judge.
NAME_MATCH_MIN_SCORE = 85.0
NAME_MATCH_MARGIN = 8.0


@dataclass
class NameMatches:
    """Pupils without an ID linked to registered children by name and birth date, and the
    pairs left for a person to judge (``possible``, by child: the other record and its score)."""

    links: dict[str, tuple[str, float]] = field(default_factory=dict)
    possible: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def current_extracts(session: Session, round_year: int) -> list[int]:
    """The round's extracts matching reads: none superseded."""
    return list(
        session.scalars(
            text(
                "SELECT id FROM register_extract WHERE round_year = :y AND superseded_by IS NULL "
                "ORDER BY id"
            ),
            {"y": round_year},
        )
    )


def match_names(
    session: Session, round_year: int, extract_ids: list[int] | None = None
) -> NameMatches:
    """Score every pair the ID leaves apart (``NAME_CANDIDATES_SQL``) on the children's names.

    A pupil without an ID is linked to a registered child when each is the other's best
    candidate, scores at least ``NAME_MATCH_MIN_SCORE``, and every other candidate of either
    scores ``NAME_MATCH_MARGIN`` less. Other pairs that score that much (a pupil with an ID the
    register lacks, perhaps mistyped; a pair too close to another to call) are only reported,
    on both children, as possible matches: an ID is never overruled by a name."""
    pairs = []
    ids = current_extracts(session, round_year) if extract_ids is None else extract_ids
    for row in session.execute(text(NAME_CANDIDATES_SQL), {"extract_ids": ids}).mappings():
        score = fuzz.ratio(
            person_name_key(row["pupil_first"], row["pupil_last"]),
            person_name_key(row["civil_first"], row["civil_last"]),
        )
        if score >= NAME_MATCH_MIN_SCORE:
            pairs.append((row, round(score, 1)))
    by_pupil: dict[str, list[float]] = {}
    by_civil: dict[str, list[float]] = {}
    for row, score in pairs:
        by_pupil.setdefault(row["pupil_key"], []).append(score)
        by_civil.setdefault(row["civil_key"], []).append(score)

    def clear_best(scores: list[float], score: float) -> bool:
        others = sorted(scores, reverse=True)
        others.remove(score)
        return score == max(scores) and all(other <= score - NAME_MATCH_MARGIN for other in others)

    found = NameMatches()
    for row, score in pairs:
        if (
            row["without_id"]
            and clear_best(by_pupil[row["pupil_key"]], score)
            and clear_best(by_civil[row["civil_key"]], score)
        ):
            found.links[row["pupil_key"]] = (row["civil_key"], score)
            continue
        found.possible.setdefault(row["pupil_key"], []).append(
            {"civil": {"extract": row["civil_extract"], "row": row["civil_row"]}, "score": score}
        )
        found.possible.setdefault(row["civil_key"], []).append(
            {
                "school_record": {
                    "extract": row["pupil_extract"],
                    "row": row["pupil_row"],
                    "school": row["school_code"],
                },
                "score": score,
            }
        )
    return found


def match_round(session: Session, round_year: int) -> dict[str, int]:
    """Match the round's current extracts; replaces its previous results. Returns the number
    of children per status. The caller commits. A round whose registers retention removed
    keeps its anonymised results: matching it again is refused."""
    purged = session.execute(
        text("SELECT max(purged_at) FROM register_extract WHERE round_year = :y"),
        {"y": round_year},
    ).scalar()
    if purged is not None:
        raise ConflictError(
            f"the registers of round {round_year} were removed by retention on "
            f"{purged:%Y-%m-%d}; its anonymised results are kept as they are"
        )
    session.execute(text("DELETE FROM register_match WHERE round_year = :y"), {"y": round_year})
    session.execute(text("SET LOCAL jit = off"))
    extract_ids = current_extracts(session, round_year)
    names = match_names(session, round_year, extract_ids)
    session.execute(
        text(MATCH_SQL),
        assessment_params(round_year)
        | {
            "extract_ids": extract_ids,
            "link_pupil": list(names.links),
            "link_civil": [civil for civil, _ in names.links.values()],
            "link_score": [score for _, score in names.links.values()],
            "possible_matches": json.dumps(names.possible, ensure_ascii=False),
        },
    )
    session.execute(
        text("UPDATE census_round SET matched_at = clock_timestamp() WHERE academic_year = :y"),
        {"y": round_year},
    )
    counts = dict.fromkeys(MATCH_STATUSES, 0)
    for status, count in session.execute(
        text("SELECT status, count(*) FROM register_match WHERE round_year = :y GROUP BY status"),
        {"y": round_year},
    ):
        counts[status] = count
    return counts


# What the office knows of each registered child, the field's finding over the registers'
# status (``status_source`` of the lists, counted): per tambon, the children of compulsory age
# the civil registration places there; those out of school (found so by a visit, or with no
# record and not visited yet, the two also apart); enrolled (found so, or by the records);
# moved away and deceased (found); and how many a visit has verified.
KNOWN_BY_TAMBON_SQL = f"""
SELECT m.subdistrict_code,
       -- (by status, not by the link to the civil record: retention removes that link)
       count(*) FILTER (WHERE m.status NOT IN ('outside_window', 'pupil_not_registered'))
           AS registered,
       count(*) FILTER (WHERE v.finding = 'out_of_school') AS out_of_school_verified,
       count(*) FILTER (WHERE v.finding IS NULL AND m.status = 'no_record')
           AS no_record_unverified,
       count(*) FILTER (WHERE coalesce(v.finding = 'enrolled', m.status IN
                              ('enrolled_in_area', 'enrolled_elsewhere', 'grade_mismatch')))
           AS enrolled,
       count(*) FILTER (WHERE v.finding = 'moved_away') AS moved_away,
       count(*) FILTER (WHERE v.finding = 'deceased') AS deceased,
       count(*) FILTER (WHERE v.finding IS NOT NULL) AS verified
FROM register_match m
{LATEST_FINDING_SQL}
WHERE m.round_year = :y AND m.subdistrict_code = ANY(:tambons)
GROUP BY m.subdistrict_code
"""
KNOWN_KEYS = (
    "registered",
    "out_of_school",
    "out_of_school_verified",
    "no_record_unverified",
    "enrolled",
    "moved_away",
    "deceased",
    "verified",
)


def known_by_tambon(
    session: Session, round_year: int, tambons: list[str]
) -> dict[str, dict[str, int]]:
    """``KNOWN_BY_TAMBON_SQL`` for the tambons given, exact counts (the caller suppresses);
    ``out_of_school`` is the verified plus the unverified."""
    rows = session.execute(
        text(KNOWN_BY_TAMBON_SQL), {"y": round_year, "tambons": tambons}
    ).mappings()
    known = {}
    for row in rows:
        counts = {k: int(v) for k, v in row.items() if k != "subdistrict_code"}
        counts["out_of_school"] = counts["out_of_school_verified"] + counts["no_record_unverified"]
        known[row["subdistrict_code"]] = {key: counts[key] for key in KNOWN_KEYS}
    return known


def matching_by_tambon(
    session: Session, round_year: int, *, district: str | None = None
) -> list[dict[str, Any]]:
    """Children per status per tambon (the registered one, else the school's), and what the
    office knows of them with the field's findings (``known``), public: counts of 1-4 as
    "<5"."""
    rows = session.execute(
        text(
            """
        SELECT m.subdistrict_code, t.name_th, m.status, count(*) AS children
        FROM register_match m LEFT JOIN subdistrict t ON t.code = m.subdistrict_code
        WHERE m.round_year = :y AND (CAST(:d AS text) IS NULL OR left(m.subdistrict_code, 4) = :d)
        GROUP BY 1, 2, 3 ORDER BY 1, 3
        """
        ),
        {"y": round_year, "d": district},
    ).mappings()
    tambons: dict[str | None, dict[str, Any]] = {}
    for row in rows:
        entry = tambons.setdefault(
            row["subdistrict_code"],
            {"subdistrict_code": row["subdistrict_code"], "name_th": row["name_th"]}
            | dict.fromkeys(MATCH_STATUSES, 0),
        )
        entry[row["status"]] = suppress_small_count(int(row["children"]))
    known = known_by_tambon(session, round_year, [code for code in tambons if code])
    for code, entry in tambons.items():
        counts = known.get(code or "", dict.fromkeys(KNOWN_KEYS, 0))
        entry["known"] = {k: suppress_small_count(v) for k, v in counts.items()}
    return list(tambons.values())


def matched_children(
    session: Session,
    round_year: int,
    *,
    status: str,
    districts: list[str] | None,
    subdistrict: str | None = None,
    limit: int = 500,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """The children of one status, by name (IDs masked), in the districts given (None: all),
    with the records that matched and why: for the office's follow-up. The caller audits."""
    if status not in MATCH_STATUSES:
        raise InvalidInputError("status", f"one of {', '.join(MATCH_STATUSES)}")
    rows = session.execute(
        text(
            f"""
        SELECT m.person_key, {CHILD_REF_SQL} AS ref, m.status, m.subdistrict_code,
               t.name_th AS subdistrict_name_th, m.school_code, m.expected_grade,
               m.recorded_grade, {RECORDS_EXPLAINED} AS explanation,
               v.finding, v.acted_on, v.school_code AS found_school, v.reason,
               v.moved_to_subdistrict,
               coalesce(c.national_id_masked, p.national_id_masked) AS national_id_masked,
               coalesce(c.title, p.title) AS title,
               coalesce(c.first_name, p.first_name) AS first_name,
               coalesce(c.last_name, p.last_name) AS last_name,
               coalesce(c.sex, p.sex) AS sex, coalesce(c.birth_date, p.birth_date) AS birth_date,
               c.house_number, c.moo, p.g_code
        FROM register_match m
        LEFT JOIN subdistrict t ON t.code = m.subdistrict_code
        LEFT JOIN register_record c ON c.id = m.civil_record_id
        LEFT JOIN register_record p ON p.id = (m.school_record_ids ->> 0)::bigint
        {LATEST_FINDING_SQL}
        WHERE m.round_year = :y AND m.status = :s AND m.person_key NOT LIKE 'anon:%'
          AND (CAST(:districts AS text[]) IS NULL OR left(m.subdistrict_code, 4) = ANY(:districts))
          AND (CAST(:tambon AS text) IS NULL OR m.subdistrict_code = :tambon)
        ORDER BY m.subdistrict_code, last_name, first_name, m.person_key
        LIMIT :limit OFFSET :offset
        """
        ),
        {
            "y": round_year,
            "s": status,
            "districts": districts,
            "tambon": subdistrict,
            "limit": limit,
            "offset": offset,
        },
    ).mappings()
    return [_with_verified(row) for row in rows]


# Read with LATEST_FINDING_SQL: the finding's columns, folded into ``verified``.
_FINDING_COLUMNS = ("finding", "acted_on", "found_school", "reason", "moved_to_subdistrict")


def _with_verified(row: Any) -> dict[str, Any]:
    """A child as the lists give it: the registers' status, the field's finding if a visit
    found one (``verified``), and which of the two the child's status comes from."""
    found = verified(dict(row) | {"school_code": row["found_school"]})
    child = {k: v for k, v in row.items() if k != "person_key" and k not in _FINDING_COLUMNS}
    return child | {"verified": found, "status_source": "field" if found else "registers"}


# What field work verifies: children the registers do not place in a school, or place twice.
TO_VERIFY = ("no_record", "record_conflict")


def verification_tambons(
    session: Session, round_year: int, area_sql: str, params: dict[str, Any]
) -> list[dict[str, Any]]:
    """The tambons with children to visit (``TO_VERIFY``) where ``area_sql`` (on ``c``, the
    civil record) allows: how many, and how many a visit has already verified."""
    rows = session.execute(
        text(
            f"""
        SELECT c.subdistrict_code, t.name_th AS subdistrict_name_th,
               d.name_th AS district_name_th, count(*) AS children,
               count(*) FILTER (WHERE v.finding IS NOT NULL) AS verified
        FROM register_match m JOIN register_record c ON c.id = m.civil_record_id
        JOIN subdistrict t ON t.code = c.subdistrict_code
        JOIN district d ON d.code = t.district_code
        {LATEST_FINDING_SQL}
        WHERE m.round_year = :y AND m.status = ANY(:statuses) AND ({area_sql})
        GROUP BY c.subdistrict_code, t.name_th, d.name_th
        ORDER BY c.subdistrict_code
        """
        ),
        params | {"y": round_year, "statuses": list(TO_VERIFY)},
    ).mappings()
    return [dict(row) for row in rows]


def verification_list(
    session: Session, round_year: int, area_sql: str, params: dict[str, Any]
) -> list[dict[str, Any]]:
    """The households to visit, pre-filled from the civil registration: per registered house
    (tambon, moo, house number, house code) the children whose status asks for a visit
    (``TO_VERIFY``), with why. ``area_sql`` is a condition on ``c``, the civil record."""
    rows = session.execute(
        text(
            f"""
        SELECT c.subdistrict_code, t.name_th AS subdistrict_name_th, c.moo, c.house_number,
               c.house_code, {CHILD_REF_SQL} AS ref, c.national_id_masked, c.title,
               c.first_name, c.last_name, c.sex, c.birth_date, m.status, m.expected_grade,
               m.explanation ->> 'reason' AS why, v.finding, v.acted_on,
               v.school_code AS found_school, v.reason, v.moved_to_subdistrict
        FROM register_match m JOIN register_record c ON c.id = m.civil_record_id
        JOIN subdistrict t ON t.code = c.subdistrict_code
        {LATEST_FINDING_SQL}
        WHERE m.round_year = :y AND m.status = ANY(:statuses) AND ({area_sql})
        ORDER BY c.subdistrict_code, c.moo NULLS LAST, c.house_number, c.house_code,
                 c.last_name, c.first_name
        """
        ),
        params | {"y": round_year, "statuses": list(TO_VERIFY)},
    ).mappings()
    houses: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        key = (row["subdistrict_code"], row["moo"], row["house_number"], row["house_code"])
        house = houses.setdefault(
            key,
            {
                "subdistrict_code": row["subdistrict_code"],
                "subdistrict_name_th": row["subdistrict_name_th"],
                "moo": row["moo"],
                "house_number": row["house_number"],
                "house_code": row["house_code"],
                "children": [],
            },
        )
        child = _with_verified(row)
        house["children"].append(
            {
                k: child[k]
                for k in (
                    "ref",
                    "national_id_masked",
                    "title",
                    "first_name",
                    "last_name",
                    "sex",
                    "birth_date",
                    "status",
                    "expected_grade",
                    "verified",
                    "status_source",
                )
            }
            | {"reason": row["why"]}
        )
    return list(houses.values())
