"""Who may do what, in one place: read named children, write households in an area, edit a
school (and so export its call list), see exact small counts, read an import job. Typed on
``Principal``; where a rule depends on an office's districts it asks the database, and for
reads it gives the SQL condition that scopes them. Services, maps, routers and exports all
ask here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from kernel.areas import TAMBONS_OF_DISTRICTS
from kernel.errors import NotFoundError, PermissionDeniedError
from kernel.principal import Principal, Role

# Roles that may read named census records at all (each within its scope below).
NAMED_READER_ROLES = (Role.admin, Role.planner, Role.surveyor)
# Roles that see named children on the maps and in the coverage lists.
NAMED_COVERAGE_ROLES = (Role.admin, Role.planner)


def office_districts(session: Session, office_code: str | None) -> frozenset[str]:
    """The district codes an office serves."""
    if not office_code:
        return frozenset()
    return frozenset(
        session.scalars(
            text("SELECT district_code FROM service_area_office_district WHERE office_code = :o"),
            {"o": office_code},
        )
    )


def write_scope(session: Session, principal: Principal) -> Callable[[str, int | None], bool]:
    """Where the principal may write households, as a check that needs no more queries (an
    import calls it for every row while its connection streams COPY)."""
    if principal.role == Role.admin:
        return lambda _subdistrict, _moo: True
    if principal.role == Role.planner:
        districts = office_districts(session, principal.office_code)
        return lambda subdistrict, _moo: subdistrict[:4] in districts
    if principal.role == Role.surveyor:
        return principal.covers
    return lambda _subdistrict, _moo: False


def may_change_household(
    session: Session,
    principal: Principal,
    subdistrict_code: str,
    moo: int | None,
    surveyor_id: int | None,
) -> bool:
    """Changing a stored household's children: where the principal may write, and for a
    surveyor only what they submitted themselves."""
    allowed = write_scope(session, principal)(subdistrict_code, moo)
    if principal.role == Role.surveyor:
        allowed = allowed and surveyor_id == principal.user_id
    return allowed


def household_scope_sql(session: Session, principal: Principal) -> tuple[str, dict[str, Any]]:
    """SQL condition on ``h`` (household) limiting named reads to what the principal may see:
    admins all, planners their office's districts, surveyors what they submitted."""
    if principal.role == Role.admin:
        return "true", {}
    if principal.role == Role.planner:
        return TAMBONS_OF_DISTRICTS.format(column="h.subdistrict_code"), {
            "scope_districts": sorted(office_districts(session, principal.office_code))
        }
    if principal.role == Role.surveyor:
        return "h.surveyor_id = :scope_user", {"scope_user": principal.user_id}
    raise PermissionDeniedError("your role may not read named census records")


def named_register_districts(session: Session, principal: Principal) -> list[str] | None:
    """The districts whose register and matching results, by name, the principal may read:
    all for admins (None), their office's for planners; nobody else reads them."""
    if principal.role == Role.admin:
        return None
    if principal.role == Role.planner:
        return sorted(office_districts(session, principal.office_code))
    raise PermissionDeniedError("your role may not read named register records")


def register_area_sql(session: Session, principal: Principal) -> tuple[str, dict[str, Any]]:
    """SQL on ``c`` (a register record with subdistrict_code and moo) limiting it to where the
    principal works: admins everywhere, planners their office's districts, surveyors their
    assigned tambons (or moos of them)."""
    if principal.role == Role.admin:
        return "true", {}
    if principal.role == Role.planner:
        return TAMBONS_OF_DISTRICTS.format(column="c.subdistrict_code"), {
            "scope_districts": sorted(office_districts(session, principal.office_code))
        }
    if principal.role == Role.surveyor:
        whole = sorted(code for code, moo in principal.areas if moo is None)
        parts = sorted(f"{code}:{moo}" for code, moo in principal.areas if moo is not None)
        return (
            "(c.subdistrict_code = ANY(:scope_tambons) "
            "OR c.subdistrict_code || ':' || c.moo = ANY(:scope_moos))",
            {"scope_tambons": whole, "scope_moos": parts},
        )
    raise PermissionDeniedError("your role may not read named register records")


def school_editor(session: Session, principal: Principal) -> Callable[[str, str], bool]:
    """Which schools, given (school code, district code), the principal may edit, export the
    call list of, and see exact small counts of: admins every school, planners those in their
    office's districts (read once), a school account itself; nobody else."""
    if principal.role == Role.admin:
        return lambda _code, _district: True
    if principal.role == Role.planner:
        districts = office_districts(session, principal.office_code)
        return lambda _code, district: district in districts
    if principal.role == Role.school:
        return lambda code, _district: code == principal.school_code
    return lambda _code, _district: False


def may_edit_school(
    session: Session, principal: Principal, school_code: str, district_code: str
) -> bool:
    """Whether the principal may edit one school (and export its call list)."""
    return school_editor(session, principal)(school_code, district_code)


