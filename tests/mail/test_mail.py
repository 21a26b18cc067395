"""Mail through a real SMTP server (aiosmtpd on loopback): the right people, in Chinese, with a
link into the app; digests; retries with backoff; failures left for an operator."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.config import Settings
from backend.core.clock import FrozenClock
from backend.mail.sender import build_message
from backend.models import Notification, OutboxDelivery, OutboxMessage, Ticket
from backend.notifications.sweeps import digest_cutoff, send_digests
from backend.worker import registry
from backend.worker.runner import Worker
from tests.delivery import BASE_URL, MakeWorker, notified, pending
from tests.factories import World, headers_for
from tests.smtp import SmtpServer, free_port

SH = ZoneInfo("Asia/Shanghai")


def _emails(w: World, db: Session, **prefs: str) -> dict[str, str]:
    """Give the named roles an address and a preference; returns role -> address."""
    out = {}
    for role, pref in prefs.items():
        user = w[role].user
        user.email = f"{role.replace('_', '.')}@example.edu.cn"
        user.notify_email = pref
        out[role] = user.email
    db.flush()
    return out


def test_each_mode_mails_every_notice_to_the_right_people(
    world: World, db: Session, mail_worker: Worker, smtp: SmtpServer
) -> None:
    w = world
    addr = _emails(
        w,
        db,
        dept_lead_head="digest",  # heads need not drown: tomorrow's digest, not a mail now
        dept_lead_staff="each",
        dept_assist_staff="none",
        committee_staff="each",
    )
    t = w.submit()
    w.ok(
        "committee_staff",
        "POST",
        f"/tickets/{t['id']}/dispatch",
        json={"lead_department_id": w.dept_lead.id, "assisting_department_ids": [w.dept_assist.id]},
    )
    result = mail_worker.drain()
    assert result.failed == 0
    assert result.retried == 0
    got = smtp.inbox.messages()
    # submit → committee (committee_staff has mail; the admin has no address);
    # dispatch → the lead department's staff (each). The actor hears nothing of its own dispatch.
    assert sorted(m.to for m in got) == sorted([addr["committee_staff"], addr["dept_lead_staff"]])
    [mail] = [m for m in got if m.to == addr["dept_lead_staff"]]
    assert mail.rcpt_tos == [addr["dept_lead_staff"]]
    assert mail.subject == f"【回音】新工单待签收：{t['code']} 图书馆空调不制冷"
    assert mail.body.startswith(f"{w['dept_lead_staff'].user.display_name}，您好：")
    assert "请及时签收或退单" in mail.body
    assert f"{BASE_URL}/tickets/{t['id']}" in mail.body
    assert "通知设置" in mail.body
    assert "huiyin@example.edu.cn" in str(mail.message["From"])
    # the notices record how each went out by mail
    states = dict(
        db.execute(
            sa.select(col(Notification.user_id), col(Notification.mail)).where(
                col(Notification.kind) == "ticket.dispatch"
            )
        ).all()
    )
    assert states == {
        w["dept_lead_head"].id: "digest",
        w["dept_lead_staff"].id: "queued",
        w["dept_assist_staff"].id: "none",
    }
    # sent is sent: nothing goes out twice
    assert pending(db) == []
    mail_worker.drain()
    assert len(smtp.inbox.messages()) == 2


def test_without_an_smtp_host_nothing_is_queued(
    world: World, db: Session, worker: Worker, settings: Settings
) -> None:
    assert not settings.mail_enabled
    _emails(world, db, dept_lead_staff="each")
    world.ticket_in("dispatched")
    worker.drain()
    assert pending(db) == []
    assert (
        db.execute(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.topic == "mail.send")
        ).scalar_one()
        == 0
    )
    assert set(db.execute(sa.select(col(Notification.mail))).scalars()) == {"none"}


def test_digest_sends_one_mail_a_day_with_every_notice(
    world: World,
    db: Session,
    mail_worker: Worker,
    mail_settings: Settings,
    smtp: SmtpServer,
    clock: FrozenClock,
) -> None:
    w = world
    addr = _emails(w, db, dept_lead_head="digest")
    tickets = [w.ticket_in("dispatched", title=f"第{i}号意见") for i in range(3)]
    w.ok("committee_staff", "POST", f"/tickets/{tickets[0]['id']}/urge", json={"note": "请加快"})
    mail_worker.drain()
    assert smtp.inbox.messages() == []  # nothing by mail yet

    # T0 is 10:00 on a Tuesday; the day's digest went out at 08:00: these wait for tomorrow
    assert send_digests(db, clock.now(), mail_settings) == 0
    clock.at = datetime(2026, 3, 11, 8, 0, tzinfo=SH)
    assert digest_cutoff(mail_settings, clock.now()) == clock.now()
    # a notice made after the cutoff waits for the next digest
    w["committee_staff"].headers.update(headers_for(db, w.settings, w["committee_staff"].user))
    w.ok("committee_staff", "POST", f"/tickets/{tickets[1]['id']}/urge", json={"note": "再催"})
    mail_worker.drain()
    with registry.using_settings(mail_settings):
        swept = mail_worker.run_sweeps()
    # 08:00 is before the office opens (08:30): the digest waits for the opening, and still
    # collects what was made before 08:00
    assert swept["notifications.digest"] == 0
    clock.at = datetime(2026, 3, 11, 8, 30, tzinfo=SH)
    with registry.using_settings(mail_settings):
        swept = mail_worker.run_sweeps()
    assert swept["notifications.digest"] == 1
    assert send_digests(db, clock.now(), mail_settings) == 0  # a second sweep: nothing more
    mail_worker.drain()
    [digest] = smtp.inbox.wait_for(1)
    assert digest.to == addr["dept_lead_head"]
    assert digest.subject == "【回音】每日通知汇总（4 条）"
    for t in tickets:
        assert f"新工单待签收：{t['code']} {t['title']}" in digest.body
        assert f"{BASE_URL}/tickets/{t['id']}" in digest.body
    assert "催办通知" in digest.body
    assert "再催" not in digest.body
    assert digest.body.count("催办通知") == 1

    # the next day: the later urge, and the three acceptance reminders the 10:00 sweeps made
    # (half the one-day window left: from 09:15) — each notice in exactly one digest
    clock.at = datetime(2026, 3, 11, 10, 0, tzinfo=SH)
    assert mail_worker.run_sweeps()["sla.reminders"] == 3
    mail_worker.drain()
    clock.at = datetime(2026, 3, 12, 9, 0, tzinfo=SH)
    mail_worker.run_sweeps()
    mail_worker.drain()
    msgs = smtp.inbox.wait_for(2)
    assert len(msgs) == 2
    assert msgs[1].subject == "【回音】每日通知汇总（4 条）"
    assert f"催办通知：{tickets[1]['code']}" in msgs[1].body
    assert f"催办通知：{tickets[0]['code']}" not in msgs[1].body
    assert msgs[1].body.count("签收时限提醒") == 3
    # (the sweeps of that morning may have made new notices: those wait for tomorrow)
    assert set(
        db.execute(
            sa.select(col(Notification.mail)).where(
                col(Notification.user_id) == w["dept_lead_head"].id,
                col(Notification.created_at) < digest_cutoff(mail_settings, clock.now()),
            )
        ).scalars()
    ) == {"digested"}


def test_digest_respects_a_later_change_to_none(
    world: World, db: Session, mail_worker: Worker, mail_settings: Settings, clock: FrozenClock
) -> None:
    w = world
    _emails(w, db, dept_lead_head="digest")
    w.ticket_in("dispatched")
    mail_worker.drain()
    w.ok("dept_lead_head", "PATCH", "/me/preferences", json={"notify_email": "none"})
    clock.advance(timedelta(days=1))
    db.expire_all()  # the request changed the user behind this session's back
    assert send_digests(db, clock.now(), mail_settings) == 0
    assert pending(db, "mail.") == []


def _failing_settings(mail_settings: Settings, **more: object) -> Settings:
    # Nothing listens on this port: every attempt fails to connect.
    return mail_settings.model_copy(
        update={
            "smtp_port": free_port(),
            "outbox_max_attempts": 3,
            "outbox_backoff_seconds": 30,
            "outbox_backoff_max_seconds": 45,
            "smtp_timeout_seconds": 2,
            **more,
        }
    )


def test_failures_back_off_then_give_up(
    world: World,
    db: Session,
    make_worker: MakeWorker,
    mail_settings: Settings,
    clock: FrozenClock,
) -> None:
    w = world
    _emails(w, db, dept_lead_staff="each")
    w.ticket_in("dispatched")
    broken = make_worker(_failing_settings(mail_settings))
    r = broken.drain()
    assert r.retried == 1
    assert r.sent >= 1
    [mail] = pending(db, "mail.")
    assert mail.attempts == 1
    assert mail.last_error
    assert "ConnectionRefusedError" in mail.last_error
    assert mail.available_at == clock.now() + timedelta(seconds=30)
    assert mail.claimed_by is None
    assert mail.failed_at is None

    # not due yet: nothing happens
    assert broken.drain().handled == 0
    clock.advance(timedelta(seconds=30))
    assert broken.drain().retried == 1
    [mail] = pending(db, "mail.")
    assert mail.attempts == 2
    assert mail.available_at == clock.now() + timedelta(seconds=45)  # 60 s, capped at 45 s

    clock.advance(timedelta(seconds=45))
    assert broken.drain().failed == 1
    [mail] = pending(db, "mail.")
    assert mail.attempts == 3
    assert mail.failed_at == clock.now()
    # failed rows are left for an operator: never claimed again
    clock.advance(timedelta(days=1))
    assert broken.drain().handled == 0


def test_a_retry_succeeds_once_the_server_answers(
    world: World,
    db: Session,
    make_worker: MakeWorker,
    mail_settings: Settings,
    smtp: SmtpServer,
    clock: FrozenClock,
) -> None:
    w = world
    _emails(w, db, dept_lead_staff="each")
    w.ticket_in("dispatched")
    smtp.inbox.reject = "451 4.3.0 try again later"
    worker = make_worker(mail_settings)
    assert worker.drain().retried == 1
    [mail] = pending(db, "mail.")
    assert "451" in (mail.last_error or "")
    assert smtp.inbox.messages() == []

    smtp.inbox.reject = None
    clock.advance(timedelta(seconds=mail_settings.outbox_backoff_seconds))
    assert worker.drain().sent == 1
    assert len(smtp.inbox.messages()) == 1
    db.expire_all()
    sent = db.get(OutboxDelivery, mail.id)
    assert sent is not None
    assert sent.sent_at == clock.now()
    assert sent.last_error is None
    clock.advance(timedelta(days=2))
    worker.drain()
    assert len(smtp.inbox.messages()) == 1


def test_mail_made_out_of_office_hours_waits_for_the_opening(
    world: World, db: Session, mail_worker: Worker, smtp: SmtpServer, clock: FrozenClock
) -> None:
    w = world
    addr = _emails(w, db, dept_lead_staff="each")
    t = w.submit()
    mail_worker.drain()
    # Friday 13 March, 21:00: the committee dispatches in the evening.
    clock.at = datetime(2026, 3, 13, 21, 0, tzinfo=SH)
    w["committee_staff"].headers.update(headers_for(db, w.settings, w["committee_staff"].user))
    w.ok(
        "committee_staff",
        "POST",
        f"/tickets/{t['id']}/dispatch",
        json={"lead_department_id": w.dept_lead.id},
    )
    mail_worker.drain()
    # The in-app notice is there at once (it is read when someone opens the app) ...
    assert notified(db, w, "ticket.dispatch")["dept_lead_staff"] == 1
    # ... its mail waits for Monday's opening: nobody gets a mail at night or on the weekend.
    [mail] = pending(db, "mail.")
    event = db.get(OutboxMessage, mail.event_id)
    assert event is not None
    assert event.payload["to"] == addr["dept_lead_staff"]
    assert mail.available_at == datetime(2026, 3, 16, 8, 30, tzinfo=SH)
    assert smtp.inbox.messages() == []
    clock.at = datetime(2026, 3, 14, 10, 0, tzinfo=SH)  # Saturday
    assert mail_worker.drain().handled == 0
    clock.at = datetime(2026, 3, 16, 8, 30, tzinfo=SH)
    assert mail_worker.drain().sent == 1
    [sent] = smtp.inbox.wait_for(1)
    assert sent.to == addr["dept_lead_staff"]


def test_mail_made_in_office_hours_goes_out_at_once(
    world: World, db: Session, mail_worker: Worker, smtp: SmtpServer, clock: FrozenClock
) -> None:
    addr = _emails(world, db, dept_lead_staff="each")
    world.ticket_in("dispatched")  # Tuesday 10:00
    mail_worker.drain()
    [sent] = smtp.inbox.wait_for(1)
    assert sent.to == addr["dept_lead_staff"]
    db.expire_all()
    [(event, mail)] = db.execute(
        sa.select(OutboxMessage, OutboxDelivery)
        .join(OutboxDelivery, col(OutboxDelivery.event_id) == col(OutboxMessage.id))
        .where(col(OutboxMessage.topic) == "mail.send")
    ).all()
    assert mail.sent_at == event.created_at == clock.now()


INJECTED = "\r\nBcc: eavesdropper@example.com"


def test_the_mail_builder_keeps_every_value_inside_its_header(mail_settings: Settings) -> None:
    """Whatever reaches it, the builder writes one To, one Subject and no other header: line
    breaks in a value become spaces, and a recipient must be exactly one address."""
    msg = build_message(
        mail_settings,
        to="clerk@example.edu.cn",
        subject="【回音】新工单：张三" + INJECTED + "\u2028X-Evil: 1",
        body="张三" + INJECTED + "，您好：",
    )
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    assert sorted(parsed.keys()) == sorted(
        [
            "From",
            "To",
            "Subject",
            "Message-ID",
            "Content-Type",
            "Content-Transfer-Encoding",
            "MIME-Version",
        ]
    )
    assert parsed["To"] == "clerk@example.edu.cn"
    assert "\n" not in str(parsed["Subject"])
    assert str(parsed["Subject"]).endswith("Bcc: eavesdropper@example.com X-Evil: 1")
    for to in ("clerk@example.edu.cn" + INJECTED, "clerk@example.edu.cn, eavesdropper@example.com"):
        with pytest.raises(ValueError, match="single mail address"):
            build_message(mail_settings, to=to, subject="s", body="b")


def test_names_and_titles_with_line_breaks_cannot_add_a_recipient(
    world: World, db: Session, mail_worker: Worker, smtp: SmtpServer
) -> None:
    """Rows written before one-line fields refused line breaks (a display name, a title with
    CR LF + "Bcc:") still make one mail to one person."""
    w = world
    addr = _emails(w, db, dept_lead_staff="each")
    w["dept_lead_staff"].user.display_name = "李四" + INJECTED
    t = w.submit()
    ticket = db.get(Ticket, t["id"])
    assert ticket is not None
    ticket.title = "空调" + INJECTED
    db.flush()
    w.ok(
        "committee_staff",
        "POST",
        f"/tickets/{t['id']}/dispatch",
        json={"lead_department_id": w.dept_lead.id},
    )
    result = mail_worker.drain()
    assert (result.failed, result.retried) == (0, 0)
    [mail] = [m for m in smtp.inbox.messages() if m.to == addr["dept_lead_staff"]]
    assert mail.rcpt_tos == [addr["dept_lead_staff"]]
    assert "Bcc" not in mail.message
    assert all(m.rcpt_tos != ["eavesdropper@example.com"] for m in smtp.inbox.messages())
    assert mail.subject.endswith("空调 Bcc: eavesdropper@example.com")
