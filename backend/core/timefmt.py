"""Timestamps leave the API in the university's time zone (Asia/Shanghai by default)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator

from backend.config import get_settings


@lru_cache
def local_zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def to_local(dt: datetime) -> datetime:
    return dt.astimezone(local_zone()) if dt.tzinfo is not None else dt


LocalDateTime = Annotated[datetime, AfterValidator(to_local)]
