"""RFC 9457 problem details with a stable machine-readable ``code``.

Services raise :class:`Problem`; the handlers here turn it, validation errors, HTTP errors and
database pool exhaustion into ``application/problem+json``. The SPA translates by ``code``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
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


class ProblemBody(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[dict[str, Any]] | None = None


class Problem(Exception):
    def __init__(
        self,
        status: int,
        code: str,
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
    return Problem(404, "not_found", f"The {what} does not exist or is not visible to you.")


def forbidden(detail: str = "You may not do this.", code: str = "forbidden") -> Problem:
    return Problem(403, code, detail)


def busy() -> Problem:
    """503 for a request that waited its limit for a connection, the write lock or a hash."""
    return Problem(503, "busy", "The server is busy; retry shortly.", headers={"Retry-After": "1"})


def conflict(code: str, detail: str, **extra: Any) -> Problem:
    return Problem(409, code, detail, extra=extra)


def invalid(code: str, detail: str, **extra: Any) -> Problem:
    return Problem(422, code, detail, extra=extra)


def problem_response(
    status: int,
    code: str,
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


_HTTP_CODES = {
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
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
        schemas["ProblemBody"] = ProblemBody.model_json_schema()
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
            422, "validation_error", "The request is not valid.", extra={"errors": errors}
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> Response:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        if exc.status_code == 404 and detail == "Not Found":
            detail = "No such resource."
        return problem_response(
            exc.status_code, code, detail, headers=dict(exc.headers or {}) or None
        )

    @app.exception_handler(PoolTimeoutError)
    async def _pool(_request: Request, _exc: PoolTimeoutError) -> Response:
        return problem_response(
            503, "busy", "The server is busy; retry shortly.", headers={"Retry-After": "1"}
        )

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        return problem_response(500, "internal_error", "An unexpected error occurred.")
