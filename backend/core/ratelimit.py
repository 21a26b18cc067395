"""Fixed-window counters in the database, so every replica and worker shares them."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from backend.errors import Problem
from backend.models import RateBucket, table

_t = table(RateBucket)


def hit(session: Session, key: str, window: timedelta, now: datetime) -> tuple[int, datetime]:
    """Count one event for ``key``; returns the count in the current window and its start."""
    cutoff = now - window
    dialect = session.get_bind().dialect.name
    ins = (postgresql.insert(_t) if dialect == "postgresql" else sqlite.insert(_t)).values(
        key=key, count=1, window_start=now
    )
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


def current(session: Session, key: str, window: timedelta, now: datetime) -> tuple[int, int]:
    """(count in the live window, seconds until it ends); (0, 0) when there is none."""
    bucket = session.get(RateBucket, key)
    if bucket is None or bucket.window_start < now - window:
        return 0, 0
    return bucket.count, seconds_left(bucket.window_start, window, now)


def seconds_left(window_start: datetime, window: timedelta, now: datetime) -> int:
    return max(1, math.ceil((window_start + window - now).total_seconds()))


def reset(session: Session, key: str) -> None:
    session.execute(sa.delete(_t).where(_t.c.key == key))


def too_many(code: str, detail: str, seconds: int) -> Problem:
    """429 with the wait in ``Retry-After`` and in the body's ``retry_after``."""
    return Problem(
        429, code, detail, headers={"Retry-After": str(seconds)}, extra={"retry_after": seconds}
    )
