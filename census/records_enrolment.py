"""Schools' enrolment from their pupil records: once a school-records extract is loaded, the
count of its pupils by grade and sex (and its rooms per grade as classrooms) is the school's
figure for the year, named as such (its files and counting day) wherever it is shown; the
office's import no longer overrides it, and synthetic figures never did.

Written with SQL on ``school_grade_year`` (the schools' table) so that the census package need
not import the schools package, its sibling.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

# Per school and grade of the round's current school-records extracts (every agency): pupils
# by sex, distinct rooms, the latest counting day and the files.
_RECORDS_ENROLMENT_SQL = """
CREATE TEMP TABLE records_enrolment ON COMMIT DROP AS
SELECT s.id AS school_id, r.grade,
       count(*) FILTER (WHERE r.sex = 'M') AS male,
       count(*) FILTER (WHERE r.sex = 'F') AS female,
       count(DISTINCT coalesce(r.room, '')) AS rooms,
       max(e.as_of) AS counted_on,
       string_agg(DISTINCT e.source_name, ', ') AS files
FROM register_record r
JOIN register_extract e ON e.id = r.extract_id
JOIN school s ON s.code = r.school_code
WHERE e.round_year = :y AND e.kind = 'school' AND e.superseded_by IS NULL
GROUP BY s.id, r.grade
"""
# A school in the records has the records' grades only: another source's rows of it go.
_REPLACE_SQL = """
DELETE FROM school_grade_year
WHERE academic_year = :y AND school_id IN (SELECT school_id FROM records_enrolment)
"""
_INSERT_SQL = """
INSERT INTO school_grade_year (school_id, academic_year, grade, enrolled_male, enrolled_female,
                               classrooms, synthetic, source, source_detail, counted_on)
SELECT school_id, :y, grade, male, female, rooms, false, 'school_records', files, counted_on
FROM records_enrolment
"""


def enrolment_from_records(session: Session, round_year: int) -> int:
    """Write the schools' enrolment for ``round_year`` from its current school records;
    returns how many schools it set. The caller commits."""
    session.execute(text("DROP TABLE IF EXISTS records_enrolment"))
    for statement in (_RECORDS_ENROLMENT_SQL, _REPLACE_SQL, _INSERT_SQL):
        session.execute(text(statement), {"y": round_year})
    return int(
        session.execute(
            text(
                "SELECT count(DISTINCT school_id) FROM school_grade_year "
                "WHERE academic_year = :y AND source = 'school_records'"
            ),
            {"y": round_year},
        ).scalar_one()
    )
