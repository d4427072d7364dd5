"""Who may see what: the rules that decide between exact figures and suppressed ones."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.orm import Session

from census.service import office_districts
from kernel.principal import Principal, Role


def exact_school_counts(session: Session, principal: Principal) -> Callable[[str, str], bool]:
    """Whether the caller may see a school's exact small counts, given (school code, district
    code): those who may read the school's named children, i.e. admins, the planners of its
    office and the school itself. Everyone else sees 1-4 as "<5"."""
    if principal.role == Role.admin:
        return lambda _code, _district: True
    if principal.role == Role.planner:
        districts = office_districts(session, principal.office_code)
        return lambda _code, district: district in districts
    if principal.role == Role.school:
        return lambda code, _district: code == principal.school_code
    return lambda _code, _district: False


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
    return bool(session.execute(text(
        """
        SELECT EXISTS (SELECT 1 FROM user_account u WHERE u.id = :creator
                       AND u.office_code = :office)
            OR EXISTS (SELECT 1 FROM user_area a JOIN service_area_office_district d
                         ON d.district_code = left(a.subdistrict_code, 4)
                       WHERE a.user_id = :creator AND d.office_code = :office)
        """
    ), {"creator": created_by, "office": principal.office_code}).scalar())  # fmt: skip
