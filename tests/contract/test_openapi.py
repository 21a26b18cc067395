"""The committed contract is what the app serves, with stable, readable operation ids."""

from __future__ import annotations

import json
import re
from pathlib import Path

from backend.config import Settings
from backend.main import create_app

ROOT = Path(__file__).resolve().parents[2]


def _spec(settings: Settings) -> dict:  # type: ignore[type-arg]
    return create_app(settings=settings).openapi()


def test_openapi_json_is_current(settings: Settings) -> None:
    committed = json.loads((ROOT / "openapi.json").read_text(encoding="utf-8"))
    assert committed == _spec(settings), "openapi.json is stale: run `make openapi`"


def test_operation_ids_are_readable_and_unique(settings: Settings) -> None:
    ids = [
        op["operationId"]
        for path in _spec(settings)["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and "operationId" in op
    ]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", i) for i in ids), ids
    for expected in ("list_tickets", "get_ticket", "dispatch_ticket", "login_for_token"):
        assert expected in ids
