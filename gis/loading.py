"""What every loader shares: errors that name the place, reports, checksums and COPY."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.models import LoadLog


class LoadError(Exception):
    """A source file cannot be loaded; names the file and, when known, the row and field."""

    def __init__(
        self,
        source: str | Path,
        message: str,
        *,
        row: int | None = None,
        feature: str | None = None,
        field: str | None = None,
    ) -> None:
        self.source = str(source)
        self.message = message
        self.row = row
        self.feature = feature
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [Path(self.source).name]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.feature:
            where.append(self.feature)
        if self.field:
            where.append(f"field {self.field}")
        return f"{', '.join(where)}: {self.message}"


@dataclass
class LoadReport:
    """What one load did, printed by the CLI and kept in ``load_log``."""

    kind: str
    source: str
    sha256: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    repaired: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        """A few lines a person can read."""
        head = f"{self.kind}: {Path(self.source).name}"
        if self.skipped:
            return f"{head}: unchanged since the last load, skipped"
        lines = [head + ": " + ", ".join(f"{k} {v:,}" for k, v in self.counts.items())]
        lines += [f"  repaired: {item}" for item in self.repaired]
        lines += [f"  note: {item}" for item in self.notes]
        return "\n".join(lines)


def sha256_of(*paths: Path) -> str:
    """Checksum of one or more files, so an unchanged source can be skipped."""
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def last_load_sha256(session: Session, kind: str, source: str) -> str | None:
    """Checksum of the latest successful load of ``source`` as ``kind``."""
    return session.scalar(
        select(LoadLog.sha256)
        .where(LoadLog.kind == kind, LoadLog.source == source)
        .order_by(LoadLog.id.desc())
        .limit(1)
    )


def record_load(session: Session, report: LoadReport) -> None:
    """Keep the report of a successful load (same transaction as the load)."""
    session.add(
        LoadLog(
            kind=report.kind, source=report.source, sha256=report.sha256, report=report.as_dict()
        )
    )
