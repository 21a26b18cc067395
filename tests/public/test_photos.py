"""Photos added by tracking code: pictures only, kept without their metadata (a phone photo's EXIF
names a place, a device and a time that could point at an anonymous student), under a neutral
name, as attachments the committee sees; three at most, only in the hour after submitting and
before the ticket is taken up. Refused uploads change nothing."""

from __future__ import annotations

import io
import os
import struct
import zlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import ExifTags, Image
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.config import Settings
from backend.core.clock import FrozenClock
from backend.models import Attachment, OutboxMessage, Ticket, TicketEvent
from tests.factories import World

GPS = ExifTags.IFD.GPSInfo
MAKE, MODEL, DATETIME, ORIENTATION = 0x010F, 0x0110, 0x0132, 0x0112
# What a phone writes, and what must not survive: place, device, time.
SECRETS = (b"HuaweiSecret", b"P60-Pro-Secret", b"2026:03:10 09:58:00")
SENT_NAME = "IMG_20260310_095800_张三宿舍.jpg"


def photo(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), orientation: int = 0) -> bytes:
    """A real picture in ``fmt`` carrying EXIF with a GPS position, a device and a time."""
    img = Image.new("RGB", size, (200, 30, 30))
    # A dark right half, to find the picture's orientation after turning.
    img.paste((10, 10, 10), (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    exif[MAKE] = SECRETS[0].decode()
    exif[MODEL] = SECRETS[1].decode()
    exif[DATETIME] = SECRETS[2].decode()
    if orientation:
        exif[ORIENTATION] = orientation
    exif[GPS] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (39.0, 59.0, 30.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (116.0, 18.0, 45.0),
    }
    out = io.BytesIO()
    img.save(out, fmt, exif=exif)
    data = out.getvalue()
    # The test means something only if the sent picture does carry them.
    sent = Image.open(io.BytesIO(data))
    assert sent.getexif().get_ifd(GPS)[ExifTags.GPS.GPSLatitudeRef] == "N"
    assert all(s in data for s in SECRETS)
    return data


PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 0, 255)).save(out, "GIF")
    return out.getvalue()


@pytest.fixture
def store(app: FastAPI, settings: Settings, tmp_path: Path) -> Path:
    """This test's own data folder (the app is bound per test: no other test sees it)."""
    data = tmp_path / "data"
    app.state.settings = settings.model_copy(update={"data_dir": data})
    return data


def submit(client: TestClient, db: Session) -> tuple[str, int]:
    """A public ticket: its tracking code and id."""
    r = client.post(
        "/api/v1/public/tickets",
        json={"title": "宿舍楼下路灯不亮", "content": "七号楼北侧的路灯坏了两周，晚上很黑。"},
    )
    assert r.status_code == 201, r.text
    tid = db.execute(
        sa.select(col(Ticket.id)).where(col(Ticket.code) == r.json()["ticket_code"])
    ).scalar_one()
    assert tid is not None
    return r.json()["code"], tid


def send(
    client: TestClient, code: str, data: bytes, name: str = SENT_NAME, ctype: str = "image/jpeg"
) -> httpx.Response:
    return client.post(
        f"/api/v1/public/tickets/{code}/attachments", files={"file": (name, data, ctype)}
    )


def problem(r: httpx.Response, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == code


def state(db: Session, store: Path, tid: int) -> dict[str, Any]:
    """Everything an upload could have changed."""
    db.expire_all()
    return {
        "attachments": db.execute(
            sa.select(col(Attachment.id)).where(col(Attachment.ticket_id) == tid)
        ).all(),
        "events": db.execute(
            sa.select(col(TicketEvent.id)).where(col(TicketEvent.ticket_id) == tid)
        ).all(),
        "outbox": db.execute(sa.select(sa.func.count()).select_from(OutboxMessage)).scalar_one(),
        "files": sorted(p for p in store.rglob("*") if p.is_file()),
        "version": db.get(Ticket, tid).version,  # type: ignore[union-attr]
    }


def stored(db: Session, store: Path, attachment_id: int) -> tuple[Attachment, bytes]:
    row = db.get(Attachment, attachment_id)
    assert row is not None
    return row, (store / "attachments" / row.storage_key).read_bytes()


# --- the photo the committee gets -------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "ctype", "ending"),
    [("JPEG", "image/jpeg", "jpg"), ("PNG", "image/png", "png"), ("WEBP", "image/webp", "webp")],
)
def test_a_photo_is_kept_without_its_metadata_under_a_neutral_name(
    world: World,
    client: TestClient,
    db: Session,
    store: Path,
    fmt: str,
    ctype: str,
    ending: str,
) -> None:
    code, tid = submit(client, db)
    sent = photo(fmt)
    # The name says JPEG whatever it is: the content decides.
    r = send(client, code, sent, name=SENT_NAME, ctype="application/octet-stream")
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == {"id", "filename", "content_type", "size"}
    assert (body["filename"], body["content_type"]) == (f"photo-1.{ending}", ctype)

    row, data = stored(db, store, body["id"])
    assert body["size"] == row.size == len(data)
    # Nothing of the phone's metadata, in any form.
    for secret in SECRETS:
        assert secret not in data
    kept = Image.open(io.BytesIO(data))
    assert kept.format == fmt
    assert kept.size == (64, 48)
    assert not kept.getexif()
    assert not kept.getexif().get_ifd(GPS)
    assert not ({"exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment"} & set(kept.info))
    assert b"Exif" not in data
    # Still the same picture.
    assert kept.convert("RGB").getpixel((5, 5))[0] > 150
    assert kept.convert("RGB").getpixel((60, 5))[0] < 60

    # Uploaded by nobody; the name sent is nowhere.
    assert row.uploaded_by_id is None
    assert row.by_submitter is True
    assert row.filename == f"photo-1.{ending}"
    listed = world.ok("committee_staff", "GET", f"/tickets/{tid}/attachments")
    assert [(a["id"], a["filename"]) for a in listed] == [(body["id"], f"photo-1.{ending}")]
    download = world.call("committee_staff", "GET", f"/tickets/{tid}/attachments/{body['id']}")
    assert download.status_code == 200
    assert download.content == data
    assert download.headers["content-type"].split(";")[0] == ctype
    events = world.call("committee_staff", "GET", f"/tickets/{tid}/events")
    attach = [e for e in events.json() if e["action"] == "attach"]
    assert [e["data"]["filename"] for e in attach] == [f"photo-1.{ending}"]
    assert "张三" not in events.text
    outbox = db.execute(
        sa.select(OutboxMessage.payload).where(col(OutboxMessage.topic) == "ticket.attach")
    ).scalar_one()
    assert outbox["actor"]["kind"] == "code_holder"
    assert outbox["actor"]["user_id"] is None

    view = client.get(f"/api/v1/public/tickets/{code}")
    assert view.json()["photos"] == 1


