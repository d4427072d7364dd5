"""Census services: rounds, REST submissions (idempotent), reads with PDPA rules, changes,
summaries and conflicts. Plain functions on a session; callers commit."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from geoalchemy2.shape import to_shape

from census.assessment_sql import assessed_children_sql, assessment_params
from census.dates import format_thai_date
from census.forms import clean_child
from census.locations import OUTSIDE_TAMBON_M_SQL, too_far, too_far_message
from census.models import CensusRound, Child, ChildChange, Household, HouseholdVersion
from census.rules import EnrolmentStatus, assess
from kernel.areas import area_filter
from kernel.config import Settings
from kernel.disclosure import suppress_small_count
from kernel.errors import (
    ConflictError,
    InvalidFieldsError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from kernel.extent import BBox, bbox_condition
from kernel.policy import household_scope_sql, may_change_household, write_scope
from kernel.principal import Principal

STAGES = ("pre_primary", "primary", "lower_secondary", "upper_secondary", "out_of_range")


# --- rounds -------------------------------------------------------------------------------


def get_round(session: Session, year: int) -> CensusRound:
    found = session.get(CensusRound, year)
    if found is None:
        raise NotFoundError(f"no census round for academic year {year}")
    return found


def create_round(
    session: Session, *, academic_year: int, province_code: str, office_code: str | None = None
) -> CensusRound:
    """Open a round for an academic year (idempotent for the same year and province)."""
    existing = session.get(CensusRound, academic_year)
    if existing is not None:
        if existing.province_code != province_code:
            raise ConflictError(
                f"round {academic_year} already exists for province {existing.province_code}"
            )
        return existing
    created = CensusRound(
        academic_year=academic_year,
        province_code=province_code,
        office_code=office_code,
        state="open",
    )
    session.add(created)
    session.flush()
    return created


def set_round_state(session: Session, year: int, state: str) -> CensusRound:
    if state not in ("open", "closed"):
        raise InvalidInputError("state", "open or closed")
    found = get_round(session, year)
    if state == "closed" and found.state != "closed":
        found.closed_at = dt.datetime.now(dt.UTC)
    elif state == "open":
        found.closed_at = None
    found.state = state
    session.flush()
    return found


# --- who may touch which household --------------------------------------------------------


def content_hash(body: dict[str, Any]) -> str:
    """SHA-256 of the submission as canonical JSON (sorted keys)."""
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


# What a submission needs to know before it writes, in one round trip: the round's state, the
# tambon, how far outside it the GPS point lies, and the village of the moo.
_SUBMISSION_CONTEXT_SQL = f"""
    SELECT (SELECT state FROM census_round WHERE academic_year = :year) AS round_state,
           t.code IS NOT NULL AS tambon_found,
           {OUTSIDE_TAMBON_M_SQL.format(point="ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)")}
               AS outside_m,
           v.id AS village_id, v.code AS village_code, ST_X(v.geom) AS village_lon,
           ST_Y(v.geom) AS village_lat
    FROM (SELECT 1) AS one
    LEFT JOIN subdistrict t ON t.code = :tambon
    LEFT JOIN LATERAL (SELECT id, code, geom FROM village WHERE code = :village
                       ORDER BY id LIMIT 1) v ON true
