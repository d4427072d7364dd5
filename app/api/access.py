"""Who may call what: each router module lists its endpoints' expected status per role.

The lists sit next to the routes (``ACCESS_RULES`` in each module). The access-matrix test
calls every rule as every role and fails for any route that has no rule, so a new endpoint
cannot ship without deciding who may use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

ROLES = ("anonymous", "admin", "planner", "surveyor", "school", "viewer")


def expect(default: int, *, anonymous: int | None = None, **by_role: int) -> Mapping[str, int]:
    """Expected status per role: ``default`` unless a role (or anonymous) says otherwise."""
    table = dict.fromkeys(ROLES, default)
    if anonymous is not None:
        table["anonymous"] = anonymous
    table.update(by_role)
    return table


PUBLIC = expect(200)
SIGNED_IN = expect(200, anonymous=401)
ADMIN_ONLY = expect(403, anonymous=401, admin=200)


@dataclass(frozen=True)
class AccessRule:
    """One endpoint and the status each role should get calling it (the calls themselves, with
    example paths and bodies, are the access-matrix test's, in tests/helpers)."""

    method: str
    route: str
    expected: Mapping[str, int]
