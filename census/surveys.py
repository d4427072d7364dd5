"""The office's own forms (issue 17, item 3, part): any XLSForm an admin or planner adds (a
survey of school toilets, children with disabilities, village facilities...), given to roles
and accounts, served to ODK Collect beside the household form, its submissions kept as
documents (JSONB) with their point, one per ``meta/instanceID``, and exported.

Which questions are personal: a ``personal`` column of the XLSForm's survey sheet (``yes`` or
``no``) says so; without it, names, IDs, birth dates, phone numbers, addresses (by the question's
name), photos, sound, video, files and geopoints (by type) are personal. Personal answers are
recorded with the form; the submissions are read only by those who may read named records of
the form's office (admins, the office's planners). Public counts of a form, a map layer and
encrypted forms are not built yet.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import re
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
from defusedxml import ElementTree
from sqlalchemy import text
from sqlalchemy.orm import Session

from census.form_crypto import (
    decrypt_submission,
    form_public_key,
    is_encrypted,
    load_office_key,
    public_key_text,
)
from census.xlsform import HOUSEHOLD_FORM_ID, XForm, convert_xlsform
from kernel.archives import ArchiveRefusedError, check_archive
from kernel.cells import rows_csv, rows_xlsx
from kernel.config import get_settings
from kernel.disclosure import suppress_small_count
from kernel.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from kernel.policy import office_districts
from kernel.principal import Principal, Role

PERSONAL_TYPES = frozenset(
    {"geopoint", "geotrace", "geoshape", "image", "audio", "video", "file", "background-audio"}
)
PERSONAL_NAMES = re.compile(
    r"(^|_)(name|first_?name|last_?name|surname|national_?id|citizen_?id|id_?card|pid|"
    r"birth_?date|date_?of_?birth|dob|phone|telephone|mobile|address)($|_)",
    re.IGNORECASE,
)
YES = frozenset({"yes", "true", "1", "ใช่", "y"})
NO = frozenset({"no", "false", "0", "ไม่", "n"})
FORM_ROLES = frozenset(role.value for role in Role)
MAX_XLSFORM_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Questions:
    """What the survey sheet says beyond the XForm: personal questions (by name), repeats (by
    name) and the first geopoint (the submission's point)."""

    personal: tuple[str, ...]
    repeats: tuple[str, ...]
    geopoint: str | None


def read_questions(path: Path) -> Questions:
    """The survey sheet's questions, their ``personal`` marks and the repeats."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        if "survey" not in book.sheetnames:
            raise InvalidInputError("xlsform", f"{path.name}: no survey sheet")
        rows = book["survey"].iter_rows(values_only=True)
        header = [str(cell or "").strip().lower() for cell in next(rows, ())]
        column = {name: index for index, name in enumerate(header) if name}
        personal, repeats, geopoint = [], [], None
        for number, row in enumerate(rows, start=2):

            def cell(name: str, row: tuple[Any, ...] = row) -> str:
                index = column.get(name)
                value = row[index] if index is not None and index < len(row) else None
                return str(value).strip() if value is not None else ""

            kind, name, mark = cell("type").lower(), cell("name"), cell("personal").lower()
            if mark and mark not in YES | NO:
                raise InvalidInputError(
                    "xlsform", f"survey row {number}, personal: yes or no, not {mark!r}"
                )
            if kind.replace("_", " ") == "begin repeat":
                repeats.append(name)
                continue
            if not name or kind.startswith(("begin", "end")):
                continue
            base_type = kind.split()[0] if kind else ""
            if base_type == "geopoint" and geopoint is None:
                geopoint = name
            by_default = base_type in PERSONAL_TYPES or bool(PERSONAL_NAMES.search(name))
            if mark in YES or (by_default and mark not in NO):
                personal.append(name)
        return Questions(tuple(personal), tuple(repeats), geopoint)
    finally:
        book.close()


def convert_upload(filename: str, content: bytes) -> tuple[XForm, Questions]:
    """An uploaded XLSForm converted and read; refused with pyxform's message when broken."""
    if not filename.lower().endswith(".xlsx"):
        raise InvalidInputError("file", f"{filename}: an XLSForm as .xlsx")
    if len(content) > MAX_XLSFORM_BYTES:
        raise InvalidInputError("file", f"{filename}: larger than 5 MB")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(filename).name
        path.write_bytes(content)
        if not zipfile.is_zipfile(path):
            raise InvalidInputError("file", f"{filename}: not an XLSX workbook")
        try:
            check_archive(path)  # an XLSX is a zip: no bomb reaches pyxform
        except ArchiveRefusedError as exc:
            raise InvalidInputError("file", str(exc)) from exc
        try:
            xform = convert_xlsform(path)
        except InvalidInputError:
            raise
        except Exception as exc:  # an upload's workbook can break pyxform's readers any way
            raise InvalidInputError("file", f"{filename}: unreadable XLSForm ({exc})") from exc
        try:
            questions = read_questions(path)
        except (KeyError, ValueError, OSError) as exc:  # pyxform read it; openpyxl did not
            raise InvalidInputError("file", f"{filename}: {exc}") from exc
    if xform.form_id == HOUSEHOLD_FORM_ID:
        raise InvalidInputError("xlsform", f"form id {HOUSEHOLD_FORM_ID} is the census form's")
    return xform, questions


def _check_encryption(xform: XForm) -> None:
    """An encrypted form is added only when this server holds its private key: otherwise
    every submission would be kept and never read."""
    public_key = form_public_key(xform.xml)
    if public_key is None:
        return
    key = load_office_key(get_settings().effective_form_key_file)
    if key is None:
        raise InvalidInputError(
            "public_key", "this server has no office key yet: make one with `edumap forms key`"
        )
    if public_key_text(key.public_key()) != public_key:
        raise InvalidInputError(
            "public_key", "not this office's key (`edumap forms key --show` prints it)"
        )


def may_manage_forms(principal: Principal) -> bool:
    return principal.role in (Role.admin, Role.planner)


def add_form(
    session: Session,
    principal: Principal,
    filename: str,
    content: bytes,
    *,
    roles: list[str],
    usernames: list[str],
) -> dict[str, Any]:
    """Add a form, or a new version of one this principal's office added; give it to roles
    (of the office, for a planner's form) and to named accounts."""
    if not may_manage_forms(principal):
        raise PermissionDeniedError("only admins and planners add forms")
    unknown_roles = sorted(set(roles) - FORM_ROLES)
    if unknown_roles:
        raise InvalidInputError("roles", f"no role {', '.join(unknown_roles)}")
    xform, questions = convert_upload(filename, content)
    _check_encryption(xform)
    users: dict[str, int] = dict(
        session.execute(
            text("SELECT username, id FROM user_account WHERE username = ANY(:names)"),
            {"names": usernames},
        ).all()
    )
    missing = sorted(set(usernames) - set(users))
    if missing:
        raise InvalidInputError("users", f"no account {', '.join(missing)}")
    office = None if principal.role == Role.admin else principal.office_code
    existing = session.execute(
        text("SELECT id, version, office_code FROM survey_form WHERE form_id = :f FOR UPDATE"),
        {"f": xform.form_id},
    ).first()
    values = {
        "form_id": xform.form_id,
        "version": xform.version,
        "title": xform.title,
        "filename": Path(filename).name,
        "xlsform": content,
        "xform": xform.xml,
        "personal": list(questions.personal),
        "repeats": list(questions.repeats),
        "geopoint": questions.geopoint,
        "roles": sorted(set(roles)),
        "office": office,
        "user": principal.user_id,
    }
    if existing is None:
        form_pk = session.execute(
            text(
                "INSERT INTO survey_form (form_id, version, title, filename, xlsform, xform, "
                "personal_fields, repeats, geopoint_field, roles, office_code, created_by) "
                "VALUES (:form_id, :version, :title, :filename, :xlsform, :xform, :personal, "
                ":repeats, :geopoint, :roles, :office, :user) RETURNING id"
            ),
            values,
        ).scalar_one()
    else:
        if principal.role != Role.admin and existing.office_code != principal.office_code:
            raise PermissionDeniedError(f"form {xform.form_id} belongs to another office")
        if existing.version == xform.version:
            raise ConflictError(
                f"form {xform.form_id} version {xform.version} exists: change the version "
                "in the settings sheet to replace it"
            )
        form_pk = existing.id
        session.execute(
            text(
                "UPDATE survey_form SET version = :version, title = :title, filename = :filename, "
                "xlsform = :xlsform, xform = :xform, personal_fields = :personal, "
                "repeats = :repeats, geopoint_field = :geopoint, roles = :roles WHERE id = :pk"
            ),
            values | {"pk": form_pk},
        )
        session.execute(
            text("DELETE FROM survey_form_account WHERE form_pk = :pk"), {"pk": form_pk}
        )
    if users:
        session.execute(
            text(
                "INSERT INTO survey_form_account (form_pk, user_id) "
                "SELECT :pk, unnest(CAST(:ids AS integer[]))"
            ),
            {"pk": form_pk, "ids": sorted(users.values())},
        )
    return {
        "form_id": xform.form_id,
        "version": xform.version,
        "title": xform.title,
        "personal_fields": list(questions.personal),
        "repeats": list(questions.repeats),
        "roles": values["roles"],
        "users": sorted(users),
        "office_code": office,
        "warnings": list(xform.warnings),
    }


# A form reaches an account named on it, or an account of one of its roles: of any office for
# an admin's form; of the form's office for a planner's (its planners and schools by office,
# surveyors by an assigned tambon in the office's districts).
_GIVEN_SQL = """
    EXISTS (SELECT 1 FROM survey_form_account a WHERE a.form_pk = f.id AND a.user_id = :user)
    OR (:role = ANY(f.roles) AND (
        f.office_code IS NULL
        OR f.office_code = :office
        OR EXISTS (SELECT 1 FROM user_area ua JOIN service_area_office_district od
                   ON od.district_code = left(ua.subdistrict_code, 4)
                   WHERE ua.user_id = :user AND od.office_code = f.office_code)))
"""


def _given(principal: Principal) -> dict[str, Any]:
    return {"user": principal.user_id, "role": principal.role, "office": principal.office_code}


def forms_for(session: Session, principal: Principal) -> list[XForm]:
    """The office forms given to this account, as Collect lists them."""
    rows = session.execute(
        text(
            f"SELECT form_id, version, title, xform FROM survey_form f WHERE {_GIVEN_SQL} "
            "ORDER BY form_id"
        ),
        _given(principal),
    ).all()
    return [XForm(r.form_id, r.version, r.title, r.xform, ()) for r in rows]


def given_form(session: Session, principal: Principal, form_id: str) -> Any:
    row = session.execute(
        text(
            "SELECT id, form_id, version, title, xform, repeats, geopoint_field FROM survey_form f "
            f"WHERE form_id = :form_id AND ({_GIVEN_SQL})"
        ),
        _given(principal) | {"form_id": form_id},
    ).first()
    if row is None:
        raise NotFoundError(f"no form {form_id}")
    return row


def _document(element: Any, repeats: frozenset[str]) -> dict[str, Any]:
    """An XML instance element as JSON: groups as objects, repeats as lists of objects, answers
    as text (None when empty, as Collect sends unanswered questions)."""
    document: dict[str, Any] = {}
    for child in element:
        name = child.tag.rsplit("}", 1)[-1]
        if len(child):
            value: Any = _document(child, repeats)
        else:
            value = child.text.strip() if child.text and child.text.strip() else None
        if name in repeats:
            document.setdefault(name, []).append(value)
        else:
            document[name] = value
    return document


def store_submission(
    session: Session,
    principal: Principal,
    xml: bytes,
    files: Sequence[tuple[str, bytes]] = (),
) -> tuple[str, bool]:
    """A submission of an office form: (instance ID, created). The same instanceID again is
    stored once; with other content it is refused. Files sent with it (photos) are kept, each
    name once. An encrypted one (its manifest and ``.enc`` files) is decrypted with the
    office's key, its signature checked."""
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        raise InvalidInputError("xml_submission_file", f"not XML: {exc}") from exc
    form = given_form(session, principal, str(root.get("id") or ""))
    media = list(files)
    if is_encrypted(root):
        key = load_office_key(get_settings().effective_form_key_file)
        if key is None:
            raise ConflictError("this server has no office key to decrypt the form with")
        decrypted = decrypt_submission(key, xml, dict(files))
        root, media = ElementTree.fromstring(decrypted.xml), list(decrypted.media)
        if str(root.get("id") or "") != form.form_id:
            raise InvalidInputError("xml_submission_file", "the encrypted form is another form")
    data = _document(root, frozenset(form.repeats))
    instance_id = str((data.get("meta") or {}).get("instanceID") or "")
    if not instance_id:
        raise InvalidInputError("meta/instanceID", "the submission has no instanceID")
    point, accuracy = None, None
    if form.geopoint_field and data.get(form.geopoint_field):
        parts = str(data[form.geopoint_field]).split()
        try:  # "lat lon altitude accuracy": latitude first
            lat, lon = float(parts[0]), float(parts[1])
            accuracy = float(parts[3]) if len(parts) > 3 else None
        except (ValueError, IndexError) as exc:
            raise InvalidInputError(form.geopoint_field, "a geopoint is 'lat lon alt acc'") from exc
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise InvalidInputError(form.geopoint_field, f"no place at {lat} {lon}")
        point = f"SRID=4326;POINT({lon} {lat})"
    digest = hashlib.sha256(
        json.dumps(data, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    stored = session.execute(
        text(
            "INSERT INTO survey_submission (form_pk, instance_id, form_version, data, location, "
            "location_accuracy_m, content_hash, submitted_by) VALUES (:pk, :instance, "
            ":version, CAST(:data AS jsonb), ST_GeomFromEWKT(:point), :accuracy, :digest, :user) "
            "ON CONFLICT (form_pk, instance_id) DO NOTHING RETURNING id"
        ),
        {
            "pk": form.id,
            "instance": instance_id,
            "version": str(root.get("version") or form.version),
            "data": json.dumps(data, ensure_ascii=False),
            "point": point,
            "accuracy": accuracy,
            "digest": digest,
            "user": principal.user_id,
        },
    ).scalar()
    created = stored is not None
    if not created:
        earlier = session.execute(
            text(
                "SELECT id, content_hash FROM survey_submission "
                "WHERE form_pk = :pk AND instance_id = :i"
            ),
            {"pk": form.id, "i": instance_id},
        ).one()
        if earlier.content_hash != digest:
            raise ConflictError(f"{instance_id} was already sent with other answers")
        stored = earlier.id
    # Files: each name once (a resend, or a later part of a submission Collect split).
    for name, content in media:
        session.execute(
            text(
                "INSERT INTO survey_attachment (submission_id, name, content_type, size_bytes, "
                "sha256, content) VALUES (:s, :name, :type, :size, :sha, :content) "
                "ON CONFLICT (submission_id, name) DO NOTHING"
            ),
            {
                "s": stored,
                "name": name,
                "type": mimetypes.guess_type(name)[0] or "application/octet-stream",
                "size": len(content),
                "sha": hashlib.sha256(content).hexdigest(),
                "content": content,
            },
        )
    return instance_id, created


def reads_submissions(principal: Principal, form_office: str | None) -> bool:
    """Who reads a form's submissions (and its exact counts): admins every form's, planners
    their office's forms and the admins' (for their office's submissions)."""
    return principal.role == Role.admin or (
        principal.role == Role.planner and form_office in (None, principal.office_code)
    )


def _form_row(session: Session, form_id: str) -> Any:
    row = session.execute(
        text(
            "SELECT id, form_id, xform, personal_fields, repeats, office_code FROM survey_form "
            "WHERE form_id = :f"
        ),
        {"f": form_id},
    ).first()
    if row is None:
        raise NotFoundError(f"no form {form_id}")
    return row


def _readable_form(session: Session, principal: Principal, form_id: str) -> Any:
    """A form whose submissions the principal may read, else PermissionDeniedError."""
    row = _form_row(session, form_id)
    if not reads_submissions(principal, row.office_code):
        raise PermissionDeniedError(f"the submissions of {form_id} are the office's")
    return row


def _office_scope(session: Session, principal: Principal) -> tuple[str, dict[str, Any]]:
    """The submissions (``s``) a reader may see: all for admins; for a planner those sent by
    the office's accounts or by surveyors with a tambon in its districts."""
    if principal.role != Role.planner:
        return "true", {}
    return (
        "(EXISTS (SELECT 1 FROM user_account u WHERE u.id = s.submitted_by "
        "AND (u.office_code = :office OR EXISTS (SELECT 1 FROM user_area ua "
        "WHERE ua.user_id = u.id AND left(ua.subdistrict_code, 4) = ANY(:districts)))))",
        {
            "office": principal.office_code,
            "districts": sorted(office_districts(session, principal.office_code)),
        },
    )


def submissions(session: Session, principal: Principal, form_id: str) -> list[dict[str, Any]]:
    """A form's submissions, oldest first: the answers in full (the reader may read the
    office's named records), who sent them and when. A planner reads those sent from the
    office's districts or by its accounts."""
    form = _readable_form(session, principal, form_id)
    scope, params = _office_scope(session, principal)
    where = f"s.form_pk = :pk AND {scope}"
    params["pk"] = form.id
    rows = session.execute(
        text(
            "SELECT s.instance_id, s.form_version, s.data, u.username, s.received_at, "
            "ST_Y(s.location) AS lat, ST_X(s.location) AS lon, s.location_accuracy_m "
            "FROM survey_submission s JOIN user_account u ON u.id = s.submitted_by "
            f"WHERE {where} ORDER BY s.id"
        ),
        params,
    ).all()
    return [
        {
            "instance_id": r.instance_id,
            "form_version": r.form_version,
            "submitted_by": r.username,
            "received_at": r.received_at.isoformat(),
            "location": None
            if r.lat is None
            else {"lat": r.lat, "lon": r.lon, "accuracy_m": r.location_accuracy_m},
            "data": r.data,
        }
        for r in rows
    ]


def submission_file(
    session: Session, principal: Principal, form_id: str, instance_id: str, name: str
) -> tuple[str, bytes]:
    """A file sent with a submission, for those who read the form's submissions (a
    submission out of reach is not told apart from none)."""
    form = _readable_form(session, principal, form_id)
    scope, params = _office_scope(session, principal)
    row = session.execute(
        text(
            "SELECT a.content_type, a.content FROM survey_attachment a "
            "JOIN survey_submission s ON s.id = a.submission_id "
            f"WHERE s.form_pk = :pk AND s.instance_id = :i AND a.name = :name AND {scope}"
        ),
        params | {"pk": form.id, "i": instance_id, "name": name},
    ).first()
    if row is None:
        raise NotFoundError(f"no file {name} with submission {instance_id}")
    return str(row.content_type), bytes(row.content)


def _flat(document: dict[str, Any], repeats: frozenset[str], prefix: str = "") -> dict[str, Any]:
    """A document's answers as columns (``group/question``), repeats left out."""
    columns: dict[str, Any] = {}
    for name, value in document.items():
        if name in repeats:
            continue
        if isinstance(value, dict):
            columns |= _flat(value, repeats, f"{prefix}{name}/")
        else:
            columns[f"{prefix}{name}"] = value
    return columns


def _repeat_rows(
    document: dict[str, Any], repeats: frozenset[str], parent: str, found: dict[str, list[Any]]
) -> None:
    for name, value in document.items():
        if name in repeats and isinstance(value, list):
            for index, item in enumerate(value, start=1):
                key = f"{parent}/{name}[{index}]"
                item = item if isinstance(item, dict) else {name: item}
                found.setdefault(name, []).append(
                    {"PARENT_KEY": parent, "KEY": key} | _flat(item, repeats)
                )
                _repeat_rows(item, repeats, key, found)
        elif isinstance(value, dict):
            _repeat_rows(value, repeats, parent, found)


def export_tables(
    session: Session, principal: Principal, form_id: str
) -> dict[str, list[dict[str, Any]]]:
    """The submissions as tables, as ODK Central exports them: the main table (``KEY`` the
    instanceID) and one per repeat, each row with its ``PARENT_KEY``."""
    form = _readable_form(session, principal, form_id)
    repeats = frozenset(form.repeats)
    # every table, even before its first row: the workbook's layout is the form's
    tables: dict[str, list[dict[str, Any]]] = {form.form_id: []} | {r: [] for r in form.repeats}
    for submission in submissions(session, principal, form_id):
        key = submission["instance_id"]
        tables[form.form_id].append(
            {
                "KEY": key,
                "SubmitterName": submission["submitted_by"],
                "SubmissionDate": submission["received_at"],
            }
            | _flat(submission["data"], repeats)
        )
        found: dict[str, list[Any]] = {}
        _repeat_rows(submission["data"], repeats, key, found)
        for name in form.repeats:
            tables[name].extend(found.get(name, []))
    return tables


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    names: dict[str, None] = {}
    for row in rows:
        names |= dict.fromkeys(row)
    return list(names)


EXPORT_FORMATS = ("csv", "xlsx")


def export(
    session: Session, principal: Principal, form_id: str, output_format: str
) -> tuple[bytes, int]:
    """The submissions as a file and how many there are, the tables read once: ``xlsx`` every
    table as a sheet (the main one first, then one per repeat), ``csv`` the main table (UTF-8
    with BOM, so Excel reads Thai)."""
    if output_format not in EXPORT_FORMATS:
        raise InvalidInputError("format", "csv or xlsx")
    tables = export_tables(session, principal, form_id)
    content = _csv(tables[form_id]) if output_format == "csv" else _xlsx(tables)
    return content, len(tables[form_id])


def _csv(rows: list[dict[str, Any]]) -> bytes:
    return rows_csv(_columns(rows) or ["KEY"], rows)


def _xlsx(tables: dict[str, list[dict[str, Any]]]) -> bytes:
    return rows_xlsx({name: (_columns(rows) or ["KEY"], rows) for name, rows in tables.items()})


# --- forms listed, and their answers counted ------------------------------------------------

_XF_NS = "{http://www.w3.org/2002/xforms}"
COUNT_AREAS = ("tambon", "school")


def list_forms(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """The forms a principal may see: admins every form, planners their office's and the
    admins', others those given to them; with the number of submissions each has."""
    if principal.role == Role.admin:
        where, params = "true", {}
    elif principal.role == Role.planner:
        where, params = (
            "(f.office_code IS NULL OR f.office_code = :office)",
            {"office": principal.office_code},
        )
    else:
        where, params = f"({_GIVEN_SQL})", _given(principal)
    rows = session.execute(
        text(
            "SELECT f.form_id, f.version, f.title, f.personal_fields, f.repeats, f.roles, "
            "f.office_code, f.created_at, (SELECT count(*) FROM survey_submission s "
            f"WHERE s.form_pk = f.id) AS submissions FROM survey_form f WHERE {where} "
            "ORDER BY f.form_id"
        ),
        params,
    ).all()
    return [
        {
            "form_id": r.form_id,
            "version": r.version,
            "title": r.title,
            "personal_fields": list(r.personal_fields),
            "repeats": list(r.repeats),
            "roles": list(r.roles),
            "office_code": r.office_code,
            "created_at": r.created_at.isoformat(),
            "submissions": r.submissions,
            "public": not r.personal_fields,
        }
        for r in rows
    ]


def select_questions(xform: str) -> dict[str, list[str]]:
    """The form's select questions (select_one, select_multiple) by name, each with its path
    in the instance (``["rooms", "condition"]``)."""
    root = ElementTree.fromstring(xform.encode())
    found: dict[str, list[str]] = {}
    for kind in ("select1", "select"):
        for element in root.iter(f"{_XF_NS}{kind}"):
            path = str(element.get("ref") or "").strip("/").split("/")[1:]
            if path:
                found[path[-1]] = path
    return found


def all_questions(xform: str) -> frozenset[str]:
    """The names of every question the XForm binds."""
    root = ElementTree.fromstring(xform.encode())
    return frozenset(
        str(bind.get("nodeset") or "").rsplit("/", 1)[-1] for bind in root.iter(f"{_XF_NS}bind")
    )


def _json_path(path: list[str], repeats: frozenset[str]) -> str:
    """A SQL/JSON path to a question's answers: ``$."rooms"[*]."condition"``."""
    steps = []
    for step in path:
        steps.append(f'."{step}"' + ("[*]" if step in repeats else ""))
    return "$" + "".join(steps)


def counts(
    session: Session, principal: Principal, form_id: str, question: str, by: str
) -> dict[str, Any]:
    """Answers of one select question counted per tambon (the submission's point) or per school
    (the form's ``school_code`` answer). A form without personal questions is counted for
    anyone, small counts shown as "<5" to those outside its office; a form with personal
    questions only for those who read its submissions (exact)."""
    form = _form_row(session, form_id)
    if by not in COUNT_AREAS:
        raise InvalidInputError("by", "tambon or school")
    questions = select_questions(form.xform)
    if question not in questions:
        raise InvalidInputError("question", f"{form_id} has no select question {question}")
    if question in form.personal_fields:
        raise PermissionDeniedError(f"{question} is personal: its answers are not counted")
    scope: str = "true"
    scope_params: dict[str, Any] = {}
    if form.personal_fields:
        if principal.is_anonymous:
            raise AuthenticationError(f"{form_id} asks personal questions: log in")
        _readable_form(session, principal, form_id)  # refuses those who may not read it
        scope, scope_params = _office_scope(session, principal)  # what they may read
        exact = True
    else:
        exact = reads_submissions(principal, form.office_code)
    if by == "school" and "school_code" not in all_questions(form.xform):
        raise InvalidInputError("by", f"{form_id} has no school_code question")
    area_sql = (
        "(SELECT t.code FROM subdistrict t WHERE ST_Intersects(t.geom, s.location) LIMIT 1)"
        if by == "tambon"
        else "s.data ->> 'school_code'"
    )
    rows = session.execute(
        text(
            f"SELECT {area_sql} AS area, answer #>> '{{}}' AS answer, count(*) AS n "
            "FROM survey_submission s, "
            "jsonb_path_query(s.data, CAST(:path AS jsonpath)) AS answer "
            f"WHERE s.form_pk = :pk AND {scope} GROUP BY 1, 2 ORDER BY 1, 2"
        ),
        {"pk": form.id, "path": _json_path(questions[question], frozenset(form.repeats))}
        | scope_params,
    ).all()
    names: dict[str, str] = dict(
        session.execute(
            text(
                "SELECT code, name_th FROM subdistrict WHERE code = ANY(:codes)"
                if by == "tambon"
                else "SELECT code, name_th FROM school WHERE code = ANY(:codes)"
            ),
            {"codes": sorted({r.area for r in rows if r.area})},
        ).all()
    )
    areas: dict[str | None, dict[str, Any]] = {}
    for row in rows:
        for value in row.answer.split() if row.answer else [None]:  # select_multiple: "a b"
            area = areas.setdefault(
                row.area, {"code": row.area, "name_th": names.get(row.area), "answers": {}}
            )
            key = value or ""
            area["answers"][key] = area["answers"].get(key, 0) + row.n
    for area in areas.values():
        if not exact:
            area["answers"] = {k: suppress_small_count(v) for k, v in area["answers"].items()}
    return {
        "form_id": form_id,
        "question": question,
        "by": by,
        "exact": exact,
        "areas": list(areas.values()),
    }


def mapped_forms(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """The forms whose answers a map may show this principal, each with the select question
    it counts first: forms without personal questions for anyone, the others for those who
    read their submissions."""
    rows = session.execute(
        text(
            "SELECT form_id, title, xform, personal_fields, office_code FROM survey_form "
            "ORDER BY form_id"
        )
    ).all()
    shown = []
    for row in rows:
        questions = [q for q in select_questions(row.xform) if q not in row.personal_fields]
        if not questions:
            continue
        if row.personal_fields and not reads_submissions(principal, row.office_code):
            continue
        shown.append({"form_id": row.form_id, "title": row.title, "question": questions[0]})
    return shown


def counts_layer(
    session: Session, principal: Principal, form_id: str, question: str
) -> dict[str, Any]:
    """``counts`` per tambon as GeoJSON points (each tambon's point on its surface), with the
    number of answers for sizing (None when any count is hidden)."""
    counted = counts(session, principal, form_id, question, "tambon")
    codes = [area["code"] for area in counted["areas"] if area["code"]]
    points = {
        code: (lon, lat)
        for code, lon, lat in session.execute(
            text(
                "SELECT code, ST_X(p), ST_Y(p) FROM subdistrict, ST_PointOnSurface(geom) p "
                "WHERE code = ANY(:codes)"
            ),
            {"codes": codes},
        ).all()
    }
    features = []
    for area in counted["areas"]:
        if area["code"] not in points:
            continue  # answers sent from outside every tambon (or without a point)
        values = list(area["answers"].values())
        size = sum(values) if all(isinstance(v, int) for v in values) else None
        features.append(
            {
                "type": "Feature",
                "id": area["code"],
                "geometry": {"type": "Point", "coordinates": list(points[area["code"]])},
                "properties": {
                    "code": area["code"],
                    "name_th": area["name_th"],
                    "answers": area["answers"],
                    "size": size,
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "form_id": form_id,
        "question": question,
        "exact": counted["exact"],
        "features": features,
    }
