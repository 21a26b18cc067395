"""Who hears about an event, and what they read.

The worker calls :func:`fan_out` (the ``notifications`` consumer) for every ``ticket.*``,
``sla.*``, ``supervision.*`` and ``exclusion.*`` event in the transaction that marks its
delivery made: the notifications and their ``mail.send`` events appear together with that mark,
or not at all. Each event is read as its typed payload (``backend.events.contract``): what a
notice says comes from there, never from guessed keys.

Texts never name the person who raised a ticket: a department must not learn who raised an
anonymous one, and the committee reads names on the ticket itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.config import Settings
from backend.events import contract as ev
from backend.events.contract import Event
from backend.models import Ticket, TicketDepartment, Unit, User
from backend.models.enums import Role, UnitKind
from backend.tickets import roots

TITLE_MAX = 200


@dataclass(frozen=True)
class Notice:
    title: str
    body: str
    link: str | None


@dataclass
class Audience:
    notice: Notice
    user_ids: set[int] = field(default_factory=set)


# --- recipients ------------------------------------------------------------------------------


def _active_users(session: Session, *where: sa.ColumnElement[bool]) -> set[int]:
    q = (
        sa.select(col(User.id))
        .join(Unit, col(Unit.id) == col(User.unit_id))
        .where(col(User.is_active).is_(True), col(Unit.is_active).is_(True), *where)
    )
    return {i for i in session.execute(q).scalars() if i is not None}


def committee(session: Session) -> set[int]:
    return _active_users(session, col(Unit.kind) == UnitKind.committee.value)


def department(
    session: Session, unit_ids: Iterable[int | None], heads_only: bool = False
) -> set[int]:
    ids = [i for i in unit_ids if i is not None]
    if not ids:
        return set()
    where = [col(User.unit_id).in_(ids), col(Unit.kind) == UnitKind.department.value]
    if heads_only:
        where.append(col(User.role) == Role.head.value)
    return _active_users(session, *where)


def assisting_departments(session: Session, ticket_id: int) -> list[int]:
    return list(
        session.execute(
            sa.select(col(TicketDepartment.department_id)).where(
                col(TicketDepartment.ticket_id) == ticket_id,
                col(TicketDepartment.role) == "assist",
                col(TicketDepartment.active).is_(True),
            )
        ).scalars()
    )


def handlers_and_heads(session: Session, ticket: Ticket | None, dept_id: int | None) -> set[int]:
    """Who must act on a deadline: the assigned handler and the heads; with no handler
    assigned (or a handler no longer in the department), every member."""
    if dept_id is None:
        return set()
    heads = department(session, [dept_id], heads_only=True)
    members = department(session, [dept_id])
    handler = ticket.handler_id if ticket is not None else None
    if handler is not None and handler in members:
        return heads | {handler}
    return members


def _college_heads(session: Session, college_id: int | None) -> set[int]:
    if college_id is None:
        return set()
    return _active_users(
        session,
        col(User.unit_id) == college_id,
        col(User.role) == Role.head.value,
        col(Unit.kind) == UnitKind.college.value,
    )


def raisers(session: Session, ticket: Ticket | None) -> set[int]:
    """The college side of a ticket: its submitter (or, without a submitter account, the
    college's heads)."""
    if ticket is None:
        return set()
    if ticket.submitter_id is not None:
        return _active_users(session, col(User.id) == ticket.submitter_id)
    return _college_heads(session, ticket.college_id)


def followers(session: Session, ticket: Ticket | None) -> list[Ticket]:
    """The tickets merged into ``ticket`` (their merge root): their college side reads its
    answer, and scores, on their own ticket."""
    if ticket is None:
        return []
    return list(
        session.execute(
            sa.select(Ticket).where(roots.follows(Ticket, ticket.id)).order_by(col(Ticket.id))
        ).scalars()
    )


# --- texts -----------------------------------------------------------------------------------


def _title(label: str, code: str, title: str | None) -> str:
    text = f"{label}：{code}" + (f" {title}" if title else "")
    return text if len(text) <= TITLE_MAX else text[: TITLE_MAX - 1] + "…"


def _local(value: datetime, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _due(value: datetime | None, tz: ZoneInfo) -> str:
    return f"（时限 {_local(value, tz)}）" if value else ""


def audiences(session: Session, settings: Settings, event: Event) -> list[Audience]:
    """The notices one event makes, each with its recipients (before removing the actor)."""
    tz = ZoneInfo(settings.timezone)
    ticket = session.get(Ticket, event.ticket_id)
    title = ticket.title if ticket is not None else None
    link = f"/tickets/{event.ticket_id}"
    lead = event.lead_department_id

    def a(label: str, body: str, users: set[int]) -> Audience:
        return Audience(Notice(_title(label, event.ticket_code, title), body, link), users)

    def raised(label: str, body: str) -> list[Audience]:
        """The ticket's college side, and that of every ticket merged into it, each told on
        (and linked to) their own ticket."""
        return [a(label, body, raisers(session, ticket))] + [
            Audience(
                Notice(_title(label, f.code, f.title), body, f"/tickets/{f.id}"),
                raisers(session, f),
            )
            for f in followers(session, ticket)
        ]

    match event.details:
        case ev.Submitted():
            return [
                a("新工单待受理", "收到一条新的意见建议，请及时受理并派单。", committee(session))
            ]
        case ev.Dispatched(accept_due_at=due) | ev.Reopened(accept_due_at=due):
            depts = [lead, *assisting_departments(session, event.ticket_id)]
            reopen = isinstance(event.details, ev.Reopened)
            label = "工单重办" if reopen else "新工单待签收"
            body = (
                "该工单的答复未能解决问题，机关党委已将其重新派给贵单位办理，请及时签收。"
                if reopen
                else "机关党委已将该工单派给贵单位，请及时签收或退单。"
            )
            return [a(label, body + _due(due, tz), department(session, depts))]
        case ev.Returned():
            return [
                a(
                    "工单被退回",
                    "责任部门退回了该工单，请研判退单理由并重新派单。",
                    committee(session),
                )
            ]
        case ev.Accepted():
            return [a("工单已签收", "责任部门已签收该工单，正在办理。", committee(session))]
        case ev.ExtensionRequested(days=days):
            return [
                a(
                    "延期申请待审批",
                    f"责任部门申请延期（{days} 个工作日），请审批。",
                    committee(session),
                )
            ]
        case ev.ExtensionDecided(approved=approved, reply_due_at=due):
            body = (
                "机关党委已批准延期申请，新的答复时限见工单" + _due(due, tz) + "。"
                if approved
                else "机关党委未批准延期申请，请按原时限答复" + _due(due, tz) + "。"
            )
            label = "延期申请已批准" if approved else "延期申请未批准"
            return [a(label, body, department(session, [lead]))]
        case ev.Replied(revisit_due_at=due):
            return [
                *raised("您的意见建议已答复", "责任部门已答复您反映的问题，请登录查看。"),
                a(
                    "工单已答复待回访",
                    "责任部门已答复，请及时回访" + _due(due, tz) + "。",
                    committee(session),
                ),
            ]
        case ev.Revisited(score_due_at=due):
            return raised(
                "请评价办理结果",
                "机关党委已回访，请对办理情况进行评价" + _due(due, tz) + "。",
            )
        case ev.Scored(overall=overall):
            body = f"工单已评价（综合 {overall} 分）并办结。"
            if ticket is not None and ticket.merge_root_id is not None:
                # A merged ticket's own score: the department that answered its root reads it
                # there (the merged ticket is not in the department's scope).
                root = roots.root_of(session, ticket)
                told = f"合并到本工单的 {ticket.code} 已由其提出方评价（综合 {overall} 分）。"
                return [
                    Audience(
                        Notice(
                            _title("收到评价", root.code, root.title), told, f"/tickets/{root.id}"
                        ),
                        department(session, [ticket.reply_department_id]),
                    ),
                    a("收到评价", body, committee(session)),
                ]
            return [a("收到评价", body, department(session, [lead]) | committee(session))]
        case ev.Closed():
            return [
                a(
                    "工单已办结",
                    "评价期满未评价，机关党委已办结该工单。",
                    department(session, [lead]),
                )
            ]
        case ev.Rejected():
            return raised("工单不予受理", "您反映的问题不予受理，理由请登录查看。")
        case ev.Merged():
            return raised(
                "工单已合并",
                "您的工单已与相同问题合并办理，答复和回访将在您的工单中显示，届时请评价。",
            )
        case ev.Urged(auto=auto, department_id=dept):
            body = (
                "该工单已超过办理时限，系统已自动催办，请尽快办理。"
                if auto
                else "机关党委对该工单进行了催办，请尽快办理。"
            )
            return [a("催办通知", body, handlers_and_heads(session, ticket, dept or lead))]
        case ev.Overdue(due_at=due):
            # The department hears it from the automatic urge that comes with it; one notice
            # per missed deadline is enough there. The committee follows overdue tickets.
            return [
                a(
                    "工单已超期",
                    f"该工单已超过办理时限（{_local(due, tz)}），系统已自动催办责任部门。",
                    committee(session),
                )
            ]
        case ev.Assigned(handler_id=handler):
            users = _active_users(session, col(User.id) == handler)
            return [a("工单已分派给您", "部门负责人将该工单分派给您办理。", users)]
        case ev.Reminder(stage=stage, due_at=due, department_id=dept):
            which = "签收" if stage == "accept" else "答复"
            return [
                a(
                    f"{which}时限提醒",
                    f"工单的{which}时限 {_local(due, tz)} 即将到期，请抓紧办理。",
                    handlers_and_heads(session, ticket, dept or lead),
                )
            ]
        case ev.SupervisionRaised(department_id=dept):
            return [
                a(
                    "督办通知",
                    "机关党委对该工单下发了督办单，请部门负责人确认并提交整改措施，"
                    "并在新的时限内办结。",
                    department(session, [dept]),
                ),
                a("督办单已下发", "督办单已下发，等待部门确认整改措施。", committee(session)),
            ]
        case ev.SupervisionAcknowledged():
            return [
                a(
                    "督办单已确认",
                    "责任部门已确认督办单并提交整改措施，请跟进办理结果。",
                    committee(session),
                )
            ]
        case ev.SupervisionClosed(department_id=dept):
            return [a("督办单已办结", "机关党委已办结该督办单。", department(session, [dept]))]
        case ev.SupervisionVoided(department_id=dept):
            return [
                a(
                    "督办单已作废",
                    "该工单已不由贵单位办理（退单、不予受理、撤回或合并），督办单随之作废。",
                    department(session, [dept]),
                )
            ]
        case ev.ExclusionRequested(department_id=dept):
            unit = session.get(Unit, dept)
            who = unit.name if unit is not None else "责任部门"
            return [
                a(
                    "核减申请待审核",
                    f"{who}申请将该工单从其考核统计中核减，请审核。",
                    committee(session),
                )
            ]
        case ev.ExclusionDecided(department_id=dept, approved=approved, direct=direct):
            if direct:
                label, body = "工单已核减", "机关党委已将该工单从贵单位的考核统计中核减。"
            elif approved:
                label = "核减申请已批准"
                body = "机关党委已批准贵单位的核减申请，该工单不再计入贵单位的考核指标。"
            else:
                label = "核减申请未批准"
                body = "机关党委未批准贵单位的核减申请，理由请登录查看。"
            return [a(label, body, department(session, [dept]))]
    return []
