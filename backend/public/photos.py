"""Photos added to a public ticket by its tracking code, right after submitting it.

A phone photo carries EXIF (GPS position, device, time taken) that could point at the person who
sent it: an anonymous ticket must not. Every photo is decoded and encoded again from its pixels
alone, so nothing but the picture is kept, and it is stored under a neutral name (photo-1.jpg).
It then is a normal attachment of the ticket (``backend.tickets.attachments``), uploaded by
nobody, which the committee sees on the ticket.
"""

from __future__ import annotations

import io
import warnings
from datetime import timedelta
from typing import IO

import sqlalchemy as sa
from PIL import Image, ImageOps
from sqlmodel import col

from backend.errors import Problem, ProblemCode, invalid
from backend.events.record import CODE_HOLDER
from backend.models import Attachment, Ticket
from backend.models.enums import Status
from backend.tickets import attachments
from backend.tickets.context import Ctx

MAX_PHOTOS = 3
WINDOW = timedelta(hours=1)
# Decoding is bounded before it starts: a small file may claim a huge picture.
MAX_PIXELS = 60_000_000
# Enough to read any detail a complaint needs; bounds what is stored.
MAX_SIDE = 4096

# Pillow's format -> the stored type and file name ending.
FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}


def photo_count(ctx: Ctx, ticket_id: int) -> int:
    """Photos from the code holder (a public ticket has no submitter account: every
    submitter-side attachment is one)."""
    return int(
        ctx.session.execute(
            sa.select(sa.func.count()).where(
                col(Attachment.ticket_id) == ticket_id, col(Attachment.by_submitter).is_(True)
            )
        ).scalar_one()
    )


def _read(stream: IO[bytes], limit: int) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise Problem(
            413,
            ProblemCode.file_too_large,
            f"Files may be at most {limit} bytes.",
            extra={"max_bytes": limit},
        )
    if not data:
        raise invalid(ProblemCode.empty_file, "The file is empty.")
    return data


def _not_an_image() -> Problem:
    return invalid(ProblemCode.not_an_image, "Only photos (JPEG, PNG or WebP) can be added.")


def _too_many_pixels() -> Problem:
    return Problem(
        413,
        ProblemCode.file_too_large,
        f"Photos may have at most {MAX_PIXELS} pixels.",
        extra={"max_pixels": MAX_PIXELS},
    )


def clean(data: bytes) -> tuple[bytes, str, str]:
    """The picture of ``data`` encoded again without any metadata: (bytes, type, ending)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _encode_again(data)
    except Problem:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise _too_many_pixels() from exc  # Pillow's own guard, past ours
    except (OSError, ValueError, SyntaxError, KeyError, Warning) as exc:
        # Not a picture Pillow reads as one of FORMATS, whatever the file's name says.
        raise _not_an_image() from exc


def _encode_again(data: bytes) -> tuple[bytes, str, str]:
    with Image.open(io.BytesIO(data), formats=list(FORMATS)) as img:
        # A JPEG with a second picture inside (MPO, from some cameras) is kept as its first.
        fmt = "JPEG" if img.format == "MPO" else str(img.format)
        content_type, ending = FORMATS[fmt]
        if img.width * img.height > MAX_PIXELS:
            raise _too_many_pixels()
        img.load()
        # Turned upright as the phone showed it: the orientation tag goes with the rest.
        picture = ImageOps.exif_transpose(img)
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    has_alpha = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
    if fmt == "JPEG":
        mode = "L" if picture.mode == "L" else "RGB"
    elif fmt == "PNG" and picture.mode in ("L", "LA", "RGB", "RGBA"):
        mode = picture.mode
    else:
        mode = "RGBA" if has_alpha else "RGB"
    if picture.mode != mode:
        picture = picture.convert(mode)
    # A new image made of the pixels alone: no EXIF, XMP, ICC profile, text chunks or comments.
    bare = Image.frombytes(mode, picture.size, picture.tobytes())
    out = io.BytesIO()
    if fmt == "PNG":
        bare.save(out, "PNG")
    else:
        bare.save(out, fmt, quality=85)
    return out.getvalue(), content_type, ending


def add_photo(ctx: Ctx, own: Ticket, stream: IO[bytes]) -> Attachment:
    """Add a photo to the code's own ticket: while it is still submitted, within an hour of
    submitting, at most MAX_PHOTOS."""
    # Locked, so two uploads at once cannot both take the last place.
    ticket = ctx.session.execute(
        sa.select(Ticket).where(col(Ticket.id) == own.id).with_for_update()
    ).scalar_one()
    assert ticket.id is not None
    if ticket.status != Status.submitted or ctx.now - ticket.created_at > WINDOW:
        raise Problem(
            409,
            ProblemCode.photo_too_late,
            "Photos can be added only within an hour of submitting, before the ticket is taken up.",
        )
    count = photo_count(ctx, ticket.id)
    if count >= MAX_PHOTOS:
        raise Problem(
            409,
            ProblemCode.too_many_photos,
            f"A ticket can have at most {MAX_PHOTOS} photos.",
            extra={"max_photos": MAX_PHOTOS},
        )
    total = ctx.session.execute(
        sa.select(sa.func.count()).where(col(Attachment.ticket_id) == ticket.id)
    ).scalar_one()
    if total >= ctx.settings.attachments_per_ticket:
        raise Problem(
            409, ProblemCode.too_many_attachments, "This ticket has the most attachments allowed."
        )
    data, content_type, ending = clean(_read(stream, ctx.settings.attachment_max_bytes))
    return attachments.store(
        ctx,
        ticket,
        filename=f"photo-{count + 1}.{ending}",
        content_type=content_type,
        data=data,
        who=CODE_HOLDER,
    )
