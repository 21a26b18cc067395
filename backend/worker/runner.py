"""The worker loop: sweeps every ``sweep_interval_seconds``, the outbox drained continuously.

Each claimed delivery is made in its own transaction (the consumer's writes + the "sent" mark),
so one failing delivery neither blocks nor undoes the others, not even another consumer's
delivery of the same event. Any number of workers may run against PostgreSQL; on SQLite they
take turns at the write lock.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.core.clock import get_clock
from backend.db import finish, open_session
from backend.worker import outbox, registry

log = logging.getLogger("huiyin.worker")

SessionFactory = Callable[[], Session]


def new_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass
class DrainResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    lost: int = 0  # the lease ran out and another worker took the delivery over

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.lost


def _name(item: outbox.Claimed) -> str:
    return f"outbox event {item.event_id} ({item.topic}) for {item.consumer}"


class Worker:
    def __init__(
        self,
        settings: Settings,
        engine: sa.Engine | None = None,
        *,
        session_factory: SessionFactory | None = None,
        worker_id: str | None = None,
    ) -> None:
        self.settings = settings
        self.worker_id = worker_id or new_worker_id()
        self._factory: SessionFactory = session_factory or (
            lambda: open_session(engine, write=True)
        )
        registry.load_plugins()

    # --- sweeps --------------------------------------------------------------------------

    def run_sweeps(self) -> dict[str, int]:
        """Run every registered sweep once, each in its own transaction."""
        done: dict[str, int] = {}
        with registry.using_settings(self.settings):
            for sweep in registry.sweeps():
                session = self._factory()
                try:
                    count = sweep.fn(session, get_clock().now())
                    finish(session, True)
                    done[sweep.name] = count
                    if count:
                        log.info("sweep %s: %d", sweep.name, count)
                except Exception:
                    finish(session, False)
                    log.exception("sweep %s failed", sweep.name)
                finally:
                    session.close()
        return done

    # --- the outbox ----------------------------------------------------------------------

    def claim(self, limit: int | None = None) -> list[outbox.Claimed]:
        consumers = registry.enabled_consumers(self.settings)
        session = self._factory()
        try:
            items = outbox.claim(
                session,
                self.settings,
                self.worker_id,
                get_clock().now(),
                consumers,
                limit or self.settings.outbox_batch_size,
            )
            finish(session, True)
            return items
        except BaseException:
            finish(session, False)
            raise
        finally:
            session.close()

    def deliver(self, items: list[outbox.Claimed]) -> DrainResult:
        result = DrainResult()
        delivery = registry.Delivery(self.settings, get_clock().now(), self.worker_id)
        try:
            with registry.using_settings(self.settings):
                for item in items:
                    delivery.now = get_clock().now()
                    outcome = self._deliver_one(item, delivery)
                    setattr(result, outcome, getattr(result, outcome) + 1)
        finally:
            delivery.close()
        return result

    def _deliver_one(self, item: outbox.Claimed, delivery: registry.Delivery) -> str:
        consumer = registry.consumer(item.consumer)
        session = self._factory()
        try:
            if consumer is None:  # claimed under another registry: nothing here can do it
                raise LookupError(f"no consumer {item.consumer!r} in this worker")
            consumer.fn(session, item.as_message(), delivery)
            if not outbox.mark_sent(session, item.id, self.worker_id, get_clock().now()):
                finish(session, False)
                log.warning("%s: lease lost before it was marked sent", _name(item))
                return "lost"
            finish(session, True)
            return "sent"
        except Exception as exc:
            finish(session, False)
            session.close()
            return self._record_failure(item, f"{type(exc).__name__}: {exc}")
        finally:
            session.close()

    def _record_failure(self, item: outbox.Claimed, error: str) -> str:
        session = self._factory()
        try:
            dead = outbox.mark_failed_attempt(
                session, self.settings, item, self.worker_id, get_clock().now(), error
            )
            finish(session, True)
        except BaseException:
            finish(session, False)
            raise
        finally:
            session.close()
        if dead:
            log.error("%s failed for good: %s", _name(item), error)
            return "failed"
        log.warning("%s attempt %d failed: %s", _name(item), item.attempts, error)
        return "retried"

    def drain(self, max_batches: int | None = None) -> DrainResult:
        """Claim and deliver batches until nothing is due (or ``max_batches`` ran)."""
        total = DrainResult()
        batches = 0
        while max_batches is None or batches < max_batches:
            items = self.claim()
            if not items:
                break
            r = self.deliver(items)
            for name in ("sent", "retried", "failed", "lost"):
                setattr(total, name, getattr(total, name) + getattr(r, name))
            batches += 1
        return total

    # --- the loop ------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Until ``stop`` is set: sweeps on their interval, the outbox in between."""
        log.info("worker %s started", self.worker_id)
        next_sweep = 0.0
        while not stop.is_set():
            busy = False
            try:
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + self.settings.sweep_interval_seconds
                    self.run_sweeps()
                items = self.claim()
                if items:
                    busy = True
                    self.deliver(items)
            except Exception:
                # The database may be restarting: keep the worker alive and try again.
                log.exception("worker round failed")
            if not busy:
                stop.wait(self.settings.worker_poll_seconds)
        log.info("worker %s stopped", self.worker_id)


class BackgroundWorker:
    """The worker in a daemon thread: how ``huiyin serve`` runs it next to the API (SQLite)."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self._stop = threading.Event()
        self._thread = threading.Thread(target=worker.run, args=(self._stop,), daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
