"""`python -m bench.logins`: bursts of valid sign-ins against another user's writes, on SQLite.

A real ``huiyin serve`` (one process, worker included, as ``make run`` serves) on a fresh SQLite
database with the demo organisation. A writer (``jwc_staff``, signed in beforehand) changes its
mail preference in a loop, one request after another. First alone, then while bursts of valid
sign-ins of one account (``cs_staff``: 30, then 100, released at once) run. Reported per phase:
the writer's latency (p50, p95, max) and the burst's sign-ins (how many succeeded, how long the
last one took). Any failed write or sign-in is reported, and the run exits 1.

``--code DIR`` serves the code of another checkout (a worktree of an older commit, say) with this
script and this virtualenv, so that before and after are measured the same way. The server
inherits the environment: ``HUIYIN_PASSWORD_HASH_WAIT_SECONDS=600`` lets a burst far beyond the
machine's hashing capacity queue instead of being answered 503 after the default wait.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from bench.run import free_port, wait_ready

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
PASSWORD = "huiyin2026"  # the demo accounts'
SIGNER, WRITER = "cs_staff", "jwc_staff"
CLI = "import sys; from backend.cli import app; sys.argv[0] = 'huiyin'; app()"
TIMEOUT_S = 120


def call(
    method: str, url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError as exc:  # refused, reset, timed out: a failure like any other
        return 0, str(exc).encode()


def sign_in(base: str, username: str) -> tuple[int, bytes]:
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD}).encode()
    ctype = {"Content-Type": "application/x-www-form-urlencoded"}
    return call("POST", base + "/api/v1/auth/token", body=form, headers=ctype)


@dataclass
class Writes:
    latencies_ms: list[float] = field(default_factory=list)
    failures: Counter[int] = field(default_factory=Counter)

    def summary(self) -> str:
        lat = sorted(self.latencies_ms)
        if not lat:
            return "no write completed"
        p95 = lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))]
        failed = f", FAILED {dict(self.failures)}" if self.failures else ""
        return (
            f"{len(lat)} writes: p50 {statistics.median(lat):.0f} ms, p95 {p95:.0f} ms, "
            f"max {lat[-1]:.0f} ms{failed}"
        )


def write_until(base: str, token: str, stop: threading.Event, out: Writes) -> None:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    i = 0
    while not stop.is_set():
        body = json.dumps({"notify_email": ("each", "digest")[i % 2]}).encode()
        started = time.perf_counter()
        status, _ = call("PATCH", base + "/api/v1/me/preferences", body=body, headers=headers)
        out.latencies_ms.append((time.perf_counter() - started) * 1000)
        if status != 200:
            out.failures[status] += 1
        i += 1


def burst(base: str, token: str, n: int) -> tuple[Writes, Counter[int], float]:
    """n sign-ins released at once while the writer writes; (writes, statuses, seconds)."""
    writes, stop = Writes(), threading.Event()
    writer = threading.Thread(target=write_until, args=(base, token, stop, writes))
    writer.start()
    gate = threading.Barrier(n + 1)

    def one(_i: int) -> int:
        gate.wait()
        return sign_in(base, SIGNER)[0]

    with ThreadPoolExecutor(n) as pool:
        futures = [pool.submit(one, i) for i in range(n)]
        gate.wait()
        started = time.perf_counter()
        statuses = Counter(f.result() for f in futures)
        took = time.perf_counter() - started
    stop.set()
    writer.join()
    return writes, statuses, took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose code to serve")
    parser.add_argument("--bursts", type=int, nargs="+", default=[30, 100])
    parser.add_argument("--alone-seconds", type=float, default=5.0)
    args = parser.parse_args()
    code = args.code.resolve()

    with tempfile.TemporaryDirectory(prefix="huiyin-bench-logins-") as work:
        env = {
            **os.environ,
            "PYTHONPATH": str(code),
            "HUIYIN_ENVIRONMENT": "test",
            "HUIYIN_SECRET_KEY": secrets.token_hex(32),
            "HUIYIN_DATABASE_URL": f"sqlite:///{Path(work) / 'bench.db'}",
            "HUIYIN_DATA_DIR": str(Path(work) / "data"),
        }

        def huiyin(*cli: str) -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                [str(PYTHON), "-c", CLI, *cli],
                env=env,
                cwd=work,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        log = Path(work) / "server.log"
        with log.open("wb") as log_file:
            for setup in (("db", "upgrade"), ("seed-demo", "--demo-tickets", "0")):
                if huiyin(*setup).wait() != 0:
                    sys.exit(f"bench: huiyin {' '.join(setup)} failed:\n{log.read_text()}")
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            server = huiyin("serve", "--port", str(port), "--no-migrate", "--log-level", "warning")
            try:
                wait_ready(base, server, log)
                status, body = sign_in(base, WRITER)
                if status != 200:
                    sys.exit(f"bench: the writer could not sign in: {status} {body!r}")
                token = json.loads(body)["access_token"]
                failed = run_phases(base, token, args.bursts, args.alone_seconds, code)
            finally:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=30)
    sys.exit(1 if failed else 0)


def run_phases(base: str, token: str, bursts: list[int], alone_s: float, code: Path) -> bool:
    print(f"code: {code}  (git {git_head(code)}), SQLite, one server process")
    writes, stop = Writes(), threading.Event()
    writer = threading.Thread(target=write_until, args=(base, token, stop, writes))
    writer.start()
    time.sleep(alone_s)  # the length of a phase, not a measurement
    stop.set()
    writer.join()
    print(f"writer alone            : {writes.summary()}")
    failed = bool(writes.failures)
    for n in bursts:
        during, statuses, took = burst(base, token, n)
        ok = statuses.get(200, 0)
        print(
            f"writer during {n:>3} logins: {during.summary()}\n"
            f"    the {n} sign-ins: {ok} succeeded {dict(statuses)}, the last after {took:.1f} s"
        )
        failed = failed or bool(during.failures) or ok != n
    return failed


def git_head(code: Path) -> str:
    done = subprocess.run(
        ["git", "-C", str(code), "log", "-1", "--format=%h %s"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip()[:72] or "?"


if __name__ == "__main__":
    main()