"""


def submit_household(
    session: Session,
    settings: Settings,
    principal: Principal,
    body: dict[str, Any],
    *,
    from_phone: bool = False,
) -> tuple[Household, bool]:
    """Store a household with its children in one go; returns (household, created).

    The client's UUID makes resends safe: the same UUID with the same content returns the
    stored household (created False); with other content it is a ConflictError. A new
    household costs a handful of round trips, none growing with the registry or the census.
    """
    subdistrict = body["subdistrict_code"]
    location = body.get("location")
    moo = body.get("moo")
    context = session.execute(
        text(_SUBMISSION_CONTEXT_SQL),
        {
            "year": body["round"],
            "tambon": subdistrict,
            "village": f"{subdistrict}{moo:02d}" if moo else None,
            "lon": (location or {}).get("lon", 0.0),
            "lat": (location or {}).get("lat", 0.0),
        },
    ).one()
    if context.round_state is None:
        raise NotFoundError(f"no census round for academic year {body['round']}")
    if context.round_state != "open":
        raise ConflictError(f"the census round {body['round']} is closed")
    if not context.tambon_found:
        raise InvalidInputError("subdistrict_code", f"no subdistrict {subdistrict} is loaded")
    if not write_scope(session, principal)(subdistrict, moo):
        raise PermissionDeniedError(
            f"tambon {subdistrict}{' moo ' + str(moo) if moo else ''} is "
            "outside the areas assigned to you"
        )
    digest = content_hash(body)
    replaced = session.execute(
        text("SELECT replaced_by FROM household_version WHERE household_uuid = CAST(:u AS uuid)"),
        {"u": str(body["uuid"])},
    ).scalar()
    if replaced is not None:
        raise ConflictError(f"this form was replaced by an edit ({replaced}): send the edit")

    # Only the codes this form names: the cost does not grow with the registry (36,000
    # schools nationally).
    named = sorted({c["school_code"] for c in body["children"] if c.get("school_code")})
    schools = (
        set(
            session.scalars(
                text("SELECT code FROM school WHERE code = ANY(:codes)"), {"codes": named}
            )
        )
        if named
        else set()
    )
    problems: list[tuple[str, str]] = []
    records = []
    for index, child in enumerate(body["children"]):
        record, child_problems = clean_child(child, settings, body["round"], schools)
        problems += [(f"children.{index}.{p.field}", p.message) for p in child_problems]
        records.append(record)
    keys = [r.person_key for r in records if r is not None]
    if len(keys) != len(set(keys)):
        problems.append(("children", "the same child is listed twice"))
    if problems:
        existing = session.scalar(select(Household).where(Household.uuid == body["uuid"]))
        if existing is not None:  # a resend of what was stored under older rules
            return _resend(existing, digest)
        raise InvalidFieldsError(problems)

    outside_m, flag = None, None
    if location:
        point = (location["lon"], location["lat"], "gps", location.get("accuracy_m"))
        outside_m = float(context.outside_m)
        limit_m = settings.household_max_outside_m
        if too_far(outside_m, point[3], limit_m):
            if location.get("confirmed"):
                flag = "confirmed"
            elif from_phone:
                # A phone's form was filled offline and cannot be asked again: refusing would
                # lose the field work, so the point is kept, flagged for the office to check.
                flag = "offline"
            else:
                message = too_far_message(outside_m, subdistrict, limit_m)
                raise InvalidInputError("location", message)
        else:
            outside_m = None
    elif context.village_id is not None:
        point = (context.village_lon, context.village_lat, "village_point", 1000.0)
    else:
        lon, lat, radius = session.execute(
            text(
                "SELECT ST_X(p), ST_Y(p), sqrt(ST_Area(geom::geography) / pi()) FROM subdistrict, "
                "ST_PointOnSurface(geom) p WHERE code = :c"
            ),
            {"c": subdistrict},
        ).one()
        point = (lon, lat, "tambon", radius)
    # A resend (or a concurrent identical submission) meets the UUID's unique index here.
    household = session.scalars(
        insert(Household)
        .values(
            uuid=body["uuid"],
            round_year=body["round"],
            house_number=body.get("house_number"),
            moo=moo,
            village_code=body.get("village_code") or context.village_code,
            village_id=context.village_id,
            subdistrict_code=subdistrict,
            house_code=body.get("house_code"),
            location=f"SRID=4326;POINT({point[0]} {point[1]})",
            location_source=point[2],
            location_accuracy_m=point[3],
            location_outside_m=outside_m,
            location_flag=flag,
            surveyor_id=principal.user_id,
            surveyed_at=body.get("surveyed_at") or dt.datetime.now(dt.UTC),
            source="rest",
            content_hash=digest,
        )
        .on_conflict_do_nothing(index_elements=["uuid"])
        .returning(Household)
    ).first()
    if household is None:
        existing = session.scalar(select(Household).where(Household.uuid == body["uuid"]))
        assert existing is not None
        return _resend(existing, digest)
    children = []
    for record in records:
        assert record is not None
        values = {
            k: v
            for k, v in record.__dict__.items()
            if k not in ("national_id_masked", "birth_date_era")
        }
        children.append(Child(household_id=household.id, round_year=body["round"], **values))
    session.add_all(children)
    session.flush()
    # The view needs no reload: the household knows its children and where it is.
    set_committed_value(household, "children", children)
    return household, True


def _resend(existing: Household, digest: str) -> tuple[Household, bool]:
    if existing.content_hash != digest:
        raise ConflictError(
            f"household {existing.uuid} was already submitted with different content; "
            "send it with a new UUID, or change it with PATCH"
        )
    return existing, False


# --- reading named records ----------------------------------------------------------------


def list_households(
    session: Session,
    principal: Principal,
    *,
    round_year: int,
    subdistrict: str | None = None,
    village_code: str | None = None,
    bbox: BBox | None = None,
    flag: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Households with their children (IDs masked) that the principal may see."""
    scope, params = household_scope_sql(session, principal)
    where = [scope, "h.round_year = :round_year"]
    params |= {"limit": limit, "offset": offset, **assessment_params(round_year)}
    if subdistrict:
        where.append("h.subdistrict_code = :subdistrict")
        params["subdistrict"] = subdistrict
    if village_code:
        where.append("h.village_code = :village")
        params["village"] = village_code
    if bbox is not None:
        condition, values = bbox_condition("h.location", bbox)
        where.append(condition)
        params |= values
    if flag:
        if flag not in ("compulsory_age", "out_of_school", "due_prathom1_next_year"):
            raise InvalidInputError(
                "flag", "compulsory_age, out_of_school or due_prathom1_next_year"
            )
        where.append(
            f"EXISTS (SELECT 1 FROM ({assessed_children_sql('c.household_id = h.id')}) f "
            f"WHERE f.{flag})"
        )
    ids = list(
        session.scalars(
            text(
                f"SELECT h.id FROM household h WHERE {' AND '.join(where)} ORDER BY h.id "
                "LIMIT :limit OFFSET :offset"
            ),
            params,
        )
    )
    households = session.scalars(
        select(Household).where(Household.id.in_(ids)).order_by(Household.id)
    ).all()
    return [household_view(session, h) for h in households]


