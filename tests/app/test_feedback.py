"""Feedback and evaluation (issue 21, part 5): a plain form at the foot of every page (no
script), rate-limited, nothing personal kept, hostile text harmless; views and downloads
counted per page and month without addresses or cookies; the admins' page shows both."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.usage import PER_ADDRESS, FeedbackLimiter
from tests.helpers.world import Account

HOSTILE = '</script><script>window.__xss=1</script> =HYPERLINK("x") ${1+1}'


def _usage(db_session: Session, page: str, kind: str) -> int:
    return int(
        db_session.execute(
            text("SELECT coalesce(sum(count), 0) FROM page_usage WHERE page = :p AND kind = :k"),
            {"p": page, "k": kind},
        ).scalar_one()
    )


def test_views_and_downloads_are_counted_per_page_without_who(
    client: TestClient, db_session: Session, accounts: dict[str, Account]
) -> None:
    state = client.app.state  # type: ignore[attr-defined]
    state.usage.flush(state.engine)
    views, downloads = (
        _usage(db_session, "/", "view"),
        _usage(db_session, "/api/v1/reports/ict", "download"),
    )
    school_views = _usage(db_session, "/schools/{code}", "view")
    client.get("/")
    client.get("/")
    client.get("/api/v1/reports/ict", params={"district": "5501", "format": "xlsx"})
    client.get("/schools/9955010001")
    client.get("/api/v1/provinces")  # JSON: neither a page nor a download
    page = client.get("/admin/usage", headers=accounts["admin"].headers)  # flushes first
    assert page.status_code == 200
    assert _usage(db_session, "/", "view") == views + 2
    assert _usage(db_session, "/api/v1/reports/ict", "download") == downloads + 1
    assert _usage(db_session, "/schools/{code}", "view") == school_views + 1  # by route
    assert _usage(db_session, "/api/v1/provinces", "view") == 0
    columns = set(
        db_session.scalars(
            text("SELECT column_name FROM information_schema.columns WHERE table_name = :t"),
            {"t": "page_usage"},
        )
    )
    assert columns == {"month", "page", "kind", "count"}
    assert client.get("/admin/usage").status_code == 401
    assert client.get("/admin/usage", headers=accounts["planner"].headers).status_code == 403


def test_feedback_keeps_nothing_personal_and_hostile_text_is_text(
    client: TestClient, db_session: Session, accounts: dict[str, Account]
) -> None:
    client.app.state.feedback_limiter = FeedbackLimiter()  # type: ignore[attr-defined]
    home = client.get("/")
    assert 'action="/feedback"' in home.text and 'name="missing"' in home.text
    sent = client.post(
        "/feedback",
        data={
            "page": "/schools/9955010001",
            "useful": "no",
            "missing": f"{HOSTILE} บัตร 1-2345-67890-12-3 โทร 081 234 5678 a.b@example.com",
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == "/feedback/thanks?page=/schools/9955010001"
    stored = db_session.execute(
        text("SELECT page, useful, missing FROM feedback ORDER BY id DESC LIMIT 1")
    ).one()
    assert stored[0] == "/schools/9955010001" and stored[1] is False
    assert "1-2345" not in stored[2] and "081" not in stored[2] and "@" not in stored[2]
    assert stored[2].count("[ลบออก]") == 3 and HOSTILE in stored[2]
    columns = set(
        db_session.scalars(
            text("SELECT column_name FROM information_schema.columns WHERE table_name = :t"),
            {"t": "feedback"},
        )
    )
    assert columns == {"id", "page", "useful", "missing", "received_on"}
    shown = client.get("/admin/usage", headers=accounts["admin"].headers).text
    assert "&lt;/script&gt;&lt;script&gt;" in shown and "<script>window.__xss" not in shown
    # Back to another site is never offered.
    thanks = client.get("/feedback/thanks", params={"page": "//evil.example/"})
    assert 'href="/"' in thanks.text and "evil.example" not in thanks.text
    # Neither useful nor missing: nothing to keep.
    assert client.post("/feedback", data={"page": "/"}).status_code == 422


def test_feedback_is_rate_limited(client: TestClient) -> None:
    client.app.state.feedback_limiter = FeedbackLimiter()  # type: ignore[attr-defined]
    for _ in range(PER_ADDRESS):
        ok = client.post("/feedback", data={"page": "/", "useful": "yes"}, follow_redirects=False)
        assert ok.status_code == 303
    refused = client.post("/feedback", data={"page": "/", "useful": "yes"})
    assert refused.status_code == 429
    assert "ส่งความคิดเห็นบ่อยเกินไป" in refused.text
