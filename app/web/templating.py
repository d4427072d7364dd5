"""The Jinja2 environment shared by every page (autoescaping on)."""

from __future__ import annotations

import base64
from pathlib import Path

from fastapi.templating import Jinja2Templates

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.filters["b64"] = lambda value: base64.b64encode(
    value.encode() if isinstance(value, str) else value
).decode("ascii")
