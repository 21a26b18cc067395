"""Warning rules, the warnings the sweep raises from them, and the committee's decisions.
Services flush, never commit (the request or the worker commits)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.auth.subject import Subject
from backend.calendar.workdays import WorkCalendar
from backend.core.paging import newest_first
from backend.errors import ProblemCode, conflict, invalid, not_found
from backend.models import (
    Category,
    ConcentrationWarning,
    Ticket,
    Unit,
    User,
    WarningRule,
    table,
)
from backend.models.enums import Status, UnitKind, WarningKind, WarningStatus
from backend.tickets.schemas import CategoryBrief, UnitBrief, UserBrief
from backend.tickets.views import overdue_cutoff
from backend.warnings import permissions
from backend.warnings.schemas import (
    WarningDismiss,
    WarningInterview,
    WarningOut,
    WarningPage,
    WarningRuleCreate,
    WarningRuleOut,
    WarningRuleRef,
    WarningRuleUpdate,
)
from backend.worker.outbox import enqueue_many

RAISED_TOPIC = "warning.raised"
OPEN_KEY = "open"  # the window key of an undecided overdue warning
# A ticket counts as satisfied when its overall score is 4 or 5 (DOMAIN.md, Scores and rates).
SATISFIED_FROM = 4
# The department holds the ticket, so a missed deadline is its own.
HELD = (Status.dispatched.value, Status.accepted.value)

_warnings = table(ConcentrationWarning)


class WarningRaised(BaseModel):
    """The outbox payload of a raised warning: ids only, the texts are read under scope."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event: str = RAISED_TOPIC
    warning_id: int
    rule_id: int
    kind: WarningKind
    department_id: int
    at: datetime


# --- rules -------------------------------------------------------------------------------------


def _check_rule(session: Session, rule: WarningRule) -> None:
    """The fields a rule's kind needs, and only those; departments and categories that exist.
    Raised before anything is written, so a refused rule changes nothing."""
    kind = WarningKind(rule.kind)
    wrong: list[str] = []
    if kind in (WarningKind.volume, WarningKind.satisfaction) and rule.days is None:
        wrong.append("days")
    if kind is WarningKind.overdue and rule.days is not None:
        wrong.append("days")
    if (kind is WarningKind.satisfaction) != (rule.rate_below is not None):
        wrong.append("rate_below")
    if kind is not WarningKind.volume and rule.category_id is not None:
        wrong.append("category_id")
    if wrong:
        raise invalid(
            ProblemCode.warning_rule_fields,
            "volume rules take days (and optionally category_id); satisfaction rules take days "
            "and rate_below; overdue rules take neither.",
            fields=wrong,
        )
    if rule.department_id is not None:
        unit = session.get(Unit, rule.department_id)
        if unit is None:
            raise invalid(ProblemCode.unknown_unit, "No such department.")
        if unit.kind != UnitKind.department:
            raise invalid(ProblemCode.not_a_department, "Warnings are about departments.")
    if rule.category_id is not None and session.get(Category, rule.category_id) is None:
        raise invalid(ProblemCode.unknown_category, "No such category.")


def _rule_out(session: Session, rule: WarningRule) -> WarningRuleOut:
    assert rule.id is not None
    dept = session.get(Unit, rule.department_id) if rule.department_id else None
    cat = session.get(Category, rule.category_id) if rule.category_id else None
    return WarningRuleOut(
        id=rule.id,
        name=rule.name,
        kind=WarningKind(rule.kind),
        department=UnitBrief(id=dept.id, name=dept.name, code=dept.code)
        if dept is not None and dept.id is not None
        else None,
        category=CategoryBrief(id=cat.id, name=cat.name)
        if cat is not None and cat.id is not None
        else None,
        threshold=rule.threshold,
        days=rule.days,
        rate_below=rule.rate_below,
        is_active=rule.is_active,
        created_at=rule.created_at,
        updated_at=rule.updated_at,
    )


def list_rules(session: Session, p: Subject) -> list[WarningRuleOut]:
    permissions.require_rules_read(p)
    rules = session.execute(
        sa.select(WarningRule)
        .where(col(WarningRule.deleted_at).is_(None))
        .order_by(col(WarningRule.id))
    ).scalars()
    return [_rule_out(session, r) for r in rules]


