"""Thai place names as keys: the same tambon or district however a file writes it."""

from __future__ import annotations

import functools
import re

_BRACKETED = re.compile(r"\(.*?\)|\".*?\"|“.*?”|'.*?'")
_SPACE = re.compile(r"\s+")


def normalise_thai_name(name: str) -> str:
    """Spaces, brackets and zero-width characters out; Thai kept as written."""
    text = _BRACKETED.sub(" ", name or "").replace("\u200b", "").replace("ฯ", "")
    return _SPACE.sub(" ", text).strip()


@functools.lru_cache(maxsize=8192)
def admin_key(name: str) -> str:
    """Tambon/district names as keys: prefixes like ตำบล, ต., อำเภอ, อ., เขต, แขวง dropped."""
    text = normalise_thai_name(name).replace(" ", "")
    return re.sub(r"^(ตำบล|ต\.|อำเภอ|อ\.|กิ่งอำเภอ|เขต|แขวง)", "", text)
