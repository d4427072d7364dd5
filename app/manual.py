"""The Thai user manual (issue 21): Markdown in docs/manual, built with MkDocs into
``<var_dir>/manual`` (served at /manual, shipped in the offline copy).

The screenshots in docs/manual/img are tracked, so the manual builds on a fresh checkout; the
browser tests take them again (tests/app/test_manual_screenshots.py, into
test-output/manual), and the test command's last step builds the manual with those, so the
pictures follow the pages. Nothing tracked is rewritten: the build works on a copy.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

from kernel.errors import InvalidInputError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MANUAL_SOURCE = PROJECT_ROOT / "docs" / "manual"
MKDOCS_CONFIG = PROJECT_ROOT / "docs" / "mkdocs.yml"  # beside docs_dir, as MkDocs asks
IMAGE = re.compile(r"!\[[^\]]*\]\((img/[^)\s]+)\)")


@dataclass(frozen=True)
class BuiltManual:
    site: Path
    pages: int
    screenshots_taken: int  # of the images, how many came from this run's browser tests


class ManualBuildError(InvalidInputError):
    """The manual did not build cleanly (a warning is an error: a broken link, a missing
    image, a page left out of the navigation)."""

    def __init__(self, message: str) -> None:
        super().__init__("manual", message)


def referenced_images(source: Path = MANUAL_SOURCE) -> set[str]:
    """Every image the manual's pages show (paths relative to docs/manual)."""
    return {
        image
        for page in source.glob("*.md")
        for image in IMAGE.findall(page.read_text(encoding="utf-8"))
    }


def build_manual(
    site: Path, screenshots: Path | None = None, *, offline: bool = False
) -> BuiltManual:
    """Build the manual into ``site`` (strict: any warning fails it), with the screenshots in
    ``screenshots`` (the browser tests' output) in place of the tracked ones they match.
    ``offline``: for opening from disk (the offline copy), without the search, whose worker a
    browser refuses to start from file://."""
    with tempfile.TemporaryDirectory(prefix="edumap-manual-") as work:
        source = Path(work) / "manual"
        shutil.copytree(MANUAL_SOURCE, source)
        taken = 0
        if screenshots is not None and screenshots.is_dir():
            for picture in screenshots.glob("*.png"):
                target = source / "img" / picture.name
                if target.exists():  # only pictures the manual shows
                    shutil.copyfile(picture, target)
                    taken += 1
        missing = sorted(
            image for image in referenced_images(source) if not (source / image).exists()
        )
        if missing:
            raise ManualBuildError(f"missing screenshots: {', '.join(missing)}")
        shutil.copyfile(MKDOCS_CONFIG, Path(work) / "mkdocs.yml")
        shutil.copytree(MKDOCS_CONFIG.parent / "manual_theme", Path(work) / "manual_theme")
        overrides: dict[str, Any] = {"plugins": []} if offline else {}
        config = load_config(
            config_file=str(Path(work) / "mkdocs.yml"),
            docs_dir=str(source),
            site_dir=str(site),
            strict=True,
            **overrides,
        )
        warnings = _WarningCounter()
        logger = logging.getLogger("mkdocs")
        logger.addHandler(warnings)
        try:
            build(config)
        except Abort as abort:
            raise ManualBuildError(f"{abort}: {'; '.join(warnings.messages)}") from abort
        finally:
            logger.removeHandler(warnings)
        if warnings.messages:
            raise ManualBuildError("; ".join(warnings.messages))
    # The theme's 404 page links from the site's root, which the manual is not (/manual, or
    # a folder of an offline copy); /manual answers an unknown page itself.
    (site / "404.html").unlink(missing_ok=True)
    pages = sum(1 for _ in site.glob("*.html"))
    return BuiltManual(site=site, pages=pages, screenshots_taken=taken)


class _WarningCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
