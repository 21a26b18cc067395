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
from zoneinfo import ZoneInfo

import orjson
import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import col

from backend.auth.subject import Scope, Subject
from backend.core.inputs import id_in_range, instant_in_range
from backend.errors import ProblemCode, invalid
from backend.models import Extension, Ticket, TicketDepartment, TicketReturn, Unit, User
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
    returned: bool | None = None
    sort: str = "-created_at"
    limit: int = 20
    cursor: str | None = None
    # Offset paging (the SPA's numbered pages): the page also reports its total. Never with
    # ``cursor``.
    page: int | None = None


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
# The page's undecided extension request, its asker and the asker's unit (see _build).
_ext = aliased(Extension, name="pending_ext")
_asker = aliased(User, name="asker")
_asker_unit = aliased(Unit, name="asker_unit")


def returned_clause() -> sa.ColumnElement[bool]:
    """A department has returned the ticket to the committee at least once (退单)."""
    return sa.exists().where(col(TicketReturn.ticket_id) == col(Ticket.id))


_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("id", col(Ticket.id)),
    ("code", col(Ticket.code)),
    ("title", col(Ticket.title)),
    ("status", col(Ticket.status)),
    ("urgency", col(Ticket.urgency)),
    ("anonymity", col(Ticket.anonymity)),
    ("channel", col(Ticket.channel)),
    ("category_id", col(Ticket.category_id)),
    ("college_id", col(Ticket.college_id)),
    ("college_name", col(_college.name)),
    ("college_code", col(_college.code)),
    ("lead_id", col(Ticket.lead_department_id)),
    ("lead_name", col(_lead.name)),
    ("lead_code", col(_lead.code)),
    ("dispatch_due_at", col(Ticket.dispatch_due_at)),
    ("accept_due_at", col(Ticket.accept_due_at)),
    ("reply_due_at", col(Ticket.reply_due_at)),
    ("due_at", col(Ticket.due_at)),
    ("created_at", col(Ticket.created_at)),
    ("updated_at", col(Ticket.updated_at)),
    ("version", col(Ticket.version)),
    ("returned", returned_clause()),
)
# Only where the caller may read the ticket's extensions (see sees_extensions).
_EXT_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("ext_id", col(_ext.id)),
    ("ext_days", col(_ext.days)),
    ("ext_reason", col(_ext.reason)),
    ("ext_status", col(_ext.status)),
    ("ext_decided_at", col(_ext.decided_at)),
    ("ext_decision_note", col(_ext.decision_note)),
    ("ext_new_reply_due_at", col(_ext.new_reply_due_at)),
    ("ext_superseded_at", col(_ext.superseded_at)),
    ("ext_superseded_by", col(_ext.superseded_by)),
    ("ext_created_at", col(_ext.created_at)),
    ("asker_id", col(_asker.id)),
    ("asker_name", col(_asker.display_name)),
    ("asker_unit_id", col(_asker_unit.id)),
    ("asker_unit_name", col(_asker_unit.name)),
    ("asker_unit_code", col(_asker_unit.code)),
)
_I = {key: i for i, (key, _) in enumerate(_COLUMNS + _EXT_COLUMNS)}
_TIMESTAMPS = tuple(
    _I[k]
    for k in (
        "dispatch_due_at",
        "accept_due_at",
        "reply_due_at",
        "due_at",
        "created_at",
        "updated_at",
        "ext_decided_at",
        "ext_new_reply_due_at",
        "ext_superseded_at",
        "ext_created_at",
    )
)


def sees_extensions(p: Subject) -> bool:
    """The rule of GET /tickets/{id}/extensions (``permissions.sees_internal``) for every
    ticket the caller lists: the committee reads all; a department lists only tickets it is or
    was with, and reads their extensions; a college reads none."""
    return p.is_committee or p.is_department


def _p(name: str) -> sa.BindParameter[Any]:
    return sa.bindparam(name)


def _conditions(p: Subject, f: ListFilters) -> list[sa.ColumnElement[bool]]:
    """The scope rule and the filters: what the page and its total share."""
    where = [permissions.visible_clause(p)]
    if f.status:
        # Not status_N: SQLAlchemy names the literal 'pending' of the extension rule status_1.
        names = [_p(f"want_status_{i}") for i in range(len(f.status))]
        where.append(col(Ticket.status).in_(names))
    if f.department_id is not None:
        where.append(
            sa.exists().where(
                col(TicketDepartment.ticket_id) == col(Ticket.id),
                col(TicketDepartment.department_id) == _p("department_id"),
            )
        )
    if f.college_id is not None:
        where.append(col(Ticket.college_id) == _p("college_id"))
    if f.category_id is not None:
        where.append(col(Ticket.category_id) == _p("category_id"))
    if f.urgency is not None:
        where.append(col(Ticket.urgency) == _p("urgency"))
    if f.overdue is not None:
        where.append(views.overdue_clause(_p("cutoff"), f.overdue))
    if f.pending_extension is not None:
        pending = _pending_extension()
        where.append(pending if f.pending_extension else ~pending)
    if f.returned is not None:
        returned = returned_clause()
        where.append(returned if f.returned else ~returned)
    if f.q:
        where.append(
            sa.or_(
                col(Ticket.title).ilike(_p("q"), escape="\\"),
                col(Ticket.content).ilike(_p("q"), escape="\\"),
            )
        )
    if f.created_from is not None:
        where.append(col(Ticket.created_at) >= _p("created_from"))
    if f.created_to is not None:
        where.append(col(Ticket.created_at) < _p("created_to"))
    return where


