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

from backend.errors import Problem, ProblemCode
from backend.models import IdempotencyRecord
from backend.tickets.context import Ctx, etag


def _response(body: dict[str, Any], status: int, replayed: bool) -> Response:
    headers = {"ETag": etag(body)} if "version" in body else {}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/json", headers=headers
    )


def _pad(secret: bytes, slot: str, length: int) -> bytes:
    return hmac.new(secret, f"seal\0{slot}".encode(), hashlib.sha256).digest()[:length]


def _seal(body: dict[str, Any], secret: bytes, slot: str) -> dict[str, Any]:
    """A fully anonymous ticket's tracking code must not sit readable in this table: it is
    stored XOR-ed with a pad derived from the secret and the client's key (which only the
    client knows), so that a replay can still return it."""
    code = body.get("tracking_code")
    if not code:
        return body
    raw = code.encode()
    sealed = bytes(a ^ b for a, b in zip(raw, _pad(secret, slot, len(raw)), strict=True))
    return {**body, "tracking_code": None, "tracking_code_sealed": sealed.hex()}


def _unseal(body: dict[str, Any], secret: bytes, slot: str) -> dict[str, Any]:
    sealed = body.get("tracking_code_sealed")
    if not sealed:
        return body
    raw = bytes.fromhex(sealed)
    code = bytes(a ^ b for a, b in zip(raw, _pad(secret, slot, len(raw)), strict=True))
    out = {k: v for k, v in body.items() if k != "tracking_code_sealed"}
    out["tracking_code"] = code.decode()
    return out


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
                ProblemCode.idempotency_key_reused,
                "This Idempotency-Key was used for a different request.",
            )
        if existing.status_code is None or existing.response is None:
            raise Problem(
                409, ProblemCode.idempotency_in_progress, "The first request is still running."
            )
        return _response(_unseal(existing.response, secret, slot), existing.status_code, True)
    record = IdempotencyRecord(principal=slot, key="-", fingerprint=fingerprint, created_at=ctx.now)
    try:
        with ctx.session.begin_nested():
            ctx.session.add(record)
            ctx.session.flush()
    except IntegrityError as exc:
        # A twin request holds the key: it finished or is finishing; the client retries.
        raise Problem(
            409, ProblemCode.idempotency_in_progress, "The same request is being processed; retry."
        ) from exc
    result = create()
    record.status_code = 201
    record.response = _seal(result, secret, slot)
    ctx.session.flush()
    return _response(result, 201, False)
