"""What a request body may hold: no unknown fields (a 422 that names the field, nothing
changed), one-line text without control characters, multi-line text with line feeds and tabs
only."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.config import Settings
from backend.main import create_app
from backend.models import Category, Ticket, Unit, User
from tests.factories import World

# RFC 6749 (3.2, 4.3.2): a token endpoint ignores parameters it does not know.
IGNORES_UNKNOWN_FIELDS = {"login_for_token"}


def _objects(spec: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The object schemas a body may be (an optional body is anyOf [object, null])."""
    if "$ref" in schema:
        return _objects(spec, spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]])
    if "anyOf" in schema:
        return [o for member in schema["anyOf"] for o in _objects(spec, member)]
    return [] if schema.get("type") == "null" else [schema]


def test_every_request_body_schema_forbids_unknown_fields(settings: Settings) -> None:
    spec = create_app(settings=settings).openapi()
    seen, open_bodies = [], []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            body = op.get("requestBody")
            if body is None or op["operationId"] in IGNORES_UNKNOWN_FIELDS:
                continue
            for media, content in body["content"].items():
                schemas = _objects(spec, content["schema"])
                seen.append(op["operationId"])
                if not schemas or any(s.get("additionalProperties") is not False for s in schemas):
                    open_bodies.append((method.upper(), path, media))
    assert len(seen) > 25  # the sweep looked at the API's bodies
    assert open_bodies == []


def test_a_misspelt_patch_field_is_422_naming_it_and_changes_nothing(
    world: World, db: Session
) -> None:
    user = world["college_staff"].user
    before = user.display_name
    r = world.call("committee_admin", "PATCH", f"/users/{user.id}", json={"dispaly_name": "王五"})
    assert r.status_code == 422, r.text
    [error] = r.json()["errors"]
    assert error["loc"] == ["body", "dispaly_name"]
    assert error["type"] == "extra_forbidden"
    db.expire_all()
    assert db.get(User, user.id).display_name == before  # type: ignore[union-attr]


def test_unknown_fields_are_refused_on_actions_too(world: World) -> None:
    t = world.ticket_in("accepted")
    r = world.call(
        "dept_lead_staff",
        "POST",
        f"/tickets/{t['id']}/reply",
        json={"content": "已处理完毕。", "attachments": [1]},
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["loc"] == ["body", "attachments"]
    assert world.ok("committee_staff", "GET", f"/tickets/{t['id']}")["status"] == "accepted"


BREAKS = ["\r\n", "\n", "\r", "\t", "\x00", "\x1b", "\x7f", "\x85", "\u2028", "\u2029"]


def _one_line_cases(w: World) -> list[tuple[str, str, str, dict[str, Any], str]]:
    """(role, method, path, body with a {} where the text goes, field)."""
    user = w["college_staff"].user
    return [
        (
            "college_staff",
            "POST",
            "/tickets",
            {"title": "图书{}馆", "content": "内容内容"},
            "title",
        ),
        (
            "committee_staff",
            "POST",
            "/tickets",
            {"title": "图书馆", "content": "内容内容", "contact": "电话{}123"},
            "contact",
        ),
        (
            "committee_admin",
            "POST",
            "/units",
            {"kind": "department", "name": "教务{}处", "code": "jwc-x"},
            "name",
        ),
        ("committee_admin", "PATCH", f"/units/{w.dept_other.id}", {"name": "后勤{}处"}, "name"),
        (
            "committee_admin",
            "POST",
            "/users",
            {
                "username": "u{}x",
                "display_name": "张三",
                "password": "long-enough-1",
                "unit_id": w.college.id,
            },
            "username",
        ),
        (
            "committee_admin",
            "POST",
            "/users",
            {
                "username": "zhangsan9",
                "display_name": "张{}三",
                "password": "long-enough-1",
                "unit_id": w.college.id,
            },
            "display_name",
        ),
        (
            "committee_admin",
            "PATCH",
            f"/users/{user.id}",
            {"display_name": "张三\r\nBcc: eavesdropper@example.com{}"},
            "display_name",
        ),
        ("committee_admin", "POST", "/categories", {"name": "宿{}舍"}, "name"),
    ]


def _fill(body: dict[str, Any], text: str) -> dict[str, Any]:
    return {k: v.replace("{}", text) if isinstance(v, str) else v for k, v in body.items()}


def _counts(db: Session) -> tuple[int, ...]:
    db.expire_all()
    return tuple(
        db.execute(sa.select(sa.func.count()).select_from(m)).scalar_one()
        for m in (Ticket, Unit, User, Category)
    )


def test_one_line_fields_refuse_control_characters(world: World, db: Session) -> None:
    before = _counts(db)
    names = {u.id: u.display_name for u in db.execute(sa.select(User)).scalars()}
    accepted = []
    for role, method, path, body, field in _one_line_cases(world):
        for ch in BREAKS:
            r = world.call(role, method, path, json=_fill(body, ch))
            if r.status_code != 422 or r.json()["errors"][0]["loc"] != ["body", field]:
                accepted.append((path, field, repr(ch), r.status_code))
    assert accepted == []
    assert _counts(db) == before
    assert {u.id: u.display_name for u in db.execute(sa.select(User)).scalars()} == names


def test_one_line_fields_still_take_ordinary_text(world: World) -> None:
    for role, method, path, body, _field in _one_line_cases(world)[:2]:
        r = world.call(role, method, path, json=_fill(body, " – 二楼 "))
        assert r.status_code == 201, r.text


@pytest.mark.parametrize("ch", ["\x00", "\x0b", "\x0c", "\x1b", "\r", "\x85", "\u2028"])
def test_multi_line_fields_refuse_other_control_characters(
    world: World, db: Session, ch: str
) -> None:
    t = world.ticket_in("accepted")
    before = _counts(db)
    for role, method, path, body in [
        ("college_staff", "POST", "/tickets", {"title": "图书馆", "content": f"第一行{ch}第二行"}),
        ("dept_lead_staff", "POST", f"/tickets/{t['id']}/reply", {"content": f"已{ch}处理"}),
        ("dept_lead_staff", "POST", f"/tickets/{t['id']}/notes", {"content": f"进{ch}展"}),
    ]:
        r = world.call(role, method, path, json=body)
        assert r.status_code == 422, (path, r.text)
        assert r.json()["errors"][0]["type"] == "control_character"
    assert _counts(db) == before
    assert world.ok("committee_staff", "GET", f"/tickets/{t['id']}")["status"] == "accepted"


def test_multi_line_fields_keep_line_feeds_and_tabs(world: World, db: Session) -> None:
    t = world.submit(content="第一行\r\n第二行\n\t缩进的第三行")
    assert t["content"] == "第一行\n第二行\n\t缩进的第三行"
    row = db.execute(sa.select(Ticket).where(col(Ticket.id) == t["id"])).scalar_one()
    assert row.content == t["content"]