def _build(p: Subject, f: ListFilters) -> Any:
    column, desc = SORTS[f.sort]
    sort_col = col(getattr(Ticket, column))
    with_ext = sees_extensions(p)
    columns = _COLUMNS + _EXT_COLUMNS if with_ext else _COLUMNS
    q = (
        sa.select(*(expr.label(key) for key, expr in columns))
        .select_from(Ticket)
        .outerjoin(_college, col(_college.id) == col(Ticket.college_id))
        .outerjoin(_lead, col(_lead.id) == col(Ticket.lead_department_id))
    )
    if with_ext:
        # One undecided request per ticket (a second is refused while one waits); the newest
        # is taken all the same, so a page never shows a ticket twice.
        newest_pending = (
            sa.select(sa.func.max(col(Extension.id)))
            .where(col(Extension.ticket_id) == col(Ticket.id), col(Extension.status) == "pending")
            .correlate(Ticket)
            .scalar_subquery()
        )
        q = (
            q.outerjoin(_ext, col(_ext.id) == newest_pending)
            .outerjoin(_asker, col(_asker.id) == col(_ext.requested_by_id))
            .outerjoin(_asker_unit, col(_asker_unit.id) == col(_asker.unit_id))
        )
    q = q.where(*_conditions(p, f))
    if f.cursor:
        key = sa.tuple_(sort_col, col(Ticket.id))
        after = sa.tuple_(_p("cursor_value"), _p("cursor_id"))
        q = q.where(key < after if desc else key > after)
    order = (sort_col.desc(), col(Ticket.id).desc()) if desc else (sort_col, col(Ticket.id))
    q = q.order_by(*order).limit(_p("row_limit"))
    if f.page is not None:
        q = q.offset(_p("row_offset"))
    return q


def _build_total(p: Subject, f: ListFilters) -> Any:
    return sa.select(sa.func.count()).select_from(Ticket).where(*_conditions(p, f))


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


