"""Setting a phone up for ODK Collect: a page that makes the signed-in account a new key and
shows Collect's settings as the QR code Collect scans (issue 17)."""

from __future__ import annotations

import base64
import io
import json
import zlib
from typing import Annotated

import qrcode
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from qrcode.image.svg import SvgPathImage

from app.api.access import AccessRule, expect
from app.api.deps import SessionDep
from app.auth import service as accounts
from app.auth.deps import PrincipalDep, csrf_for
from app.web.templating import templates
from kernel.config import get_settings
from kernel.errors import PermissionDeniedError
from kernel.principal import Principal, Role

router = APIRouter(tags=["odk"], include_in_schema=False)


def collect_settings(server_url: str) -> str:
    """ODK Collect's settings for a project on this server, as its QR code carries them: the
    settings JSON, zlib-compressed, base64 (ODK's docs, "Configuring Collect with a QR code")."""
    settings = {
        "general": {
            "server_url": server_url,
            "form_update_mode": "match_exactly",
            "periodic_form_updates_check": "every_one_hour",
            "autosend": "wifi_and_cellular",
        },
        "admin": {"change_server": False},
        "project": {"name": "edumap สำมะโนวัยเรียน", "icon": "e", "color": "#1f5f8b"},
    }
    packed = zlib.compress(json.dumps(settings, ensure_ascii=False).encode())
    return base64.b64encode(packed).decode("ascii")


def _phone_page(request: Request, principal: Principal, setup: dict[str, str] | None) -> Response:
    if principal.is_anonymous:
        return RedirectResponse("/login?next=/odk/phone", status_code=303)
    if principal.role not in (Role.admin, Role.planner, Role.surveyor):
        raise PermissionDeniedError("your role does not collect census forms")
    return templates.TemplateResponse(
        request,
        "odk_phone.html",
        {"principal": principal, "csrf_token": csrf_for(principal), "setup": setup},
        headers={"Cache-Control": "no-store"},
    )


@router.get("/odk/phone", response_class=HTMLResponse)
def phone_page(request: Request, principal: PrincipalDep) -> Response:
    """Set a phone up for ODK Collect: a new key for this account, as a QR code."""
    return _phone_page(request, principal, None)


@router.post("/odk/phone", response_class=HTMLResponse)
def phone_setup(
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    device_name: Annotated[str, Form(max_length=60)] = "โทรศัพท์ภาคสนาม",
) -> Response:
    if principal.is_anonymous or principal.role not in (Role.admin, Role.planner, Role.surveyor):
        return _phone_page(request, principal, None)
    user = accounts.get_user(session, principal.username)
    name = f"ODK Collect: {device_name.strip() or 'โทรศัพท์'}"
    key, _ = accounts.create_api_key(session, get_settings(), user, name)
    session.commit()
    server_url = str(request.url_for("form_list", key=key)).removesuffix("/formList")
    code = collect_settings(server_url)
    image = qrcode.make(code, image_factory=SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    svg = svg[svg.index("<svg") :]  # no XML declaration inside the page
    setup = {"server_url": server_url, "settings_code": code, "qr_svg": svg, "key_name": name}
    return _phone_page(request, principal, setup)


COLLECTORS = expect(403, anonymous=303, admin=200, planner=200, surveyor=200)
ACCESS_RULES = [
    AccessRule("GET", "/odk/phone", COLLECTORS),
    AccessRule("POST", "/odk/phone", COLLECTORS),
]