def test_a_photo_taken_sideways_is_stored_upright(
    client: TestClient, db: Session, store: Path
) -> None:
    code, _ = submit(client, db)
    # Orientation 6: the camera held turned; a viewer turns it 90° clockwise.
    r = send(client, code, photo("JPEG", size=(64, 32), orientation=6))
    assert r.status_code == 201, r.text
    _, data = stored(db, store, r.json()["id"])
    kept = Image.open(io.BytesIO(data))
    assert kept.size == (32, 64)
    assert ORIENTATION not in kept.getexif()
    rgb = kept.convert("RGB")
    # The dark right half is now the bottom half.
    assert rgb.getpixel((16, 60))[0] < 60
    assert rgb.getpixel((16, 4))[0] > 150


def test_a_large_photo_is_scaled_down(client: TestClient, db: Session, store: Path) -> None:
    code, _ = submit(client, db)
    r = send(client, code, photo("JPEG", size=(5000, 1000)))
    assert r.status_code == 201, r.text
    _, data = stored(db, store, r.json()["id"])
    assert Image.open(io.BytesIO(data)).size == (4096, 819)


def test_a_phone_sized_photo_fits(
    client: TestClient, db: Session, store: Path, settings: Settings
) -> None:
    """Over the body limit of other requests: uploads have the attachment limit."""
    code, _ = submit(client, db)
    noise = Image.frombytes("RGB", (1000, 800), os.urandom(1000 * 800 * 3))
    out = io.BytesIO()
    exif = Image.Exif()
    exif[MAKE] = SECRETS[0].decode()
    noise.save(out, "PNG", exif=exif)
    sent = out.getvalue()
    assert settings.max_body_bytes < len(sent) < settings.attachment_max_bytes
    r = send(client, code, sent, name="big.png", ctype="image/png")
    assert r.status_code == 201, r.text
    _, data = stored(db, store, r.json()["id"])
    assert SECRETS[0] not in data
    assert Image.open(io.BytesIO(data)).tobytes() == noise.tobytes()  # PNG: not a pixel lost


def test_a_camera_jpeg_with_a_second_picture_is_kept_as_a_jpeg(
    client: TestClient, db: Session, store: Path
) -> None:
    """Some cameras write MPO: a JPEG with more pictures after the first."""
    code, _ = submit(client, db)
    first, second = Image.new("RGB", (20, 10), (255, 0, 0)), Image.new("RGB", (20, 10), (0, 0, 255))
    out = io.BytesIO()
    exif = Image.Exif()
    exif[MAKE] = SECRETS[0].decode()
    first.save(out, "MPO", save_all=True, append_images=[second], exif=exif)
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    r = send(client, code, out.getvalue())
    assert r.status_code == 201, r.text
    assert (r.json()["filename"], r.json()["content_type"]) == ("photo-1.jpg", "image/jpeg")
    _, data = stored(db, store, r.json()["id"])
    kept = Image.open(io.BytesIO(data))
    assert kept.format == "JPEG"
    assert SECRETS[0] not in data
    assert kept.getpixel((5, 5))[0] > 200  # the first picture


