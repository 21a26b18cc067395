"""Keyset paging on an integer id, newest first: the one way the id-cursor lists page."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session


class _HasId(Protocol):
    @property
    def id(self) -> int | None: ...


T = TypeVar("T", bound=_HasId)


def newest_first(
    session: Session, q: sa.Select[T], id_column: Any, before: int | None, limit: int
) -> tuple[list[T], int | None]:
    """One page of ``q`` ordered by ``id_column`` descending, below ``before`` when given, and the
    id to pass as the next ``before`` (None on the last page). One row more than the page is read
    to know whether another page follows, without a count."""
    if before is not None:
        q = q.where(id_column < before)
    rows = list(session.execute(q.order_by(id_column.desc()).limit(limit + 1)).scalars())
    page = rows[:limit]
    return page, (page[-1].id if len(rows) > limit else None)
