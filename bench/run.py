"""`make bench`: seed 100,000 tickets, serve with 2 workers, load it with wrk, report.

Three scenarios run in one go against the same server, each for ``--duration`` seconds after a
``--warmup``: the trivial JSON endpoint (GET /api/v1/health), a department's filtered list page
of 20, and ticket creation by a college user. Throughput is reported as a ratio to the trivial
endpoint. The run fails (exit 1) when any request fails (non-2xx, socket error, time-out); the
throughput targets are reported but do not fail the run.

The server runs with --log-level warning (no access log: it would cost CPU in every scenario);
its output goes to bench/results/server.log. wrk counts neither as done nor as timed out the
requests still open when a run ends, so a stall shows as few requests and a long max latency.

Then, unless --skip-spa-size, the server stopped, it reports the SPA's production build size
(bench/spa_size.py: the JavaScript and CSS of the login page's and the workbench's first load,
gzipped). It builds the SPA into a temporary folder, or measures an existing build with
--spa-dist; without npm it is skipped, and a failed build fails the run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bench import spa_size

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
RESULTS = ROOT / "bench" / "results"
LUA = ROOT / "bench" / "wrk" / "scenario.lua"
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
TARGETS = {"list": 0.25, "create": 0.05}
LIST_PATH = "/api/v1/tickets?status=accepted&limit=20"
LAT = ("p50", "p99", "max")


@dataclass
class Scenario:
    name: str
    path: str
    mode: str  # "get" or "create"
    user: str | None
    expect: int
    error: str = ""  # why the scenario did not run
    warmup: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] = field(default_factory=dict)

    def failures(self) -> list[str]:
        if self.error:
            return [f"{self.name}: {self.error}"]
        out = []
        for phase, r in (("warm-up", self.warmup), ("run", self.result)):
            errors = {k: v for k, v in r.get("socket_errors", {}).items() if v}
            if r.get("non_2xx"):
                out.append(f"{self.name} {phase}: {r['non_2xx']} non-2xx {r['statuses']}")
            if errors:
                out.append(f"{self.name} {phase}: socket errors {errors}")
        if not self.result.get("requests"):
            out.append(f"{self.name}: no request completed during the run (stalled?)")
        return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is not on PATH: installing it with apt-get install -y wrk", flush=True)
    install = ["apt-get", "install", "-y", "wrk"]
    if subprocess.run(install, check=False).returncode != 0:
        subprocess.run(["apt-get", "update"], check=False)
        subprocess.run(install, check=False)
    found = shutil.which("wrk")
    if not found:
        sys.exit("bench: wrk is needed and could not be installed (apt-get install wrk failed)")
    print(f"installed wrk at {found}", flush=True)
    return found


def huiyin(*args: str) -> str:
    done = subprocess.run(
        [str(BIN / "huiyin"), *args], check=False, capture_output=True, text=True, cwd=ROOT
    )
    if done.returncode != 0:
        sys.exit(f"bench: huiyin {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def http(
    url: str,
    *,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def wait_ready(base: str, server: subprocess.Popen[bytes], log: Path) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < 90:
        if server.poll() is not None:
            sys.exit(f"bench: the server exited early; see {log}:\n{log.read_text()[-3000:]}")
        try:
            if http(base + "/api/v1/ready")[0] == 200:
                return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"bench: the server was not ready within 90 s; see {log}")


def login(base: str, username: str, password: str) -> str:
    form = urllib.parse.urlencode({"username": username, "password": password}).encode()
    status, body = http(
        base + "/api/v1/auth/token",
        data=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    if status != 200:
        sys.exit(f"bench: login as {username} failed: {status} {body}")
    return str(body["access_token"])


def preflight(base: str, sc: Scenario, token: str | None) -> str:
    """One request by hand: the scenario must answer what we expect before we load it."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if sc.mode == "create":
        headers["Content-Type"] = "application/json"
        data = json.dumps({"title": "预检：报告厅空调不制冷", "content": "预检请求。"}).encode()
    status, body = http(base + sc.path, data=data, headers=headers)
    if status != sc.expect:
        return f"preflight got {status}, expected {sc.expect} (server log): {str(body)[:300]}"
    if sc.name == "list" and len(body["items"]) != 20:
        return f"preflight: the list page has {len(body['items'])} items, not 20"
    return ""


def run_wrk(
    wrk: str, base: str, sc: Scenario, token: str | None, seconds: int, args: argparse.Namespace
) -> dict[str, Any]:
    cmd = [
        wrk,
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(LUA),
        base + sc.path,
    ]
    env = {**os.environ, "BENCH_TOKEN": token or "", "BENCH_MODE": sc.mode}
    done = subprocess.run(cmd, check=False, capture_output=True, text=True, env=env)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            result: dict[str, Any] = json.loads(line.removeprefix("BENCH_JSON "))
            return result
    sys.exit(f"bench: wrk gave no result for {sc.name}:\n{done.stdout}\n{done.stderr}")