def replace_household(
    session: Session,
    settings: Settings,
    principal: Principal,
    replaced_uuid: str,
    body: dict[str, Any],
    *,
    from_phone: bool = False,
) -> tuple[Household, bool]:
    """An edit of a submitted household (ODK's ``meta/deprecatedID``): the household of
    ``replaced_uuid`` becomes a kept version (its API view, in household_version) and ``body``
    is stored in its place. Resending the edit stores it once; an edit of a household the
    server never received is simply stored. Returns (household, created)."""
    new_uuid = str(body["uuid"])
    already = session.execute(
        text("SELECT 1 FROM household WHERE uuid = CAST(:u AS uuid)"), {"u": new_uuid}
    ).first()
    if already is None:
        try:
            replaced_key = uuid.UUID(replaced_uuid)
        except ValueError as exc:
            raise InvalidInputError(
                "meta/deprecatedID", f"uuid:..., got {replaced_uuid!r}"
            ) from exc
        old = session.scalar(
            select(Household).where(Household.uuid == replaced_key).with_for_update()
        )
        if old is not None:
            if not may_change_household(
                session, principal, old.subdistrict_code, old.moo, old.surveyor_id
            ):
                raise PermissionDeniedError("the household this edit replaces is not yours")
            session.add(
                HouseholdVersion(
                    household_uuid=old.uuid,
                    replaced_by=uuid.UUID(new_uuid),
                    round_year=old.round_year,
                    snapshot=json.loads(json.dumps(household_view(session, old), default=str)),
                    replaced_by_user=principal.user_id,
                )
            )
            session.delete(old)
            session.flush()
    return submit_household(session, settings, principal, body, from_phone=from_phone)


def keep_attachments(
    session: Session, household_uuid: str, files: list[tuple[str, str, bytes]]
) -> int:
    """Keep the files sent with a household's form, (name, content type, bytes) each; a file
    already kept under that name (a resend, a split submission's earlier part) is not stored
    again. Returns how many were new."""
    kept = 0
    for name, content_type, content in files:
        kept += session.execute(
            text(
                """
            INSERT INTO household_attachment (household_uuid, name, content_type, size_bytes,
                                              sha256, content)
            VALUES (CAST(:u AS uuid), :name, :type, :size, :sha, :content)
            ON CONFLICT (household_uuid, name) DO NOTHING
            """
            ),
            {
                "u": household_uuid,
                "name": name,
                "type": content_type,
                "size": len(content),
                "sha": hashlib.sha256(content).hexdigest(),
                "content": content,
            },
        ).rowcount  # type: ignore[attr-defined]
    return kept


