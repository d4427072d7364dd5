"""Home, login and logout pages; the web session is a signed HttpOnly cookie with CSRF."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from app.api.access import PUBLIC, AccessRule, expect
from app.api.deps import SessionDep
from app.auth import security, service
from app.auth.deps import SESSION_COOKIE, PrincipalDep, client_ip, csrf_for
from app.middleware import WEB_FORMS_CONTENT_SECURITY_POLICY
from app.web.csp import html_with_inline_scripts
from app.web.templating import TEMPLATES_DIR, sign_in_first, templates
from census import entry, surveys
from gis.schools import service as school_service
from kernel.config import get_settings
from kernel.errors import AuthenticationError, TooManyAttemptsError
from kernel.principal import ROLE_LABELS_TH, Principal
from kernel.vocabulary import LABELS_TH

router = APIRouter(include_in_schema=False)

LOGIN_CSRF_COOKIE = "edumap_login_csrf"
STATIC_FAVICON = TEMPLATES_DIR.parent / "static" / "vendor" / "swagger-ui" / "favicon-32x32.png"


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths, so the login page is no open redirect."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


@router.get("/", response_class=HTMLResponse)
def home(request: Request, principal: PrincipalDep) -> Response:
    csrf = (
        security.csrf_token(get_settings(), principal.session_token_id)
        if principal.session_token_id
        else None
    )
    return templates.TemplateResponse(
        request,
        "home.html",
        {
            "principal": principal,
            "role_label": ROLE_LABELS_TH.get(principal.role) if principal.role else None,
            "csrf_token": csrf,
            "report_round": get_settings().demo_academic_year,
        },
    )


def _login_page(request: Request, next_path: str, error: str | None, status: int) -> Response:
    token = secrets.token_urlsafe(32)
    response = templates.TemplateResponse(
        request,
        "login.html",
        {"csrf_token": token, "next": next_path, "error": error},
        status_code=status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=get_settings().secure_cookies,
        max_age=3600,
    )
    return response


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    return FileResponse(STATIC_FAVICON, media_type="image/png")


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui() -> HTMLResponse:
    # Served from app/static so the API docs work without internet.
    page = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="edumap API",
        swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
        swagger_favicon_url="/static/vendor/swagger-ui/favicon-32x32.png",
    )
    return html_with_inline_scripts(bytes(page.body).decode())


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> Response:
    return _login_page(request, _safe_next(next), None, 200)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    settings = get_settings()
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, csrf_token):
        return _login_page(request, _safe_next(next), "แบบฟอร์มหมดอายุ กรุณาลองอีกครั้ง", 403)
    try:
        user = service.authenticate(session, settings, username, password, client_ip(request))
    except AuthenticationError:
        session.commit()
        return _login_page(
            request, _safe_next(next), "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง (Wrong username or password)", 401
        )
    except TooManyAttemptsError:
        return _login_page(request, _safe_next(next), "เข้าสู่ระบบผิดหลายครั้งเกินไป กรุณารอสักครู่", 429)
    session.commit()
    token, _ = security.issue_token(
        settings,
        user_id=user.id,
        kind="session",
        version=user.token_version,
        lifetime=dt.timedelta(hours=settings.session_hours),
    )
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=settings.session_hours * 3600,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(principal: PrincipalDep) -> Response:
    # get_principal has already checked the CSRF token of a cookie session.
    del principal
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


ACCESS_RULES = [
    AccessRule("GET", "/", PUBLIC),
    AccessRule("GET", "/login", PUBLIC),
    # Without the login form's CSRF cookie the post is refused, whoever sends it.
    AccessRule("POST", "/login", expect(403)),
    AccessRule("POST", "/logout", expect(303)),
    AccessRule("GET", "/docs", PUBLIC),
    AccessRule("GET", "/favicon.ico", PUBLIC),
    AccessRule("GET", "/openapi.json", PUBLIC),
]


@router.get("/census/upload", response_class=HTMLResponse)
def census_upload_page(request: Request, principal: PrincipalDep) -> Response:
    """The census upload page: watch the import job, read its per-row report."""
    return _census_page(request, principal, "census_upload.html", "/census/upload")


def _census_page(
    request: Request,
    principal: Principal,
    template: str,
    path: str,
    extra: Callable[[], dict[str, Any]] | None = None,
) -> Response:
    """A census page for surveyors, planners and admins; anonymous callers log in first."""
    refused = sign_in_first(
        principal, path, ("admin", "planner", "surveyor"), "your role may not enter census forms"
    )
    if refused is not None:
        return refused
    return templates.TemplateResponse(
        request,
        template,
        {
            "principal": principal,
            "csrf_token": csrf_for(principal),
            "round": get_settings().demo_academic_year,
            "labels": {name: LABELS_TH[name] for name in PAGE_LABELS},
            **(extra() if extra else {}),
        },
    )


# The vocabularies the census pages' scripts show people (as a JSON block of the page).
PAGE_LABELS = ("import_job_state", "enrolment_status", "grade_long")

ACCESS_RULES.append(
    AccessRule(
        "GET", "/census/upload", expect(403, anonymous=303, admin=200, planner=200, surveyor=200)
    )
)


@router.get("/schools/{code}", response_class=HTMLResponse)
def school_page(
    code: Annotated[str, Path(pattern=r"^\d{10}$")],
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
) -> Response:
    """A school's records, ICT, assets and service area; its call list for those allowed."""
    detail = school_service.school_detail(session, code)
    school = school_service.get_school(session, code)
    return templates.TemplateResponse(
        request,
        "school.html",
        {
            "principal": principal,
            "csrf_token": csrf_for(principal),
            "s": detail,
            "may_edit": school_service.may_edit(session, principal, school),
            "round": get_settings().demo_academic_year,
        },
    )