def create_pg_database() -> tuple[str, str]:
    import psycopg

    name = f"huiyin_bench_{os.getpid()}_{int(time.time())}"
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        sys.exit(f"bench: no PostgreSQL to use at 127.0.0.1:5432 (user postgres): {exc}")
    return name, f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def analyze_pg_database(name: str) -> None:
    """Autovacuum would gather planner statistics soon after a bulk load; do it now."""
    import psycopg

    with psycopg.connect(PG_ADMIN.replace("dbname=postgres", f"dbname={name}")) as conn:
        conn.execute("ANALYZE")


def drop_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)  # our own process group (start_new_session)
            server.wait()


def print_table(report: dict[str, Any]) -> None:
    print()
    analyzed = " (then ANALYZE)" if report["analyzed_after_seed"] else ""
    print(
        f"Huiyin bench — {report['db']}, {report['tickets_seeded']:,} tickets seeded in "
        f"{report['seed_seconds']:.1f} s{analyzed}"
        f"; {report['workers']} workers, {report['cpus']} CPUs, "
        f"wrk -t{report['threads']} -c{report['connections']} -d{report['duration_s']}s; "
        f"load average before: {report['load_avg_before']}"
    )
    pool = report["db_pool"]
    print(
        f"DB pool per worker: size {pool['pool_size']} + overflow {pool['max_overflow']}, "
        f"timeout {pool['pool_timeout']} s"
    )
    head = (
        f"{'scenario':<9}{'requests':>10}{'req/s':>10}{'ratio':>8}{'p50 ms':>9}"
        f"{'p99 ms':>9}{'max ms':>9}{'non-2xx':>9}{'sock err':>10}  target"
    )
    print(head)
    print("-" * len(head))
    for sc in report["scenarios"]:
        if sc["error"]:
            print(f"{sc['name']:<9}skipped: {sc['error'][:80]}")
            continue
        r = sc["result"]
        # wrk keeps no latency for responses slower than --timeout: all of them were.
        lat = [f"{r['latency_ms'][k]:.1f}" if r["latency_ms"]["max"] else "n/a" for k in LAT]
        target = TARGETS.get(sc["name"])
        verdict = "" if target is None else f"≥ {target:.2f} {'met' if sc['met'] else 'NOT met'}"
        print(
            f"{sc['name']:<9}{r['requests']:>10,}{r['rps']:>10.1f}{sc['ratio']:>8.3f}"
            f"{lat[0]:>9}{lat[1]:>9}{lat[2]:>9}{r['non_2xx']:>9}"
            f"{sum(r['socket_errors'].values()):>10}  {verdict}"
        )
    print()
    if report["failures"]:
        print("FAILED:")
        for line in report["failures"]:
            print("  " + line)
    else:
        print("no failed requests, no socket errors or time-outs")
    print(f"results: {report['results_file']}; server log: {report['server_log']}")


def run_spa_size(args: argparse.Namespace) -> dict[str, Any]:
    """The build-size report, or why there is none ({"skipped": …} / {"error": …})."""
    if args.skip_spa_size:
        return {"skipped": "--skip-spa-size"}
    print("bench: SPA build size …", flush=True)
    try:
        return spa_size.measure(args.spa_dist)
    except spa_size.SpaSizeSkipped as exc:
        return {"skipped": str(exc)}
    except spa_size.SpaSizeError as exc:
        return {"error": str(exc)}


