"""Conditional GETs: an ETag from the data's version (never from the body, so a matching
If-None-Match costs no rendering) and a Cache-Control saying who may keep the answer."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import Request, Response

# What responses that differ by caller vary on (the three ways to sign in).
VARY_BY_CALLER = "Authorization, Cookie, X-API-Key"
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the If-None-Match ETag is current"}
}


def etag_for(request: Request, version: str, caller: str = "") -> str:
    """A strong ETag of the request's path and query, the data version and, for responses
    that differ by role or scope, the caller's scope."""
    key = f"{version}|{request.url.path}?{request.url.query}|{caller}"
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


class _Bodies:
    """The last rendered bodies of conditional GETs, by ETag, within a byte budget: the same
    data version and query render the same bytes, so a busy public endpoint renders each
    representation once per change, not once per request. Per process; thread-safe."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
        self._too_big: OrderedDict[str, None] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, etag: str) -> tuple[bytes, str] | None:
        with self._lock:
            found = self._items.get(etag)
            if found is not None:
                self._items.move_to_end(etag)
            return found

    def too_big(self, etag: str) -> bool:
        """Whether this representation was rendered before and was too big to keep."""
        with self._lock:
            return etag in self._too_big

    def put(self, etag: str, body: bytes, media_type: str) -> None:
        if len(body) > self.max_bytes // 4:
            with self._lock:
                self._too_big[etag] = None
                while len(self._too_big) > 1024:
                    self._too_big.popitem(last=False)
            return
        with self._lock:
            if etag in self._items:
                return
            self._items[etag] = (body, media_type)
            self._bytes += len(body)
            while self._bytes > self.max_bytes:
                _, (old, _) = self._items.popitem(last=False)
                self._bytes -= len(old)


BODIES = _Bodies(max_bytes=32 * 1024 * 1024)


class _SingleFlight:
    """One rendering at a time per ETag: requests that arrive while a representation is being
    rendered wait for it and are answered from ``BODIES``, instead of each rendering it again
    (a round's aggregates after a refresh take seconds of CPU at national size, and clients
    arriving together would otherwise share the cores that many ways). Per process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, int]] = {}

    @contextmanager
    def turn(self, etag: str) -> Iterator[None]:
        with self._lock:
            lock, waiting = self._locks.get(etag, (threading.Lock(), 0))
            self._locks[etag] = (lock, waiting + 1)
        try:
            with lock:
                yield
        finally:
            with self._lock:
                lock, waiting = self._locks[etag]
                if waiting == 1:
                    del self._locks[etag]
                else:
                    self._locks[etag] = (lock, waiting - 1)


RENDERING = _SingleFlight()


def conditional(
    request: Request,
    version: str,
    build: Callable[[], Response],
    *,
    caller: str | None = None,
    max_age_s: int = 60,
) -> Response:
    """``build()``'s response with an ETag and Cache-Control, or a 304 when the client's copy
    is current. ``caller`` (a role and scope) marks a response that differs by caller: private
    to the browser, revalidated each time, and varying on the sign-in headers."""
    etag = etag_for(request, version, caller or "")
    headers = {"ETag": etag}
    if caller is None:
        headers["Cache-Control"] = f"public, max-age={max_age_s}"
    else:
        headers["Cache-Control"] = "private, no-cache"
        headers["Vary"] = VARY_BY_CALLER
    wanted = {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}
    if etag in wanted or "*" in wanted:
        return Response(status_code=304, headers=headers)
    cached = BODIES.get(etag)
    if cached is not None:
        return Response(cached[0], media_type=cached[1], headers=headers)
    if BODIES.too_big(etag):  # not kept, so waiting for another rendering would not help
        return _built(etag, build, headers)
    with RENDERING.turn(etag):
        cached = BODIES.get(etag)  # rendered while this request waited its turn
        if cached is not None:
            return Response(cached[0], media_type=cached[1], headers=headers)
        return _built(etag, build, headers)


def _built(etag: str, build: Callable[[], Response], headers: dict[str, str]) -> Response:
    response = build()
    if response.status_code == 200 and response.media_type:
        BODIES.put(etag, bytes(response.body), response.media_type)
    response.headers.update(headers)
    return response
