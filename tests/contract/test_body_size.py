"""Request bodies have a limit, checked on Content-Length and while the body streams in: over
it is a 413 problem, and nothing is written (no row, no file)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI
from httpx import Response

from backend import migrate
from backend.config import Settings
from backend.db import make_engine, open_session, session_scope
from backend.main import MULTIPART_OVERHEAD, create_app
from backend.models import Attachment, Ticket
from backend.models.enums import Role, UnitKind
from tests.conftest import BACKEND, TEST_SECRET
from tests.db.test_concurrency import free_port
from tests.factories import World, create_unit, create_user, headers_for

LIMIT = 4096
FILE_LIMIT = 20_000


def _ticket(content: str) -> bytes:
    return json.dumps({"title": "体积测试", "content": content}).encode()


def _multipart(name: str, data: bytes) -> tuple[bytes, str]:
    body = (
        b"--B0UNDARY\r\n"
        + f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'.encode()
        + b"Content-Type: text/plain\r\n\r\n"
        + data
        + b"\r\n--B0UNDARY--\r\n"
    )
    return body, "multipart/form-data; boundary=B0UNDARY"


def _files(data_dir: Path) -> list[Path]:
    return [p for p in data_dir.rglob("*") if p.is_file()]


def _count(engine_or_session: sa.Engine | sa.orm.Session, model: type) -> int:
    stmt = sa.select(sa.func.count()).select_from(model)
    if isinstance(engine_or_session, sa.Engine):
        with engine_or_session.connect() as conn:
            return int(conn.execute(stmt).scalar_one())
    engine_or_session.expire_all()
    return int(engine_or_session.execute(stmt).scalar_one())


@pytest.fixture
def limited(app: FastAPI, settings: Settings, tmp_path: Path) -> Path:
    data = tmp_path / "data"
    app.state.settings = settings.model_copy(
        update={"max_body_bytes": LIMIT, "attachment_max_bytes": FILE_LIMIT, "data_dir": data}
    )
    return data


def _post(world: World, path: str, body: bytes, ctype: str = "application/json") -> Response:
    """A body with its Content-Length, as the test client sends bytes."""
    return world.call("college_staff", "POST", path, content=body, headers={"Content-Type": ctype})


def test_a_declared_length_over_the_limit_is_413_and_creates_nothing(
    world: World, limited: Path
) -> None:
    before = _count(world.db, Ticket)
    r = _post(world, "/tickets", _ticket("长" * LIMIT))
    assert r.status_code == 413, r.text[:300]
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "too_large"
    assert _count(world.db, Ticket) == before
    ok = _post(world, "/tickets", _ticket("短" * 100))
    assert ok.status_code == 201, ok.text[:300]


def test_uploads_may_carry_the_file_limit_plus_framing_and_no_more(
    world: World, limited: Path
) -> None:
    tid = world.submit()["id"]
    r = _post(world, f"/tickets/{tid}/attachments", *_multipart("fits.txt", b"a" * FILE_LIMIT))
    assert r.status_code == 201, r.text[:300]  # far over max_body_bytes: uploads have their own
    over = _multipart("over.txt", b"a" * (FILE_LIMIT + MULTIPART_OVERHEAD))
    r = _post(world, f"/tickets/{tid}/attachments", *over)
    assert r.status_code == 413, r.text[:300]
    assert r.json()["code"] == "too_large"
    assert len(_files(limited)) == 1
    assert _count(world.db, Attachment) == 1


# --- a real server: bodies sent in chunks, without a Content-Length ----------------------------


@dataclass
class Live:
    base: str
    headers: dict[str, str]
    engine: sa.Engine
    data_dir: Path

    def post(self, path: str, chunks: Iterable[bytes], ctype: str) -> httpx.Response:
        # A generator has no length: httpx sends it with Transfer-Encoding: chunked.
        with httpx.Client(base_url=self.base, timeout=30) as c:
            return c.post(
                path, content=iter(chunks), headers={**self.headers, "Content-Type": ctype}
            )


def _chunks(body: bytes, size: int = 1000) -> Iterator[bytes]:
    for i in range(0, len(body), size):
        yield body[i : i + size]


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    settings = Settings(
        environment="test",
        secret_key=TEST_SECRET,
        database_url=url,
        data_dir=tmp_path / "data",
        max_body_bytes=LIMIT,
        attachment_max_bytes=FILE_LIMIT,
    )
    migrate.upgrade(url)
    engine = make_engine(url, settings)
    with session_scope(engine) as s:
        student = create_user(s, create_unit(s, UnitKind.college), Role.staff)
        headers = headers_for(s, settings, student)
    app = create_app(settings, session_factory=lambda write=True: open_session(engine, write=write))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(600):  # polling a starting server, not timing anything under test
            if server.started:
                break
            threading.Event().wait(0.05)
        assert server.started
        yield Live(f"http://127.0.0.1:{port}/api/v1", headers, engine, settings.data_dir)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        engine.dispose()


@pytest.mark.skipif(BACKEND != "sqlite", reason="its own SQLite database: runs in the sqlite pass")
def test_chunked_bodies_over_the_limit_are_413_through_a_real_server(live: Live) -> None:
    r = live.post("/tickets", _chunks(_ticket("长" * LIMIT)), "application/json")
    assert r.status_code == 413, r.text[:300]
    assert r.json()["code"] == "too_large"
    assert _count(live.engine, Ticket) == 0

    r = live.post("/tickets", _chunks(_ticket("短" * 100)), "application/json")
    assert r.status_code == 201, r.text[:300]
    tid = r.json()["id"]

    body, ctype = _multipart("big.txt", b"a" * (FILE_LIMIT + MULTIPART_OVERHEAD))
    r = live.post(f"/tickets/{tid}/attachments", _chunks(body, 8192), ctype)
    assert r.status_code == 413, r.text[:300]
    assert r.json()["code"] == "too_large"
    assert _count(live.engine, Attachment) == 0
    assert _files(live.data_dir) == []

    body, ctype = _multipart("small.txt", b"a" * 1000)
    r = live.post(f"/tickets/{tid}/attachments", _chunks(body, 300), ctype)
    assert r.status_code == 201, r.text[:300]
    assert _count(live.engine, Attachment) == 1
