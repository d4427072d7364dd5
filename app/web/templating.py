"""The Jinja2 environment shared by every page (autoescaping on)."""

from __future__ import annotations

import base64
from collections.abc import Collection
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import is_undefined

from app.auth.deps import csrf_for
from app.web.help import help_link
from census.dates import format_thai_date
from kernel.config import get_settings
from kernel.errors import PermissionDeniedError
from kernel.principal import Principal
from kernel.vocabulary import LABELS_TH, label_th

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
templates = Jinja2Templates(directory=TEMPLATES_DIR)
# Read when a page is drawn, so a training server's pages all say what they are.
templates.env.globals["training"] = lambda: get_settings().training
# {{ help_link(path, role) }}: the page's chapter of the manual, as the reader's role does it.
templates.env.globals["help_link"] = help_link
templates.env.filters["b64"] = lambda value: base64.b64encode(
    value.encode() if isinstance(value, str) else value
).decode("ascii")
# {{ value|th("personnel") }}: the Thai label a person reads for an enumerated value.
templates.env.filters["th"] = lambda value, vocabulary: label_th(LABELS_TH[vocabulary], value)
# {{ "K1,P1"|th_list("grade") }}: a comma list of such values, each by its label.
templates.env.filters["th_list"] = lambda value, vocabulary: ", ".join(
    label_th(LABELS_TH[vocabulary], part) for part in str(value).split(",") if part
)
# {{ day|thai_date }}: a date as Thai offices write it, 10 มิ.ย. 2569.
templates.env.filters["thai_date"] = lambda value: "-" if value is None else format_thai_date(value)


def _absent(value: Any) -> bool:
    # Undefined too: an area where no child was counted has no figures at all.
    return value is None or is_undefined(value)


# {{ 1234|num }}: a count as Thai offices write it, 1,234; a public count as suppression left
# it ("<5", "x").
templates.env.filters["num"] = lambda value: (
    "-" if _absent(value) else value if isinstance(value, str) else f"{value:,}"
)
# {{ 0.9712|pct }}: a rate as a percentage, 97.1%; a withheld rate "-".
templates.env.filters["pct"] = lambda value: "-" if _absent(value) else f"{value * 100:.1f}%"


def page(request: Request, principal: Principal, name: str, **context: Any) -> Response:
    """A page for a principal: the template with who they are and the CSRF token its forms
    send to the API."""
    return templates.TemplateResponse(
        request, name, {"principal": principal, "csrf_token": csrf_for(principal), **context}
    )


def sign_in_first(
    principal: Principal, path: str, roles: Collection[str], refusal: str
) -> Response | None:
    """A page's gate: anonymous callers are sent to sign in and come back to ``path``; a role
    not in ``roles`` is refused with ``refusal``; None lets the page render."""
    if principal.is_anonymous:
        return RedirectResponse(f"/login?{urlencode({'next': path})}", status_code=303)
    if principal.role not in roles:
        raise PermissionDeniedError(refusal)
    return None
