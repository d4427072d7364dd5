"""Feedback on a page and the office's follow-up page (issue 21, part 5): a short form at the
foot of every page (no script needed), a thank-you page, and for admins the views, downloads
and feedback per page and month. The logic is in ``app.usage``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.api.access import AccessRule, expect
from app.api.deps import SessionDep
from app.auth.deps import AdminDep, client_ip
from app.usage import store_feedback, usage_figures
from app.web.templating import page, templates
from kernel.errors import TooManyAttemptsError
from kernel.principal import ANONYMOUS

router = APIRouter(include_in_schema=False)


def _own_path(path: str) -> str:
    """A path of this site to go back to (never another site's)."""
    return path if path.startswith("/") and not path.startswith("//") else "/"


@router.post("/feedback")
def post_feedback(
    request: Request,
    session: SessionDep,
    page_path: Annotated[str, Form(alias="page", max_length=300)],
    useful: Annotated[str, Form(pattern=r"^(yes|no)?$")] = "",
    missing: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Store one feedback (rate-limited per address, the address never stored)."""
    try:
        request.app.state.feedback_limiter.check(client_ip(request))
    except TooManyAttemptsError as exc:
        return templates.TemplateResponse(
            request,
            "feedback_thanks.html",
            {"principal": ANONYMOUS, "message": str(exc), "back": _own_path(page_path)},
            status_code=429,
        )
    store_feedback(
        session,
        page=_own_path(page_path),
        useful={"yes": True, "no": False}.get(useful),
        missing=missing,
    )
    session.commit()
    return RedirectResponse(f"/feedback/thanks?page={_own_path(page_path)}", status_code=303)


@router.get("/feedback/thanks", response_class=HTMLResponse)
def thanks(request: Request, page_path: Annotated[str, Query(alias="page")] = "/") -> Response:
    return templates.TemplateResponse(
        request,
        "feedback_thanks.html",
        {
            "principal": ANONYMOUS,
            "message": "ขอบคุณสำหรับความคิดเห็น สำนักงานจะนำไปปรับปรุงข้อมูลที่เผยแพร่",
            "back": _own_path(page_path),
        },
    )


@router.get("/admin/usage", response_class=HTMLResponse)
def usage_page(request: Request, session: SessionDep, principal: AdminDep) -> Response:
    """Views, downloads and feedback per page and month: the follow-up of what is published."""
    request.app.state.usage.flush(request.app.state.engine)
    return page(request, principal, "usage.html", **usage_figures(session))


ACCESS_RULES = [
    AccessRule("POST", "/feedback", expect(303)),
    AccessRule("GET", "/feedback/thanks", expect(200)),
    AccessRule("GET", "/admin/usage", expect(403, anonymous=401, admin=200)),
]
