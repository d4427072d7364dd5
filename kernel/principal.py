"""Who is calling, and what their role and scope allow."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Role(enum.StrEnum):
    """What an account may see and do (anonymous callers have no account)."""

    admin = "admin"
    planner = "planner"
    surveyor = "surveyor"
    school = "school"
    # Directors and supervisors: their office's data rounds and figures, read only.
    viewer = "viewer"


ROLE_LABELS_TH = {
    Role.admin: "ผู้ดูแลระบบ",
    Role.planner: "นักวางแผน",
    Role.surveyor: "ผู้สำรวจ",
    Role.school: "โรงเรียน",
    Role.viewer: "ผู้บริหาร/ศึกษานิเทศก์ (ดูอย่างเดียว)",
}


@dataclass(frozen=True)
class Principal:
    """The caller: an account with its scope, or anonymous (``role`` None)."""

    user_id: int | None = None
    username: str = "anonymous"
    role: Role | None = None
    office_code: str | None = None
    school_code: str | None = None
    # (subdistrict code, moo or None for the whole tambon)
    areas: frozenset[tuple[str, int | None]] = field(default_factory=frozenset)
    auth_method: str = "none"
    session_token_id: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.role is None

    def has_role(self, *roles: Role) -> bool:
        return self.role is not None and self.role in roles

    def covers(self, subdistrict_code: str, moo: int | None = None) -> bool:
        """Whether a surveyor's assignment covers this tambon (and moo)."""
        return (subdistrict_code, None) in self.areas or (
            moo is not None and (subdistrict_code, moo) in self.areas
        )


ANONYMOUS = Principal()