def _load_rule(session: Session, rule_id: int) -> WarningRule:
    rule = session.get(WarningRule, rule_id)
    if rule is None or rule.deleted_at is not None:
        raise not_found("warning rule")
    return rule


def create_rule(
    session: Session, p: Subject, body: WarningRuleCreate, now: datetime
) -> WarningRuleOut:
    permissions.require_rules_write(p)
    rule = WarningRule(
        **body.model_dump(),
        created_by_id=p.user_id,
        created_at=now,
        updated_at=now,
    )
    _check_rule(session, rule)
    session.add(rule)
    session.flush()
    return _rule_out(session, rule)


def update_rule(
    session: Session, p: Subject, rule_id: int, body: WarningRuleUpdate, now: datetime
) -> WarningRuleOut:
    permissions.require_rules_write(p)
    rule = _load_rule(session, rule_id)
    fields: dict[str, Any] = body.model_dump(exclude_unset=True)
    for required in ("name", "threshold", "is_active"):
        if required in fields and fields[required] is None:
            raise invalid(
                ProblemCode.warning_rule_fields, f"{required} cannot be null.", fields=[required]
            )
    # Check the rule as it would be, then apply: a refused change leaves the row untouched.
    candidate = WarningRule(**{**rule.model_dump(), **fields})
    _check_rule(session, candidate)
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.updated_at = now
    session.flush()
    return _rule_out(session, rule)


def delete_rule(session: Session, p: Subject, rule_id: int, now: datetime) -> None:
    """The rule raises no more warnings and leaves the list; the warnings it raised stay."""
    permissions.require_rules_write(p)
    rule = _load_rule(session, rule_id)
    rule.deleted_at = now
    rule.is_active = False
    rule.updated_at = now
    session.flush()


# --- the sweep ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """A department for which a rule holds now, with what was counted."""

    department_id: int
    observed: int
    satisfied: int | None = None
    rate: float | None = None


def _scoped(q: Any, column: Any, rule: WarningRule) -> Any:
    q = q.where(column.is_not(None))
    if rule.department_id is not None:
        q = q.where(column == rule.department_id)
    return q.group_by(column)


def hits(session: Session, rule: WarningRule, cal: WorkCalendar, now: datetime) -> list[Hit]:
    """The departments for which ``rule`` holds at ``now``."""
    t = table(Ticket)
    match WarningKind(rule.kind):
        case WarningKind.volume:
            assert rule.days is not None
            q = sa.select(t.c.lead_department_id, sa.func.count()).where(
                t.c.created_at >= now - timedelta(days=rule.days)
            )
            if rule.category_id is not None:
                q = q.where(t.c.category_id == rule.category_id)
            q = _scoped(q, t.c.lead_department_id, rule)
            q = q.having(sa.func.count() >= rule.threshold)
            return [Hit(d, n) for d, n in session.execute(q)]
        case WarningKind.satisfaction:
            assert rule.days is not None
            assert rule.rate_below is not None
            # A score counts for the department that answered (a merged ticket's score is
            # given its root's replying department when it is recorded).
            q = sa.select(
                t.c.reply_department_id,
                sa.func.count(),
                sa.func.count().filter(t.c.score_overall >= SATISFIED_FROM),
            ).where(
                t.c.scored_at >= now - timedelta(days=rule.days),
                t.c.score_overall.is_not(None),
            )
            q = _scoped(q, t.c.reply_department_id, rule)
            q = q.having(sa.func.count() >= rule.threshold)
            out = []
            for d, n, good in session.execute(q):
                rate = good / n
                if rate < rule.rate_below:
                    out.append(Hit(d, n, good, rate))
            return out
        case WarningKind.overdue:
            q = sa.select(t.c.lead_department_id, sa.func.count()).where(
                t.c.status.in_(HELD), t.c.due_at <= overdue_cutoff(cal, now)
            )
            q = _scoped(q, t.c.lead_department_id, rule)
            q = q.having(sa.func.count() >= rule.threshold)
            return [Hit(d, n) for d, n in session.execute(q)]


