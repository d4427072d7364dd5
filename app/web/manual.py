"""The built manual at /manual (``edumap manual build`` writes it to <var_dir>/manual). Its
pages carry the MkDocs theme's inline scripts: each is allowed by its hash, nothing else."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from app.api.access import PUBLIC, AccessRule, expect
from app.web.csp import html_with_inline_scripts
from kernel.config import get_settings
from kernel.errors import NotFoundError

router = APIRouter(include_in_schema=False)

NOT_BUILT = """<!doctype html><html lang="th"><meta charset="utf-8"><title>คู่มือ</title>
<p>ยังไม่ได้สร้างคู่มือ ผู้ดูแลระบบสั่ง <code>.venv/bin/edumap manual build</code>
(<code>scripts/run</code> สร้างให้เอง)</p></html>"""


def manual_file(site: Path, path: str) -> Path:
    """The file of the built manual a path asks for (a folder: its index.html); never a file
    outside the manual's folder."""
    root = site.resolve()
    target = (root / path).resolve()
    if target.is_dir():
        target = target / "index.html"
    if root not in target.parents or not target.is_file():
        raise NotFoundError(f"no page /manual/{path} in the manual")
    return target


@router.get("/manual")
def manual_root() -> Response:
    return RedirectResponse("/manual/", status_code=307)


@router.get("/manual/{path:path}")
def manual_page(path: str) -> Response:
    settings = get_settings()
    site = settings.manual_dir or settings.var_dir / "manual"
    if not (site / "index.html").exists():
        return HTMLResponse(NOT_BUILT, status_code=404)
    target = manual_file(site, path)
    if target.suffix == ".html":
        return html_with_inline_scripts(target.read_text(encoding="utf-8"))
    return FileResponse(target)


ACCESS_RULES = [
    AccessRule("GET", "/manual", expect(307)),  # to /manual/, where its relative links work
    AccessRule("GET", "/manual/{path:path}", PUBLIC),
]