def print_spa_size(report: dict[str, Any]) -> None:
    print()
    if "skipped" in report:
        print(f"SPA build size: skipped ({report['skipped']})")
    elif "error" in report:
        print(f"SPA build size: FAILED: {report['error']}")
    else:
        spa_size.print_table(report)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--tickets", type=int, default=100_000)
    ap.add_argument("--duration", type=int, default=15, help="seconds per scenario")
    ap.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per scenario")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-spa-size", action="store_true", help="no SPA build-size report")
    ap.add_argument(
        "--spa-dist",
        nargs="?",
        const=spa_size.FRONTEND / "dist",
        type=Path,
        help="size this existing SPA build (default frontend/dist) instead of building one",
    )
    args = ap.parse_args()

    wrk = ensure_wrk()
    load_before = os.getloadavg()[0]  # other work on the machine skews every number
    RESULTS.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="huiyin-bench-"))
    pg_name = None
    if args.db == "postgres":
        pg_name, url = create_pg_database()
    else:
        url = f"sqlite:///{tmp / 'bench.db'}"
    # The whole run (seeding, server, our own Settings) sees the same environment.
    os.environ.update(
        HUIYIN_DATABASE_URL=url,
        HUIYIN_ENVIRONMENT="production",
        HUIYIN_SECRET_KEY="bench-secret-key-0123456789abcdef-0123456789",
        HUIYIN_ACCESS_TOKEN_MINUTES="240",
        HUIYIN_LOGIN_MAX_FAILURES_PER_IP="1000000",
        HUIYIN_DATA_DIR=str(tmp / "data"),
    )
    from backend.config import Settings
    from backend.demo.seed import DEMO_PASSWORD

    settings = Settings()
    log_path = RESULTS / "server.log"
    server: subprocess.Popen[bytes] | None = None
    try:
        print(f"bench: {args.db} database, migrating and seeding …", flush=True)
        huiyin("db", "upgrade")
        huiyin("seed-demo")
        started = time.perf_counter()
        seed_out = huiyin("seed-demo", "--tickets", str(args.tickets))
        seed_seconds = time.perf_counter() - started
        if pg_name:
            analyze_pg_database(pg_name)
        print(f"bench: {seed_out.strip()} ({seed_seconds:.1f} s with the command)", flush=True)

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with log_path.open("wb") as log:
            serve = ["serve", "--workers", str(args.workers), "--no-migrate", "--port", str(port)]
            server = subprocess.Popen(
                [str(BIN / "huiyin"), *serve, "--log-level", "warning"],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        ready_s = wait_ready(base, server, log_path)
        print(f"bench: server ready on {base} after {ready_s:.1f} s", flush=True)
        tokens = {u: login(base, u, DEMO_PASSWORD) for u in ("jwc_staff", "cs_staff")}
        scenarios = [
            Scenario("trivial", "/api/v1/health", "get", None, 200),
            Scenario("list", LIST_PATH, "get", "jwc_staff", 200),
            Scenario("create", "/api/v1/tickets", "create", "cs_staff", 201),
        ]
        for sc in scenarios:
            token = tokens[sc.user] if sc.user else None
            sc.error = preflight(base, sc, token)
            if sc.error:
                print(f"bench: {sc.name} skipped: {sc.error}", flush=True)
                continue
            print(f"bench: {sc.name}: {args.warmup} s warm-up, {args.duration} s run", flush=True)
            sc.warmup = run_wrk(wrk, base, sc, token, args.warmup, args)
            sc.result = run_wrk(wrk, base, sc, token, args.duration, args)
        server_alive = server.poll() is None
    finally:
        if server is not None:
            stop(server)
        if pg_name:
            drop_pg_database(pg_name)
        shutil.rmtree(tmp, ignore_errors=True)

    trivial_rps = scenarios[0].result.get("rps") or 1.0
    failures = [f for sc in scenarios for f in sc.failures()]
    if not server_alive:
        failures.append("the server exited during the run")
    spa = run_spa_size(args)  # after the load test: the build would compete for the CPUs
    if "error" in spa:
        failures.append(f"SPA build size: {spa['error'].splitlines()[0]}")
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    results_file = RESULTS / f"bench-{stamp}-{args.db}.json"
    report: dict[str, Any] = {
        "when": datetime.now().astimezone().isoformat(timespec="seconds"),
        "db": args.db,
        "cpus": os.cpu_count(),
        "load_avg_before": round(load_before, 2),
        "workers": args.workers,
        "threads": args.threads,
        "connections": args.connections,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "tickets_seeded": args.tickets,
        "seed_seconds": round(seed_seconds, 2),
        "seed_output": seed_out.strip(),
        "analyzed_after_seed": bool(pg_name),
        "db_pool": {
            "pool_size": settings.db_pool_size,
            "max_overflow": settings.db_max_overflow,
            "pool_timeout": settings.db_pool_timeout,
        },
        "targets": TARGETS,
        "scenarios": [
            {
                "name": sc.name,
                "method": "POST" if sc.mode == "create" else "GET",
                "path": sc.path,
                "user": sc.user,
                "error": sc.error,
                "ratio": round(sc.result.get("rps", 0.0) / trivial_rps, 4),
                "met": sc.name not in TARGETS
                or sc.result.get("rps", 0.0) / trivial_rps >= TARGETS[sc.name],
                "warmup": sc.warmup,
                "result": sc.result,
            }
            for sc in scenarios
        ],
        "spa_size": spa,
        "failures": failures,
        "ok": not failures,
        "results_file": str(results_file.relative_to(ROOT)),
        "server_log": str(log_path.relative_to(ROOT)),
    }
    results_file.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    (RESULTS / "latest.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print_table(report)
    print_spa_size(spa)
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