def _windowed(session: Session, rule: WarningRule, today: date) -> set[int]:
    """Departments whose rolling window of ``rule`` still runs today: no new warning there."""
    return set(
        session.execute(
            sa.select(_warnings.c.department_id).where(
                _warnings.c.rule_id == rule.id, _warnings.c.window_end >= today
            )
        ).scalars()
    )


def raise_warnings(session: Session, cal: WorkCalendar, now: datetime) -> int:
    """Evaluate every active rule and raise each warning once; returns how many were raised.

    Insert-if-absent on (rule, department, window key) decides between workers sweeping at once:
    the row exists once, and only the worker that inserted it writes its event."""
    today = now.astimezone(cal.tz).date()
    rules = list(
        session.execute(
            sa.select(WarningRule)
            .where(col(WarningRule.is_active).is_(True), col(WarningRule.deleted_at).is_(None))
            .order_by(col(WarningRule.id))
        ).scalars()
    )
    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    raised: list[WarningRaised] = []
    for rule in rules:
        assert rule.id is not None
        found = hits(session, rule, cal, now)
        if not found:
            continue
        kind = WarningKind(rule.kind)
        if kind is WarningKind.overdue:
            key, end = OPEN_KEY, None
        else:
            assert rule.days is not None
            busy = _windowed(session, rule, today)
            found = [h for h in found if h.department_id not in busy]
            key, end = today.isoformat(), today + timedelta(days=rule.days - 1)
        if not found:
            continue
        stmt = (
            insert(_warnings)
            .values(
                [
                    {
                        "rule_id": rule.id,
                        "department_id": h.department_id,
                        "kind": kind.value,
                        "window_key": key,
                        "window_start": today,
                        "window_end": end,
                        "observed": h.observed,
                        "satisfied": h.satisfied,
                        "rate": h.rate,
                        "threshold": rule.threshold,
                        "days": rule.days,
                        "rate_below": rule.rate_below,
                        "category_id": rule.category_id,
                        "status": WarningStatus.open.value,
                        "raised_at": now,
                        "updated_at": now,
                    }
                    for h in found
                ]
            )
            .on_conflict_do_nothing(index_elements=["rule_id", "department_id", "window_key"])
            .returning(_warnings.c.id, _warnings.c.department_id)
        )
        for warning_id, department_id in session.execute(stmt).all():
            raised.append(
                WarningRaised(
                    warning_id=warning_id,
                    rule_id=rule.id,
                    kind=kind,
                    department_id=department_id,
                    at=now,
                )
            )
    enqueue_many(session, [(RAISED_TOPIC, e.model_dump(mode="json")) for e in raised], now)
    return len(raised)


# --- the API -----------------------------------------------------------------------------------


def _render(session: Session, p: Subject, rows: Sequence[ConcentrationWarning]) -> list[WarningOut]:
    rules = {
        r.id: r
        for r in session.execute(
            sa.select(WarningRule).where(col(WarningRule.id).in_({w.rule_id for w in rows}))
        ).scalars()
    }
    users = list(
        session.execute(
            sa.select(User).where(
                col(User.id).in_({w.decided_by_id for w in rows if w.decided_by_id})
            )
        ).scalars()
    )
    unit_ids = {w.department_id for w in rows} | {u.unit_id for u in users}
    units = {
        u.id: UnitBrief(id=u.id, name=u.name, code=u.code)
        for u in session.execute(sa.select(Unit).where(col(Unit.id).in_(unit_ids))).scalars()
        if u.id is not None
    }
    people = {
        u.id: UserBrief(id=u.id, display_name=u.display_name, unit=units.get(u.unit_id))
        for u in users
        if u.id is not None
    }
    cats = {
        c.id: CategoryBrief(id=c.id, name=c.name)
        for c in session.execute(
            sa.select(Category).where(
                col(Category.id).in_({w.category_id for w in rows if w.category_id})
            )
        ).scalars()
        if c.id is not None
    }
    out = []
    for w in rows:
        assert w.id is not None
        rule = rules[w.rule_id]
        assert rule.id is not None
        out.append(
            WarningOut(
                id=w.id,
                rule=WarningRuleRef(id=rule.id, name=rule.name, kind=WarningKind(rule.kind)),
                kind=WarningKind(w.kind),
                department=units[w.department_id],
                category=cats.get(w.category_id) if w.category_id else None,
                window_start=w.window_start,
                window_end=w.window_end,
                observed=w.observed,
                satisfied=w.satisfied,
                rate=w.rate,
                threshold=w.threshold,
                days=w.days,
                rate_below=w.rate_below,
                status=WarningStatus(w.status),
                raised_at=w.raised_at,
                held_at=w.held_at,
                attendees=w.attendees,
                notes=w.notes,
                dismiss_reason=w.dismiss_reason,
                decided_by=people.get(w.decided_by_id) if w.decided_by_id else None,
                decided_at=w.decided_at,
                allowed_actions=permissions.allowed_actions(p, w),
            )
        )
    return out


