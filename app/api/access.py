"""Who may call what: each router module lists its endpoints' expected status per role.

The lists sit next to the routes (``ACCESS_RULES`` in each module). The access-matrix test
calls every rule as every role and fails for any route that has no rule, so a new endpoint
cannot ship without deciding who may use it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

ROLES = ("anonymous", "admin", "planner", "surveyor", "school")


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
    """One endpoint, an example call, and the status each role should get."""

    method: str
    route: str
    expected: Mapping[str, int]
    example_path: str | None = None
    # A callable gives a fresh body per call (unique usernames, say).
    json: Callable[[], Any] | Any = None
    form: Callable[[], dict[str, str]] | dict[str, str] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    params: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return self.example_path or self.route
