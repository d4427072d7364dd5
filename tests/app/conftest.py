"""Fixtures of the web application's tests: a browser."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium import webdriver

from tests.helpers.browser import start_chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    """Debian's headless Chromium, one per test module."""
    driver = start_chromium()
    yield driver
    driver.quit()
