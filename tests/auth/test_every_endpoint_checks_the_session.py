"""The ticket endpoints look the caller up lazily (one thread hop per request); every one of
them must still refuse a revoked session or a deactivated account."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.factories import World

PROBES = [
    ("GET", "/tickets", None),
    ("GET", "/tickets/{id}", None),
    ("GET", "/tickets/{id}/events", None),
    ("GET", "/tickets/{id}/extensions", None),
    ("GET", "/tickets/{id}/returns", None),
    ("GET", "/tickets/{id}/attachments", None),
    ("POST", "/tickets", {"title": "测试标题", "content": "测试内容足够长"}),
    ("POST", "/tickets/{id}/urge", {}),
    ("POST", "/tickets/{id}/reject", {"reason": "不予受理的原因"}),
]


@pytest.mark.parametrize(("method", "path", "body"), PROBES)
def test_logged_out_committee_member_is_refused_everywhere(
    world: World, method: str, path: str, body: dict[str, object] | None
) -> None:
    ticket = world.submit()
    assert world.call("committee_admin", "POST", "/auth/logout").status_code == 204
    r = world.call("committee_admin", method, path.format(id=ticket["id"]), json=body)
    assert r.status_code == 401, r.text
    assert r.json()["code"] == "not_authenticated"
    assert world.ok("committee_staff", "GET", f"/tickets/{ticket['id']}")["status"] == "submitted"


def test_deactivated_user_is_refused_on_ticket_endpoints(world: World, db: Session) -> None:
    ticket = world.submit()
    world.ok(
        "committee_admin", "PATCH", f"/users/{world['college_staff'].id}", json={"is_active": False}
    )
    for method, path in (
        ("GET", "/tickets"),
        ("GET", f"/tickets/{ticket['id']}"),
        ("POST", f"/tickets/{ticket['id']}/withdraw"),
    ):
        r = world.call("college_staff", method, path)
        assert r.status_code == 401, (path, r.text)
