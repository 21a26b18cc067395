"""The ``huiyin`` command."""

from __future__ import annotations

import json
import sys
import time
from typing import Annotated

import typer
from sqlmodel import col

app = typer.Typer(
    help="Huiyin 回音: the committee's feedback-ticket platform.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    migrate: Annotated[bool, typer.Option(help="Apply migrations first.")] = True,
    log_level: Annotated[str, typer.Option()] = "info",
    worker: Annotated[
        bool,
        typer.Option(
            "--worker/--no-worker",
            help="On SQLite, run the background worker (sweeps, notifications, mail) inside "
            "the server. On PostgreSQL run `huiyin worker` separately instead.",
        ),
    ] = True,
) -> None:
    """Serve the API and the SPA with uvicorn."""
    import os

    import uvicorn

    from backend.config import get_settings
    from backend.mail.sender import describe

    if not worker:
        # The app factory runs in uvicorn (maybe in other processes): tell it by environment.
        os.environ["HUIYIN_SERVE_WORKER"] = "false"
        get_settings.cache_clear()
    settings = get_settings()
    if migrate:
        from backend import migrate as mig

        mig.upgrade(settings.resolved_database_url)
    typer.echo(f"Huiyin on http://{host}:{port}  (API /api/v1, docs /docs)")
    if not settings.is_sqlite:
        typer.echo("worker: not in this process (PostgreSQL): run `huiyin worker` as well")
    elif settings.serve_worker:
        typer.echo("worker: running inside the server (--no-worker to turn it off)")
    else:
        typer.echo("worker: off (--no-worker): nothing is swept or delivered")
    typer.echo(describe(settings))
    uvicorn.run(
        "backend.main:create_served_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        proxy_headers=True,
        timeout_keep_alive=30,
    )


@app.command("worker")
def run_worker(
    once: Annotated[
        bool, typer.Option(help="Run the sweeps once, deliver everything due, and exit.")
    ] = False,
    log_level: Annotated[str, typer.Option()] = "info",
) -> None:
    """Run the background worker: the sweeps every HUIYIN_SWEEP_INTERVAL_SECONDS and the
    delivery of the outbox (notifications, mail). Run as many as you like on PostgreSQL.
    Stops cleanly on SIGTERM or Ctrl-C."""
    import logging
    import signal
    import threading

    from backend.config import get_settings
    from backend.db import get_engine
    from backend.mail.sender import describe
    from backend.worker.runner import Worker

    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = get_settings()
    w = Worker(settings, get_engine())
    typer.echo(f"worker {w.worker_id} on {settings.resolved_database_url.split('@')[-1]}")
    typer.echo(describe(settings))
    if once:
        swept = w.run_sweeps()
        result = w.drain()
        typer.echo(f"sweeps: {swept}; outbox: {result}")
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    w.run(stop)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: head)."""
    from backend import migrate as mig
    from backend.config import get_settings

    mig.upgrade(get_settings().resolved_database_url, revision)
    typer.echo("database is at " + revision)


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (``base`` empties the schema)."""
    from backend import migrate as mig
    from backend.config import get_settings

    mig.downgrade(get_settings().resolved_database_url, revision)
    typer.echo("database is at " + revision)


@app.command()
def bootstrap(
    admin_username: Annotated[str, typer.Option(help="The first committee admin's username.")],
    admin_password: Annotated[str, typer.Option(help="Their password (8+ characters).")],
    admin_name: Annotated[str, typer.Option(help="Display name.")] = "系统管理员",
) -> None:
    """Create the committee unit and its first admin. Safe to run again."""
    if len(admin_password) < 8:
        raise typer.BadParameter("the password needs at least 8 characters")
    from backend.db import session_scope
    from backend.demo.seed import bootstrap as do_bootstrap

    with session_scope() as session:
        made = do_bootstrap(session, admin_username, admin_password, admin_name)
    typer.echo("bootstrapped" if made else "already bootstrapped; nothing changed")


@app.command("seed-demo")
def seed_demo(
    tickets: Annotated[
        int | None, typer.Option(help="Add N generated tickets in every state (bulk insert).")
    ] = None,
    demo_tickets: Annotated[int, typer.Option(help="Tickets for a new demo university.")] = 200,
) -> None:
    """Create the demo university when the database is empty; with --tickets add N tickets."""
    from backend.config import get_settings
    from backend.core.clock import get_clock
    from backend.db import session_scope
    from backend.demo import seed

    settings = get_settings()
    now = get_clock().now()
    with session_scope() as session:
        if seed.is_empty(session):
            seed.seed_organisation(session)
            seed.generate_tickets(session, settings, demo_tickets, now)
            typer.echo("demo university created")
        else:
            typer.echo("database not empty: demo university left as it is")
        accounts = seed.demo_accounts(session)
    if accounts:
        typer.echo(f"demo accounts (every password is {seed.DEMO_PASSWORD}):")
        for a in accounts:
            flag = " (admin)" if a.is_admin else ""
            typer.echo(f"  {a.username:<18} {a.role:<5} {a.unit}{flag}")
    if tickets:
        started = time.perf_counter()
        with session_scope() as session:
            made = seed.generate_tickets(session, settings, tickets, now, seed=int(time.time()))
        typer.echo(f"added {made} tickets in {time.perf_counter() - started:.1f}s")


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Option()],
    password: Annotated[str, typer.Option()],
    unit_code: Annotated[str, typer.Option(help="Code of the user's unit.")],
    display_name: Annotated[str | None, typer.Option()] = None,
    role: Annotated[str, typer.Option(help="head or staff")] = "staff",
    admin: Annotated[bool, typer.Option(help="Committee admin.")] = False,
    email: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Create a user in an existing unit."""
    import sqlalchemy as sa
    from pydantic import ValidationError

    from backend.db import session_scope
    from backend.errors import Problem
    from backend.models import Unit
    from backend.models.enums import Role
    from backend.units.schemas import UserCreate
    from backend.units.service import create_user

    with session_scope() as session:
        unit = session.execute(
            sa.select(Unit).where(col(Unit.code) == unit_code)
        ).scalar_one_or_none()
        if unit is None or unit.id is None:
            typer.echo(f"no unit with code {unit_code}", err=True)
            raise typer.Exit(2)
        try:
            body = UserCreate(
                username=username,
                display_name=display_name or username,
                password=password,
                unit_id=unit.id,
                role=Role(role),
                is_admin=admin,
                email=email,
            )
            out = create_user(session, body)
        except (ValidationError, ValueError, Problem) as exc:
            typer.echo(f"cannot create user: {exc}", err=True)
            raise typer.Exit(2) from exc
    typer.echo(f"created user {out.username} (id {out.id}) in {out.unit.name}")


@app.command()
def openapi() -> None:
    """Print the OpenAPI document (what ``make openapi`` writes to openapi.json)."""
    from backend.main import create_app

    spec = create_app().openapi()
    sys.stdout.write(json.dumps(spec, ensure_ascii=False, indent=2, sort_keys=False) + "\n")


if __name__ == "__main__":
    app()
