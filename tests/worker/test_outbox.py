"""Claims are leases: held deliveries are nobody else's until the lease ends; a dead worker's
deliveries come back; an outcome is only recorded by the claim's holder; a consumer's writes and
the "done" mark commit together. (Several consumers per event: test_consumers.py.)"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.config import Settings
from backend.core.clock import FrozenClock
from backend.models import Notification, OutboxDelivery, OutboxMessage
from backend.worker import outbox, registry
from backend.worker.runner import Worker
from tests.delivery import MakeWorker, deliveries, queue_event
from tests.factories import World


@pytest.fixture
def test_topic(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """A consumer of ``test.*`` events that records what it saw (and fails when told to)."""
    seen: list[Any] = []

    def handle(session: Session, message: OutboxMessage, delivery: registry.Delivery) -> None:
        seen.append((message.id, delivery.worker_id))
        if message.payload.get("write"):
            session.add(
                Notification(
                    user_id=message.payload["write"],
                    kind=message.topic,
                    title="测试",
                    body="测试",
                    created_at=delivery.now,
                )
            )
            session.flush()
        if message.payload.get("fail"):
            raise RuntimeError("boom")

    registry.load_plugins()
    monkeypatch.setitem(registry._consumers, "test", registry.Consumer("test", ("test.",), handle))
    return seen


def delivery(db: Session, event_id: int, consumer: str = "test") -> OutboxDelivery:
    return deliveries(db, event_id)[consumer]


def test_registry_routes_by_prefix_to_every_consumer(monkeypatch: pytest.MonkeyPatch) -> None:
    assert registry.consumers_for("mail.send") == ["mail"]
    for topic in ("ticket.dispatch", "sla.reminder", "supervision.raised"):
        assert registry.consumers_for(topic) == ["notifications"], topic
    assert registry.consumers_for("webhook.x") == []
    assert registry.consumers_for("mail.sendx") == ["mail"]  # a prefix, not a name
    assert {"notifications.digest"} <= {s.name for s in registry.sweeps()}

    def special(*_: Any) -> None:
        return None

    monkeypatch.setattr(registry, "_consumers", dict(registry._consumers))
    registry.register_consumer("audit", ["ticket.urge", "ticket.accept"], special)
    assert registry.consumers_for("ticket.urge") == ["audit", "notifications"]
    assert registry.consumers_for("ticket.reply") == ["notifications"]
    audit = registry.consumer("audit")
    assert audit is not None
    assert audit.fn is special
    # the same name again replaces it
    registry.register_consumer("audit", "ticket.reply", special)
    assert registry.consumers_for("ticket.urge") == ["notifications"]
    assert registry.consumers_for("ticket.reply") == ["audit", "notifications"]
    with pytest.raises(ValueError):
        registry.register_consumer("", "ticket.", special)
    with pytest.raises(ValueError):
        registry.register_consumer("empty", [], special)


def test_a_lease_keeps_others_off_until_it_ends(
    db: Session,
    make_worker: MakeWorker,
    settings: Settings,
    clock: FrozenClock,
    test_topic: list[Any],
) -> None:
    events = [queue_event(db, "test.ping", {"n": i}, clock.now()) for i in range(3)]
    a = make_worker(settings, "worker-a")
    b = make_worker(settings, "worker-b")
    claimed = a.claim()
    assert [c.event_id for c in claimed] == events
    assert [c.id for c in claimed] == [delivery(db, e).id for e in events]
    row = delivery(db, events[0])
    assert row.claimed_by == "worker-a"
    assert row.claimed_at == clock.now()
    assert row.attempts == 1
    assert row.available_at == clock.now() + timedelta(seconds=settings.outbox_lease_seconds)

    # held: b finds nothing, however often it looks, until the lease runs out
    assert b.claim() == []
    clock.advance(timedelta(seconds=settings.outbox_lease_seconds - 1))
    assert b.claim() == []
    # a dies without a word; after the lease b takes the rows over and delivers them
    clock.advance(timedelta(seconds=1))
    result = b.drain()
    assert result.sent == 3
    assert test_topic == [(e, "worker-b") for e in events]
    row = delivery(db, events[0])
    assert row.attempts == 2
    assert row.sent_at == clock.now()

    # a wakes up and tries to finish: its claim is gone, so it records nothing
    assert a.deliver(claimed).lost == 3
    assert delivery(db, events[0]).sent_at == clock.now()
    assert delivery(db, events[0]).claimed_by == "worker-b"


def test_consumer_writes_and_the_done_mark_commit_together(
    world: World,
    db: Session,
    worker: Worker,
    clock: FrozenClock,
    test_topic: list[Any],
) -> None:
    uid = world["college_staff"].id
    bad = queue_event(db, "test.x", {"write": uid, "fail": True}, clock.now())
    good = queue_event(db, "test.x", {"write": uid}, clock.now())
    result = worker.drain()
    assert (result.sent, result.retried) == (1, 1)
    # the failing one's notification was rolled back with it; the good one's stayed
    assert (
        db.execute(
            sa.select(sa.func.count()).select_from(Notification).where(Notification.user_id == uid)
        ).scalar_one()
        == 1
    )
    assert delivery(db, good).sent_at is not None
    failed = delivery(db, bad)
    assert failed.sent_at is None
    assert failed.last_error == "RuntimeError: boom"


def test_a_delivery_whose_leases_all_ran_out_is_failed(
    db: Session,
    make_worker: MakeWorker,
    settings: Settings,
    clock: FrozenClock,
    test_topic: list[Any],
) -> None:
    s = settings.model_copy(update={"outbox_max_attempts": 2, "outbox_lease_seconds": 10})
    event = queue_event(db, "test.crash", {}, clock.now())
    for n in range(2):  # two workers claim it and die
        assert len(make_worker(s, f"doomed-{n}").claim()) == 1
        clock.advance(timedelta(seconds=10))
    assert make_worker(s, "survivor").claim() == []
    row = delivery(db, event)
    assert row.failed_at == clock.now()
    assert row.claimed_by is None
    assert row.last_error == "lease expired"
    assert test_topic == []


def test_a_worker_claims_only_what_it_can_deliver(
    db: Session,
    make_worker: MakeWorker,
    settings: Settings,
    mail_settings: Settings,
    clock: FrozenClock,
) -> None:
    mail = queue_event(
        db, "mail.send", {"to": "a@example.edu.cn", "subject": "s", "body": "b"}, clock.now()
    )
    assert make_worker(settings).claim() == []  # no SMTP host: mail waits for a worker with one
    assert delivery(db, mail, "mail").attempts == 0
    claimed = make_worker(mail_settings, "with-mail").claim()
    assert [(c.event_id, c.consumer) for c in claimed] == [(mail, "mail")]


def test_an_event_nobody_consumes_is_recorded_without_deliveries(
    db: Session, clock: FrozenClock
) -> None:
    event = queue_event(db, "webhook.deliver", {"n": 1}, clock.now())
    row = db.get(OutboxMessage, event)
    assert row is not None
    assert (row.topic, row.payload, row.created_at) == ("webhook.deliver", {"n": 1}, clock.now())
    assert deliveries(db, event) == {}


def test_backoff_doubles_up_to_the_cap(settings: Settings) -> None:
    s = settings.model_copy(
        update={"outbox_backoff_seconds": 30, "outbox_backoff_max_seconds": 3600}
    )
    assert [outbox.backoff(s, n).total_seconds() for n in (1, 2, 3, 4, 8, 20)] == [
        30,
        60,
        120,
        240,
        3600,
        3600,
    ]


def test_sweeps_run_each_in_their_own_transaction(
    monkeypatch: pytest.MonkeyPatch, db: Session, worker: Worker, clock: FrozenClock
) -> None:
    calls: list[str] = []

    def good(session: Session, now: Any) -> int:
        calls.append("good")
        session.add(OutboxMessage(topic="test.swept", payload={}, created_at=now))
        return 1

    def bad(session: Session, now: Any) -> int:
        calls.append("bad")
        session.add(OutboxMessage(topic="test.lost", payload={}, created_at=now))
        session.flush()
        raise RuntimeError("sweep broke")

    monkeypatch.setattr(registry, "_sweeps", {})
    registry.register_sweep("a.bad", bad)
    registry.register_sweep("b.good", good)
    assert worker.run_sweeps() == {"b.good": 1}
    assert calls == ["bad", "good"]
    topics = set(db.execute(sa.select(col(OutboxMessage.topic))).scalars())
    assert "test.swept" in topics
    assert "test.lost" not in topics
