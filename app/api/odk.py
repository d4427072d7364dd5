"""OpenRosa for ODK Collect (issue 17, item 2, part): the form list, form download, manifest
with its media files, and submission, as ODK's OpenRosa documentation gives them.

Collect is configured with a server URL holding the surveyor's API key, as ODK Central's app
users are (``/odk/key/{key}``): Collect sends Basic credentials only over HTTPS, a key in the
URL works over either, and revoking the key (``DELETE /api/v1/auth/api-keys/{id}``) cuts the
phone off. Every answer carries ``X-OpenRosa-Version: 1.0`` and ``Date``; a submission that is
stored, or was stored before with the same ``meta/instanceID`` and content, is answered 201
with an ``OpenRosaResponse`` (Collect takes 200 for a failure); refusals are OpenRosaResponse
messages Collect shows, with the status the REST API gives.
"""

from __future__ import annotations

import csv
import email.utils
import hashlib
import io
from collections.abc import Callable
from typing import Annotated, Any
from xml.etree import ElementTree

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.api.access import AccessRule, expect
from app.api.census import HouseholdSubmit
from app.api.deps import SessionDep
from app.api.uploads import ACCEPT_CONTENT_LENGTH, FileTooLargeError, read_submission_parts
from app.auth import service as accounts
from census import service as census
from census import surveys
from census.xlsform import (
    HOUSEHOLD_FORM_FILE,
    HOUSEHOLD_FORM_ID,
    XForm,
    convert_xlsform,
    deprecated_uuid,
    household_payload,
    submitted_form_id,
)
from kernel.config import get_settings
from kernel.errors import (
    AuthenticationError,
    ConflictError,
    DomainError,
    InvalidFieldsError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    TooManyAttemptsError,
)
from kernel.principal import Principal, Role

# OpenRosa is XML over its own conventions, not the REST API: out of the OpenAPI document.
router = APIRouter(prefix="/odk/key/{key}", tags=["odk"], include_in_schema=False)
Key = Annotated[str, Path(max_length=120, description="The surveyor's API key")]
OPENROSA_VERSION = "1.0"
MEDIA_FILES = ("tambons.csv", "villages.csv", "schools.csv")
XFORMS_LIST_NS = "http://openrosa.org/xforms/xformsList"
MANIFEST_NS = "http://openrosa.org/xforms/xformsManifest"
RESPONSE_NS = "http://openrosa.org/http/response"
# The REST API's statuses for the same refusals (app.api.errors).
STATUS_OF: tuple[tuple[type[Exception], int], ...] = (
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (InvalidInputError, 422),
    (InvalidFieldsError, 422),
    (ValidationError, 422),
    (TooManyAttemptsError, 429),
)


def _headers() -> dict[str, str]:
    return {
        "X-OpenRosa-Version": OPENROSA_VERSION,
        "Date": email.utils.formatdate(usegmt=True),
    }


def _xml(element: ElementTree.Element) -> bytes:
    return ElementTree.tostring(element, encoding="utf-8", xml_declaration=True)


def openrosa_message(message: str, status: int, nature: str = "error") -> Response:
    """An OpenRosaResponse whose message Collect shows."""
    root = ElementTree.Element("OpenRosaResponse", xmlns=RESPONSE_NS)
    ElementTree.SubElement(root, "message", nature=nature).text = message
    return Response(_xml(root), status_code=status, media_type="text/xml", headers=_headers())


def _principal(session: Session, key: str) -> Principal:
    user = accounts.user_for_api_key(session, get_settings(), key)
    if user.role not in (Role.surveyor, Role.planner, Role.admin):
        raise PermissionDeniedError("this account does not collect census forms")
    return accounts.principal_for(user, "odk-key")


def _answer(session: Session, key: str, build: Callable[[Principal], Response]) -> Response:
    """The key's principal, then ``build``; a refusal as an OpenRosaResponse."""
    try:
        response = build(_principal(session, key))
        session.commit()
        return response
    except (DomainError, ValidationError) as exc:
        session.rollback()
        status = next((code for kind, code in STATUS_OF if isinstance(exc, kind)), 400)
        return openrosa_message(str(exc), status)


def household_form() -> XForm:
    return convert_xlsform(get_settings().data_dir / "forms" / HOUSEHOLD_FORM_FILE)


def _form(form_id: str) -> XForm:
    if form_id != HOUSEHOLD_FORM_ID:
        raise NotFoundError(f"no form {form_id}")
    return household_form()


