"""Conditional GETs render a representation once when requests for it arrive together: the
others wait and are answered from the kept bodies. A representation too big to keep is not
waited for: its requests render side by side as before."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from fastapi import Request, Response

from app.api.caching import BODIES, conditional


def _request() -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "scheme": "http",
            "server": ("test", 80),
            "root_path": "",
            "path": "/api/v1/coverage/areas",
            "query_string": b"round=2569&by=esao",
            "headers": [],
        }
    )


def test_requests_arriving_together_render_once() -> None:
    version = uuid.uuid4().hex
    rendered = []
    started = threading.Event()
    release = threading.Event()

    def build() -> Response:
        rendered.append(1)
        started.set()
        release.wait(10)
        return Response(b'{"areas": []}', media_type="application/json")

    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(conditional, _request(), version, build)
        assert started.wait(10)
        # Seven more while the first is rendering: they wait their turn.
        others = [pool.submit(conditional, _request(), version, build) for _ in range(7)]
        release.set()
        answers = [first.result(10)] + [other.result(10) for other in others]
    assert len(rendered) == 1
    assert {bytes(answer.body) for answer in answers} == {b'{"areas": []}'}
    assert len({answer.headers["etag"] for answer in answers}) == 1
    # Another version of the data is rendered again.
    conditional(_request(), uuid.uuid4().hex, build)
    assert len(rendered) == 2


def test_a_representation_too_big_to_keep_is_not_waited_for() -> None:
    version = uuid.uuid4().hex
    big = b"x" * (BODIES.max_bytes // 4 + 1)
    together = threading.Barrier(2, timeout=10)
    rendered = []

    def build() -> Response:
        rendered.append(1)
        if len(rendered) > 1:
            together.wait()  # both renderings at once, or this raises after 10 s
        return Response(big, media_type="application/octet-stream")

    conditional(_request(), version, build)  # rendered, found too big, not kept
    with ThreadPoolExecutor(2) as pool:
        answers = [pool.submit(conditional, _request(), version, build) for _ in range(2)]
        assert all(len(answer.result(20).body) == len(big) for answer in answers)
    assert len(rendered) == 3
