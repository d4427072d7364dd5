"""The ICT norms (``data/norms/ict_norms.toml``): what a school should have, each with the
source it stands for, and how the procurement plan ranks what to buy."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kernel.config import get_settings
from kernel.vocabulary import DEVICE_KIND_LABELS_TH, LEVELS

SIZE_BANDS = ("small", "medium", "large", "extra_large")
PLAN_RULES = ("minimum_then_need", "need")


@dataclass(frozen=True)
class IctNorms:
    pupils_per_learning_device: dict[str, int]  # by level; 0: no norm
    teachers_per_admin_device: float
    admin_devices_minimum: int
    printers_by_size_band: dict[str, int]
    mbps_per_pupil: float
    minimum_mbps: float
    replacement_age: dict[str, int]  # years, by device kind
    plan_rule: str
    plan_minimum_units: int
    sources_th: dict[str, str]

    def sql_params(self) -> dict[str, Any]:
        """The bind parameters of the needs' SQL."""
        return {
            **{f"pupils_per_{lvl}": n for lvl, n in self.pupils_per_learning_device.items()},
            "teachers_per_admin_device": self.teachers_per_admin_device,
            "admin_devices_minimum": self.admin_devices_minimum,
            **{f"printers_{band}": n for band, n in self.printers_by_size_band.items()},
            "mbps_per_pupil": self.mbps_per_pupil,
            "minimum_mbps": self.minimum_mbps,
            "replacement_age": dict(self.replacement_age),
        }


class NormsError(ValueError):
    """The norms file is missing a figure or has one out of range; names the file and key."""


def _number(raw: dict[str, Any], path: Path, section: str, key: str, *, whole: bool) -> Any:
    value = raw.get(section, {}).get(key)
    kind = int if whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or value < 0:
        what = "a whole number" if whole else "a number"
        raise NormsError(f"{path.name}: [{section}] {key} must be {what} of 0 or more")
    return value


def read_ict_norms(path: Path) -> IctNorms:
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    rule = raw.get("plan", {}).get("rule")
    if rule not in PLAN_RULES:
        raise NormsError(f"{path.name}: [plan] rule must be one of {', '.join(PLAN_RULES)}")
    teachers = _number(raw, path, "administration_devices", "teachers_per_device", whole=False)
    if teachers == 0:
        raise NormsError(f"{path.name}: [administration_devices] teachers_per_device must be > 0")
    return IctNorms(
        pupils_per_learning_device={
            level: _number(raw, path, "learning_devices", level, whole=True) for level in LEVELS
        },
        teachers_per_admin_device=float(teachers),
        admin_devices_minimum=_number(raw, path, "administration_devices", "minimum", whole=True),
        printers_by_size_band={
            band: _number(raw, path, "printers", band, whole=True) for band in SIZE_BANDS
        },
        mbps_per_pupil=float(_number(raw, path, "internet", "mbps_per_pupil", whole=False)),
        minimum_mbps=float(_number(raw, path, "internet", "minimum_mbps", whole=False)),
        replacement_age={
            kind: _number(raw, path, "replacement_age", kind, whole=True)
            for kind in DEVICE_KIND_LABELS_TH
        },
        plan_rule=rule,
        plan_minimum_units=_number(raw, path, "plan", "minimum_units", whole=True),
        sources_th={
            section: str(raw[section].get("source", ""))
            for section in (
                "learning_devices",
                "administration_devices",
                "printers",
                "internet",
                "replacement_age",
            )
        },
    )


@functools.cache
def ict_norms() -> IctNorms:
    return read_ict_norms(get_settings().data_dir / "norms" / "ict_norms.toml")