def attachment(
    session: Session, principal: Principal, household_uuid: str, name: str
) -> tuple[str, bytes]:
    """A file kept with a household, for a principal who may read that household (else not
    found: a household out of reach is not told apart from none)."""
    scope, params = household_scope_sql(session, principal)
    row = session.execute(
        text(
            f"""
        SELECT a.content_type, a.content FROM household_attachment a
        JOIN household h ON h.uuid = a.household_uuid
        WHERE a.household_uuid = CAST(:u AS uuid) AND a.name = :name AND {scope}
        """
        ),
        params | {"u": household_uuid, "name": name},
    ).first()
    if row is None:
        raise NotFoundError(f"no file {name} with household {household_uuid}")
    return str(row.content_type), bytes(row.content)


def household_view(session: Session, household: Household) -> dict[str, Any]:
    del session  # the point comes with the row (WKB): no query per household
    point = to_shape(household.location)
    lon, lat = point.x, point.y
    return {
        "uuid": str(household.uuid),
        "round": household.round_year,
        "house_number": household.house_number,
        "moo": household.moo,
        "village_code": household.village_code,
        "subdistrict_code": household.subdistrict_code,
        "house_code": household.house_code,
        "location": {
            "lon": lon,
            "lat": lat,
            "source": household.location_source,
            "accuracy_m": household.location_accuracy_m,
        },
        "source": household.source,
        "children": [child_view(c, household.round_year) for c in household.children],
    }


def child_view(child: Child, round_year: int) -> dict[str, Any]:
    """A child as shown to roles allowed personal data: the national ID never in full."""
    flags = assess(child.birth_date, round_year, child.enrolment_status)
    return {
        "id": child.id,
        "id_kind": child.id_kind,
        "national_id": "x-xxxx-xxxxx-xx-x" if child.id_kind == "national_id" else None,
        "g_code": child.g_code,
        "title": child.title,
        "first_name": child.first_name,
        "last_name": child.last_name,
        "sex": child.sex,
        "birth_date": child.birth_date,
        "birth_date_th": format_thai_date(child.birth_date),
        "move_in_date": child.move_in_date,
        "guardian_name": child.guardian_name,
        "guardian_relationship": child.guardian_relationship,
        "disability": child.disability,
        "enrolment_status": child.enrolment_status,
        "school_code": child.school_code,
        "grade": child.grade,
        "not_enrolled_reason": child.not_enrolled_reason,
        "expected_grade": flags.expected_grade,
        "stage": flags.stage,
        "compulsory_age": flags.compulsory_age,
        "out_of_school": flags.out_of_school,
        "due_prathom1_next_year": flags.due_prathom1_next_year,
    }


# --- changes -----------------------------------------------------------------------------

CHANGEABLE = ("enrolment_status", "school_code", "grade", "not_enrolled_reason")


def update_child(
    session: Session, principal: Principal, child_id: int, changes: dict[str, Any]
) -> Child:
    """Change a child's enrolment; every changed field is kept in child_change."""
    child = session.get(Child, child_id)
    if child is None:
        raise NotFoundError(f"no child {child_id}")
    household = child.household
    if not may_change_household(
        session, principal, household.subdistrict_code, household.moo, household.surveyor_id
    ):
        raise NotFoundError(f"no child {child_id}")  # do not reveal that it exists
    merged = {k: getattr(child, k) for k in CHANGEABLE} | {
        k: v for k, v in changes.items() if k in CHANGEABLE
    }
    status = merged["enrolment_status"]
    if status not in {s.value for s in EnrolmentStatus}:
        raise InvalidInputError("enrolment_status", f"unknown status {status!r}")
    if status == EnrolmentStatus.enrolled and not merged["school_code"]:
        raise InvalidInputError("school_code", "an enrolled child needs the school's code")
    if (
        merged["school_code"]
        and session.execute(
            text("SELECT 1 FROM school WHERE code = :c"), {"c": merged["school_code"]}
        ).first()
        is None
    ):
        raise InvalidInputError("school_code", f"no school {merged['school_code']}")
    if status != EnrolmentStatus.not_enrolled:
        merged["not_enrolled_reason"] = None
    if status not in (EnrolmentStatus.enrolled, EnrolmentStatus.enrolled_outside_area):
        merged["school_code"], merged["grade"] = None, None
    for name in CHANGEABLE:
        old, new = getattr(child, name), merged[name]
        if old != new:
            session.add(
                ChildChange(
                    child_id=child.id,
                    changed_by=principal.username,
                    field=name,
                    old_value=None if old is None else str(old),
                    new_value=None if new is None else str(new),
                )
            )
            setattr(child, name, new)
    session.flush()
    return child


