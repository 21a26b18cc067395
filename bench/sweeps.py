"""`make bench` (also `python -m bench.sweeps`): how long one SLA sweep takes over 10,000 and
100,000 open tickets, and that its time follows the tickets actually due, not the table.

For each table size a fresh database gets N tickets held by departments:

- ``DUE`` tickets whose reply deadline passed yesterday (to be urged now),
- ``DUE`` tickets due within the reminder lead (to be reminded now),
- ``DUE`` tickets five working days overdue, urged before (to be supervised now),
- a backlog of older overdue tickets, all urged and supervised long ago (10 % of N),
- the rest due in the coming weeks (nothing to do yet).

The watermarks stand where yesterday's sweep left them. Reported per sweep: the time of the
working sweep (acting on DUE tickets), of an idle sweep right after it (nothing left), and of
a catch-up sweep with no watermark (the first run ever: it reads the whole overdue backlog).
Also: the same with DUE grown tenfold, to show the time follows the due tickets.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SH = ZoneInfo("Asia/Shanghai")
# A Tuesday in term time, in office hours: the sweeps act only then.
NOW = datetime(2026, 3, 24, 9, 0, tzinfo=SH)


def _pg_database() -> tuple[str, str]:
    from bench.run import create_pg_database

    return create_pg_database()


def seed(url: str, n: int, due: int) -> None:
    from backend import migrate
    from backend.calendar.workdays import WorkCalendar
    from backend.db import make_engine, session_scope
    from backend.demo.seed import bulk_insert
    from backend.models import SlaMark, SlaWatermark, Ticket, Unit, table

    migrate.upgrade(url)
    engine = make_engine(url)
    cal = WorkCalendar()
    yesterday = datetime(2026, 3, 23, 15, 0, tzinfo=SH)  # due Monday afternoon: overdue today
    five_back = datetime(2026, 3, 17, 11, 0, tzinfo=SH)  # Tuesday before: 5 working days late
    soon = datetime(2026, 3, 24, 18, 0, tzinfo=SH)  # within today's reminder lead
    with session_scope(engine) as s:
        dept = Unit(kind="department", name="后勤处", code="HQ")
        college = Unit(kind="college", name="计算机学院", code="CS")
        s.add_all([dept, college])
        s.flush()
        rows: list[dict[str, Any]] = []
        marks: list[dict[str, Any]] = []
        backlog = n // 10
        for i in range(n):
            if i < due:
                due_at = yesterday
            elif i < 2 * due:
                due_at = soon
            elif i < 3 * due:
                due_at = five_back
            elif i < 3 * due + backlog:
                due_at = NOW - timedelta(days=15 + (i % 40), minutes=i % 600)
            else:
                due_at = NOW + timedelta(days=3 + (i % 40), minutes=i % 900)
            dispatched = due_at - timedelta(days=7)
            rows.append(
                {
                    "id": i + 1,
                    "code": f"HY-B-{i + 1:07d}",
                    "title": "基准工单",
                    "content": "清扫扫描的基准数据。",
                    "status": "accepted",
                    "urgency": "normal",
                    "anonymity": "department",
                    "channel": "web",
                    "college_id": college.id,
                    "lead_department_id": dept.id,
                    "dispatched_at": dispatched,
                    "accepted_at": dispatched,
                    "accept_due_at": dispatched + timedelta(days=1),
                    "reply_due_at": due_at,
                    "due_at": due_at,
                    "return_count": 0,
                    "reopen_count": 0,
                    "extension_count": 0,
                    "urge_count": 0,
                    "created_at": dispatched,
                    "updated_at": dispatched,
                    "version": 1,
                }
            )
            urged_before = 2 * due <= i < 3 * due + backlog
            for kind in ("overdue.reply",) if urged_before else ():
                marks.append(_mark(i + 1, kind, due_at))
            if 3 * due <= i < 3 * due + backlog:
                marks.append(_mark(i + 1, "supervision.reply", due_at))
            if len(rows) >= 5000:
                bulk_insert(s, table(Ticket), rows)
                rows.clear()
        bulk_insert(s, table(Ticket), rows)
        bulk_insert(s, table(SlaMark), marks)
        from backend.calendar.service import workday_start

        yesterday_sweep = datetime(2026, 3, 23, 23, 59, tzinfo=SH)
        bulk_insert(
            s,
            table(SlaWatermark),
            [
                {
                    "name": "overdue",
                    "due_before": workday_start(cal, yesterday_sweep, 1),
                    "updated_at": yesterday_sweep,
                },
                {
                    "name": "supervision",
                    "due_before": workday_start(cal, yesterday_sweep, 5),
                    "updated_at": yesterday_sweep,
                },
            ],
        )
    if url.startswith("postgresql"):
        with engine.connect() as c:
            c.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    else:
        with engine.connect() as c:
            c.exec_driver_sql("ANALYZE")
    engine.dispose()


def _mark(ticket_id: int, kind: str, deadline: datetime) -> dict[str, Any]:
    return {
        "ticket_id": ticket_id,
        "kind": kind,
        "deadline": deadline,
        "acted": True,
        "created_at": deadline + timedelta(days=1),
    }


def _outbox_size(engine: sa.Engine) -> dict[str, int]:
    """Events the sweeps wrote, and their deliveries (one per consumer: the timings include
    them)."""
    from backend.models import OutboxDelivery, OutboxMessage

    with engine.connect() as c:
        return {
            "events": c.execute(sa.select(sa.func.count()).select_from(OutboxMessage)).scalar_one(),
            "deliveries": c.execute(
                sa.select(sa.func.count()).select_from(OutboxDelivery)
            ).scalar_one(),
        }


def timed_sweeps(url: str, reset_watermarks: bool = False) -> dict[str, Any]:
    from backend.config import Settings
    from backend.db import make_engine, session_scope
    from backend.models import SlaWatermark
    from backend.sla.sweeps import sweep_overdue, sweep_reminders
    from backend.supervision.sweeps import sweep_supervision
    from backend.worker import registry

    # What a worker does at start-up: the first event routed must not pay the plugin imports.
    registry.load_plugins()
    settings = Settings(database_url=url)
    engine = make_engine(url, settings)
    out: dict[str, Any] = {}
    try:
        if reset_watermarks:
            with session_scope(engine) as s:
                s.execute(sa.delete(SlaWatermark))
        for name, fn in (
            ("reminders", sweep_reminders),
            ("overdue", sweep_overdue),
            ("supervision", sweep_supervision),
        ):
            runs = []
            for _ in range(2):  # the working sweep, then an idle one
                started = time.perf_counter()
                with session_scope(engine) as s:
                    acted = fn(s, NOW, settings)
                runs.append((round((time.perf_counter() - started) * 1000, 1), acted))
            idle = []
            for _ in range(5):
                started = time.perf_counter()
                with session_scope(engine) as s:
                    fn(s, NOW, settings)
                idle.append((time.perf_counter() - started) * 1000)
            out[name] = {
                "acted": runs[0][1],
                "ms": runs[0][0],
                "again_acted": runs[1][1],
                "idle_ms": round(statistics.median(idle), 1),
            }
        out["outbox"] = _outbox_size(engine)
    finally:
        engine.dispose()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--due", type=int, default=200, help="tickets due per sweep kind")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    report: dict[str, Any] = {"db": args.db, "now": NOW.isoformat(), "runs": []}
    for n in sizes:
        for due in (args.due, args.due * 10):
            tmp = Path(tempfile.mkdtemp(prefix="huiyin-sweep-"))
            pg = None
            try:
                if args.db == "postgres":
                    pg, url = _pg_database()
                else:
                    url = f"sqlite:///{tmp / 'sweep.db'}"
                t0 = time.perf_counter()
                seed(url, n, due)
                seeded = time.perf_counter() - t0
                steady = timed_sweeps(url)
                catch_up = timed_sweeps(url, reset_watermarks=True)
                run = {
                    "open_tickets": n,
                    "due_per_kind": due,
                    "seed_s": round(seeded, 1),
                    "steady": steady,
                    "catch_up_without_watermark": {
                        k: {"ms": v["ms"], "acted": v["acted"]}
                        for k, v in catch_up.items()
                        if k != "outbox"
                    },
                }
                report["runs"].append(run)
                print(json.dumps(run, ensure_ascii=False), flush=True)
            finally:
                if pg:
                    from bench.run import drop_pg_database

                    drop_pg_database(pg)
                shutil.rmtree(tmp, ignore_errors=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"sweeps-{args.db}.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    )
    print_table(report)
    return 0


def print_table(report: dict[str, Any]) -> None:
    print(f"\nSLA sweeps on {report['db']} (ms; 'idle' = the same sweep again, nothing due)")
    print(f"{'open':>8} {'due':>5}  {'reminders':>16} {'overdue+urge':>16} {'supervision':>16}")
    for r in report["runs"]:
        cells = [
            f"{r['steady'][k]['ms']:>7.1f} / {r['steady'][k]['idle_ms']:>5.1f}"
            for k in ("reminders", "overdue", "supervision")
        ]
        print(
            f"{r['open_tickets']:>8} {r['due_per_kind']:>5}  " + " ".join(f"{c:>16}" for c in cells)
        )
    print("outbox written by the working sweeps (events / deliveries):")
    for r in report["runs"]:
        o = r["steady"]["outbox"]
        print(f"{r['open_tickets']:>8} {r['due_per_kind']:>5}  {o['events']} / {o['deliveries']}")
    print("catch-up without a watermark (first run ever, reads the overdue backlog):")
    for r in report["runs"]:
        c = r["catch_up_without_watermark"]
        print(
            f"{r['open_tickets']:>8} {r['due_per_kind']:>5}  overdue {c['overdue']['ms']:.1f} ms, "
            f"supervision {c['supervision']['ms']:.1f} ms"
        )


if __name__ == "__main__":
    sys.exit(main())
