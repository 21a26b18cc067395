"""RFC 9457 problem details with a stable machine-readable ``code``.

Services raise :class:`Problem`; the handlers here turn it, validation errors, HTTP errors and
database pool exhaustion into ``application/problem+json``. The SPA translates by ``code``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ProblemCode(StrEnum):
    """Every ``code`` the server answers with. Published as an enum in openapi.json, so the SPA's
    generated types carry it and its tests can demand a translation of each one."""

    account_disabled = "account_disabled"
    action_forbidden = "action_forbidden"
    admin_outside_committee = "admin_outside_committee"
    admin_required = "admin_required"
    anonymous_on_behalf = "anonymous_on_behalf"
    bad_channel = "bad_channel"
    bad_cursor = "bad_cursor"
    bad_file_type = "bad_file_type"
    bad_range = "bad_range"
    busy = "busy"
    cannot_demote_self = "cannot_demote_self"
    cannot_submit = "cannot_submit"
    category_exists = "category_exists"
    committee_exists = "committee_exists"
    committee_only_fields = "committee_only_fields"
    committee_required = "committee_required"
    concurrent_update = "concurrent_update"
    deadline_in_past = "deadline_in_past"
    empty_file = "empty_file"
    exclusion_decided = "exclusion_decided"
    exclusion_exists = "exclusion_exists"
    exclusion_not_lead = "exclusion_not_lead"
    extension_decided = "extension_decided"
    extension_limit = "extension_limit"
    extension_pending = "extension_pending"
    extension_too_long = "extension_too_long"
    file_too_large = "file_too_large"
    file_type_mismatch = "file_type_mismatch"
    forbidden = "forbidden"
    http_error = "http_error"
    idempotency_in_progress = "idempotency_in_progress"
    idempotency_key_reused = "idempotency_key_reused"
    internal_error = "internal_error"
    invalid_credentials = "invalid_credentials"
    invalid_refresh_token = "invalid_refresh_token"
    invalid_state = "invalid_state"
    lead_also_assisting = "lead_also_assisting"
    login_throttled = "login_throttled"
    merge_cycle = "merge_cycle"
    merge_into_self = "merge_into_self"
    method_not_allowed = "method_not_allowed"
    naive_datetime = "naive_datetime"
    not_a_college = "not_a_college"
    not_a_department = "not_a_department"
    not_a_handler = "not_a_handler"
    not_an_image = "not_an_image"
    not_authenticated = "not_authenticated"
    not_found = "not_found"
    not_ready = "not_ready"
    not_with_department = "not_with_department"
    office_hours_order = "office_hours_order"
    office_hours_span = "office_hours_span"
    on_behalf_fields = "on_behalf_fields"
    page_with_cursor = "page_with_cursor"
    person_required = "person_required"
    photo_too_late = "photo_too_late"
    policy_exists = "policy_exists"
    primary_not_open = "primary_not_open"
    rate_limited = "rate_limited"
    return_judged = "return_judged"
    root_not_revisited = "root_not_revisited"
    scope_required = "scope_required"
    scoring_window_open = "scoring_window_open"
    scoring_window_over = "scoring_window_over"
    stale_version = "stale_version"
    supervision_open = "supervision_open"
    throttled = "throttled"
    ticket_not_answered = "ticket_not_answered"
    too_large = "too_large"
    too_many_attachments = "too_many_attachments"
    too_many_photos = "too_many_photos"
    unit_exists = "unit_exists"
    unknown_category = "unknown_category"
    unknown_primary = "unknown_primary"
    unknown_ticket = "unknown_ticket"
    unknown_tracking_code = "unknown_tracking_code"
    unknown_unit = "unknown_unit"
    unsupported_media_type = "unsupported_media_type"
    upload_forbidden = "upload_forbidden"
    username_taken = "username_taken"
    validation_error = "validation_error"
    warning_decided = "warning_decided"
    warning_rule_fields = "warning_rule_fields"
    weights_sum_zero = "weights_sum_zero"


class ProblemBody(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    code: ProblemCode
    errors: list[dict[str, Any]] | None = None


class Problem(Exception):
    def __init__(
        self,
        status: int,
        code: ProblemCode,
        detail: str,
        *,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.title = title or HTTPStatus(status).phrase
        self.headers = headers or {}
        self.extra = extra or {}


def not_found(what: str = "resource") -> Problem:
    return Problem(
        404, ProblemCode.not_found, f"The {what} does not exist or is not visible to you."
    )


def forbidden(
    detail: str = "You may not do this.", code: ProblemCode = ProblemCode.forbidden
) -> Problem:
    return Problem(403, code, detail)


def busy() -> Problem:
    """503 for a request that waited its limit for a connection, the write lock or a hash."""
    return Problem(
        503, ProblemCode.busy, "The server is busy; retry shortly.", headers={"Retry-After": "1"}
    )


def conflict(code: ProblemCode, detail: str, **extra: Any) -> Problem:
    return Problem(409, code, detail, extra=extra)


def invalid(code: ProblemCode, detail: str, **extra: Any) -> Problem:
    return Problem(422, code, detail, extra=extra)


def problem_response(
    status: int,
    code: ProblemCode,
    detail: str,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": f"urn:huiyin:problem:{code}",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if extra:
        body.update(extra)
    return Response(
        orjson.dumps(body), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def to_response(p: Problem) -> Response:
    return problem_response(
        p.status, p.code, p.detail, title=p.title, headers=p.headers, extra=p.extra
    )


_HTTP_CODES: dict[int, ProblemCode] = {
    401: ProblemCode.not_authenticated,
    403: ProblemCode.forbidden,
    404: ProblemCode.not_found,
    405: ProblemCode.method_not_allowed,
    413: ProblemCode.too_large,
    415: ProblemCode.unsupported_media_type,
    429: ProblemCode.throttled,
}


# Every status any operation may answer with a problem: documented once, for all of them.
PROBLEM_STATUSES = (400, 401, 403, 404, 409, 412, 413, 422, 429, 503)


def problem_openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """``app.openapi`` with every error answer described as it is sent: a ProblemBody as
    application/problem+json (not FastAPI's default 422 body, which this app never sends)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = generate()
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        body = ProblemBody.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(body.pop("$defs", {}))
        schemas["ProblemBody"] = body
        problem = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemBody"}}}
        for operations in spec["paths"].values():
            for operation in operations.values():
                responses = operation["responses"]
                for status in PROBLEM_STATUSES:
                    responses[str(status)] = {
                        "description": HTTPStatus(status).phrase,
                        "content": problem,
                    }
                operation["responses"] = dict(sorted(responses.items()))
        return spec

    return openapi


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(_request: Request, exc: Problem) -> Response:
        return to_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg")), "type": str(e.get("type"))}
            for e in exc.errors()
        ]
        return problem_response(
            422, ProblemCode.validation_error, "The request is not valid.", extra={"errors": errors}
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> Response:
        code = _HTTP_CODES.get(exc.status_code, ProblemCode.http_error)
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        if exc.status_code == 404 and detail == "Not Found":
            detail = "No such resource."
        return problem_response(
            exc.status_code, code, detail, headers=dict(exc.headers or {}) or None
        )

    @app.exception_handler(PoolTimeoutError)
    async def _pool(_request: Request, _exc: PoolTimeoutError) -> Response:
        return problem_response(
            503,
            ProblemCode.busy,
            "The server is busy; retry shortly.",
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        return problem_response(500, ProblemCode.internal_error, "An unexpected error occurred.")