def child_history(session: Session, child_id: int) -> list[ChildChange]:
    return list(
        session.scalars(
            select(ChildChange).where(ChildChange.child_id == child_id).order_by(ChildChange.id)
        )
    )


# --- aggregates ---------------------------------------------------------------------------


def round_summary(
    session: Session,
    round_year: int,
    *,
    province: str | None = None,
    district: str | None = None,
    suppress: bool = True,
) -> list[dict[str, Any]]:
    """Children per tambon by stage and flag. Public, so counts of 1-4 show as "<5"."""
    get_round(session, round_year)
    where, params = ["true"], assessment_params(round_year)
    if province or district:
        area, area_params = area_filter("h", province, district, None)
        where.append(area)
        params |= area_params
    rows = session.execute(
        text(
            f"""
        SELECT h.subdistrict_code, s.name_th, a.stage,
               count(*) AS children,
               count(*) FILTER (WHERE a.compulsory_age) AS compulsory_age,
               count(*) FILTER (WHERE a.out_of_school) AS out_of_school,
               count(*) FILTER (WHERE a.due_prathom1_next_year) AS due_prathom1_next_year
        FROM ({assessed_children_sql()}) a
        JOIN household h ON h.id = a.household_id
        JOIN subdistrict s ON s.code = h.subdistrict_code
        WHERE {" AND ".join(where)}
        GROUP BY 1, 2, 3 ORDER BY 1
        """
        ),
        params,
    ).all()
    by_tambon: dict[str, dict[str, Any]] = {}
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for code, name, stage, children, compulsory, out, due in rows:
        by_tambon.setdefault(code, {"subdistrict_code": code, "name_th": name})
        totals[code][f"stage_{stage}"] += children
        totals[code]["children"] += children
        totals[code]["compulsory_age"] += compulsory
        totals[code]["out_of_school"] += out
        totals[code]["due_prathom1_next_year"] += due
    result = []
    for code, entry in by_tambon.items():
        counts = {f"stage_{s}": totals[code].get(f"stage_{s}", 0) for s in STAGES}
        counts |= {
            k: totals[code][k]
            for k in ("children", "compulsory_age", "out_of_school", "due_prathom1_next_year")
        }
        shown: dict[str, int | str] = (
            {k: suppress_small_count(v) for k, v in counts.items()} if suppress else dict(counts)
        )
        result.append(entry | shown)
    return result


def conflicts(session: Session, principal: Principal, round_year: int) -> dict[str, Any]:
    """The same national ID in two or more households, and likely duplicates without IDs
    (same names and birth date in the same village); listed for review, never merged."""
    scope, params = household_scope_sql(session, principal)
    params["round_year"] = round_year
    same_id = session.execute(
        text(
            f"""
        SELECT c.national_id_hash, array_agg(c.id ORDER BY c.id),
               array_agg(h.uuid::text ORDER BY c.id),
               array_agg(c.first_name || ' ' || c.last_name ORDER BY c.id)
        FROM child c JOIN household h ON h.id = c.household_id
        WHERE c.round_year = :round_year AND c.national_id_hash IS NOT NULL AND {scope}
        GROUP BY c.national_id_hash HAVING count(DISTINCT c.household_id) > 1
        """
        ),
        params,
    ).all()
    likely = session.execute(
        text(
            f"""
        SELECT array_agg(c.id ORDER BY c.id), array_agg(h.uuid::text ORDER BY c.id),
               min(c.first_name || ' ' || c.last_name), min(c.birth_date),
               coalesce(h.village_code, h.subdistrict_code)
        FROM child c JOIN household h ON h.id = c.household_id
        WHERE c.round_year = :round_year AND c.national_id_hash IS NULL AND {scope}
        GROUP BY c.first_name, c.last_name, c.birth_date,
                 coalesce(h.village_code, h.subdistrict_code)
        HAVING count(*) > 1
        """
        ),
        params,
    ).all()
    return {
        "same_national_id": [
            {"child_ids": ids, "households": hs, "names": names} for _, ids, hs, names in same_id
        ],
        "likely_duplicates": [
            {
                "child_ids": ids,
                "households": hs,
                "name": name,
                "birth_date": born,
                "village_or_tambon": where,
            }
            for ids, hs, name, born, where in likely
        ],
    }
