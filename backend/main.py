"""The application factory."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.types import Scope

from backend.auth.router import router as auth_router
from backend.auth.security import PasswordGate
from backend.calendar.router import router as calendar_router
from backend.config import Settings, get_settings
from backend.core.bodylimit import BodySizeLimit
from backend.core.headers import SecurityHeaders, install_docs
from backend.db import get_engine, make_engine, open_session
from backend.deps import DbGate
from backend.errors import ProblemCode, install_handlers, problem_openapi, problem_response
from backend.exclusions.router import router as exclusions_router
from backend.notifications.router import router as notifications_router
from backend.public.router import router as public_router
from backend.sla.router import router as sla_router
from backend.stats.router import router as stats_router
from backend.supervision.router import router as supervision_router
from backend.tickets.router import router as tickets_router
from backend.units.router import router as units_router
from backend.warnings.router import router as warnings_router
from backend.worker import registry

log = logging.getLogger("huiyin")

API_PREFIX = "/api/v1"
FRONTEND_DIST = Path(__file__).resolve().parent.parent / "frontend" / "dist"
# A ticket's attachments, and a public ticket's photos (by tracking code).
UPLOAD_PATH = re.compile(rf"^{API_PREFIX}/(public/)?tickets/[^/]+/attachments/?$")
# Boundaries and part headers around an uploaded file (its name may be long and escaped).
MULTIPART_OVERHEAD = 64 * 1024


def body_limit(scope: Scope) -> int:
    """The largest request body allowed for this request, from the app's current settings."""
    settings: Settings = scope["app"].state.settings
    if scope["method"] == "POST" and UPLOAD_PATH.match(scope["path"]):
        return settings.attachment_max_bytes + MULTIPART_OVERHEAD
    return settings.max_body_bytes


def _operation_id(route: APIRoute) -> str:
    # Stable, readable ids: the endpoint function's name (unique across the app).
    return route.name


def _worker_lifespan(
    settings: Settings,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Runs the worker in a thread of the server process for the app's lifetime."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        from backend.worker.runner import BackgroundWorker, Worker

        # Its own small pool: the worker never waits for a connection behind requests.
        engine = make_engine(
            settings.resolved_database_url,
            settings.model_copy(update={"db_pool_size": 2, "db_max_overflow": 2}),
        )
        background = BackgroundWorker(Worker(settings, engine))
        background.start()
        log.info("worker %s running inside the server process", background.worker.worker_id)
        try:
            yield
        finally:
            background.stop()
            engine.dispose()

    return lifespan


def create_app(
    settings: Settings | None = None,
    session_factory: Callable[..., Session] | None = None,
    *,
    worker: bool = False,
) -> FastAPI:
    """The app; with ``worker`` it also runs the background worker while it serves."""
    settings = settings or get_settings()
    # Every process that enqueues events must know every consumer (see worker.registry).
    registry.load_plugins()
    app = FastAPI(
        lifespan=_worker_lifespan(settings) if worker else None,
        title="Huiyin 回音 API",
        version="1.0.0",
        description="The feedback-ticket platform of the university's administrative party "
        "committee: every matter gets an answer, and the answer is checked.",
        generate_unique_id_function=_operation_id,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # install_docs: the same page, with a content security policy of its own
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.runs_worker = worker
    app.state.session_factory = session_factory or (
        lambda write=True: open_session(get_engine(), write=write)
    )
    app.state.db_gate = DbGate(settings)
    app.state.password_gate = PasswordGate.from_settings(settings)
    install_handlers(app)
    app.openapi = problem_openapi(app)  # type: ignore[method-assign]
    app.add_middleware(BodySizeLimit, limit_for=body_limit)
    # Around the whole stack, even Starlette's outermost 500 handler: on every response.
    build_stack = app.build_middleware_stack
    app.build_middleware_stack = lambda: SecurityHeaders(build_stack())  # type: ignore[method-assign]

    api = APIRouter(prefix=API_PREFIX)

    @api.get("/health", tags=["ops"])
    async def health() -> dict[str, str]:
        """Alive; does not touch the database."""
        return {"status": "ok"}

    @api.get("/ready", tags=["ops"])
    def ready(request: Request) -> Response:
        """Ready to serve: the database answers."""
        try:
            with request.app.state.session_factory(write=False) as session:
                session.execute(sa.text("SELECT 1"))
        except Exception as exc:  # any failure means not ready
            log.warning("readiness check failed: %s", exc)
            return problem_response(503, ProblemCode.not_ready, "The database does not answer.")
        return JSONResponse({"status": "ready"})

    api.include_router(auth_router)
    api.include_router(units_router)
    api.include_router(tickets_router)
    api.include_router(public_router)
    api.include_router(calendar_router)
    api.include_router(sla_router)
    api.include_router(supervision_router)
    api.include_router(notifications_router)
    api.include_router(warnings_router)
    api.include_router(exclusions_router)
    api.include_router(stats_router)
    app.include_router(api)

    @app.api_route(
        "/api/{rest:path}",
        include_in_schema=False,
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    )
    async def api_not_found(rest: str) -> Response:
        return problem_response(404, ProblemCode.not_found, "No such API endpoint.")

    install_docs(app)
    _mount_spa(app)
    return app


def create_served_app() -> FastAPI:
    """What ``huiyin serve`` runs: on SQLite the worker comes along unless switched off
    (HUIYIN_SERVE_WORKER=false, ``--no-worker``); PostgreSQL deployments run ``huiyin worker``."""
    settings = get_settings()
    return create_app(settings, worker=settings.is_sqlite and settings.serve_worker)


def _mount_spa(app: FastAPI) -> None:
    """Serve the built SPA at / with history-mode fallback to index.html.

    Dot-files and dot-folders of the build are not served (they get index.html like any
    unknown path): dist/.vite/manifest.json is Vite's build manifest, for `make bench` only.
    """

    @app.get("/{path:path}", include_in_schema=False)
    async def spa(path: str) -> Response:
        index = FRONTEND_DIST / "index.html"
        if path and not any(part.startswith(".") for part in path.split("/")):
            candidate = (FRONTEND_DIST / path).resolve()
            if candidate.is_file() and FRONTEND_DIST.resolve() in candidate.parents:
                return FileResponse(candidate)
        if index.is_file():
            return FileResponse(index, headers={"Cache-Control": "no-cache"})
        return JSONResponse(
            {"name": "Huiyin", "api": API_PREFIX, "docs": "/docs", "spa": "not built"}
        )
