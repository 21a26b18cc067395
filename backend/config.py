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

    # Login throttling: failures per username and per client address inside a window.
    login_max_failures_per_user: int = 5
    login_max_failures_per_ip: int = 50
    login_window_seconds: int = 900

    # Public (no account) channel limits per client address.
    public_submit_per_hour: int = 10
    public_lookup_per_minute: int = 60

    attachment_max_bytes: int = 10 * 1024 * 1024
    attachments_per_ticket: int = 20

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
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
