"""The ticket list: the hot path of every client.

The statement is built with SQLAlchemy from the one scope rule (``permissions.visible_clause``)
and named parameters, compiled once per *shape* of query (caller kind, which filters, sort), and
cached; each request then only binds values and runs the SQL on the driver. Building and
compiling a Core select costs several times more than SQLite takes to answer it.

The cache is a bounded LRU, and a shape never depends on how a client spells its query: the
status list is deduplicated and put in one order, so no query string can grow memory.
"""

from __future__ import annotations

import base64
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import col

from backend.auth.subject import Subject
from backend.core.inputs import id_in_range, instant_in_range
from backend.errors import ProblemCode, invalid
from backend.models import Extension, Ticket, TicketDepartment, Unit
from backend.models.enums import Status
from backend.tickets import permissions, views
from backend.tickets.context import Ctx

SORTS = {
    "-created_at": ("created_at", True),
    "created_at": ("created_at", False),
    "-updated_at": ("updated_at", True),
    "updated_at": ("updated_at", False),
}


@dataclass
class ListFilters:
    status: tuple[str, ...] | None = None
    department_id: int | None = None
    college_id: int | None = None
    category_id: int | None = None
    urgency: str | None = None
    overdue: bool | None = None
    pending_extension: bool | None = None
    q: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    sort: str = "-created_at"
    limit: int = 20
    cursor: str | None = None


def encode_cursor(value: datetime, ticket_id: int) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([value.isoformat(), ticket_id])).decode()


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
        value = datetime.fromisoformat(raw[0])
        # A forged cursor must not reach the database with a value it cannot hold.
        if value.tzinfo is None or not instant_in_range(value) or not id_in_range(raw[1]):
            raise ValueError
        return value, raw[1]
    except (ValueError, TypeError, IndexError, KeyError, orjson.JSONDecodeError) as exc:
        raise invalid(ProblemCode.bad_cursor, "The cursor is not valid.") from exc


_college = aliased(Unit, name="college")
_lead = aliased(Unit, name="lead")
_COLUMNS = (
    col(Ticket.id),
    col(Ticket.code),
    col(Ticket.title),
    col(Ticket.status),
    col(Ticket.urgency),
    col(Ticket.anonymity),
    col(Ticket.channel),
    col(Ticket.category_id),
    col(Ticket.college_id),
    col(_college.name),
    col(_college.code),
    col(Ticket.lead_department_id),
    col(_lead.name),
    col(_lead.code),
    col(Ticket.dispatch_due_at),
    col(Ticket.accept_due_at),
    col(Ticket.reply_due_at),
    col(Ticket.due_at),
    col(Ticket.created_at),
    col(Ticket.updated_at),
    col(Ticket.version),
)
_TS = (14, 15, 16, 17, 18, 19)  # timestamp columns above


def _p(name: str) -> sa.BindParameter[Any]:
    return sa.bindparam(name)


def _build(p: Subject, f: ListFilters) -> Any:
    column, desc = SORTS[f.sort]
    sort_col = col(getattr(Ticket, column))
    q = (
        sa.select(*_COLUMNS)
        .select_from(Ticket)
        .outerjoin(_college, col(_college.id) == col(Ticket.college_id))
        .outerjoin(_lead, col(_lead.id) == col(Ticket.lead_department_id))
        .where(permissions.visible_clause(p))
    )
    if f.status:
        # Not status_N: SQLAlchemy names the literal 'pending' of the extension rule status_1.
        names = [_p(f"want_status_{i}") for i in range(len(f.status))]
        q = q.where(col(Ticket.status).in_(names))
    if f.department_id is not None:
        q = q.where(
            sa.exists().where(
                col(TicketDepartment.ticket_id) == col(Ticket.id),
                col(TicketDepartment.department_id) == _p("department_id"),
            )
        )
    if f.college_id is not None:
        q = q.where(col(Ticket.college_id) == _p("college_id"))
    if f.category_id is not None:
        q = q.where(col(Ticket.category_id) == _p("category_id"))
    if f.urgency is not None:
        q = q.where(col(Ticket.urgency) == _p("urgency"))
    if f.overdue is not None:
        q = q.where(views.overdue_clause(_p("cutoff"), f.overdue))
    if f.pending_extension is not None:
        pending = _pending_extension()
        q = q.where(pending if f.pending_extension else ~pending)
    if f.q:
        q = q.where(
            sa.or_(
                col(Ticket.title).ilike(_p("q"), escape="\\"),
                col(Ticket.content).ilike(_p("q"), escape="\\"),
            )
        )
    if f.created_from is not None:
        q = q.where(col(Ticket.created_at) >= _p("created_from"))
    if f.created_to is not None:
        q = q.where(col(Ticket.created_at) < _p("created_to"))
    if f.cursor:
        key = sa.tuple_(sort_col, col(Ticket.id))
        after = sa.tuple_(_p("cursor_value"), _p("cursor_id"))
        q = q.where(key < after if desc else key > after)
    order = (sort_col.desc(), col(Ticket.id).desc()) if desc else (sort_col, col(Ticket.id))
    return q.order_by(*order).limit(_p("row_limit"))


def canonical_statuses(statuses: Iterable[str]) -> tuple[str, ...]:
    """Each status once, in the order of ``Status``: one shape (and one cache entry) for every
    way of spelling the same filter."""
    wanted = set(statuses)
    return tuple(s.value for s in Status if s.value in wanted)


Compiled = tuple[str, tuple[str, ...] | None, dict[str, Any]]


