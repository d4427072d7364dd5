"""Content Security Policy for pages that carry inline scripts (the folium maps, the API docs):
each inline script is allowed by its SHA-256 hash, nothing else inline runs.

Every value in those pages passes one serialiser (JSON with ``<`` escaped), so no data can
close a script or open another; the hashes are taken of the page as rendered.
"""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import urlsplit

from fastapi.responses import HTMLResponse

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script>", re.DOTALL | re.I)


def script_hashes(page: str) -> list[str]:
    """CSP source expressions for the page's inline scripts, in order, without repeats."""
    hashes = []
    for body in INLINE_SCRIPT.findall(page):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        expression = f"'sha256-{digest}'"
        if expression not in hashes:
            hashes.append(expression)
    return hashes


def tile_origin(tiles: str | None) -> str | None:
    """The origin a basemap URL template loads from (``{s}`` subdomains as a wildcard)."""
    if not tiles:
        return None
    parts = urlsplit(tiles)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = re.sub(r"^\{s\}\.", "*.", parts.netloc)
    return f"{parts.scheme}://{host}"


def content_security_policy(
    page: str, *, tiles: str | None = None, frame_ancestors: str = "'none'"
) -> str:
    images = " ".join(filter(None, ["'self'", "data:", "blob:", tile_origin(tiles)]))
    scripts = " ".join(["'self'", *script_hashes(page)])
    return (
        f"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; "
        f"img-src {images}; connect-src 'self'; frame-ancestors {frame_ancestors}; "
        "base-uri 'self'; form-action 'self'; object-src 'none'"
    )


def html_with_inline_scripts(
    page: str, *, tiles: str | None = None, same_origin_frames: bool = False
) -> HTMLResponse:
    """An HTML response whose CSP allows exactly its own inline scripts; with
    ``same_origin_frames`` the app's own pages may embed it (the school page's map)."""
    response = HTMLResponse(page)
    response.headers["Content-Security-Policy"] = content_security_policy(
        page, tiles=tiles, frame_ancestors="'self'" if same_origin_frames else "'none'"
    )
    if same_origin_frames:
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