@router.get("/formList", summary="OpenRosa form list (ODK Collect)")
def form_list(key: Key, request: Request, session: SessionDep) -> Response:
    def build(principal: Principal) -> Response:
        base = str(request.url_for("form_list", key=key)).removesuffix("/formList")
        root = ElementTree.Element("xforms", xmlns=XFORMS_LIST_NS)
        # The census form, then the office's own forms given to this account.
        for form in [household_form(), *surveys.forms_for(session, principal)]:
            entry = ElementTree.SubElement(root, "xform")
            fields = [
                ("formID", form.form_id),
                ("name", form.title),
                ("version", form.version),
                ("hash", form.hash),
                ("downloadUrl", f"{base}/forms/{form.form_id}/form.xml"),
            ]
            if form.form_id == HOUSEHOLD_FORM_ID:  # the only form with media files
                fields.append(("manifestUrl", f"{base}/forms/{form.form_id}/manifest"))
            for name, value in fields:
                ElementTree.SubElement(entry, name).text = value
        return Response(_xml(root), media_type="text/xml", headers=_headers())

    return _answer(session, key, build)


@router.get("/forms/{form_id}/form.xml", summary="OpenRosa form download (ODK Collect)")
def form_download(key: Key, form_id: str, session: SessionDep) -> Response:
    def build(principal: Principal) -> Response:
        if form_id == HOUSEHOLD_FORM_ID:
            xml = household_form().xml
        else:
            xml = surveys.given_form(session, principal, form_id).xform
        return Response(xml.encode(), media_type="text/xml", headers=_headers())

    return _answer(session, key, build)


def media_file(session: Session, principal: Principal, name: str) -> bytes:
    """A ``select_one_from_file`` list for this surveyor (columns name, label, ...), UTF-8: the
    tambons they may submit in, those tambons' villages, and the schools of their provinces."""
    params: dict[str, Any]
    if principal.role == Role.surveyor:
        where = "t.code = ANY(:tambons)"
        params = {"tambons": sorted({tambon for tambon, _ in principal.areas})}
    elif principal.role == Role.planner:
        where = (
            "t.district_code IN (SELECT district_code FROM service_area_office_district "
            "WHERE office_code = :office)"
        )
        params = {"office": principal.office_code}
    else:
        where = "left(t.code, 2) IN (SELECT province_code FROM census_round WHERE state = 'open')"
        params = {}
    header = ["name", "label"]
    if name == "tambons.csv":
        rows = session.execute(
            text(
                "SELECT t.code, 'ต.' || t.name_th || ' อ.' || d.name_th FROM subdistrict t "
                f"JOIN district d ON d.code = t.district_code WHERE {where} ORDER BY t.code"
            ),
            params,
        ).all()
    elif name == "villages.csv":
        # The form filters them by tambon; a village DOPA lists with its moo gives the moo
        # (the others are chosen by name and the moo typed). Key: the village code, else its id.
        rows = session.execute(
            text(
                "SELECT coalesce(v.code, 'v' || v.id), "
                "CASE WHEN v.moo IS NULL THEN v.name_th ELSE 'หมู่ ' || v.moo || ' ' || v.name_th "
                "END, v.subdistrict_code, v.moo, v.code FROM village v "
                f"JOIN subdistrict t ON t.code = v.subdistrict_code WHERE {where} "
                "ORDER BY v.subdistrict_code, v.moo NULLS LAST, v.name_th, v.id"
            ),
            params,
        ).all()
        header = ["name", "label", "tambon", "moo", "code"]
    elif name == "schools.csv":
        rows = session.execute(
            text(
                "SELECT s.code, s.name_th || ' (' || s.code || ')' FROM school s WHERE "
                "left(s.subdistrict_code, 2) IN (SELECT DISTINCT left(t.code, 2) "
                f"FROM subdistrict t WHERE {where}) ORDER BY s.name_th, s.code"
            ),
            params,
        ).all()
    else:
        raise NotFoundError(f"no media file {name}")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