class CompiledCache:
    """The compiled SQL of the most recently used shapes: at most ``size`` of them."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[Any, ...], Compiled] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, shape: tuple[Any, ...]) -> Compiled | None:
        with self._lock:
            hit = self._entries.get(shape)
            if hit is not None:
                self._entries.move_to_end(shape)
            return hit

    def put(self, shape: tuple[Any, ...], compiled: Compiled) -> None:
        with self._lock:
            self._entries[shape] = compiled
            self._entries.move_to_end(shape)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# The shapes in daily use are a few dozen; the rest are recompiled when they come back.
compiled_cache = CompiledCache(256)


def _statement(dialect: sa.Dialect, p: Subject, f: ListFilters) -> Compiled:
    """(SQL, positional parameter names or None for named style, constant parameters)."""
    shape = (
        dialect.name,
        p.unit_kind,
        p.is_head,
        len(f.status or ()),
        f.department_id is not None,
        f.college_id is not None,
        f.category_id is not None,
        f.urgency is not None,
        f.overdue,
        f.pending_extension,
        bool(f.q),
        f.created_from is not None,
        f.created_to is not None,
        f.sort,
        bool(f.cursor),
    )
    hit = compiled_cache.get(shape)
    if hit is None:
        compiled = _build(p, f).compile(dialect=dialect)
        names = (
            tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
        )
        # Literals inside the statement (e.g. the states in the overdue rule) are parameters too.
        constants = {k: v for k, v in compiled.params.items() if v is not None}
        hit = (str(compiled), names, constants)
        compiled_cache.put(shape, hit)
    return hit


def _pending_extension() -> sa.ColumnElement[bool]:
    """The ticket has an extension request waiting for the committee's decision."""
    return sa.exists().where(
        col(Extension.ticket_id) == col(Ticket.id), col(Extension.status) == "pending"
    )


def count_tickets(ctx: Ctx, department_id: int | None, college_id: int | None) -> dict[str, Any]:
    """Counts for a workbench, under the same scope rule as the list."""
    assert ctx.subject is not None
    q = (
        sa.select(
            col(Ticket.status),
            sa.func.count(),
            sa.func.count().filter(views.overdue_clause(ctx.overdue_cutoff)),
            sa.func.count().filter(_pending_extension()),
        )
        .where(permissions.visible_clause(ctx.subject))
        .group_by(col(Ticket.status))
    )
    if department_id is not None:
        q = q.where(
            sa.exists().where(
                col(TicketDepartment.ticket_id) == col(Ticket.id),
                col(TicketDepartment.department_id) == department_id,
            )
        )
    if college_id is not None:
        q = q.where(col(Ticket.college_id) == college_id)
    by_status = {s.value: 0 for s in Status}
    overdue = pending = 0
    for status, n, late, waiting in ctx.session.execute(q):
        by_status[status] = n
        overdue += late
        pending += waiting
    return {
        "total": sum(by_status.values()),
        "overdue": overdue,
        "pending_extensions": pending,
        "by_status": by_status,
    }


def list_tickets(ctx: Ctx, f: ListFilters) -> bytes:
    """One query for the page, serialised straight to JSON bytes."""
    assert ctx.subject is not None
    conn = ctx.session.connection()
    sqlite = conn.dialect.name == "sqlite"

    def ts(v: datetime) -> Any:
        # What the UTCDateTime column type would bind: naive UTC text on SQLite.
        v = v.astimezone(UTC)
        return v.replace(tzinfo=None).isoformat(" ", "microseconds") if sqlite else v

    values: dict[str, Any] = {**permissions.scope_params(ctx.subject), "row_limit": f.limit + 1}
    for i, s in enumerate(f.status or ()):
        values[f"want_status_{i}"] = s
    values.update(department_id=f.department_id, college_id=f.college_id)
    values.update(category_id=f.category_id, urgency=f.urgency, cutoff=ts(ctx.overdue_cutoff))
    if f.q:
        values["q"] = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    if f.created_from is not None:
        values["created_from"] = ts(f.created_from)
    if f.created_to is not None:
        values["created_to"] = ts(f.created_to)
    if f.cursor:
        value, last_id = decode_cursor(f.cursor)
        values.update(cursor_value=ts(value), cursor_id=last_id)
    sql, names, constants = _statement(conn.dialect, ctx.subject, f)
    values = {**constants, **values}
    params: Any = tuple(values[n] for n in names) if names is not None else values
    rows = [list(r) for r in conn.exec_driver_sql(sql, params).fetchall()]
    for r in rows:
        for i in _TS:
            v = r[i]
            if v is None:
                continue
            if isinstance(v, str):
                v = datetime.fromisoformat(v)
            r[i] = v.replace(tzinfo=UTC) if v.tzinfo is None else v
    tz = ctx.tz
    cutoff = ctx.overdue_cutoff
    items = []
    for r in rows[: f.limit]:
        items.append(
            {
                "id": r[0],
                "code": r[1],
                "title": r[2],
                "status": r[3],
                "urgency": r[4],
                "anonymity": r[5],
                "channel": r[6],
                "category_id": r[7],
                "college": {"id": r[8], "name": r[9], "code": r[10]} if r[8] else None,
                "lead_department": {"id": r[11], "name": r[12], "code": r[13]} if r[11] else None,
                "dispatch_due_at": r[14].astimezone(tz) if r[14] else None,
                "accept_due_at": r[15].astimezone(tz) if r[15] else None,
                "reply_due_at": r[16].astimezone(tz) if r[16] else None,
                "overdue": views.is_overdue(r[17], cutoff),
                "created_at": r[18].astimezone(tz),
                "updated_at": r[19].astimezone(tz),
                "version": r[20],
            }
        )
    next_cursor = None
    if len(rows) > f.limit:
        last = rows[f.limit - 1]
        sort_value = last[18] if SORTS[f.sort][0] == "created_at" else last[19]
        next_cursor = encode_cursor(sort_value, last[0])
    return orjson.dumps({"items": items, "next_cursor": next_cursor})
