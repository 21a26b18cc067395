"""``Idempotency-Key`` for creating things: a retried request returns the first result.

The record is keyed by an HMAC of (caller, key) rather than the caller's id, so that the table
cannot be read to learn who raised a fully anonymous ticket.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

import orjson
import sqlalchemy as sa
from fastapi import Response
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from backend.errors import Problem
from backend.models import IdempotencyRecord
from backend.tickets.service import Ctx, etag


def _response(body: dict[str, Any], status: int, replayed: bool) -> Response:
    headers = {"ETag": etag(body)} if "version" in body else {}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/json", headers=headers
    )


def run(
    ctx: Ctx,
    *,
    principal_key: str,
    key: str | None,
    body: dict[str, Any],
    create: Callable[[], dict[str, Any]],
) -> Response:
    if not key:
        return _response(create(), 201, False)
    secret = ctx.settings.secret_key.encode()
    slot = hmac.new(secret, f"{principal_key}\0{key}".encode(), hashlib.sha256).hexdigest()
    fingerprint = hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()
    existing = ctx.session.execute(
        sa.select(IdempotencyRecord).where(
            col(IdempotencyRecord.principal) == slot, col(IdempotencyRecord.key) == "-"
        )
    ).scalar_one_or_none()
    if existing is not None:
        if existing.fingerprint != fingerprint:
            raise Problem(
                422,
                "idempotency_key_reused",
                "This Idempotency-Key was used for a different request.",
            )
        if existing.status_code is None or existing.response is None:
            raise Problem(409, "idempotency_in_progress", "The first request is still running.")
        return _response(existing.response, existing.status_code, True)
    record = IdempotencyRecord(principal=slot, key="-", fingerprint=fingerprint, created_at=ctx.now)
    try:
        with ctx.session.begin_nested():
            ctx.session.add(record)
            ctx.session.flush()
    except IntegrityError as exc:
        # A twin request holds the key: it finished or is finishing; the client retries.
        raise Problem(
            409, "idempotency_in_progress", "The same request is being processed; retry."
        ) from exc
    result = create()
    record.status_code = 201
    record.response = result
    ctx.session.flush()
    return _response(result, 201, False)
