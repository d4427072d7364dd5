"""The household census form as an XLSForm, for ODK Collect (issue 17, item 1, part).

The form ships as ``data/forms/household_census.xlsx`` (Thai labels, English field names: the
house, moo and tambon, the home's GPS as a geopoint, a repeat per child with ID or G-code, birth
date, enrolment, school and reason not enrolled); ``convert_xlsform`` turns an XLSForm into an
XForm with pyxform at load time and refuses one pyxform rejects, with pyxform's message. A
submission of the form (OpenRosa's XML instance) becomes the census household payload the REST
API takes (``household_payload``), so both paths share one set of rules and one store.

The lists a phone looks up offline are ``select_one_from_file`` attachments served per surveyor
(``tambons.csv``, ``villages.csv`` filtered by the tambon chosen, ``schools.csv``): the moo comes
from the village chosen (``village_moo``), typed only where DOPA's list lacks it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from defusedxml import ElementTree
from pyxform.errors import PyXFormError
from pyxform.xls2xform import convert

from kernel.errors import InvalidInputError

HOUSEHOLD_FORM_ID = "edumap_household"
HOUSEHOLD_FORM_FILE = "household_census.xlsx"
_ID_KINDS = ("national_id", "g_code", "none")
_HTML = "http://www.w3.org/1999/xhtml"
_XF = "http://www.w3.org/2002/xforms"


@dataclass(frozen=True)
class XForm:
    """An XLSForm converted: its id, version and title, the XForm XML and its hash as the
    OpenRosa form list gives it (``md5:...``), and pyxform's warnings."""

    form_id: str
    version: str
    title: str
    xml: str
    warnings: tuple[str, ...]

    @property
    def hash(self) -> str:
        return "md5:" + hashlib.md5(self.xml.encode()).hexdigest()


def convert_xlsform(path: Path) -> XForm:
    """The XForm of an XLSForm file (XLSX, XLS or CSV); a form pyxform rejects is refused with
    its message (InvalidInputError naming the file)."""
    try:
        result = convert(xlsform=str(path))
    except PyXFormError as exc:
        raise InvalidInputError("xlsform", f"{path.name}: {exc}") from exc
    # id, version and title as the XForm itself states them (what Collect reads)
    root = ElementTree.fromstring(result.xform.encode())
    instance = root.find(f"{{{_HTML}}}head/{{{_XF}}}model/{{{_XF}}}instance")
    data = next(iter(instance)) if instance is not None else None
    title = root.find(f"{{{_HTML}}}head/{{{_HTML}}}title")
    if data is None or not data.get("id"):
        raise InvalidInputError("xlsform", f"{path.name}: the XForm has no form id")
    return XForm(
        form_id=str(data.get("id")),
        version=str(data.get("version") or ""),
        title=str(title.text if title is not None and title.text else data.get("id")),
        xml=result.xform,
        warnings=tuple(result.warnings or ()),
    )


def _text(element: Any, name: str) -> str | None:
    """The text of a child element, None when absent or empty (ODK sends empty elements for
    unanswered or irrelevant questions)."""
    found = element.find(name)
    if found is None or found.text is None or not found.text.strip():
        return None
    return str(found.text).strip()


def _geopoint(value: str | None) -> dict[str, float] | None:
    """ODK's geopoint, ``"lat lon altitude accuracy"`` (latitude first), as the API's location."""
    if value is None:
        return None
    parts = value.split()
    try:
        lat, lon = float(parts[0]), float(parts[1])
        accuracy = float(parts[3]) if len(parts) > 3 else None
    except (IndexError, ValueError) as exc:
        raise InvalidInputError(
            "location", f"a geopoint 'lat lon alt accuracy', got {value!r}"
        ) from exc
    return {"lat": lat, "lon": lon} | ({"accuracy_m": accuracy} if accuracy is not None else {})


def submitted_form_id(xml: bytes) -> str:
    """The form a submission is of: its root element's ``id``."""
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        raise InvalidInputError("xml_submission_file", f"not XML: {exc}") from exc
    return str(root.get("id") or "")


def deprecated_uuid(xml: bytes) -> str | None:
    """The uuid of the submission an edit replaces (``meta/deprecatedID``), None for a new one."""
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        raise InvalidInputError("xml_submission_file", f"not XML: {exc}") from exc
    deprecated = _text(root, "meta/deprecatedID")
    return deprecated.removeprefix("uuid:") if deprecated else None


def household_payload(xml: bytes, round_year: int) -> dict[str, Any]:
    """The census household payload (as ``POST /api/v1/census/households`` takes it) of a
    submission of the household form; its ``meta/instanceID`` is the payload's uuid, the
    resend key."""
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        raise InvalidInputError("xml_submission_file", f"not XML: {exc}") from exc
    if root.get("id") != HOUSEHOLD_FORM_ID:
        raise InvalidInputError(
            "xml_submission_file", f"a submission of {HOUSEHOLD_FORM_ID}, got {root.get('id')!r}"
        )
    instance_id = _text(root, "meta/instanceID") or ""
    if not instance_id.startswith("uuid:"):
        raise InvalidInputError("meta/instanceID", f"uuid:..., got {instance_id!r}")
    # The moo of the village chosen from the list, else the moo typed (a village the list
    # knows only by name).
    moo = _text(root, "village_moo") or _text(root, "moo")
    village_code = _text(root, "village_code")
    children = []
    for number, child in enumerate(root.findall("children"), start=1):
        kind = _text(child, "id_kind")
        if kind not in _ID_KINDS:
            raise InvalidInputError(f"children[{number}]/id_kind", f"one of {_ID_KINDS}")
        children.append(
            {
                "national_id": _text(child, "national_id") if kind == "national_id" else None,
                "g_code": _text(child, "g_code") if kind == "g_code" else None,
                "no_id_reason": _text(child, "no_id_reason") if kind == "none" else None,
                "title": _text(child, "title"),
                "first_name": _text(child, "first_name") or "",
                "last_name": _text(child, "last_name") or "",
                "sex": _text(child, "sex") or "",
                "birth_date": _text(child, "birth_date") or "",  # ISO, C.E., as ODK writes it
                "enrolment_status": _text(child, "enrolment_status"),
                "school_code": _text(child, "school_code"),
                "grade": _text(child, "grade"),
                "not_enrolled_reason": _text(child, "not_enrolled_reason"),
                "guardian_name": _text(child, "guardian_name"),
            }
        )
    return {
        "uuid": instance_id.removeprefix("uuid:"),
        "round": round_year,
        "subdistrict_code": _text(root, "subdistrict_code") or "",
        "moo": int(moo) if moo is not None and moo.isdigit() else None,
        "village_code": village_code if village_code and village_code.isdigit() else None,
        "house_number": _text(root, "house_number"),
        "house_code": _text(root, "house_code"),
        "location": _geopoint(_text(root, "location")),
        "surveyed_at": _text(root, "end"),
        "children": children,
    }
