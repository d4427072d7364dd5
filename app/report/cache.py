"""A file cache for the public coverage report: the same report of the same data is rendered
once per ``report_cache_seconds``, so repeated downloads (or a client hammering the public
endpoint) do not cost seconds of CPU each."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.web.templating import TEMPLATES_DIR
from census.matching import registers_version
from gis.coverage import coverage_version
from kernel.config import Settings

# Every module a report's bytes depend on: this package (figures, maps, renderers, PDF, this
# cache) and what it draws from.
REPORT_MODULES = (
    "app.report.figures",
    "app.report.maps",
    "app.report.render",
    "app.report.pdf",
    "app.report.cache",
    "gis.maps",
    "gis.map_elements",
    "gis.coverage",
    "gis.schools.resources",
    "census.matching",
    "census.follow_up",
    "gis.service_areas.quality",
    "app.report.portal",
    "app.publish",
)


def report_source_files() -> list[Path]:
    """The templates and the source files of ``REPORT_MODULES``."""
    files = sorted(TEMPLATES_DIR.glob("*.html"))
    for name in REPORT_MODULES:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None, name
        files.append(Path(spec.origin))
    return files


def code_version(files: list[Path]) -> str:
    """A digest of the files' bytes: a changed template, figure or renderer makes every
    cached report a miss, so none drawn by the old code is served."""
    digest = hashlib.sha256()
    for part in files:
        digest.update(part.name.encode() + b"\0" + part.read_bytes())
    return digest.hexdigest()


CODE_VERSION = code_version(report_source_files())


def cached_report(
    settings: Settings,
    session: Session,
    round_year: int,
    request: dict[str, Any],
    render: Callable[[], bytes],
) -> bytes:
    """``render()`` unless the same ``request`` over the same data was rendered within the
    cache time; the date is part of the key, since the report prints the day it was made."""
    if settings.report_cache_seconds <= 0:
        return render()
    folder = settings.report_cache_dir or settings.var_dir / "cache" / "reports"

    def key() -> Path:
        parts = [
            request,
            coverage_version(session, round_year),
            registers_version(session, round_year),
            time.strftime("%Y-%m-%d"),
            CODE_VERSION,
        ]
        return (
            folder
            / hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
        )

    path = key()
    if path.exists() and time.time() - path.stat().st_mtime < settings.report_cache_seconds:
        return path.read_bytes()
    body = render()
    # Rendering may have refreshed the stored coverage: file it under the data it used.
    _write_atomically(folder, key(), body)
    return body


def _write_atomically(folder: Path, path: Path, body: bytes) -> None:
    # A reader never sees half a file: write beside it, then rename over it.
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".part-")
    with os.fdopen(handle, "wb") as file:
        file.write(body)
    os.replace(temporary, path)
