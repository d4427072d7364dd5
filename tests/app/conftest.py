"""Fixtures of the web application's tests: a browser; the demo's registers matched."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium import webdriver
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.demo_data import load_synthetic_registers
from gis.datasets import BundledData
from kernel.config import get_settings
from tests.helpers.browser import start_chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    """Debian's headless Chromium, one per test module."""
    driver = start_chromium()
    yield driver
    driver.quit()


@pytest.fixture
def registers_matched(engine: Engine) -> Iterator[None]:
    """The demo's synthetic register extracts imported and matched, as an office does it, for
    the time of one test: the tests' world starts with empty register tables (conftest)."""
    settings = get_settings()
    with Session(engine) as session:
        before = session.execute(text("SELECT coalesce(max(id), 0) FROM load_log")).scalar_one()
        load_synthetic_registers(
            session,
            settings,
            BundledData(settings.data_dir),
            settings.demo_province,
            settings.demo_academic_year,
            settings.demo_seed,
        )
        session.commit()
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM register_follow_up"))
            conn.execute(text("DELETE FROM register_match"))
            conn.execute(text("DELETE FROM register_extract"))
            conn.execute(text("DELETE FROM load_log WHERE id > :id"), {"id": before})
