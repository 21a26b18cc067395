"""Attachments: checked by their content, stored on local disk, served as downloads."""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from pathlib import Path
from typing import IO
from urllib.parse import quote

import filetype
import sqlalchemy as sa
from sqlmodel import col

from backend.auth.subject import Scope
from backend.errors import Problem, ProblemCode, forbidden, invalid, not_found
from backend.events.contract import AttachmentAdded
from backend.events.record import Who
from backend.models import Attachment, Ticket
from backend.models.enums import Status
from backend.tickets.context import Ctx, acting, load_visible, record_event
from backend.tickets.transitions import Rel

# Detected type -> the file name endings that may carry it.
ALLOWED: dict[str, tuple[str, ...]] = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "application/pdf": (".pdf",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (".pptx",),
    "text/plain": (".txt",),
}
CHUNK = 64 * 1024


def _sniff(head: bytes, filename: str) -> str:
    kind = filetype.guess(head)
    if kind is not None:
        return str(kind.mime)
    if filename.lower().endswith(".txt"):
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character may be cut at the end of the sniffed head.
            if exc.start < len(head) - 4:
                raise invalid(ProblemCode.bad_file_type, "The file is not UTF-8 text.") from exc
        if b"\x00" in head:
            raise invalid(ProblemCode.bad_file_type, "The file is not text.")
        return "text/plain"
    raise invalid(ProblemCode.bad_file_type, "This kind of file is not accepted.")


def safe_filename(name: str) -> str:
    name = unicodedata.normalize("NFC", Path(name.replace("\\", "/")).name)
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>|:*?\r\n')
    return name.strip(" .")[:200] or "attachment"


def content_disposition(filename: str) -> str:
    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "")
    ascii_name = ascii_name.strip()
    if not ascii_name.strip("."):
        ascii_name = "attachment"
    elif ascii_name.startswith("."):  # "报告.pdf" leaves ".pdf", a hidden file's name
        ascii_name = "attachment" + ascii_name
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def _may_upload(status: str, rels: frozenset[Rel]) -> bool:
    if Rel.committee in rels:
        return status not in (Status.closed, Status.rejected, Status.withdrawn, Status.merged)
    if rels & {Rel.lead, Rel.assist}:
        return status in (Status.dispatched, Status.accepted)
    if rels & {Rel.submitter, Rel.college_head}:
        return status == Status.submitted
    return False


def upload(ctx: Ctx, ticket_id: int, filename: str, stream: IO[bytes]) -> Attachment:
    ticket, rels = load_visible(ctx, ticket_id)
    assert ctx.subject is not None
    ctx.subject.require(Scope.tickets_write)
    if not _may_upload(ticket.status, rels):
        raise forbidden(
            "You may not add attachments to this ticket now.", ProblemCode.upload_forbidden
        )
    count = ctx.session.execute(
        sa.select(sa.func.count()).where(col(Attachment.ticket_id) == ticket_id)
    ).scalar_one()
    if count >= ctx.settings.attachments_per_ticket:
        raise Problem(
            409, ProblemCode.too_many_attachments, "This ticket has the most attachments allowed."
        )
    name = safe_filename(filename)
    limit = ctx.settings.attachment_max_bytes
    folder = ctx.settings.resolved_data_dir / "attachments" / str(ticket_id)
    folder.mkdir(parents=True, exist_ok=True)
    key = f"{ticket_id}/{uuid.uuid4().hex}"
    path = ctx.settings.resolved_data_dir / "attachments" / key
    digest = hashlib.sha256()
    size = 0
    head = b""
    try:
        with path.open("wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise Problem(
                        413,
                        ProblemCode.file_too_large,
                        f"Files may be at most {limit} bytes.",
                        extra={"max_bytes": limit},
                    )
                if len(head) < 8192:
                    head += chunk[: 8192 - len(head)]
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise invalid(ProblemCode.empty_file, "The file is empty.")
        mime = _sniff(head, name)
        if mime not in ALLOWED:
            raise invalid(ProblemCode.bad_file_type, "This kind of file is not accepted.")
        if not name.lower().endswith(ALLOWED[mime]):
            raise invalid(
                ProblemCode.file_type_mismatch,
                "The file's name does not match its content.",
                detected=mime,
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    who = acting(ctx, ticket, rels)
    att = Attachment(
        ticket_id=ticket_id,
        filename=name,
        content_type=mime,
        size=size,
        sha256=digest.hexdigest(),
        storage_key=key,
        # The uploader as the timeline keeps them: nobody where the ticket hides its submitter.
        uploaded_by_id=who.user_id,
        by_submitter=who.by_submitter,
        created_at=ctx.now,
    )
    ctx.session.add(att)
    ctx.session.flush()
    assert att.id is not None
    record_event(
        ctx,
        ticket,
        AttachmentAdded(attachment_id=att.id),
        who=who,
        from_status=ticket.status,
        to_status=ticket.status,
        timeline_data={"filename": name},
    )
    return att


def store(
    ctx: Ctx, ticket: Ticket, *, filename: str, content_type: str, data: bytes, who: Who
) -> Attachment:
    """Keep a file already read and checked by the caller (e.g. a re-encoded public photo) as
    an attachment of ``ticket``, with its timeline event, like :func:`upload` does."""
    assert ticket.id is not None
    folder = ctx.settings.resolved_data_dir / "attachments" / str(ticket.id)
    folder.mkdir(parents=True, exist_ok=True)
    key = f"{ticket.id}/{uuid.uuid4().hex}"
    path = ctx.settings.resolved_data_dir / "attachments" / key
    path.write_bytes(data)
    try:
        att = Attachment(
            ticket_id=ticket.id,
            filename=filename,
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            storage_key=key,
            uploaded_by_id=who.user_id,
            by_submitter=who.by_submitter,
            created_at=ctx.now,
        )
        ctx.session.add(att)
        ctx.session.flush()
        assert att.id is not None
        record_event(
            ctx,
            ticket,
            AttachmentAdded(attachment_id=att.id),
            who=who,
            from_status=ticket.status,
            to_status=ticket.status,
            timeline_data={"filename": filename},
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return att


def list_for(ctx: Ctx, ticket_id: int) -> list[Attachment]:
    load_visible(ctx, ticket_id)
    return list(
        ctx.session.execute(
            sa.select(Attachment)
            .where(col(Attachment.ticket_id) == ticket_id)
            .order_by(col(Attachment.id))
        ).scalars()
    )


def get_file(ctx: Ctx, ticket_id: int, attachment_id: int) -> tuple[Attachment, Path]:
    load_visible(ctx, ticket_id)  # scoped like the ticket: out of scope is not found
    att = ctx.session.get(Attachment, attachment_id)
    if att is None or att.ticket_id != ticket_id:
        raise not_found("attachment")
    path = ctx.settings.resolved_data_dir / "attachments" / att.storage_key
    if not path.is_file():
        raise not_found("attachment")
    return att, path
