"""Uploads: a form submission as ODK clients send it (multipart: ``xml_submission_file`` and
the files beside it), for the OpenRosa endpoint and the web page's form alike; and an uploaded
file saved for a reader that takes a path."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import Request
from starlette.datastructures import UploadFile

from kernel.errors import InvalidInputError

# What one POST may carry per file (Collect splits a larger submission over several POSTs).
ACCEPT_CONTENT_LENGTH = 10 * 1024 * 1024


class FileTooLargeError(InvalidInputError):
    def __init__(self, name: str) -> None:
        super().__init__(name, f"{name} is larger than accepted ({ACCEPT_CONTENT_LENGTH:,} bytes)")
        self.name = name


async def read_submission_parts(
    request: Request,
) -> tuple[bytes | None, list[tuple[str, str, bytes]]]:
    """The submission's XML (None when it has none) and its files as (name, content type,
    bytes); a file past the accepted size is refused naming it."""
    form = await request.form()
    xml: bytes | None = None
    files: list[tuple[str, str, bytes]] = []
    for name, value in form.multi_items():
        if not isinstance(value, UploadFile):
            continue  # *isIncomplete* and other fields
        content = await value.read()
        if name == "xml_submission_file":
            xml = content
        elif len(content) > ACCEPT_CONTENT_LENGTH:
            raise FileTooLargeError(value.filename or name)
        else:
            files.append((value.filename or name, value.content_type or "", content))
    return xml, files


@contextmanager
def saved_upload(file: UploadFile, suffixes: tuple[str, ...], *, stem: str = "") -> Iterator[Path]:
    """The uploaded file on disk, in a folder of its own removed afterwards (the readers take
    paths), named by its own stem (or ``stem``) and its suffix, refused unless one of
    ``suffixes``; copied in chunks, never held whole in memory."""
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in suffixes:
        raise InvalidInputError("file", f"upload a {' or '.join(suffixes)} file")
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / f"{stem or Path(file.filename or 'upload').stem}{suffix}"
        with target.open("wb") as handle:
            while chunk := file.file.read(1 << 20):
                handle.write(chunk)
        yield target
