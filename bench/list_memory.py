"""Memory of a real server under list queries that differ only in shape (issue 8, defect 7).

Starts ``uvicorn`` on a fresh SQLite database (one process, no embedded worker), signs in a
committee user, and reads the server's resident set size (VmRSS) before and after each phase:

- ``lengths``: ``--requests`` list requests whose status lists have distinct lengths 1, 2, …
  (``status=closed`` repeated): before the fix each length compiled and kept its own statement;
- ``shapes``: as many requests, each a different combination of filters, sort and statuses.

Status 0 in the counts is a request the server dropped without an answer.

``--source DIR`` serves another checkout of the code (e.g. ``git worktree add /tmp/old main``)
with this tree's virtualenv, to measure before and after the fix on the same machine::

    .venv/bin/python -m bench.list_memory                # this tree
    .venv/bin/python -m bench.list_memory --source /tmp/old
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-key-0123456789abcdef-0123456789"
PASSWORD = "bench-password-123"
STATUSES = ("submitted", "dispatched", "accepted", "replied", "revisited", "closed")

SETUP = f"""
from backend import migrate
from backend.auth.security import hash_password
from backend.db import make_engine, session_scope
from backend.models import Unit, User
import os
url = os.environ["HUIYIN_DATABASE_URL"]
migrate.upgrade(url)
with session_scope(make_engine(url)) as s:
    unit = Unit(kind="committee", name="机关党委", code="committee")
    s.add(unit)
    s.flush()
    s.add(User(username="bench", display_name="bench", password_hash=hash_password(
        {PASSWORD!r}), unit_id=unit.id, role="head", is_admin=True))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def shapes() -> Iterator[str]:
    """Distinct filter combinations, endlessly (then again with other page sizes)."""
    flags = [
        ("overdue", ("true", "false")),
        ("pending_extension", ("true", "false")),
        ("urgency", ("normal", "urgent")),
        ("sort", ("created_at", "-updated_at", "updated_at")),
        ("q", ("空调",)),
        ("created_from", ("2026-01-01T00:00:00+08:00",)),
    ]
    for limit in itertools.count(1):
        for n in range(len(STATUSES) + 1):
            for chosen in itertools.product(*[(None, *values) for _, values in flags]):
                query = [("status", s) for s in STATUSES[:n]]
                query += [(name, v) for (name, _), v in zip(flags, chosen, strict=True) if v]
                query.append(("limit", str(min(limit, 100))))
                yield urllib.parse.urlencode(query)


def lengths() -> Iterator[str]:
    for n in itertools.count(1):
        yield "&".join(["status=closed"] * n)


class Client:
    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None, **headers: str) -> int:
        try:
            self.conn.request(method, path, body=body, headers={**self.headers, **headers})
            resp = self.conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()  # the server dropped the connection: a fresh one next time
            return 0
        if method == "POST" and resp.status == 200:
            token = json.loads(data)["access_token"]
            self.headers = {"Authorization": f"Bearer {token}"}
        return resp.status


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=3000, help="requests per phase")
    ap.add_argument("--source", type=Path, default=ROOT, help="the checkout to serve")
    ap.add_argument("--phases", default="lengths,shapes", help="which phases, in order")
    args = ap.parse_args()
    source = args.source.resolve()
    tmp = Path(tempfile.mkdtemp(prefix="huiyin-listmem-"))
    env = {
        **os.environ,
        "PYTHONPATH": str(source),
        "HUIYIN_DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
        "HUIYIN_ENVIRONMENT": "production",
        "HUIYIN_SECRET_KEY": SECRET,
        "HUIYIN_ACCESS_TOKEN_MINUTES": "240",
        "HUIYIN_DATA_DIR": str(tmp / "data"),
        "HUIYIN_SERVE_WORKER": "false",
    }
    subprocess.run([sys.executable, "-c", SETUP], check=True, env=env, cwd=source)
    port = free_port()
    log = (tmp / "server.log").open("wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "backend.main:create_served_app",
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=source,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        client = Client(port)
        for _ in range(300):
            try:
                if client.request("GET", "/api/v1/ready") == 200:
                    break
            except OSError:
                client = Client(port)
            time.sleep(0.1)
        form = urllib.parse.urlencode({"username": "bench", "password": PASSWORD})
        ctype = "application/x-www-form-urlencoded"
        assert client.request("POST", "/api/v1/auth/token", form, **{"Content-Type": ctype}) == 200
        for _ in range(200):  # warm: imports, pools, the common shape
            assert client.request("GET", "/api/v1/tickets?status=accepted") == 200
        report = {
            "source": str(source),
            "requests_per_phase": args.requests,
            "rss_mb": {"start": round(rss_mb(server.pid), 1)},
            "statuses": {},
        }
        phases = {"lengths": lengths, "shapes": shapes}
        for name in args.phases.split(","):
            queries = phases[name]()
            started = time.perf_counter()
            codes = Counter(
                client.request("GET", "/api/v1/tickets?" + q)
                for q in itertools.islice(queries, args.requests)
            )
            report["rss_mb"][f"after {name}"] = round(rss_mb(server.pid), 1)
            report["statuses"][name] = dict(codes)
            report[f"{name}_seconds"] = round(time.perf_counter() - started, 1)
        print(json.dumps(report, ensure_ascii=False, indent=2))
    finally:
        os.killpg(server.pid, signal.SIGINT)
        server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
