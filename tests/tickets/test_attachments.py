"""Attachments: checked by content, kept on local disk, served as safe downloads, scoped like
the ticket they belong to, and added only by those who work on the ticket in its current state.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.models import Attachment, TicketEvent
from tests.factories import World


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png_bytes(padding: int = 0) -> bytes:
    """A valid 1×1 RGB PNG, optionally padded with a text chunk to a larger size."""
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    body = _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
    if padding:
        body += _png_chunk(b"tEXt", b"Comment\x00" + b"x" * padding)
    return b"\x89PNG\r\n\x1a\n" + body + _png_chunk(b"IEND", b"")


PNG = png_bytes()
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
TEXT = "食堂二楼的排风扇噪音很大，午餐时间无法交谈。\n希望尽快检修。\n".encode()
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 50
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture
def store(app: FastAPI, settings: Settings, tmp_path: Path) -> Path:
    """This test's own data folder: the files it writes are its own to count. (The app is made
    per test, so changing its settings touches no other test.)"""
    data = tmp_path / "data"
    app.state.settings = settings.model_copy(update={"data_dir": data})
    return data


def limit_to(app: FastAPI, **limits: Any) -> None:
    current: Settings = app.state.settings
    app.state.settings = current.model_copy(update=limits)


def upload(
    world: World,
    role: str,
    tid: int,
    name: str,
    data: bytes,
    ctype: str = "application/octet-stream",
) -> Any:
    return world.call(
        role, "POST", f"/tickets/{tid}/attachments", files={"file": (name, data, ctype)}
    )


def stored_files(store: Path) -> list[Path]:
    return sorted(p for p in store.rglob("*") if p.is_file())


def listing(world: World, role: str, tid: int) -> list[dict[str, Any]]:
    return world.ok(role, "GET", f"/tickets/{tid}/attachments")  # type: ignore[return-value]


def fallback_name(disposition: str) -> str:
    m = re.search(r'filename="([^"]*)"', disposition)
    assert m, disposition
    return m.group(1)


# --- the round trip -------------------------------------------------------------------------------


def test_upload_list_and_download_round_trip(world: World, store: Path, db: Session) -> None:
    tid = world.submit()["id"]
    cases = [
        # name, bytes, declared type (ignored), detected type
        ("photo.png", PNG, "text/html", "image/png"),
        ("调研报告.pdf", PDF, "application/octet-stream", "application/pdf"),
        ("情况说明.txt", TEXT, "text/plain", "text/plain"),
    ]
    created = []
    for name, data, declared, detected in cases:
        r = upload(world, "college_staff", tid, name, data, declared)
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["filename"] == name
        assert body["content_type"] == detected
        assert body["size"] == len(data)
        created.append(body)

    listed = listing(world, "college_staff", tid)
    assert [a["id"] for a in listed] == [a["id"] for a in created]
    assert [(a["filename"], a["size"]) for a in listed] == [(c[0], len(c[1])) for c in cases]

    for (name, data, _, detected), att in zip(cases, created, strict=True):
        r = world.call("college_staff", "GET", f"/tickets/{tid}/attachments/{att['id']}")
        assert r.status_code == 200
        assert r.content == data
        assert r.headers["content-type"].split(";")[0] == detected
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "no-store" in r.headers["cache-control"]
        disposition = r.headers["content-disposition"]
        disposition.encode("ascii")  # a header value a browser reads the same everywhere
        assert disposition.startswith("attachment;")
        assert f"filename*=UTF-8''{quote(name)}" in disposition
        assert unquote(disposition.split("filename*=UTF-8''")[1]) == name
        fallback = fallback_name(disposition)
        assert fallback.isascii()
        assert fallback.endswith(name.rsplit(".", 1)[1])
        assert not fallback.startswith("."), fallback  # not a hidden file on the user's disk
    assert (
        fallback_name(
            world.call(
                "college_staff", "GET", f"/tickets/{tid}/attachments/{created[0]['id']}"
            ).headers["content-disposition"]
        )
        == "photo.png"
    )

    # On local disk, under the data folder, exactly as uploaded, and nowhere else.
    files = stored_files(store)
    assert len(files) == 3
    assert all(f.is_relative_to(store / "attachments" / str(tid)) for f in files)
    for (_, data, _, _), att in zip(cases, created, strict=True):
        row = db.get(Attachment, att["id"])
        assert row is not None
        assert row.sha256 == hashlib.sha256(data).hexdigest()
        assert row.uploaded_by_id == world["college_staff"].id
        assert (store / "attachments" / row.storage_key).read_bytes() == data
    events = world.ok("committee_staff", "GET", f"/tickets/{tid}/events")
    assert [e["data"]["filename"] for e in events if e["action"] == "attach"] == [
        c[0] for c in cases
    ]


def test_html_as_text_is_served_as_inert_text(world: World, store: Path) -> None:
    tid = world.submit()["id"]
    r = upload(world, "college_staff", tid, "page.txt", HTML, "text/html")
    assert r.status_code == 201
    assert r.json()["content_type"] == "text/plain"
    got = world.call("college_staff", "GET", f"/tickets/{tid}/attachments/{r.json()['id']}")
    assert got.headers["content-type"].startswith("text/plain")
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"].startswith("attachment;")


# --- refusals -------------------------------------------------------------------------------------


REFUSED = [
    # name, bytes, accepted problem codes
    ("setup.exe", EXE, {"bad_file_type"}),
    ("tool", ELF, {"bad_file_type"}),
    ("photo.png", ELF, {"bad_file_type", "file_type_mismatch"}),
    ("photo.png", EXE, {"bad_file_type", "file_type_mismatch"}),
    ("photo.png", HTML, {"bad_file_type", "file_type_mismatch"}),
    ("page.html", HTML, {"bad_file_type"}),
    ("scan.pdf", PNG, {"file_type_mismatch"}),
    ("photo.jpg", PNG, {"file_type_mismatch"}),
    ("notes.txt", PNG, {"file_type_mismatch"}),
    ("report.png", PDF, {"file_type_mismatch"}),
    ("notes.txt", b"caf\xe9 au lait \xff\xfe", {"bad_file_type"}),  # not UTF-8
    ("notes.txt", b"abc\x00\x00\x00def", {"bad_file_type"}),
    ("empty.txt", b"", {"empty_file"}),
    ("empty.png", b"", {"empty_file"}),
]


def test_files_are_judged_by_content_not_by_name(world: World, store: Path, db: Session) -> None:
    tid = world.submit()["id"]
    for name, data, codes in REFUSED:
        r = upload(world, "college_staff", tid, name, data, "image/png")
        assert r.status_code == 422, (name, r.status_code, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] in codes, (name, r.json())
    # Nothing of them is kept: no row, no file, no event.
    assert listing(world, "committee_staff", tid) == []
    assert stored_files(store) == []
    actions = db.execute(sa.select(TicketEvent.action).where(TicketEvent.ticket_id == tid)).all()
    assert [a for (a,) in actions] == ["submit"]


def test_size_limit_is_413_and_leaves_nothing(world: World, store: Path, app: FastAPI) -> None:
    limit_to(app, attachment_max_bytes=1024)
    tid = world.submit()["id"]
    at_limit = "说".encode() * 341 + b"!"
    assert len(at_limit) == 1024
    assert upload(world, "college_staff", tid, "ok.txt", at_limit).status_code == 201
    for name, data, code in [
        ("over.txt", at_limit + b"!", "file_too_large"),
        ("big.png", png_bytes(padding=5000), "file_too_large"),
        # Past the limit plus the multipart framing the request itself is refused, unread.
        ("huge.pdf", PDF + b"0" * 200_000, "too_large"),
    ]:
        r = upload(world, "college_staff", tid, name, data)
        assert r.status_code == 413, (name, r.text)
        body = r.json()
        assert body["code"] == code
        if code == "file_too_large":
            assert body["max_bytes"] == 1024
    assert [a["filename"] for a in listing(world, "college_staff", tid)] == ["ok.txt"]
    assert len(stored_files(store)) == 1


def test_attachment_count_limit(world: World, store: Path, app: FastAPI) -> None:
    limit_to(app, attachments_per_ticket=2)
    tid = world.submit()["id"]
    for i in range(2):
        assert upload(world, "college_staff", tid, f"p{i}.png", PNG).status_code == 201
    r = upload(world, "college_staff", tid, "p3.png", PNG)
    assert r.status_code == 409
    assert r.json()["code"] == "too_many_attachments"
    assert len(stored_files(store)) == 2


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("/etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\win.ini.txt", "win.ini.txt"),
        ("a<b>|c:*?\x1b\x7f.txt", "abc.txt"),
        ("con;tent.txt", "con;tent.txt"),
        ("  报告 .txt", "报告 .txt"),
    ],
)
def test_hostile_names_are_stored_safely(
    world: World, store: Path, db: Session, given: str, kept: str
) -> None:
    tid = world.submit()["id"]
    r = upload(world, "college_staff", tid, given, TEXT)
    assert r.status_code == 201, r.text
    att = r.json()
    assert att["filename"] == kept
    row = db.get(Attachment, att["id"])
    assert row is not None
    assert ".." not in row.storage_key
    # Every byte written stayed inside the attachments folder, under a name the server chose.
    files = stored_files(store.parent)
    assert files == [store / "attachments" / row.storage_key]
    assert files[0].name != kept
    got = world.call("college_staff", "GET", f"/tickets/{tid}/attachments/{att['id']}")
    disposition = got.headers["content-disposition"]
    assert "\r" not in disposition
    assert "\n" not in disposition
    assert "x-injected" not in got.headers
    assert fallback_name(disposition).count('"') == 0
    assert got.content == TEXT


def test_a_quote_in_the_raw_multipart_name_cannot_break_the_header(
    world: World, store: Path
) -> None:
    """Clients percent-encode quotes; a hand-made request may not. Either way the stored name
    and the download header stay well-formed."""
    tid = world.submit()["id"]
    body = (
        b"--BOUNDARY\r\n"
        b'Content-Disposition: form-data; name="file"; filename="x\\"; evil=\\"y.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\n" + TEXT + b"\r\n--BOUNDARY--\r\n"
    )
    r = world.call(
        "college_staff",
        "POST",
        f"/tickets/{tid}/attachments",
        content=body,
        headers={"Content-Type": "multipart/form-data; boundary=BOUNDARY"},
    )
    assert r.status_code == 201, r.text
    name = r.json()["filename"]
    assert '"' not in name
    got = world.call("college_staff", "GET", f"/tickets/{tid}/attachments/{r.json()['id']}")
    disposition = got.headers["content-disposition"]
    assert disposition.count('"') == 2
    assert got.content == TEXT


def test_upload_needs_a_file_and_a_sign_in(world: World, store: Path) -> None:
    tid = world.submit()["id"]
    r = world.call("college_staff", "POST", f"/tickets/{tid}/attachments", data={"x": "1"})
    assert r.status_code == 422
    assert r.json()["code"] == "validation_error"
    anon = world.client.post(
        f"/api/v1/tickets/{tid}/attachments", files={"file": ("a.png", PNG, "image/png")}
    )
    assert anon.status_code == 401
    assert stored_files(store) == []


# --- who may upload, and when ---------------------------------------------------------------------


def _merged(world: World) -> dict[str, Any]:
    return world.ticket_in("merged")


UPLOAD_RULES: list[tuple[str, dict[str, int]]] = [
    (
        "submitted",
        {
            "college_staff": 201,
            "college_head": 201,
            "committee_staff": 201,
            "committee_admin": 201,
            "college_staff2": 404,
            "college_other_head": 404,
            "dept_lead_staff": 404,
        },
    ),
    (
        "dispatched",
        {
            "dept_lead_staff": 201,
            "dept_lead_head": 201,
            "dept_assist_staff": 201,
            "committee_staff": 201,
            "college_staff": 403,
            "college_head": 403,
            "dept_other_staff": 404,
            "college_other_staff": 404,
        },
    ),
    (
        "accepted",
        {
            "dept_lead_staff": 201,
            "dept_assist_staff": 201,
            "committee_staff": 201,
            "college_staff": 403,
            "dept_other_staff": 404,
        },
    ),
    (
        "replied",
        {
            "committee_staff": 201,
            "dept_lead_staff": 403,
            "dept_assist_staff": 403,
            "college_staff": 403,
        },
    ),
    ("revisited", {"committee_staff": 201, "dept_lead_staff": 403, "college_head": 403}),
    ("closed", {"committee_staff": 403, "dept_lead_staff": 403, "college_staff": 403}),
    ("rejected", {"committee_staff": 403, "college_staff": 403, "college_head": 403}),
    ("withdrawn", {"committee_admin": 403, "college_staff": 403}),
    ("merged", {"committee_staff": 403, "college_staff": 403}),
]


def test_who_may_upload_in_which_state(world: World, store: Path) -> None:
    for status, expected in UPLOAD_RULES:
        t = world.ticket_in(status)
        assert t["status"] == status
        tid = t["id"]
        uploaded = 0
        for role, code in expected.items():
            r = upload(world, role, tid, f"{role}.png", PNG)
            assert r.status_code == code, (status, role, r.status_code, r.text)
            if code == 201:
                uploaded += 1
            else:
                want = "not_found" if code == 404 else "upload_forbidden"
                assert r.json()["code"] == want, (status, role)
        assert len(listing(world, "committee_staff", tid)) == uploaded, status


def test_a_returned_ticket_is_the_submitters_again(world: World, store: Path) -> None:
    tid = world.ticket_in("dispatched")["id"]
    world.ok(
        "dept_lead_staff",
        "POST",
        f"/tickets/{tid}/return",
        json={"reason_code": "needs_info", "reason": "请补充照片"},
    )
    former = upload(world, "dept_lead_staff", tid, "late.png", PNG)
    assert former.status_code == 403
    assert former.json()["code"] == "upload_forbidden"
    assert upload(world, "dept_assist_staff", tid, "late.png", PNG).status_code == 403
    assert upload(world, "college_staff", tid, "现场照片.png", PNG).status_code == 201
    # The former department still reads what is there.
    assert [a["filename"] for a in listing(world, "dept_lead_staff", tid)] == ["现场照片.png"]


# --- downloads are scoped like details ------------------------------------------------------------


def test_downloads_and_listings_are_scoped_like_the_ticket(world: World, store: Path) -> None:
    tid = world.submit()["id"]
    aid = upload(world, "college_staff", tid, "photo.png", PNG).json()["id"]
    other = world.submit(role="college_other_staff")["id"]
    other_aid = upload(world, "college_other_staff", other, "b.pdf", PDF).json()["id"]
    missing_ticket = max(tid, other) + 1000
    absent = world.call("college_other_staff", "GET", f"/tickets/{missing_ticket}").json()

    for role in ("college_other_staff", "college_other_head", "college_staff2", "dept_lead_staff"):
        for path in (f"/tickets/{tid}/attachments", f"/tickets/{tid}/attachments/{aid}"):
            r = world.call(role, "GET", path)
            assert r.status_code == 404, (role, path)
            assert r.json() == absent, (role, path)  # no hint that the ticket exists
    for role in ("college_staff", "college_head", "committee_staff", "committee_admin"):
        r = world.call(role, "GET", f"/tickets/{tid}/attachments/{aid}")
        assert r.status_code == 200, role
        assert r.content == PNG

    # A department gets the files once the ticket is dispatched to it, and not before.
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{tid}/dispatch",
        json={
            "lead_department_id": world.dept_lead.id,
            "assisting_department_ids": [world.dept_assist.id],
        },
    )
    for role in ("dept_lead_staff", "dept_lead_head", "dept_assist_staff"):
        assert world.call(role, "GET", f"/tickets/{tid}/attachments/{aid}").content == PNG
    assert (
        world.call("dept_other_staff", "GET", f"/tickets/{tid}/attachments/{aid}").status_code
        == 404
    )

    # An attachment is found only under its own ticket, even for the committee.
    for path in (
        f"/tickets/{tid}/attachments/{other_aid}",
        f"/tickets/{other}/attachments/{aid}",
        f"/tickets/{tid}/attachments/{other_aid + 1000}",
    ):
        r = world.call("committee_staff", "GET", path)
        assert r.status_code == 404, path
        assert r.json()["code"] == "not_found"
    # The owner of the other ticket cannot reach this file through their own ticket either.
    r = world.call("college_other_staff", "GET", f"/tickets/{other}/attachments/{aid}")
    assert r.status_code == 404


def test_submitters_upload_stays_anonymous_to_departments(world: World, store: Path) -> None:
    tid = world.submit()["id"]  # "department" tier, the default for college staff
    assert upload(world, "college_staff", tid, "photo.png", PNG).status_code == 201
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{tid}/dispatch",
        json={"lead_department_id": world.dept_lead.id},
    )
    me = world["college_staff"]

    def attach_event(role: str) -> dict[str, Any]:
        events = world.ok(role, "GET", f"/tickets/{tid}/events")
        return next(e for e in events if e["action"] == "attach")

    dept_view = attach_event("dept_lead_staff")
    assert dept_view["actor"] is None
    assert dept_view["actor_unit"]["id"] == world.college.id
    raw = world.call("dept_lead_staff", "GET", f"/tickets/{tid}/events").text
    assert me.user.display_name not in raw
    assert attach_event("committee_staff")["actor"]["id"] == me.id
    assert attach_event("college_head")["actor"]["id"] == me.id
    # The department's own upload keeps its name.
    assert upload(world, "dept_lead_staff", tid, "回执.pdf", PDF).status_code == 201
    events = world.ok("college_staff", "GET", f"/tickets/{tid}/events")
    dept_attach = [e for e in events if e["action"] == "attach"][-1]
    assert dept_attach["actor"]["id"] == world["dept_lead_staff"].id
