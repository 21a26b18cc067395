"""`huiyin serve` on SQLite runs the worker in the server process (unless told not to): a
new user gets notifications and mail with nothing else to start. The app factory itself starts
no worker unless asked."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from backend import migrate
from backend.config import Settings, get_settings
from backend.db import make_engine, open_session, session_scope
from backend.main import create_app, create_served_app
from backend.models import Notification, OutboxDelivery
from backend.models.enums import Role, UnitKind
from tests.conftest import TEST_SECRET
from tests.factories import (
    committee_unit,
    create_unit,
    create_user,
    headers_for,
    office_always_open,
)
from tests.smtp import SmtpServer


def test_the_app_factory_starts_no_worker_unless_asked(settings: Settings) -> None:
    assert create_app(settings).state.runs_worker is False


def test_serve_runs_the_worker_on_sqlite_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUIYIN_SECRET_KEY", TEST_SECRET)
    cases = [
        ("sqlite:///./var/x.db", None, True),
        ("sqlite:///./var/x.db", "false", False),  # huiyin serve --no-worker
        ("postgresql+psycopg://u@h/db", None, False),  # run `huiyin worker` instead
    ]
    for url, flag, expected in cases:
        monkeypatch.setenv("HUIYIN_DATABASE_URL", url)
        if flag is None:
            monkeypatch.delenv("HUIYIN_SERVE_WORKER", raising=False)
        else:
            monkeypatch.setenv("HUIYIN_SERVE_WORKER", flag)
        get_settings.cache_clear()
        try:
            assert create_served_app().state.runs_worker is expected, (url, flag)
        finally:
            get_settings.cache_clear()


def test_the_embedded_worker_delivers(tmp_path: Path, smtp: SmtpServer) -> None:
    url = f"sqlite:///{tmp_path / 'embedded.db'}"
    settings = Settings(
        environment="test",
        secret_key=TEST_SECRET,
        database_url=url,
        data_dir=tmp_path,
        smtp_host=smtp.host,
        smtp_port=smtp.port,
        smtp_tls="none",
        worker_poll_seconds=0.05,
    )
    migrate.upgrade(url)
    engine = make_engine(url, settings)
    try:
        with session_scope(engine) as s:
            committee = committee_unit(s)
            college = create_unit(s, UnitKind.college)
            clerk = create_user(s, committee, Role.staff, email="clerk@example.edu.cn")
            student = create_user(s, college, Role.staff)
            headers = headers_for(s, settings, student)
            office_always_open(s, settings.timezone)  # the worker runs on the wall clock
        app = create_app(
            settings,
            session_factory=lambda write=True: open_session(engine, write=write),
            worker=True,
        )
        with TestClient(app) as client:
            r = client.post(
                "/api/v1/tickets",
                headers=headers,
                json={"title": "食堂排队时间过长", "content": "午餐高峰排队超过二十分钟。"},
            )
            assert r.status_code == 201, r.text
            [mail] = smtp.inbox.wait_for(1, timeout=20)
            assert mail.to == "clerk@example.edu.cn"
            assert mail.subject.startswith("【回音】新工单待受理：")
            # the notice is in the clerk's inbox too, and every delivery is done
            # A fresh connection per look: one transaction would keep reading the snapshot
            # taken before the worker marked the mail sent.
            deadline = time.monotonic() + 20
            while True:
                with engine.connect() as conn:
                    left = conn.execute(
                        sa.select(sa.func.count())
                        .select_from(OutboxDelivery)
                        .where(OutboxDelivery.sent_at.is_(None))  # type: ignore[union-attr]
                    ).scalar_one()
                if left == 0 or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            assert left == 0
            with engine.connect() as conn:
                users = conn.execute(sa.select(Notification.user_id)).scalars().all()
            assert users == [clerk.id]
    finally:
        engine.dispose()
