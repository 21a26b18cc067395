"""Tells the department head and the committee of a raised warning: the ``warnings``
consumer of ``warning.*`` events, writing notices (and their mail) like the ticket fan-out."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from backend.models import ConcentrationWarning, OutboxMessage, Unit
from backend.models.enums import WarningKind
from backend.notifications.fanout import Audience, Notice, committee, department
from backend.notifications.service import notify
from backend.warnings.service import RAISED_TOPIC, WarningRaised
from backend.worker.registry import Delivery, register_consumer


def _what(w: ConcentrationWarning, whose: str) -> str:
    match WarningKind(w.kind):
        case WarningKind.volume:
            return (
                f"近{w.days}天内{whose}牵头办理的工单达 {w.observed} 件"
                f"（预警线 {w.threshold} 件），意见较为集中。"
            )
        case WarningKind.satisfaction:
            assert w.rate is not None
            assert w.rate_below is not None
            return (
                f"近{w.days}天内{whose}的满意率为 {w.rate:.0%}（{w.satisfied}/{w.observed}），"
                f"低于预警线 {w.rate_below:.0%}。"
            )
        case WarningKind.overdue:
            return f"{whose}当前有 {w.observed} 件超期工单（预警线 {w.threshold} 件）。"


def warn(session: Session, message: OutboxMessage, delivery: Delivery) -> None:
    event = WarningRaised.model_validate(message.payload)
    w = session.get(ConcentrationWarning, event.warning_id)
    unit = session.get(Unit, event.department_id)
    if w is None or unit is None:
        raise ValueError(f"warning {event.warning_id} or its department is gone")
    day = event.at.astimezone(ZoneInfo(delivery.settings.timezone)).strftime("%Y-%m-%d")
    link = f"/warnings/{event.warning_id}"
    notify(
        session,
        delivery.settings,
        delivery.now,
        kind=message.topic,
        audiences=[
            Audience(
                Notice(
                    "意见集中预警",
                    _what(w, "贵单位") + f"机关党委将视情约谈，请高度重视（{day}）。",
                    link,
                ),
                department(session, [event.department_id], heads_only=True),
            ),
            Audience(
                Notice(
                    f"意见集中预警：{unit.name}",
                    _what(w, unit.name) + "请研判是否约谈。",
                    link,
                ),
                committee(session),
            ),
        ],
        source_id=message.id,
    )


register_consumer("warnings", RAISED_TOPIC, warn)
