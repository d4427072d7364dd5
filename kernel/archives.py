"""Zip archives read by edumap (zipped shapefiles, XLSX workbooks) are size-checked before and
while a member is decompressed: a 1.6 MB upload once expanded to 1.5 GiB in the server.

Two limits (settings ``EDUMAP_ARCHIVE_MEMBER_MAX_BYTES``, ``EDUMAP_ARCHIVE_MAX_RATIO``): the size
a member may declare and the ratio of its declared size to its compressed size. A member's
declared size can lie, so extraction also counts the bytes it actually writes.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from kernel.config import get_settings

# Members smaller than this may compress as well as they like: they cannot be bombs.
RATIO_FLOOR_BYTES = 1 << 20


class ArchiveRefusedError(Exception):
    """An archive member too large, or compressed too well to be data; names the member."""

    def __init__(self, archive: str | Path, member: str, reason: str) -> None:
        self.archive = Path(archive).name
        self.member = member
        self.reason = reason
        super().__init__(
            f"{self.archive}: สมาชิก {member!r} ในไฟล์บีบอัดใหญ่เกินไป ({reason}) "
            f"(archive member {member!r} refused: {reason})"
        )


@dataclass(frozen=True)
class ArchiveLimits:
    member_max_bytes: int = 200 * 1024 * 1024
    max_ratio: float = 100.0


def archive_limits() -> ArchiveLimits:
    """The limits in force (settings)."""
    settings = get_settings()
    return ArchiveLimits(settings.archive_member_max_bytes, settings.archive_max_ratio)


def check_member(archive: str | Path, info: zipfile.ZipInfo, limits: ArchiveLimits) -> None:
    """Refuse one member by what its directory entry declares."""
    if info.file_size > limits.member_max_bytes:
        raise ArchiveRefusedError(
            archive,
            info.filename,
            f"{info.file_size:,} bytes when expanded, over the limit of "
            f"{limits.member_max_bytes:,}",
        )
    if info.file_size > RATIO_FLOOR_BYTES:
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_ratio:
            raise ArchiveRefusedError(
                archive,
                info.filename,
                f"compressed {ratio:,.0f}:1, over the limit of {limits.max_ratio:,.0f}:1",
            )


def check_archive(path: str | Path, limits: ArchiveLimits | None = None) -> None:
    """Refuse a zip whose members declare too much; a zip that cannot be opened is left for
    its reader to report."""
    limits = limits or archive_limits()
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                check_member(path, info, limits)
    except zipfile.BadZipFile:
        return


def extract_members(
    path: Path, names: list[str], target: Path, limits: ArchiveLimits | None = None
) -> list[Path]:
    """Copy members to ``target`` (flat, by base name), counting the bytes actually written."""
    limits = limits or archive_limits()
    written: list[Path] = []
    with zipfile.ZipFile(path) as archive:
        for name in names:
            info = archive.getinfo(name)
            check_member(path, info, limits)
            destination = target / PurePosixPath(name).name
            total = 0
            with archive.open(info) as source, destination.open("wb") as sink:
                while chunk := source.read(1 << 20):
                    total += len(chunk)
                    if total > limits.member_max_bytes:
                        raise ArchiveRefusedError(
                            path, name, f"expands past {limits.member_max_bytes:,} bytes"
                        )
                    sink.write(chunk)
            written.append(destination)
    return written