@router.get("/forms/{form_id}/manifest", summary="OpenRosa manifest (ODK Collect)")
def form_manifest(key: Key, form_id: str, request: Request, session: SessionDep) -> Response:
    def build(principal: Principal) -> Response:
        form = _form(form_id)
        root = ElementTree.Element("manifest", xmlns=MANIFEST_NS)
        for name in MEDIA_FILES:
            body = media_file(session, principal, name)
            entry = ElementTree.SubElement(root, "mediaFile")
            ElementTree.SubElement(entry, "filename").text = name
            ElementTree.SubElement(entry, "hash").text = "md5:" + hashlib.md5(body).hexdigest()
            ElementTree.SubElement(entry, "downloadUrl").text = str(
                request.url_for("form_attachment", key=key, form_id=form.form_id, name=name)
            )
        return Response(_xml(root), media_type="text/xml", headers=_headers())

    return _answer(session, key, build)


@router.get("/forms/{form_id}/attachments/{name}", summary="A form's media file (ODK Collect)")
def form_attachment(key: Key, form_id: str, name: str, session: SessionDep) -> Response:
    def build(principal: Principal) -> Response:
        _form(form_id)
        body = media_file(session, principal, name)
        return Response(body, media_type="text/csv; charset=utf-8", headers=_headers())

    return _answer(session, key, build)


@router.head("/submission", status_code=204, summary="OpenRosa submission preflight")
def submission_preflight(key: Key, session: SessionDep) -> Response:
    def build(_: Principal) -> Response:
        return Response(
            status_code=204,
            headers=_headers() | {"X-OpenRosa-Accept-Content-Length": str(ACCEPT_CONTENT_LENGTH)},
        )

    return _answer(session, key, build)


def open_round(session: Session) -> int:
    """The round phones submit into: the latest open one."""
    year = session.execute(
        text(
            "SELECT academic_year FROM census_round WHERE state = 'open' "
            "ORDER BY academic_year DESC LIMIT 1"
        )
    ).scalar()
    if year is None:
        raise ConflictError("no census round is open: the office opens one")
    return int(year)


@router.post("/submission", status_code=201, summary="OpenRosa submission (ODK Collect)")
async def submission(key: Key, request: Request, session: SessionDep) -> Response:
    try:
        xml, files = await read_submission_parts(request)
    except FileTooLargeError as exc:
        return openrosa_message(f"{exc.name} is larger than accepted", 413)
    if xml is None:
        return openrosa_message("the submission has no xml_submission_file", 400)
    body_xml = xml

    def build(principal: Principal) -> Response:
        if submitted_form_id(body_xml) != HOUSEHOLD_FORM_ID:
            instance_id, created = surveys.store_submission(
                session, principal, body_xml, [(name, content) for name, _, content in files]
            )
            message = "บันทึกแล้ว" if created else "บันทึกไว้แล้ว (ส่งซ้ำ)"
            return openrosa_message(f"{message}: {instance_id}", 201, nature="")
        payload = household_payload(body_xml, open_round(session))
        body: dict[str, Any] = HouseholdSubmit.model_validate(payload).model_dump(mode="json")
        replaced = deprecated_uuid(body_xml)
        if replaced:  # an edit: the earlier version is kept, this one takes its place
            household, created = census.replace_household(
                session, get_settings(), principal, replaced, body, from_phone=True
            )
        else:
            household, created = census.submit_household(
                session, get_settings(), principal, body, from_phone=True
            )
        census.keep_attachments(session, str(household.uuid), files)
        message = "บันทึกแล้ว" if created else "บันทึกไว้แล้ว (ส่งซ้ำ)"
        return openrosa_message(f"{message}: {household.uuid}", 201, nature="")

    # The body is read on the event loop; the database work runs on the thread pool, as a
    # sync route's does.
    return await run_in_threadpool(_answer, session, key, build)


ODK = "/odk/key/{key}"
# The matrix calls these with a key nobody holds: every role is refused the same (the key,
# not the headers, says who the phone is); tests/census/test_openrosa.py takes real keys (and
# the HEAD preflight, which the matrix does not list).
UNKNOWN_KEY = expect(401)
ACCESS_RULES = [
    AccessRule("GET", f"{ODK}/formList", UNKNOWN_KEY),
    AccessRule("GET", f"{ODK}/forms/{{form_id}}/form.xml", UNKNOWN_KEY),
    AccessRule("GET", f"{ODK}/forms/{{form_id}}/manifest", UNKNOWN_KEY),
    AccessRule("GET", f"{ODK}/forms/{{form_id}}/attachments/{{name}}", UNKNOWN_KEY),
    AccessRule("POST", f"{ODK}/submission", UNKNOWN_KEY),
]
