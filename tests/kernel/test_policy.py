"""The one access policy, rule by rule and role by role (the HTTP matrix checks the routes)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from kernel import policy
from kernel.errors import PermissionDeniedError
from kernel.principal import ANONYMOUS, Principal, Role

ADMIN = Principal(user_id=1, username="a", role=Role.admin)
PLANNER = Principal(user_id=2, username="p", role=Role.planner, office_code="P5501")
OTHER_PLANNER = Principal(user_id=3, username="q", role=Role.planner, office_code="P5502")
SURVEYOR = Principal(
    user_id=4, username="s", role=Role.surveyor, areas=frozenset({("550101", None), ("550102", 3)})
)
SCHOOL = Principal(user_id=5, username="k", role=Role.school, school_code="9955010001")


def test_who_may_write_households_where(db_session: Session) -> None:
    cases = {
        ADMIN: [True, True, True],
        PLANNER: [True, True, False],
        OTHER_PLANNER: [False, False, True],
        SURVEYOR: [True, False, False],
        SCHOOL: [False, False, False],
        ANONYMOUS: [False, False, False],
    }
    for principal, expected in cases.items():
        may = policy.write_scope(db_session, principal)
        assert [may("550101", 1), may("550102", 1), may("550501", None)] == expected, principal
    assert policy.write_scope(db_session, SURVEYOR)("550102", 3)  # the one assigned moo


def test_who_may_edit_a_school_and_see_its_exact_counts(db_session: Session) -> None:
    for principal, expected in (
        (ADMIN, True),
        (PLANNER, True),
        (OTHER_PLANNER, False),
        (SCHOOL, True),
        (SURVEYOR, False),
        (ANONYMOUS, False),
    ):
        assert policy.may_edit_school(db_session, principal, "9955010001", "5501") is expected
        exact = policy.exact_school_counts(db_session, principal)
        assert exact("9955010001", "5501") is expected, principal


def test_named_children_on_maps_and_lists() -> None:
    assert policy.named_coverage_area(ADMIN, "55", None, None) == ("55", None, None)
    # Their office, narrowed to the area asked for (a district of another office: nobody).
    assert policy.named_coverage_area(PLANNER, "55", "5514", None) == ("55", "5514", "P5501")
    with pytest.raises(PermissionDeniedError):
        policy.named_coverage_area(PLANNER, None, None, "P5502")
    for principal in (SURVEYOR, SCHOOL, ANONYMOUS):
        assert policy.named_coverage_area(principal, "55", None, None) is None


def test_named_reads_are_scoped_in_sql(db_session: Session) -> None:
    assert policy.household_scope_sql(db_session, ADMIN) == ("true", {})
    condition, params = policy.household_scope_sql(db_session, PLANNER)
    assert "scope_districts" in condition and "5501" in params["scope_districts"]
    assert policy.household_scope_sql(db_session, SURVEYOR)[1] == {"scope_user": 4}
    with pytest.raises(PermissionDeniedError):
        policy.household_scope_sql(db_session, SCHOOL)
