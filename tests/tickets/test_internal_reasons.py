"""Defect 4: colleges and code holders never read internal reasons.

Return reasons (and their codes), return judgements, extension reasons and decision notes,
internal notes and supervision texts are between the committee and the departments. A ticket
is driven through every action with a distinct marker in each such text; then every reader on
the submitting side searches the whole JSON of what they can read: the ticket, its timeline,
their notifications (after the worker's fan-out) and the public lookup.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from backend.worker.runner import Worker
from tests.factories import World

SECRETS = {
    "return": "MARK-RETURN-REASON",
    "return_code": "not_our_remit",
    "judgement": "MARK-RETURN-JUDGEMENT",
    "internal_note": "MARK-INTERNAL-NOTE",
    "extension": "MARK-EXTENSION-REASON",
    "approval": "MARK-EXTENSION-APPROVAL",
    "extension2": "MARK-SECOND-EXTENSION",
    "denial": "MARK-EXTENSION-DENIAL",
    "supervision": "MARK-SUPERVISION-REASON",
    "plan": "MARK-SUPERVISION-PLAN",
    "supervision_close": "MARK-SUPERVISION-CLOSE",
}
PUBLIC_NOTE = "MARK-PROGRESS-FOR-EVERYONE"


def _drive(w: World, tid: int) -> None:
    """Every action that has an internal text, and the rest of the lifecycle around them."""
    dispatch = {"lead_department_id": w.dept_lead.id, "assisting_department_ids": []}
    w.ok("committee_staff", "POST", f"/tickets/{tid}/dispatch", json=dispatch)
    w.ok(
        "dept_lead_staff",
        "POST",
        f"/tickets/{tid}/return",
        json={"reason_code": SECRETS["return_code"], "reason": SECRETS["return"]},
    )
    [ret] = w.ok("committee_staff", "GET", f"/tickets/{tid}/returns")  # type: ignore[misc]
    w.ok(
        "committee_staff",
        "POST",
        f"/tickets/{tid}/returns/{ret['id']}/judgement",
        json={"reasonable": False, "note": SECRETS["judgement"]},
    )
    w.ok("committee_staff", "POST", f"/tickets/{tid}/dispatch", json=dispatch)
    order = w.ok(
        "committee_staff",
        "POST",
        "/supervision-orders",
        json={"ticket_id": tid, "reason": SECRETS["supervision"]},
    )
    w.ok(
        "dept_lead_head",
        "POST",
        f"/supervision-orders/{order['id']}/acknowledge",
        json={"plan": SECRETS["plan"]},
    )
    w.ok("dept_lead_staff", "POST", f"/tickets/{tid}/accept")
    w.ok(
        "dept_lead_head",
        "POST",
        f"/tickets/{tid}/assign",
        json={"handler_id": w["dept_lead_staff"].id},
    )
    note = {"content": SECRETS["internal_note"], "internal": True}
    w.ok("dept_lead_staff", "POST", f"/tickets/{tid}/notes", json=note)
    w.ok("dept_lead_staff", "POST", f"/tickets/{tid}/notes", json={"content": PUBLIC_NOTE})
    for reason, approved, decision in (
        (SECRETS["extension"], True, SECRETS["approval"]),
        (SECRETS["extension2"], False, SECRETS["denial"]),
    ):
        ext = w.ok(
            "dept_lead_staff",
            "POST",
            f"/tickets/{tid}/extensions",
            json={"days": 2, "reason": reason},
        )
        w.ok(
            "committee_staff",
            "POST",
            f"/tickets/{tid}/extensions/{ext['id']}/decision",
            json={"approved": approved, "note": decision},
        )
    w.ok("committee_staff", "POST", f"/tickets/{tid}/urge", json={"note": "请加快"})
    w.ok("dept_lead_staff", "POST", f"/tickets/{tid}/reply", json={"content": "已处理。"})
    w.ok(
        "committee_staff",
        "POST",
        f"/supervision-orders/{order['id']}/close",
        json={"note": SECRETS["supervision_close"]},
    )
    w.ok(
        "committee_staff",
        "POST",
        f"/tickets/{tid}/revisit",
        json={"method": "phone", "outcome": "resolved"},
    )


def _read_as(w: World, role: str, tid: int) -> str:
    """Everything ``role`` can read about the ticket, as one JSON text."""
    seen: dict[str, Any] = {
        "ticket": w.ok(role, "GET", f"/tickets/{tid}"),
        "events": w.ok(role, "GET", f"/tickets/{tid}/events"),
        "notifications": w.ok(role, "GET", "/notifications", params={"limit": 100}),
    }
    return json.dumps(seen, ensure_ascii=False)


def _leaks(text: str) -> list[str]:
    return [name for name, marker in SECRETS.items() if marker in text]


def test_the_submitting_side_never_reads_internal_reasons(
    world: World, db: Session, worker: Worker
) -> None:
    w = world
    staff_ticket = w.submit()  # anonymous to the department, raised by college_staff
    coded = w.submit("college_staff", anonymity="full")  # only the tracking code leads back
    for t in (staff_ticket, coded):
        _drive(w, t["id"])
    worker.drain()

    # The committee reads every one of them: the markers are really there to be found (the
    # return's reason code on the returns list, where it has always been).
    committee_view = _read_as(w, "committee_staff", staff_ticket["id"])
    assert set(_leaks(committee_view)) == set(SECRETS) - {"return_code"}
    returns = w.ok("committee_staff", "GET", f"/tickets/{staff_ticket['id']}/returns")
    assert [r["reason_code"] for r in returns] == [SECRETS["return_code"]]  # type: ignore[index]

    readers = [
        ("college_staff", staff_ticket["id"]),
        ("college_head", staff_ticket["id"]),
        ("college_head", coded["id"]),
    ]
    for role, tid in readers:
        text = _read_as(w, role, tid)
        assert PUBLIC_NOTE in text, role  # what is meant for them does reach them
        assert _leaks(text) == [], (role, tid)

    public = w.client.get(f"/api/v1/public/tickets/{coded['tracking_code']}")
    assert public.status_code == 200
    assert _leaks(public.text) == []


def test_the_department_side_still_reads_them(world: World) -> None:
    w = world
    t = w.submit()
    _drive(w, t["id"])
    text = json.dumps(w.ok("dept_lead_staff", "GET", f"/tickets/{t['id']}/events"))
    for name in ("return", "judgement", "internal_note", "extension", "approval", "plan"):
        assert SECRETS[name] in text, name