def test_a_screenshot_keeps_its_transparency(client: TestClient, db: Session, store: Path) -> None:
    code, _ = submit(client, db)
    img = Image.new("P", (20, 10), 1)
    img.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    img.paste(0, (0, 0, 10, 10))
    out = io.BytesIO()
    img.save(out, "PNG", transparency=0)
    r = send(client, code, out.getvalue(), name="screenshot.png", ctype="image/png")
    assert r.status_code == 201, r.text
    _, data = stored(db, store, r.json()["id"])
    kept = Image.open(io.BytesIO(data))
    assert kept.mode == "RGBA"
    assert kept.getpixel((2, 2))[3] == 0
    assert kept.getpixel((15, 2)) == (255, 0, 0, 255)


# --- refusals change nothing -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (PDF, "photo.jpg"),  # a document named like a photo
        (gif(), "photo.gif"),  # a picture, but not a photo format
        (b"\xff\xd8\xff\xe0" + b"\x00" * 200, "photo.jpg"),  # a JPEG header and nothing else
        ("这不是图片".encode(), "photo.png"),
    ],
)
def test_what_is_not_a_photo_is_refused(
    client: TestClient, db: Session, store: Path, data: bytes, name: str
) -> None:
    code, tid = submit(client, db)
    before = state(db, store, tid)
    problem(send(client, code, data, name=name), 422, "not_an_image")
    assert state(db, store, tid) == before
    assert client.get(f"/api/v1/public/tickets/{code}").json()["photos"] == 0


@pytest.mark.parametrize("side", [8_000, 10_000])  # past our limit; past Pillow's too
def test_a_picture_claiming_too_many_pixels_is_not_decoded(
    client: TestClient, db: Session, store: Path, side: int
) -> None:
    """A small file whose header claims 64 or 100 million pixels: refused before decoding."""
    code, tid = submit(client, db)

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * (side + 1) * 50))
        + chunk(b"IEND", b"")
    )
    assert len(bomb) < 10_000
    before = state(db, store, tid)
    r = send(client, code, bomb, name="photo.png", ctype="image/png")
    problem(r, 413, "file_too_large")
    assert r.json()["max_pixels"] == 60_000_000
    assert state(db, store, tid) == before


def test_an_empty_or_too_large_file_is_refused(
    app: FastAPI, client: TestClient, db: Session, store: Path
) -> None:
    code, tid = submit(client, db)
    before = state(db, store, tid)
    problem(send(client, code, b""), 422, "empty_file")
    sent = photo()
    app.state.settings = app.state.settings.model_copy(
        update={"attachment_max_bytes": len(sent) - 1}
    )
    r = send(client, code, sent)
    problem(r, 413, "file_too_large")
    assert r.json()["max_bytes"] == len(sent) - 1
    assert state(db, store, tid) == before


def test_at_most_three_photos(client: TestClient, db: Session, store: Path) -> None:
    code, tid = submit(client, db)
    names = [send(client, code, photo()).json()["filename"] for _ in range(3)]
    assert names == ["photo-1.jpg", "photo-2.jpg", "photo-3.jpg"]
    before = state(db, store, tid)
    r = send(client, code, photo())
    problem(r, 409, "too_many_photos")
    assert r.json()["max_photos"] == 3
    assert state(db, store, tid) == before
    assert client.get(f"/api/v1/public/tickets/{code}").json()["photos"] == 3


def test_photos_only_in_the_hour_after_submitting(
    client: TestClient, db: Session, store: Path, clock: FrozenClock
) -> None:
    code, tid = submit(client, db)
    clock.advance(timedelta(minutes=59))
    assert send(client, code, photo()).status_code == 201
    clock.advance(timedelta(minutes=1, seconds=1))
    before = state(db, store, tid)
    problem(send(client, code, photo()), 409, "photo_too_late")
    assert state(db, store, tid) == before
    assert client.get(f"/api/v1/public/tickets/{code}").json()["photos"] == 1


def test_no_photos_once_the_ticket_is_taken_up(
    world: World, client: TestClient, db: Session, store: Path
) -> None:
    code, tid = submit(client, db)
    world.ok(
        "committee_staff",
        "POST",
        f"/tickets/{tid}/dispatch",
        json={"lead_department_id": world.dept_lead.id},
    )
    before = state(db, store, tid)
    problem(send(client, code, photo()), 409, "photo_too_late")
    assert state(db, store, tid) == before


def test_a_wrong_code_is_unknown(client: TestClient, db: Session, store: Path) -> None:
    _, tid = submit(client, db)
    before = state(db, store, tid)
    problem(send(client, "NOSUCHCODE000001", photo()), 404, "unknown_tracking_code")
    assert state(db, store, tid) == before


def test_uploads_spend_the_code_budget(
    app: FastAPI, client: TestClient, db: Session, store: Path
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"public_lookup_per_minute": 3})
    code, tid = submit(client, db)
    assert client.get(f"/api/v1/public/tickets/{code}").status_code == 200
    assert send(client, code, photo()).status_code == 201
    problem(send(client, "NOSUCHCODE000001", photo()), 404, "unknown_tracking_code")
    before = state(db, store, tid)
    problem(send(client, code, photo()), 429, "rate_limited")
    assert state(db, store, tid) == before
