"""Fixed-window counters in the database, so every replica and worker shares them."""

from __future__ import annotations

import math
from collections.abc import Collection
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.errors import Problem, ProblemCode
from backend.models import RateBucket, table

_t = table(RateBucket)


def _insert(session: Session) -> postgresql.Insert | sqlite.Insert:
    dialect = session.get_bind().dialect.name
    return postgresql.insert(_t) if dialect == "postgresql" else sqlite.insert(_t)


def hit(session: Session, key: str, window: timedelta, now: datetime) -> tuple[int, datetime]:
    """Count one event for ``key``; returns the count in the current window and its start."""
    cutoff = now - window
    ins = _insert(session).values(key=key, count=1, window_start=now)
    expired = _t.c.window_start < sa.bindparam("cutoff", cutoff, type_=_t.c.window_start.type)
    stmt = ins.on_conflict_do_update(
        index_elements=[_t.c.key],
        set_={
            "count": sa.case((expired, 1), else_=_t.c.count + 1),
            "window_start": sa.case((expired, ins.excluded.window_start), else_=_t.c.window_start),
        },
    ).returning(_t.c.count, _t.c.window_start)
    row = session.execute(stmt).one()
    return int(row[0]), row[1]


def peek(session: Session, keys: Collection[str]) -> dict[str, RateBucket]:
    """The buckets of ``keys`` that exist, read without a lock."""
    rows = session.execute(sa.select(RateBucket).where(col(RateBucket.key).in_(keys)))
    return {b.key: b for b in rows.scalars()}


def lock(
    session: Session, keys: Collection[str], now: datetime, *, create: bool
) -> dict[str, RateBucket]:
    """The buckets of ``keys``, locked until the transaction ends: what is decided from them and
    written back is one atomic step. PostgreSQL locks the rows (in key order, so two lockers
    never deadlock); on SQLite the write turn already admits one writer at a time. With
    ``create`` missing buckets are made first (count 0), so that every key is locked."""
    ordered = sorted(keys)
    if create:
        session.execute(
            _insert(session)
            .values([{"key": k, "count": 0, "window_start": now} for k in ordered])
            .on_conflict_do_nothing(index_elements=[_t.c.key])
        )
    rows = session.execute(
        sa.select(RateBucket)
        .where(col(RateBucket.key).in_(ordered))
        .order_by(col(RateBucket.key))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {b.key: b for b in rows.scalars()}


def seconds_left(window_start: datetime, window: timedelta, now: datetime) -> int:
    return max(1, math.ceil((window_start + window - now).total_seconds()))


def reset(session: Session, key: str) -> None:
    session.execute(sa.delete(_t).where(_t.c.key == key))


def too_many(code: ProblemCode, detail: str, seconds: int) -> Problem:
    """429 with the wait in ``Retry-After`` and in the body's ``retry_after``."""
    return Problem(
        429, code, detail, headers={"Retry-After": str(seconds)}, extra={"retry_after": seconds}
    )