def named_coverage_area(
    principal: Principal, province: str | None, district: str | None, esao: str | None
) -> tuple[str | None, str | None, str | None] | None:
    """The area whose named children the principal may see on maps and lists, as (province,
    district, office), every part given applying; None for roles that see village counts only.
    A planner sees their own office only: the province or district asked for within it (none
    outside it); asking for another office is refused."""
    if principal.role not in NAMED_COVERAGE_ROLES:
        return None
    if principal.role == Role.planner:
        if esao and esao != principal.office_code:
            raise PermissionDeniedError("planners see the children of their own office only")
        return province, district, principal.office_code
    return province, district, esao


# Exact counts of 1-4 children go to those who may read the school's named children: its
# editors. Everyone else sees "<5".
exact_school_counts = school_editor


def exact_count_districts(session: Session, principal: Principal) -> frozenset[str] | None:
    """Where the principal sees counts of 1-4 children of an area as they are: everywhere for
    admins (None), their office's districts for planners, nowhere for anyone else."""
    if principal.role == Role.admin:
        return None
    if principal.role == Role.planner:
        return office_districts(session, principal.office_code)
    return frozenset()


def data_round_districts(session: Session, principal: Principal) -> list[str] | None:
    """The districts whose schools' data-round states and figures the principal sees as the
    office: all (None) for admins, their office's for planners and viewers."""
    if principal.role == Role.admin:
        return None
    if principal.role in (Role.planner, Role.viewer):
        return sorted(office_districts(session, principal.office_code))
    raise PermissionDeniedError("your role does not review data rounds")


def ict_school_scope(session: Session, principal: Principal) -> tuple[list[str] | None, str | None]:
    """Whose figures school by school (ICT needs, repairs, link status) the principal sees, as
    (districts, school code): every school for admins (None, None), their office's districts
    for planners and viewers, a school account itself; nobody else (the public sees sums per
    district and office)."""
    if principal.role == Role.admin:
        return None, None
    if principal.role in (Role.planner, Role.viewer):
        return sorted(office_districts(session, principal.office_code)), None
    if principal.role == Role.school and principal.school_code:
        return None, principal.school_code
    raise PermissionDeniedError("sign in as the school or its office to see a school's figures")


def school_ict_district(session: Session, principal: Principal, school_code: str) -> str:
    """The district of a school whose ICT figures (needs, link, tickets) the principal may
    read (``ict_school_scope``); refused for any other school."""
    district = school_district(session, school_code)
    if district is None:
        raise NotFoundError(f"no school {school_code}")
    districts, own_school = ict_school_scope(session, principal)
    outside_office = districts is not None and district not in districts
    if own_school not in (None, school_code) or outside_office:
        raise PermissionDeniedError(f"school {school_code} is not yours or your office's")
    return district


def school_district(session: Session, school_code: str) -> str | None:
    found = session.execute(
        text(
            "SELECT t.district_code FROM school s "
            "JOIN subdistrict t ON t.code = s.subdistrict_code WHERE s.code = :code"
        ),
        {"code": school_code},
    ).scalar()
    return str(found) if found else None


def may_fill_round(session: Session, principal: Principal, school_code: str) -> bool:
    """A school's figures in a data round are filled by the school itself, or by the office
    for it (an admin, a planner of the school's district): the school's editors."""
    district = school_district(session, school_code)
    return district is not None and school_editor(session, principal)(school_code, district)


def may_read_round(session: Session, principal: Principal, school_code: str) -> bool:
    """A school's figures are read by those who fill them, and by their office's viewers."""
    if principal.role == Role.viewer:
        district = school_district(session, school_code)
        return district in office_districts(session, principal.office_code)
    return may_fill_round(session, principal, school_code)


def may_review_round(session: Session, principal: Principal, school_code: str) -> bool:
    """Returning, accepting and reopening a school's figures: the office (admins, planners of
    the school's district), never the school."""
    return principal.role in (Role.admin, Role.planner) and may_fill_round(
        session, principal, school_code
    )


def may_read_import_job(session: Session, principal: Principal, created_by: int | None) -> bool:
    """An import job (its report and rejected rows name children) is read by its creator, by
    admins, and by the planners of the creator's office: the creator's own office, or the
    office serving a district the creator (a surveyor) is assigned to."""
    if principal.role == Role.admin or (
        principal.user_id is not None and created_by == principal.user_id
    ):
        return True
    if principal.role != Role.planner or created_by is None or not principal.office_code:
        return False
    return bool(
        session.execute(
            text(
                """
        SELECT EXISTS (SELECT 1 FROM user_account u WHERE u.id = :creator
                       AND u.office_code = :office)
            OR EXISTS (SELECT 1 FROM user_area a JOIN service_area_office_district d
                         ON d.district_code = left(a.subdistrict_code, 4)
                       WHERE a.user_id = :creator AND d.office_code = :office)
        """
            ),
            {"creator": created_by, "office": principal.office_code},
        ).scalar()
    )
