"""The office's own forms over REST: add an XLSForm (admins, planners), list the forms, read and
export their submissions (audited: answers may be personal), count the answers of a select
question per tambon or school, and the counts as a map layer. ODK Collect reaches the same forms
through OpenRosa (app/api/odk.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from app.api.access import SIGNED_IN, AccessRule, expect
from app.api.census import PlannerDep
from app.api.deps import SessionDep
from app.api.uploads import read_submission_parts
from app.auth import service as accounts
from app.auth.deps import PrincipalDep, SignedInDep, client_ip
from census import surveys
from census.xlsform import submitted_form_id
from kernel.errors import InvalidInputError
from kernel.principal import Principal

router = APIRouter(prefix="/api/v1/forms", tags=["forms"])
FormId = Annotated[
    str, Path(pattern=r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$", description="The XLSForm's form_id")
]
Question = Annotated[
    str, Query(pattern=r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$", description="A select question")
]
By = Annotated[str, Query(pattern=r"^(tambon|school)$", description="Count per tambon or school")]
GEOJSON = "application/geo+json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {XLSX: {}, "text/csv": {}}}}


@router.post("", status_code=201, summary="Add an XLSForm, or a new version of one")
def add_form(
    file: UploadFile,
    principal: PlannerDep,
    session: SessionDep,
    roles: Annotated[
        list[str], Form(default_factory=list, description="Give it to every account of these roles")
    ],
    users: Annotated[
        list[str], Form(default_factory=list, description="Give it to these accounts")
    ],
) -> JSONResponse:
    content = file.file.read(surveys.MAX_XLSFORM_BYTES + 1)
    added = surveys.add_form(
        session, principal, file.filename or "form.xlsx", content, roles=roles, usernames=users
    )
    session.commit()
    return JSONResponse(
        added, status_code=201, headers={"Location": f"/api/v1/forms/{added['form_id']}"}
    )


@router.post(
    "/{form_id}/submissions",
    status_code=201,
    summary="Send a submission of a form given to you (the form's XML, and its files)",
)
async def send_submission(
    form_id: FormId, request: Request, principal: SignedInDep, session: SessionDep
) -> JSONResponse:
    """As Collect sends to the OpenRosa endpoint, for the web page's form: multipart with
    ``xml_submission_file`` and the files; the same instanceID again is stored once."""
    xml, files = await read_submission_parts(request)
    if xml is None:
        raise InvalidInputError("xml_submission_file", "the submission has no XML")
    parts = [(name, content) for name, _, content in files]
    instance_id, created = await run_in_threadpool(
        _store_web_submission, session, principal, form_id, xml, parts
    )
    return JSONResponse(
        {"instance_id": instance_id, "stored": created},
        status_code=201 if created else 200,
    )


def _store_web_submission(
    session: SessionDep,
    principal: Principal,
    form_id: str,
    xml: bytes,
    files: list[tuple[str, bytes]],
) -> tuple[str, bool]:
    if submitted_form_id(xml) != form_id:
        raise InvalidInputError("xml_submission_file", f"not a submission of {form_id}")
    stored = surveys.store_submission(session, principal, xml, files)
    session.commit()
    return stored


@router.get("", summary="The forms you may see, with their number of submissions")
def list_forms(principal: SignedInDep, session: SessionDep) -> list[dict[str, Any]]:
    return surveys.list_forms(session, principal)


def _audited(
    session: SessionDep, principal: Principal, request: Request, form_id: str, what: str, n: int
) -> None:
    accounts.record_access(
        session,
        principal,
        action="export" if what != "read" else "read",
        resource=f"form {form_id} submissions {what}",
        record_count=n,
        ip=client_ip(request),
    )
    session.commit()


@router.get("/{form_id}/submissions", summary="A form's submissions (restricted, audited)")
def form_submissions(
    form_id: FormId, request: Request, principal: PlannerDep, session: SessionDep
) -> JSONResponse:
    found = surveys.submissions(session, principal, form_id)
    _audited(session, principal, request, form_id, "read", len(found))
    return JSONResponse(found, headers={"Cache-Control": "no-store"})


@router.get(
    "/{form_id}/submissions.{output_format}",
    summary="A form's submissions as ODK Central's tables: XLSX (a sheet per repeat) or CSV",
    response_class=Response,
    responses=FILE_RESPONSE,
)
def export_submissions(
    form_id: FormId,
    output_format: Annotated[str, Path(pattern=r"^(xlsx|csv)$")],
    request: Request,
    principal: PlannerDep,
    session: SessionDep,
) -> Response:
    content, count = surveys.export(session, principal, form_id, output_format)
    media_type = "text/csv" if output_format == "csv" else XLSX
    _audited(session, principal, request, form_id, output_format, count)
    return Response(
        content,
        media_type=media_type,
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="{form_id}.{output_format}"',
        },
    )


@router.get(
    "/{form_id}/submissions/{instance_id}/files/{name}",
    summary="A file sent with a submission, e.g. a photo (restricted, audited)",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def submission_file(
    form_id: FormId,
    instance_id: Annotated[str, Path(max_length=200)],
    name: Annotated[str, Path(max_length=200)],
    request: Request,
    principal: PlannerDep,
    session: SessionDep,
) -> Response:
    content_type, content = surveys.submission_file(session, principal, form_id, instance_id, name)
    _audited(session, principal, request, form_id, "read", 1)
    return Response(
        content,
        media_type=content_type,
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/{form_id}/counts", summary="Answers of a select question per tambon or school")
def form_counts(
    form_id: FormId,
    question: Question,
    principal: PrincipalDep,
    session: SessionDep,
    by: By = "tambon",
) -> dict[str, Any]:
    return surveys.counts(session, principal, form_id, question, by)


@router.get(
    "/{form_id}/map",
    summary="The answers of a select question per tambon, as GeoJSON points for a map layer",
    response_class=JSONResponse,
    responses={200: {"content": {GEOJSON: {}}}},
)
def form_map_layer(
    form_id: FormId, question: Question, principal: PrincipalDep, session: SessionDep
) -> JSONResponse:
    layer = surveys.counts_layer(session, principal, form_id, question)
    return JSONResponse(layer, media_type=GEOJSON, headers={"Cache-Control": "private, no-cache"})


FORM = "/api/v1/forms/{form_id}"
OFFICE_READERS = expect(403, anonymous=401, admin=200, planner=200)
ACCESS_RULES = [
    AccessRule("POST", "/api/v1/forms", expect(403, anonymous=401, admin=201, planner=201)),
    AccessRule("GET", "/api/v1/forms", SIGNED_IN),
    # The matrix's form is given to surveyors: others are told no such form.
    AccessRule("POST", f"{FORM}/submissions", expect(404, anonymous=401, surveyor=201)),
    AccessRule("GET", f"{FORM}/submissions", OFFICE_READERS),
    AccessRule("GET", f"{FORM}/submissions.{{output_format}}", OFFICE_READERS),
    # The matrix's form asks for a geopoint (personal): counted for its readers only.
    AccessRule("GET", f"{FORM}/submissions/{{instance_id}}/files/{{name}}", OFFICE_READERS),
    AccessRule("GET", f"{FORM}/counts", OFFICE_READERS),
    AccessRule("GET", f"{FORM}/map", OFFICE_READERS),
]
