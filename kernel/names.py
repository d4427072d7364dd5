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


# Titles a person's name may be written with, longest first so that เด็กชาย goes before เด็ก.
_PERSON_TITLES = tuple(
    sorted(
        (
            "เด็กชาย",
            "เด็กหญิง",
            "นางสาว",
            "ด.ช.",
            "ด.ญ.",
            "ดช.",
            "ดญ.",
            "น.ส.",
            "นาย",
            "นาง",
            "mr.",
            "mrs.",
            "miss",
            "ms.",
            "master",
        ),
        key=len,
        reverse=True,
    )
)
# Letters Thai names are commonly spelt with one for the other (the same sound), folded to one:
# ศ ษ ซ → ส, ณ → น, ธ ฑ ฒ → ท, ภ → พ, ฆ ฅ → ค, ฃ → ข, ฌ → ช, ฎ → ด, ฏ → ต, ฐ → ถ, ฬ → ล,
# ใ → ไ; tone marks, the thanthakhat (์), maitaikhu (็) and zero-width spaces dropped.
_SPELLING_FOLDS = str.maketrans(
    "ศษซณธฑฒภฆฅฃฌฎฏฐฬใ",
    "สสสนทททพคคขชดตถลไ",
    "\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u200b\u200c\u200d\ufeff.",
)


def person_name_key(first_name: str, last_name: str) -> str:
    """A person's name as matching compares it: title, spaces and punctuation out, tone marks
    and the letters commonly spelt for one another folded (``ณัฐธิดา`` and ``นัฐธิดา`` read the
    same), the Sara Am written as two characters (``ํา``) made one."""
    first = (first_name or "").strip().lower()
    for title in _PERSON_TITLES:
        if first.startswith(title):
            first = first[len(title) :]
            break
    parts = []
    for part in (first, last_name or ""):
        text = part.replace("\u0e4d\u0e32", "\u0e33").lower().translate(_SPELLING_FOLDS)
        parts.append(_SPACE.sub("", text))
    return " ".join(parts)