@router.get("/census/households/new", response_class=HTMLResponse)
def household_form(request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    """The household entry form: tambon and village by name from the person's areas, the
    phone's GPS position, children checked as they are typed, schools near the home."""
    return _census_page(
        request,
        principal,
        "household_form.html",
        "/census/households/new",
        lambda: {"places": entry.entry_places(session, principal, get_settings())},
    )


@router.get("/forms", response_class=HTMLResponse)
def forms_page(request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    """The office's own forms: those the person may see; admins and planners add them and
    download their submissions."""
    if principal.is_anonymous:
        return RedirectResponse("/login?next=/forms", status_code=303)
    return templates.TemplateResponse(
        request,
        "forms.html",
        {
            "principal": principal,
            "csrf_token": csrf_for(principal),
            "forms": surveys.list_forms(session, principal),
            "may_manage": surveys.may_manage_forms(principal),
            "given": {form.form_id for form in surveys.forms_for(session, principal)},
            "role_labels": {role.value: label for role, label in ROLE_LABELS_TH.items()},
        },
    )


ACCESS_RULES.append(AccessRule("GET", "/forms", expect(200, anonymous=303)))


@router.get("/forms/{form_id}/fill", response_class=HTMLResponse)
def form_fill_page(
    form_id: Annotated[str, Path(pattern=r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$")],
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
) -> Response:
    """An office form given to the person, filled in the browser with ODK Web Forms."""
    if principal.is_anonymous:
        return RedirectResponse(f"/login?next=/forms/{form_id}/fill", status_code=303)
    form = surveys.given_form(session, principal, form_id)
    page = templates.TemplateResponse(
        request,
        "form_fill.html",
        {
            "principal": principal,
            "csrf_token": csrf_for(principal),
            "title": form.title,
            "config": {"form_id": form_id, "xform": form.xform, "csrf": csrf_for(principal)},
        },
    )
    page.headers["Content-Security-Policy"] = WEB_FORMS_CONTENT_SECURITY_POLICY.decode()
    return page


# The matrix's form is given to surveyors; others are told there is no such form.
ACCESS_RULES.append(
    AccessRule("GET", "/forms/{form_id}/fill", expect(404, anonymous=303, surveyor=200))
)

STATIC_JS = TEMPLATES_DIR.parent / "static" / "js"
# What the household form's service worker keeps for use with no signal (its ASSETS list).
HOUSEHOLD_FORM_FILES = (
    TEMPLATES_DIR.parent / "static" / "css" / "edumap.css",
    STATIC_JS / "household_outbox.js",
    STATIC_JS / "household_form.js",
    TEMPLATES_DIR / "household_form.html",
    TEMPLATES_DIR / "base.html",
)


@functools.cache
def _household_worker() -> str:
    """The service worker's script, its VERSION a digest of the files it keeps: a changed file
    changes the script's bytes, so browsers install it again and drop the old copies."""
    digest = hashlib.sha256()
    for path in HOUSEHOLD_FORM_FILES:
        digest.update(path.read_bytes())
    script = (STATIC_JS / "household-sw.js").read_text(encoding="utf-8")
    return script.replace("__VERSION__", digest.hexdigest()[:16])


@router.get("/census/households/sw.js")
def household_service_worker() -> Response:
    """The household form's service worker, served from the census pages' path so its scope
    covers them (a worker under /static/ could only control /static/)."""
    return Response(
        _household_worker(),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache"},  # browsers check for a new worker each visit
    )


ACCESS_RULES += [
    AccessRule("GET", "/census/households/sw.js", PUBLIC),
    AccessRule("GET", "/schools/{code}", PUBLIC),
    AccessRule(
        "GET",
        "/census/households/new",
        expect(403, anonymous=303, admin=200, planner=200, surveyor=200),
    ),
]
