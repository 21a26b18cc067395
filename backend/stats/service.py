"""Department rates of a period, read from ``assignment_facts`` in one GROUP BY.

Each measure counts in the period of its own event, so a ticket dispatched in March and replied in
April counts its response in March and its punctuality in April. Which rows count:

- response, on time, resolution, returns, reopens: the ``lead`` rows only. Assisting departments
  do not sign for, reply to or return a ticket, so their rows would only repeat the lead's.
- satisfaction and the score means: ``lead`` and ``merged`` rows (a merged ticket's own score
  counts for the department that replied to its root).
- on time: rows whose (extended) reply deadline falls in the period and that were replied or whose
  deadline has passed (a passed deadline without a reply is late). A round that was returned is not
  counted: the department gave the ticket back, and the reply belongs to the next round.

An approved exclusion takes its (ticket, department) out of every measure; such tickets with an
event in the period are counted in ``excluded``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.auth.subject import Subject
from backend.errors import ProblemCode, invalid
from backend.models import AssignmentFact, Unit, table
from backend.models.enums import FactRole, RevisitOutcome
from backend.models.exclusions import Exclusion, ExclusionStatus
from backend.models.stats import DEFAULT_WEIGHTS, StatsWeights
from backend.stats import permissions
from backend.stats.schemas import (
    DepartmentStats,
    DepartmentStatsPage,
    Rate,
    ScoreMeans,
    Weights,
    WeightsIn,
    WeightsOut,
)
from backend.tickets.schemas import UnitBrief

_f = table(AssignmentFact)
_x = table(Exclusion)
MEASURES = ("response", "on_time", "resolution", "satisfaction")
MAX_DAYS = 366

FORMULAS: dict[str, str] = {
    "response": "响应率 = 按时签收或退回的派单数 ÷ 派单数（按派单时间计入期间，仅主办）",
    "on_time": (
        "按时办结率 = 在（延期后）答复时限内答复的件数 ÷ 答复时限在期间内且已答复或已超时的件数"
        "（超时未答复计为超时；已退回的轮次不计；仅主办）"
    ),
    "resolution": "解决率 = 回访结果为“已解决”的件数 ÷ 回访件数（按回访时间计入期间，仅主办）",
    "satisfaction": (
        "满意率 = 综合评分 4 分及以上的件数 ÷ 评分件数（按评分时间计入期间，含被合并工单）"
    ),
    "scores": "各维度均分 = 期间内评分的算术平均（含被合并工单）",
    "returns": "退回数 = 期间内的退回次数；不合理退回数 = 其中被认定为不合理的次数",
    "reopens": "重办数 = 期间内被重新办理的次数",
    "excluded": "核减数 = 期间内有计分事件、经审核同意核减的工单数（不计入任何指标）",
    "composite": "综合得分 = Σ(权重 × 比率) ÷ Σ权重，仅计分母不为 0 的比率",
}


def period(settings_tz: str, start: date, end: date) -> tuple[datetime, datetime]:
    """Dates inclusive in the office time zone → [from, to) instants."""
    if end < start or (end - start).days >= MAX_DAYS:
        raise invalid(ProblemCode.bad_range, "Give a range of at most 366 days, from before to.")
    tz = ZoneInfo(settings_tz)
    return (
        datetime.combine(start, time(), tz),
        datetime.combine(end + timedelta(days=1), time(), tz),
    )


def current_weights(session: Session) -> WeightsOut:
    row = session.execute(sa.select(StatsWeights).order_by(col(StatsWeights.id))).scalars().first()
    if row is None:
        return WeightsOut(**DEFAULT_WEIGHTS, updated_at=None)
    return WeightsOut(
        response=row.response,
        on_time=row.on_time,
        resolution=row.resolution,
        satisfaction=row.satisfaction,
        updated_at=row.updated_at,
    )


def set_weights(session: Session, p: Subject, body: WeightsIn, now: datetime) -> WeightsOut:
    permissions.require_weights_admin(p)
    values = body.model_dump()
    if sum(values.values()) <= 0:
        raise invalid(ProblemCode.weights_sum_zero, "At least one weight must be above 0.")
    row = session.execute(sa.select(StatsWeights).order_by(col(StatsWeights.id))).scalars().first()
    if row is None:
        row = StatsWeights(**values)
        session.add(row)
    else:
        for k, v in values.items():
            setattr(row, k, v)
    row.updated_by_id = p.user_id
    row.updated_at = now
    session.flush()
    return current_weights(session)


def _count(cond: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)


def _rate(num: int, den: int) -> Rate:
    return Rate(rate=num / den if den else None, numerator=num, denominator=den)


def composite(rates: dict[str, Rate], weights: Weights) -> tuple[float | None, list[str]]:
    w = weights.model_dump()
    ignored = [m for m in MEASURES if rates[m].denominator == 0]
    used = [m for m in MEASURES if m not in ignored]
    total = sum(w[m] for m in used)
    if not used or total <= 0:
        return None, ignored
    value = sum(w[m] * (rates[m].rate or 0.0) for m in used) / total
    return value, ignored


def department_stats(
    session: Session, p: Subject, tz: str, start: date, end: date, now: datetime
) -> DepartmentStatsPage:
    permissions.require_reading(p)
    lo, hi = period(tz, start, end)

    def within(c: sa.ColumnElement[datetime | None]) -> sa.ColumnElement[bool]:
        return sa.and_(c >= lo, c < hi)

    # At most one approved exclusion per (ticket, department) (uq_exclusions_live): the outer
    # join never repeats a fact row.
    joined = _f.outerjoin(
        _x,
        sa.and_(
            _x.c.ticket_id == _f.c.ticket_id,
            _x.c.department_id == _f.c.department_id,
            _x.c.status == ExclusionStatus.approved.value,
        ),
    )
    excluded = _x.c.id.is_not(None)
    lead = _f.c.role == FactRole.lead.value
    scored = sa.and_(
        _f.c.role.in_((FactRole.lead.value, FactRole.merged.value)), within(_f.c.scored_at)
    )
    # on time: the deadline is in the period and is decided (replied, or passed without a reply).
    due = sa.and_(
        lead,
        within(_f.c.reply_due_at),
        _f.c.returned_at.is_(None),
        sa.or_(_f.c.replied_at.is_not(None), _f.c.reply_due_at < now),
    )
    dispatched = sa.and_(lead, within(_f.c.dispatched_at))
    revisited = sa.and_(lead, within(_f.c.revisited_at))
    returned = sa.and_(lead, within(_f.c.returned_at))
    reopened = sa.and_(lead, within(_f.c.reopened_at))
    counted = sa.or_(dispatched, due, revisited, scored, returned, reopened)

    def score_mean(c: sa.ColumnElement[int | None]) -> sa.ColumnElement[float | None]:
        return sa.func.avg(sa.case((scored, sa.cast(c, sa.Float))))

    q = (
        sa.select(
            _f.c.department_id,
            excluded.label("is_excluded"),
            _count(dispatched).label("dispatches"),
            _count(
                sa.and_(
                    dispatched,
                    sa.or_(
                        _f.c.accepted_at <= _f.c.accept_due_at,
                        _f.c.returned_at <= _f.c.accept_due_at,
                    ),
                )
            ).label("responded"),
            _count(due).label("due"),
            _count(sa.and_(due, _f.c.replied_at <= _f.c.reply_due_at)).label("on_time"),
            _count(revisited).label("revisits"),
            _count(sa.and_(revisited, _f.c.revisit_outcome == RevisitOutcome.resolved.value)).label(
                "resolved"
            ),
            _count(scored).label("scores"),
            _count(sa.and_(scored, _f.c.satisfied.is_(True))).label("satisfied"),
            score_mean(_f.c.score_efficiency).label("efficiency"),
            score_mean(_f.c.score_handling).label("handling"),
            score_mean(_f.c.score_effect).label("effect"),
            score_mean(_f.c.score_overall).label("overall"),
            _count(returned).label("returns"),
            _count(sa.and_(returned, _f.c.return_unreasonable.is_(True))).label("unreasonable"),
            _count(reopened).label("reopens"),
            sa.func.count(sa.distinct(_f.c.ticket_id)).label("tickets"),
        )
        .select_from(joined)
        .where(counted)
        .group_by(_f.c.department_id, excluded)
    )
    counts: dict[int, dict[str, float | int | None]] = {}
    excluded_n: dict[int, int] = {}
    for r in session.execute(q).mappings():
        if r["is_excluded"]:
            excluded_n[r["department_id"]] = int(r["tickets"])
        else:
            counts[r["department_id"]] = dict(r)

    weights = current_weights(session)
    w = Weights(**weights.model_dump(exclude={"updated_at"}))
    departments = session.execute(
        sa.select(Unit)
        .where(col(Unit.kind) == "department", col(Unit.is_active))
        .order_by(col(Unit.id))
    ).scalars()
    items: list[DepartmentStats] = []
    for d in departments:
        assert d.id is not None
        c = counts.get(d.id, {})

        def n(k: str, c: dict[str, float | int | None] = c) -> int:
            return int(c.get(k) or 0)

        def mean(k: str, c: dict[str, float | int | None] = c) -> float | None:
            v = c.get(k)
            return None if v is None else round(float(v), 4)

        rates = {
            "response": _rate(n("responded"), n("dispatches")),
            "on_time": _rate(n("on_time"), n("due")),
            "resolution": _rate(n("resolved"), n("revisits")),
            "satisfaction": _rate(n("satisfied"), n("scores")),
        }
        value, ignored = composite(rates, w)
        items.append(
            DepartmentStats(
                department=UnitBrief(id=d.id, name=d.name, code=d.code),
                **rates,
                scores=ScoreMeans(
                    efficiency=mean("efficiency"),
                    handling=mean("handling"),
                    effect=mean("effect"),
                    overall=mean("overall"),
                ),
                returns=n("returns"),
                unreasonable_returns=n("unreasonable"),
                reopens=n("reopens"),
                excluded=excluded_n.get(d.id, 0),
                composite=None if value is None else round(value, 6),
                composite_ignored=ignored,
                rank=None,
            )
        )
    _rank(items)
    only = permissions.visible_department(p)
    if only is not None:
        items = [i for i in items if i.department.id == only]
    return DepartmentStatsPage(
        date_from=start, date_to=end, timezone=tz, weights=w, formulas=FORMULAS, items=items
    )


def _rank(items: list[DepartmentStats]) -> None:
    """Competition ranking (1, 2, 2, 4) by composite, highest first; null composite unranked."""
    ranked = sorted(
        (i for i in items if i.composite is not None), key=lambda i: -(i.composite or 0)
    )
    for pos, item in enumerate(ranked):
        prev = ranked[pos - 1] if pos else None
        item.rank = prev.rank if prev is not None and prev.composite == item.composite else pos + 1
