"""Follow-up and evaluation (issue 21, part 5): the public's feedback on a page and how much
each page is viewed and downloaded per month. Nothing about who: no address, account or
cookie is stored; the feedback's text loses anything that looks like an ID number, a phone
number or an e-mail address before it is kept; the rate limit holds addresses in memory for
ten minutes only."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections import Counter, deque
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kernel.errors import InvalidInputError, TooManyAttemptsError

MAX_TEXT = 1000
# Per address and over everyone, in a sliding ten minutes.
WINDOW_S = 600
PER_ADDRESS = 5
OVERALL = 200
# Runs of 9 or more digits (with spaces or dashes): national IDs, phone numbers.
NUMBERS = re.compile(r"(?:\d[\s-]?){8,}\d")
EMAILS = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
REMOVED = "[ลบออก]"


def scrubbed(missing: str) -> str:
    """The text without what could identify someone (ID and phone numbers, e-mails)."""
    return EMAILS.sub(REMOVED, NUMBERS.sub(REMOVED, missing.strip()))[:MAX_TEXT]


class FeedbackLimiter:
    """At most PER_ADDRESS feedbacks per address and OVERALL in all per window (per server
    process); the addresses live in memory for the window only."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_address: dict[str, deque[float]] = {}
        self._all: deque[float] = deque()

    def check(self, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            for queue in (self._all, *self._by_address.values()):
                while queue and queue[0] <= now - WINDOW_S:
                    queue.popleft()
            self._by_address = {a: q for a, q in self._by_address.items() if q}
            mine = self._by_address.setdefault(address, deque())
            if len(mine) >= PER_ADDRESS or len(self._all) >= OVERALL:
                oldest = (mine if len(mine) >= PER_ADDRESS else self._all)[0]
                raise TooManyAttemptsError(
                    "ส่งความคิดเห็นบ่อยเกินไป โปรดลองใหม่ในอีกสักครู่",
                    retry_after_s=int(oldest + WINDOW_S - now) + 1,
                )
            mine.append(now)
            self._all.append(now)


def store_feedback(session: Session, *, page: str, useful: bool | None, missing: str) -> int:
    if not page.startswith("/") or len(page) > 300:
        raise InvalidInputError("page", "the page's path")
    if useful is None and not missing.strip():
        raise InvalidInputError("missing", "say whether the page was useful, or what is missing")
    return int(
        session.execute(
            text("INSERT INTO feedback (page, useful, missing) VALUES (:p, :u, :m) RETURNING id"),
            {"p": page.split("?")[0], "u": useful, "m": scrubbed(missing)},
        ).scalar_one()
    )


class UsageCounter:
    """Views and downloads counted in memory and added to ``page_usage`` by ``flush`` (every
    minute at most, at shutdown, and before the figures are read)."""

    FLUSH_S = 60

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[dt.date, str, str]] = Counter()
        self._last_flush = time.monotonic()

    def count(self, page: str, kind: str) -> bool:
        """Count one; True when it is time to flush."""
        month = dt.date.today().replace(day=1)
        with self._lock:
            self._counts[(month, page, kind)] += 1
            return time.monotonic() - self._last_flush > self.FLUSH_S

    def flush(self, engine: Engine) -> None:
        with self._lock:
            counts, self._counts = self._counts, Counter()
            self._last_flush = time.monotonic()
        if not counts:
            return
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO page_usage (month, page, kind, count) VALUES (:m, :p, :k, :c) "
                    "ON CONFLICT (month, page, kind) DO UPDATE "
                    "SET count = page_usage.count + EXCLUDED.count"
                ),
                [{"m": m, "p": p, "k": k, "c": c} for (m, p, k), c in counts.items()],
            )


class UsageCountingMiddleware:
    """Counts every page (HTML) and download (an attachment) served whole (200) to a GET, by
    the route's path (``/schools/{code}``), so the figures stay a short list."""

    def __init__(self, app: ASGIApp, counter: UsageCounter) -> None:
        self.app = app
        self.counter = counter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                headers = dict(message.get("headers", []))
                kind = (
                    "download"
                    if b"attachment" in headers.get(b"content-disposition", b"")
                    else "view"
                    if headers.get(b"content-type", b"").startswith(b"text/html")
                    else None
                )
                if kind:
                    route = scope.get("route")
                    page = getattr(route, "path", None) or scope["path"]
                    if self.counter.count(page, kind):
                        engine = getattr(scope["app"].state, "engine", None)
                        if engine is not None:
                            self.counter.flush(engine)
            await send(message)

        await self.app(scope, receive, counting_send)


def usage_figures(session: Session, months: int = 12) -> dict[str, Any]:
    """Views and downloads per page and month, and the feedback: per page how many found it
    useful or not, and the latest texts."""
    since = (dt.date.today().replace(day=1) - dt.timedelta(days=31 * (months - 1))).replace(day=1)
    usage = session.execute(
        text(
            "SELECT page, month, "
            "coalesce(sum(count) FILTER (WHERE kind = 'view'), 0)::int AS views, "
            "coalesce(sum(count) FILTER (WHERE kind = 'download'), 0)::int AS downloads "
            "FROM page_usage WHERE month >= :since GROUP BY page, month "
            "ORDER BY month DESC, sum(count) DESC, page"
        ),
        {"since": since},
    ).mappings()
    by_page = session.execute(
        text(
            "SELECT page, count(*) FILTER (WHERE useful)::int AS useful, "
            "count(*) FILTER (WHERE useful = false)::int AS not_useful, count(*)::int AS total "
            "FROM feedback GROUP BY page ORDER BY total DESC, page"
        )
    ).mappings()
    latest = session.execute(
        text(
            "SELECT page, useful, missing, received_on FROM feedback WHERE missing <> '' "
            "ORDER BY id DESC LIMIT 100"
        )
    ).mappings()
    return {
        "usage": [dict(r) for r in usage],
        "feedback": [dict(r) for r in by_page],
        "latest": [dict(r) for r in latest],
    }