def list_warnings(
    session: Session,
    p: Subject,
    *,
    status: WarningStatus | None,
    kind: WarningKind | None,
    department_id: int | None,
    rule_id: int | None,
    before: int | None,
    limit: int,
) -> WarningPage:
    permissions.require_listing(p)
    q = sa.select(ConcentrationWarning).where(permissions.visible_clause(p))
    if status is not None:
        q = q.where(col(ConcentrationWarning.status) == status.value)
    if kind is not None:
        q = q.where(col(ConcentrationWarning.kind) == kind.value)
    if department_id is not None:
        q = q.where(col(ConcentrationWarning.department_id) == department_id)
    if rule_id is not None:
        q = q.where(col(ConcentrationWarning.rule_id) == rule_id)
    page, next_cursor = newest_first(session, q, col(ConcentrationWarning.id), before, limit)
    return WarningPage(items=_render(session, p, page), next_cursor=next_cursor)


def _load(
    session: Session, p: Subject, warning_id: int, *, lock: bool = False
) -> ConcentrationWarning:
    q = sa.select(ConcentrationWarning).where(col(ConcentrationWarning.id) == warning_id)
    if lock:
        q = q.with_for_update()
    w = session.execute(q).scalar_one_or_none()
    if w is None or not permissions.can_see(p, w):
        raise not_found("warning")
    return w


def get_warning(session: Session, p: Subject, warning_id: int) -> WarningOut:
    return _render(session, p, [_load(session, p, warning_id)])[0]


def _decide(session: Session, p: Subject, warning_id: int, action: str) -> ConcentrationWarning:
    w = _load(session, p, warning_id, lock=True)
    permissions.require_decision(p)
    if w.status != WarningStatus.open:
        raise conflict(
            ProblemCode.warning_decided,
            f"This warning was already decided ({w.status}); it cannot be given the action "
            f"{action}.",
            warning_status=w.status,
            action=action,
        )
    return w


def _close(w: ConcentrationWarning, p: Subject, status: WarningStatus, now: datetime) -> None:
    assert w.id is not None
    w.status = status.value
    w.decided_by_id = p.user_id
    w.decided_at = now
    w.updated_at = now
    if w.window_key == OPEN_KEY:
        # An overdue warning holds its key while open: deciding it lets the next one be raised.
        w.window_key = f"decided:{w.id}"


def interview(
    session: Session, p: Subject, warning_id: int, body: WarningInterview, now: datetime
) -> WarningOut:
    w = _decide(session, p, warning_id, "interview")
    if body.held_at.tzinfo is None:
        raise invalid(ProblemCode.naive_datetime, "held_at needs a time zone offset.")
    w.held_at = body.held_at
    w.attendees = body.attendees
    w.notes = body.notes
    _close(w, p, WarningStatus.interviewed, now)
    session.flush()
    return _render(session, p, [w])[0]


def dismiss(
    session: Session, p: Subject, warning_id: int, body: WarningDismiss, now: datetime
) -> WarningOut:
    w = _decide(session, p, warning_id, "dismiss")
    w.dismiss_reason = body.reason
    _close(w, p, WarningStatus.dismissed, now)
    session.flush()
    return _render(session, p, [w])[0]
