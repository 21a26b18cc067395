"""Contract fuzzing: every operation of openapi.json, called with data schemathesis generates
from the schema (valid and invalid) and with the edge values of issue 8 (ids of 2^63 and 0,
timestamps and dates that overflow, forged cursors, the status list that clashed with the
extension filter), signed in as a committee admin, a department head and a college head.

Every answer must be no 5xx, with a documented status, its documented content type, and a body
that matches its schema.

Budget: ``HUIYIN_FUZZ_EXAMPLES`` generated cases per operation and mode (default 4), with a
fixed seed, so that a run is repeatable and takes about a minute per database pass. Set
``HUIYIN_FUZZ_RANDOM=1`` (and more examples) to explore beyond the fixed seed.

Each operation's cases run inside a savepoint that is rolled back afterwards: a generated PATCH
that deactivates the signed-in user must not leave the operations after it answering 401.
"""

from __future__ import annotations

import base64
import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
import schemathesis
import sqlalchemy as sa
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from backend.calendar.service import invalidate_calendar_cache
from tests.factories import World

EXAMPLES = int(os.environ.get("HUIYIN_FUZZ_EXAMPLES", "4"))
RANDOM = os.environ.get("HUIYIN_FUZZ_RANDOM") == "1"
ROLES = ("committee_admin", "dept_lead_head", "college_head")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Ends the session every later case would use; tests/auth covers it.
SKIP = {"logout"}

TOO_BIG = 2**63


def _cursor(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


# Values for parameters by their schema, beyond what the schema allows or the clock can hold.
EDGE_VALUES: dict[str, list[Any]] = {
    "integer": [TOO_BIG, 2**31, 0, -1],
    "date-time": ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"],
    "date": ["9999-12-31", "0001-01-01"],
}
EDGE_CURSORS = [
    _cursor(orjson.dumps(["0001-01-01T00:00:00+05:00", 1])),
    _cursor(b'["2026-03-10T10:00:00+08:00", ' + b"7" * 70 + b"]"),
    _cursor(orjson.dumps(["2026-03-10T10:00:00+08:00", TOO_BIG])),
    _cursor(b"7" * 70),
]
# Whole queries the issue names.
EDGE_QUERIES: dict[str, list[dict[str, Any]]] = {
    "list_tickets": [{"status": ["closed", "replied"], "pending_extension": "true"}],
    "list_workdays": [{"from": "9999-12-01", "to": "9999-12-31"}],
}


@dataclass
class Finding:
    role: str
    operation: str
    how: str
    error: str


def _kind(schema: dict[str, Any]) -> str | None:
    for option in schema.get("anyOf", [schema]):
        if option.get("type") == "integer":
            return "integer"
        if option.get("type") == "string" and option.get("format") in ("date-time", "date"):
            return str(option["format"])
    return None


def _edges(operation: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """(how, fixed parameters) for each edge value of each parameter of the operation."""
    spec = operation.definition.raw
    for param in spec.get("parameters", []):
        name, where = param["name"], param["in"]
        values = list(EDGE_VALUES.get(_kind(param["schema"]) or "", []))
        if name == "cursor":
            values += EDGE_CURSORS
        key = "path_parameters" if where == "path" else "query"
        for value in values:
            yield f"{where} {name}={value!r}", {key: {name: value}}
    for query in EDGE_QUERIES.get(spec["operationId"], []):
        yield f"query {query}", {"query": query}


def _real_ids(world: World) -> list[dict[str, int]]:
    """Path ids that exist, so that generated bodies reach the rules behind the ids too."""
    ids = [{"ticket_id": world.ticket_in(status)["id"]} for status in ("submitted", "accepted")]
    ids.append(
        {
            "unit_id": world.dept_other.id,  # type: ignore[dict-item]
            "user_id": world["college_staff2"].id,
            "category_id": world.category.id,  # type: ignore[dict-item]
        }
    )
    return ids


def _run(
    world: World,
    schema: Any,
    role: str,
    connection: sa.Connection,
) -> tuple[list[Finding], int]:
    headers = world[role].headers
    real_ids = _real_ids(world)
    findings: list[Finding] = []
    calls = 0
    config = settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not RANDOM,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )

    def attempt(label: str, how: str, strategy: Any, examples: int) -> None:
        @settings(config, max_examples=examples)
        @given(case=strategy)
        def one(case: Case) -> None:
            nonlocal calls
            calls += 1
            try:
                case.call_and_validate(headers=headers, checks=CHECKS)
            except (Exception, BaseExceptionGroup) as exc:  # a failure group is not an Exception
                findings.append(Finding(role, label, how, str(exc)[:1500]))

        # Unsatisfiable: nothing to make invalid (an operation without parameters or body).
        with contextlib.suppress(Unsatisfiable):
            one()

    for result in schema.get_all_operations():
        operation = result.ok()
        op_id = operation.definition.raw["operationId"]
        if op_id in SKIP:
            continue
        savepoint = connection.begin_nested()
        try:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                attempt(operation.label, mode.value, operation.as_strategy(mode), EXAMPLES)
            names = {p["name"] for p in operation.definition.raw.get("parameters", [])}
            for ids in real_ids:
                fixed = {k: v for k, v in ids.items() if k in names}
                if fixed:
                    strategy = operation.as_strategy(path_parameters=fixed)
                    attempt(operation.label, f"positive, {fixed}", strategy, EXAMPLES)
            for how, fixed in _edges(operation):
                attempt(operation.label, how, operation.as_strategy(**fixed), 1)
        finally:
            savepoint.rollback()
            invalidate_calendar_cache()
    return findings, calls


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_keeps_its_contract(
    world: World, app: FastAPI, connection: sa.Connection, role: str
) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    findings, calls = _run(world, schema, role, connection)
    assert calls > 200  # the run really called the API
    report = "\n\n".join(f"{f.operation} [{f.how}]\n{f.error}" for f in findings)
    assert findings == [], f"{len(findings)} contract failures as {role}:\n\n{report}"
