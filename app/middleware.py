"""ASGI middleware: security headers on every response, and request body size limits."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    # Geolocation stays allowed for the app's own household form.
    (b"permissions-policy", b"geolocation=(self), camera=(), microphone=()"),
]
# Only the app's own origin and no inline script: pages with inline scripts (the folium maps,
# the API docs) send their own policy allowing exactly those by hash (app/web/csp.py).
# Inline styles stay: Leaflet and the templates set them, and they run no code.
CONTENT_SECURITY_POLICY = (
    b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; "
    b"base-uri 'self'; form-action 'self'; object-src 'none'"
)


# ODK Web Forms' engine compiles WebAssembly and its styles carry fonts as data: URLs: its page
# alone may ('wasm-unsafe-eval' lets a page compile WebAssembly without letting any JavaScript
# string run as code).
WEB_FORMS_CONTENT_SECURITY_POLICY = (
    CONTENT_SECURITY_POLICY.replace(b"script-src 'self';", b"script-src 'self' 'wasm-unsafe-eval';")
    + b"; font-src 'self' data:"
)


class SecurityHeadersMiddleware:
    """Adds the usual hardening headers (and a CSP on HTML) to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                content_type = dict(headers).get(b"content-type", b"")
                if (
                    content_type.startswith(b"text/html")
                    and b"content-security-policy" not in present
                ):
                    headers.append((b"content-security-policy", CONTENT_SECURITY_POLICY))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodySizeLimitMiddleware:
    """Refuses request bodies over a limit with 413, by header or while streaming.

    Upload paths get ``upload_limit``; everything else ``default_limit``.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        default_limit: int,
        upload_limit: int,
        upload_paths: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.default_limit = default_limit
        self.upload_limit = upload_limit
        self.upload_paths = tuple(upload_paths)

    def _limit_for(self, path: str) -> int:
        return self.upload_limit if path.startswith(self.upload_paths) else self.default_limit

    async def _refuse(self, send: Send, limit: int) -> None:
        body = json.dumps(
            {
                "type": "about:blank",
                "title": "Content Too Large",
                "status": 413,
                "detail": f"The request body is larger than this endpoint accepts "
                f"({limit / 1_048_576:.1f} MB). Split the file or ask the administrator "
                "to raise EDUMAP_MAX_UPLOAD_BYTES.",
                "limit_bytes": limit,
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(scope["path"])
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, limit)
            return
        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Stop reading; whatever the app answers to the cut body is replaced.
                    exceeded = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await self._refuse(send, limit)


def _nul_field(value: Any, path: str) -> str | None:
    """The dotted path of the first text holding a NUL in a parsed JSON value."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _nul_field(str(key), f"{path}.{key}") or _nul_field(item, f"{path}.{key}")
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_field(item, f"{path}.{index}")
            if found:
                return found
    return None


class NulRefusalMiddleware:
    """Refuses a NUL character (0x00) in the path, the query or a JSON or form body with a 422
    naming the parameter: PostgreSQL cannot store one in text, and no name or code has one.
    (Multipart uploads are files; their readers refuse NULs naming the row.)"""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def _refuse(self, send: Send, field: str) -> None:
        message = "text may not contain a NUL character (0x00)"
        body = json.dumps(
            {
                "type": "about:blank",
                "title": "Unprocessable Content",
                "status": 422,
                "detail": f"Invalid request: {field}: {message}",
                "errors": [{"field": field, "message": message}],
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 422,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope.get("path", ""):
            await self._refuse(send, "path")
            return
        for name, value in parse_qsl(
            scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True
        ):
            if "\x00" in name or "\x00" in value:
                await self._refuse(send, f"query.{name.replace(chr(0), '')}")
                return
        content_type = dict(scope.get("headers", [])).get(b"content-type", b"").lower()
        if not content_type.startswith(
            (b"application/json", b"application/x-www-form-urlencoded", b"application/merge")
        ):
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message], receive), send)
                return
            chunks.append(message)
            more = message.get("more_body", False)
        raw = b"".join(m.get("body", b"") for m in chunks)
        field = None
        if content_type.startswith(b"application/x-www-form-urlencoded"):
            for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
                if "\x00" in name or "\x00" in value:
                    field = f"body.{name.replace(chr(0), '')}"
                    break
        elif b"\\u0000" in raw:
            try:
                field = _nul_field(json.loads(raw), "body")
            except ValueError:
                field = None  # not JSON: the route's validation says so
        if field:
            await self._refuse(send, field)
            return
        await self.app(scope, _replay(chunks, receive), send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive channel that gives back what was read, then the server's own (which tells of
    a disconnect when it comes)."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
