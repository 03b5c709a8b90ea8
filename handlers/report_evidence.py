"""Evidence: photos, screenshots and files sent in private while a report is a draft are
kept, encrypted, with it (at most :data:`MAX_FILES` files of :data:`MAX_BYTES` each);
sending the report attaches them, and its readers receive them, privately, with
/view. A file sent anywhere else is never fetched for a report (see the router's
:meth:`~handlers.router.Router.attachments`), and nothing of one ever reaches a group.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re

from handlers import report_drafts as drafts
from handlers import report_flow as flow
from handlers.context import Services
from handlers.events import Attachment, Event
from handlers.replies import Reply, whisper
from handlers.report_submit import size_text
from handlers.router import Router
from storage import evidence

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 10
KEPT_KINDS = frozenset({"photo", "document", "file"})
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def register(router: Router) -> None:
    @router.attachments(flow.DRAFT)
    async def received(services: Services, event: Event) -> list[Reply]:
        return await keep_files(services, event)


def problem_with(attachment: Attachment) -> str | None:
    """Why this file can't be kept (None: it can)."""
    if attachment.kind not in KEPT_KINDS:
        return ("I can keep photos, screenshots and files (documents) with a report, but not "
                "voice messages, videos or stickers. Please describe it in words instead.")
    size = len(attachment.content) if attachment.content is not None else attachment.size
    if size is not None and size > MAX_BYTES:
        return (f"That file is {size_text(size)}, and I can keep files up to "
                f"{size_text(MAX_BYTES)}. Please send a smaller one (a screenshot rather "
                "than a recording), or describe it in words and paste a link.")
    if attachment.content is None:
        return ("I couldn't get that file's content, so I haven't kept it. Please send it "
                "again; if that doesn't work, describe it in words and paste a link.")
    return None


async def keep_files(services: Services, event: Event) -> list[Reply]:
    """Keep the files of this message with the person's draft, then carry on with it."""
    assert event.sender.person_id is not None
    assert event.school is not None
    async with services.db.session() as session:
        state = await drafts.load(session, event.sender.person_id)
        if state is None:
            return [whisper("That form is no longer open, so I haven't kept the file.")]
        notes: list[str] = []
        for index, attachment in enumerate(event.attachments):
            count, _ = await evidence.total_of_draft(session=session, draft_token=state["token"])
            problem = problem_with(attachment)
            if problem is None and count >= MAX_FILES:
                problem = f"A report can carry up to {MAX_FILES} files, and this one has {count}."
            if problem is not None:
                notes.append(f"{problem} Nothing else has changed.")
                continue
            name = await store(services, event, state, attachment, index, count + 1)
            notes.append(_kept_text(name, attachment, count + 1, bool(event.text)))
        return [await drafts.ask(session, services, event, state, "\n".join(notes))]


async def store(services: Services, event: Event, state: flow.State, attachment: Attachment,
                index: int, number: int) -> str:
    """Keep one file (already checked with :func:`problem_with`) with the draft."""
    assert attachment.content is not None
    assert event.school is not None
    mime = attachment.mime_type or _guess(attachment.filename)
    name = filename_of(attachment, number, mime)
    async with services.db.session() as session:
        await evidence.add(session=session, values={
            "school_id": event.school.id, "draft_token": state["token"],
            "uploaded_by": event.sender.person_id, "kind": attachment.kind, "filename": name,
            "mime_type": mime, "size": len(attachment.content),
            "sha256": hashlib.sha256(attachment.content).hexdigest(),
            "content_enc": services.cipher.encrypt_bytes(attachment.content),
            "caption_enc": services.cipher.encrypt(event.text) if event.text else None,
            "dedupe_key": f"{event.update_key}:{index}" if event.update_key else None,
            "created_at": services.now()})
    return name


def filename_of(attachment: Attachment, number: int, mime: str) -> str:
    """The file's own name, made safe; a photo (which has none) is ``photo-N.jpg``."""
    given = _UNSAFE.sub("_", (attachment.filename or "").rsplit("/", 1)[-1]).strip(" .")
    if given:
        return given[:200]
    extension = mimetypes.guess_extension(mime) or ".bin"
    return f"{attachment.kind}-{number}{'.jpg' if extension == '.jpe' else extension}"


def _guess(filename: str | None) -> str:
    return (mimetypes.guess_type(filename)[0] if filename else None) or (
        "application/octet-stream")


def _kept_text(name: str, attachment: Attachment, count: int, captioned: bool) -> str:
    size = size_text(len(attachment.content or b""))
    text = (f"Kept {name} ({size}) with your report, encrypted: {count} "
            f"file{'s' if count > 1 else ''} so far. They go with it when you press Send, "
            "and only the people who read it get them, privately.")
    return text + (" I've kept your caption with it." if captioned else "")
