"""Settings from the environment (prefix ``HUIYIN_``) and ``.env``.

Built lazily through :func:`get_settings`, never at import time, so that tests and the CLI can
choose the environment before anything reads it.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-insecure-secret-change-me-0123456789abcdef"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUIYIN_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./var/huiyin.db"
    secret_key: str = ""
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=14, ge=1, le=90)
    jwt_issuer: str = "huiyin"
    jwt_audience: str = "huiyin-api"

    timezone: str = "Asia/Shanghai"
    data_dir: Path = Path("./var")
    public_base_url: str = "http://127.0.0.1:8000"

    # Pool sizing: requests beyond the pool wait up to pool_timeout, then get a 503, never a hang.
    db_pool_size: int = 10
    db_max_overflow: int = 10
    db_pool_timeout: float = 10.0

    # Sign-in throttling, failures counted inside a window. The (username, address) pair and
    # the address (across usernames) are refused for the rest of the window once over their
    # limit; a username failing from many addresses only backs off: each failure beyond its
    # limit holds it back twice as long as the last, from backoff_seconds up to the max.
    login_max_failures_per_pair: int = Field(default=5, ge=1)
    login_max_failures_per_ip: int = Field(default=50, ge=1)
    login_max_failures_per_user: int = Field(default=50, ge=1)
    login_backoff_seconds: int = Field(default=1, ge=1)
    login_backoff_max_seconds: int = Field(default=60, ge=1)
    login_window_seconds: int = Field(default=900, ge=1)
    # Password hashes running at once (argon2: CPU and 64 MiB each); 0 means one per CPU. A
    # sign-in waiting longer than password_hash_wait_seconds for its turn gets 503 `busy`.
    password_hash_concurrency: int = Field(default=0, ge=0)
    password_hash_wait_seconds: float = Field(default=60.0, gt=0)

    # Public (no account) channel limits per client address.
    public_submit_per_hour: int = 10
    public_lookup_per_minute: int = 60

    attachment_max_bytes: int = 10 * 1024 * 1024
    # Every other request body (JSON, forms). A ticket's 20,000 characters, even each written
    # as a \uXXXX escape, fit in an eighth of this. Uploads may carry attachment_max_bytes
    # plus their multipart framing. Larger bodies get a 413 before anything reads them.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    attachments_per_ticket: int = 20

    # Mail (SMTP). No host: no mail is queued or sent, and serve/worker say so at start.
    smtp_host: str | None = None
    smtp_port: int | None = None  # default by smtp_tls: 25 (none), 587 (starttls), 465 (ssl)
    smtp_tls: Literal["none", "starttls", "ssl"] = "starttls"
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_sender: str = "huiyin@localhost"
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    # Local hour (settings.timezone) up to which `digest` users' daily mail collects notices; it
    # goes out at the first office time (the committee's office hours) at or after it.
    digest_hour: int = Field(default=8, ge=0, le=23)

    # The worker (`huiyin worker`, or inside `huiyin serve` on SQLite).
    sweep_interval_seconds: float = Field(default=60.0, gt=0)
    worker_poll_seconds: float = Field(default=1.0, gt=0)
    # A claimed outbox row is the claimer's for this long; after that (the worker died) any
    # worker may claim it again. Must exceed the time one batch takes to deliver.
    outbox_lease_seconds: float = Field(default=60.0, gt=0)
    outbox_batch_size: int = Field(default=20, ge=1, le=1000)
    outbox_max_attempts: int = Field(default=8, ge=1)
    outbox_backoff_seconds: float = Field(default=30.0, ge=0)
    outbox_backoff_max_seconds: float = Field(default=3600.0, ge=0)
    # `huiyin serve` on SQLite runs the worker in the server process unless this is false
    # (`--no-worker`); on PostgreSQL run `huiyin worker` processes instead.
    serve_worker: bool = True

    # Housekeeping (hourly): how long delivered outbox rows, idempotency keys and expired login
    # sessions are kept.
    outbox_retention_days: int = Field(default=30, ge=1)
    idempotency_retention_hours: int = Field(default=168, ge=1)
    session_retention_days: int = Field(default=7, ge=0)

    # Deadlines in motion (backend.sla): the reminder lead and the windows are SLA policies.
    # A ticket this many working days overdue gets a supervision order (督办单) …
    supervision_after_days: int = Field(default=5, ge=1, le=60)
    # … which gives the department this many working days (its new deadline).
    supervision_deadline_days: float = Field(default=3.0, gt=0, le=60)
    # At most this many tickets per sweep and kind; the rest wait for the next sweep.
    sla_sweep_batch: int = Field(default=5000, ge=1)
    # Overdue sweeps rescan this far below their watermark (clock skew, slow transactions).
    sla_sweep_lookback_hours: float = Field(default=168.0, ge=0)
    # The calendar behind the overdue flag is cached this long per process; edits made through
    # this process apply at once, other replicas' within this time.
    calendar_cache_seconds: float = Field(default=60.0, ge=0)

    @model_validator(mode="after")
    def _secret_required_outside_development(self) -> Settings:
        if not self.secret_key:
            if self.environment != "development":
                raise ValueError("HUIYIN_SECRET_KEY must be set outside development")
            self.secret_key = DEV_SECRET
        elif len(self.secret_key) < 32:
            raise ValueError("HUIYIN_SECRET_KEY must be at least 32 characters")
        return self

    @property
    def resolved_database_url(self) -> str:
        """A relative SQLite path resolves against the working folder, where the command ran."""
        prefix = "sqlite:///"
        url = self.database_url
        if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
            return prefix + str(Path(os.getcwd(), url[len(prefix) :]).resolve())
        return url

    @property
    def resolved_data_dir(self) -> Path:
        return self.data_dir if self.data_dir.is_absolute() else Path.cwd() / self.data_dir

    @property
    def mail_enabled(self) -> bool:
        return bool(self.smtp_host)

    @property
    def resolved_smtp_port(self) -> int:
        if self.smtp_port is not None:
            return self.smtp_port
        return {"none": 25, "starttls": 587, "ssl": 465}[self.smtp_tls]

    @property
    def resolved_password_hash_concurrency(self) -> int:
        return self.password_hash_concurrency or max(1, os.cpu_count() or 1)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
