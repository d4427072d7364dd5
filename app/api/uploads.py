"""Reading a form submission as ODK clients send it (multipart: ``xml_submission_file`` and the
files beside it), for the OpenRosa endpoint and the web page's form alike."""

from __future__ import annotations

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