def _statement(dialect: sa.Dialect, p: Subject, f: ListFilters, *, total: bool = False) -> Compiled:
    """(SQL, positional parameter names or None for named style, constant parameters) of the
    page, or with ``total`` of the count of all that match."""
    shape = (
        dialect.name,
        total,
        # A subject without the read scope gets a statement of its own (visible_clause).
        p.has_scope(Scope.tickets_read),
        p.unit_kind,
        p.is_head,
        len(f.status or ()),
        f.department_id is not None,
        f.college_id is not None,
        f.category_id is not None,
        f.urgency is not None,
        f.overdue,
        f.pending_extension,
        f.returned,
        bool(f.q),
        f.created_from is not None,
        f.created_to is not None,
        f.sort,
        bool(f.cursor),
        f.page is not None,
    )
    hit = compiled_cache.get(shape)
    if hit is None:
        compiled = (_build_total if total else _build)(p, f).compile(dialect=dialect)
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
    """Counts for a workbench, under the same scope rule as the list: each equals the
    ``total`` of the list with the matching filter (see TicketCounts)."""
    assert ctx.subject is not None
    q = (
        sa.select(
            col(Ticket.status),
            sa.func.count(),
            sa.func.count().filter(views.overdue_clause(ctx.overdue_cutoff)),
            sa.func.count().filter(_pending_extension()),
            sa.func.count().filter(returned_clause()),
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
    overdue = pending = returned = 0
    for status, n, late, waiting, was_returned in ctx.session.execute(q):
        by_status[status] = n
        overdue += late
        pending += waiting
        if status == Status.submitted:
            # Returned and waiting for re-dispatch: the committee's 退单 queue.
            returned = was_returned
    return {
        "total": sum(by_status.values()),
        "overdue": overdue,
        "pending_extensions": pending,
        "returned": returned,
        "by_status": by_status,
    }


def _aware(v: Any) -> datetime | None:
    if v is None:
        return None
    if isinstance(v, str):  # SQLite hands back the stored text
        v = datetime.fromisoformat(v)
    assert isinstance(v, datetime)
    return v.replace(tzinfo=UTC) if v.tzinfo is None else v


def _brief(unit_id: Any, name: Any, code: Any) -> dict[str, Any] | None:
    return {"id": unit_id, "name": name, "code": code} if unit_id else None


def _pending_out(r: list[Any], tz: ZoneInfo) -> dict[str, Any] | None:
    """The row's undecided extension request as ExtensionOut (what GET …/extensions says)."""
    if len(r) <= _I["ext_id"] or r[_I["ext_id"]] is None:
        return None

    def at(key: str) -> datetime | None:
        v = r[_I[key]]
        return v.astimezone(tz) if v is not None else None

    asker = None
    if r[_I["asker_id"]] is not None:
        asker = {
            "id": r[_I["asker_id"]],
            "display_name": r[_I["asker_name"]],
            "unit": _brief(
                r[_I["asker_unit_id"]], r[_I["asker_unit_name"]], r[_I["asker_unit_code"]]
            ),
        }
    return {
        "id": r[_I["ext_id"]],
        "days": r[_I["ext_days"]],
        "reason": r[_I["ext_reason"]],
        "status": r[_I["ext_status"]],
        "requested_by": asker,
        "decided_at": at("ext_decided_at"),
        "decision_note": r[_I["ext_decision_note"]],
        "new_reply_due_at": at("ext_new_reply_due_at"),
        "superseded_at": at("ext_superseded_at"),
        "superseded_by": r[_I["ext_superseded_by"]],
        "created_at": at("ext_created_at"),
    }


def list_tickets(ctx: Ctx, f: ListFilters) -> bytes:
    """One query for the page (two in page mode when the total is not evident from the page),
    serialised straight to JSON bytes."""
    assert ctx.subject is not None
    if f.page is not None and f.cursor:
        raise invalid(ProblemCode.page_with_cursor, "Pass either page or cursor, not both.")
    conn = ctx.session.connection()
    sqlite = conn.dialect.name == "sqlite"

    def ts(v: datetime) -> Any:
        # What the UTCDateTime column type would bind: naive UTC text on SQLite.
        v = v.astimezone(UTC)
        return v.replace(tzinfo=None).isoformat(" ", "microseconds") if sqlite else v

    values: dict[str, Any] = {**permissions.scope_params(ctx.subject)}
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
    offset = (f.page - 1) * f.limit if f.page is not None else 0
    # Cursor mode reads one row more to know whether a next page exists.
    page_values = {**values, "row_limit": f.limit if f.page is not None else f.limit + 1}
    if f.page is not None:
        page_values["row_offset"] = offset

    def run(sql: str, names: tuple[str, ...] | None, params: dict[str, Any]) -> list[Any]:
        bound: Any = tuple(params[n] for n in names) if names is not None else params
        return list(conn.exec_driver_sql(sql, bound).fetchall())

    sql, names, constants = _statement(conn.dialect, ctx.subject, f)
    rows = [list(r) for r in run(sql, names, {**constants, **page_values})]
    for r in rows:
        for i in _TIMESTAMPS:
            if i < len(r):
                r[i] = _aware(r[i])
    tz = ctx.tz
    cutoff = ctx.overdue_cutoff
    items = []
    for r in rows[: f.limit]:
        items.append(
            {
                "id": r[_I["id"]],
                "code": r[_I["code"]],
                "title": r[_I["title"]],
                "status": r[_I["status"]],
                "urgency": r[_I["urgency"]],
                "anonymity": r[_I["anonymity"]],
                "channel": r[_I["channel"]],
                "category_id": r[_I["category_id"]],
                "college": _brief(
                    r[_I["college_id"]], r[_I["college_name"]], r[_I["college_code"]]
                ),
                "lead_department": _brief(r[_I["lead_id"]], r[_I["lead_name"]], r[_I["lead_code"]]),
                "dispatch_due_at": _local(r[_I["dispatch_due_at"]], tz),
                "accept_due_at": _local(r[_I["accept_due_at"]], tz),
                "reply_due_at": _local(r[_I["reply_due_at"]], tz),
                "overdue": views.is_overdue(r[_I["due_at"]], cutoff),
                "returned": bool(r[_I["returned"]]),
                "pending_extension": _pending_out(r, tz),
                "created_at": r[_I["created_at"]].astimezone(tz),
                "updated_at": r[_I["updated_at"]].astimezone(tz),
                "version": r[_I["version"]],
            }
        )
    next_cursor = None
    total = None
    if f.page is not None:
        if 0 < len(rows) < f.limit or (not rows and offset == 0):
            total = offset + len(rows)  # the last page: the total is evident
        else:
            sql, names, constants = _statement(conn.dialect, ctx.subject, f, total=True)
            total = run(sql, names, {**constants, **values})[0][0]
    elif len(rows) > f.limit:
        last = rows[f.limit - 1]
        sort_key = "created_at" if SORTS[f.sort][0] == "created_at" else "updated_at"
        next_cursor = encode_cursor(last[_I[sort_key]], last[_I["id"]])
    return orjson.dumps({"items": items, "next_cursor": next_cursor, "total": total})


def _local(v: datetime | None, tz: ZoneInfo) -> datetime | None:
    return v.astimezone(tz) if v is not None else None
