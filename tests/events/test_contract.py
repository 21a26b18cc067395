"""The event contract stays a public one: typed, closed, and free of texts."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from backend.events import contract
from backend.events.contract import ActorKind
from backend.events.record import Who, build

# String fields that are codes, not text anyone wrote.
CODES = {"primary_code", "merged_code", "stage", "via"}
NOW = datetime(2026, 3, 10, 2, tzinfo=UTC)
TICKET = SimpleNamespace(id=7, code="HY-2026-000007", college_id=3, lead_department_id=4)


def _string_fields(cls: type[contract.Details]) -> set[str]:
    return {name for name, f in cls.model_fields.items() if f.annotation in (str, str | None)}


@pytest.mark.parametrize("cls", list(contract.BY_TOPIC.values()), ids=lambda c: c.topic)
def test_no_event_type_carries_free_text(cls: type[contract.Details]) -> None:
    assert _string_fields(cls) <= CODES
    assert cls.model_config.get("extra") == "forbid"


def test_topics_and_actions_name_one_type_each() -> None:
    classes = list(contract.BY_TOPIC.values())
    assert len({c.topic for c in classes}) == len(classes)
    with_rows = [c for c in classes if c.action is not None]
    assert len(contract.BY_ACTION) == len(with_rows)


def _payload(who: Who) -> dict[str, Any]:
    details = contract.Scored(
        efficiency=5, handling=4, effect=5, overall=5, satisfied=True, via="college"
    )
    entry = build(TICKET, details, who=who, now=NOW, from_status="revisited", to_status="closed")
    return entry.payload.model_dump(mode="json")


def test_a_submitter_the_ticket_does_not_name_is_not_in_the_payload() -> None:
    hidden = Who(ActorKind.submitter, user_id=11, unit_id=3, by_submitter=True, named=False)
    named = Who(ActorKind.submitter, user_id=11, unit_id=3, by_submitter=True, named=True)
    assert _payload(hidden)["actor"] == {"kind": "submitter", "unit_id": 3, "user_id": None}
    assert _payload(named)["actor"]["user_id"] == 11


def test_parse_reads_back_what_build_wrote_and_refuses_the_rest() -> None:
    who = Who(ActorKind.college, user_id=11, unit_id=3)
    payload = _payload(who)
    event = contract.parse("ticket.score", payload)
    assert isinstance(event.details, contract.Scored)
    assert event.details.overall == 5
    with pytest.raises(ValueError, match="contract"):
        contract.parse("ticket.reply", payload)  # a payload of another type
    with pytest.raises(ValueError):
        contract.parse("ticket.score", {**payload, "details": {**payload["details"], "note": "x"}})
