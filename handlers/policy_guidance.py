"""School guidance in chats: the Headteacher keeps an ``/answer`` for next time, lists
what is kept (``/guidance``) and removes it (``/guidance remove NUMBER``).

Kept guidance answers a later question the policy doesn't cover, from the same
audience, attributed to the Headteacher with its date and never as a quote from the
policy (:mod:`policies.guidance`). Keeping, listing and removing are audited.
"""

from __future__ import annotations

import dataclasses

from handlers.actions import encode
from handlers.context import Services
from handlers.errors import UserError
from handlers.events import Event
from handlers.parsing import parse_number
from handlers.replies import Button, Reply, whisper
from policies.guidance import Guidance, match, render
from storage import audit, directory, guidance
from storage.roles import Role

__all__ = ["keep_button", "keep_guidance", "list_guidance", "offer_guidance",
           "remove_guidance", "school_guidance"]

ACTION = "guidance"
SHOWN = 30


async def offer_guidance(services: Services, event: Event, *, gap_id: int, audience: str,
                         question: str, answer: str) -> Button:
    """Store the Headteacher's answer as offered guidance; the button keeps it."""
    assert event.school is not None
    async with services.db.session() as session:
        row = await guidance.offer(
            session=session, school_id=event.school.id, gap_id=gap_id,
            author_id=event.sender.person_id, audience=audience,
            question=services.cipher.encrypt(question), answer=services.cipher.encrypt(answer),
            now=services.now())
    return keep_button(row.id or 0)


def keep_button(guidance_id: int) -> Button:
    return Button("Keep as school guidance", encode(ACTION, "keep", guidance_id))


async def keep_guidance(services: Services, event: Event) -> list[Reply]:
    guidance_id = event.action.number(-1) if event.action is not None else None
    if event.school is None or guidance_id is None:
        raise UserError("That button no longer does anything.")
    if event.sender.role is not Role.HEADTEACHER:
        raise UserError("Only the Headteacher can keep school guidance.")
    async with services.db.session() as session:
        row = await guidance.get(session=session, school_id=event.school.id,
                                 guidance_id=guidance_id)
        if row is None:
            raise UserError("That answer is no longer on record.")
        if not await guidance.keep(session=session, row=row, now=services.now()):
            return [whisper(f"Guidance #{guidance_id} is already kept.")]
        await audit.record(session=session, school_id=event.school.id,
                           actor_id=event.sender.person_id, action=guidance.KEEP,
                           now=services.now(), detail=f"#{guidance_id}")
    return [whisper(f"Kept as school guidance #{guidance_id}: I'll give your answer, as yours "
                    "and not the policy's, when someone asks this again. /guidance lists it.")]


async def list_guidance(services: Services, event: Event) -> list[Reply]:
    assert event.school is not None
    number, _, rest = event.args.strip().partition(" ")
    if number.lower() == "remove":
        return await remove_guidance(services, event, rest)
    if number:
        raise UserError("Use /guidance to list it, or /guidance remove NUMBER.")
    async with services.db.session() as session:
        rows = await guidance.kept(session=session, school_id=event.school.id)
        await audit.record(session=session, school_id=event.school.id,
                           actor_id=event.sender.person_id, action=guidance.LIST,
                           now=services.now(), detail=f"{len(rows)} kept")
    if not rows:
        return [whisper("No school guidance kept yet. When you /answer a question from /gaps, "
                        "the \u201cKeep as school guidance\u201d button keeps it for next time.")]
    lines = ["School guidance (your answers, given when the policy doesn't cover a question):"]
    for row in rows[:SHOWN]:
        lines.append(f"#{row.id} {row.answered_at:%d %b %Y} ({row.audience}): "
                     f"\u201c{services.cipher.decrypt(row.question)}\u201d \u2192 "
                     f"{services.cipher.decrypt(row.answer)}")
    lines.append("Remove one with /guidance remove NUMBER.")
    return [whisper("\n".join(lines))]


async def remove_guidance(services: Services, event: Event, number: str) -> list[Reply]:
    assert event.school is not None
    guidance_id = parse_number(number.strip().lstrip("#"))
    if guidance_id is None:
        raise UserError("Use /guidance remove NUMBER, with a number from /guidance.")
    async with services.db.session() as session:
        row = await guidance.get(session=session, school_id=event.school.id,
                                 guidance_id=guidance_id)
        if row is None or row.kept_at is None:
            raise UserError(f"There is no school guidance #{guidance_id}.")
        await guidance.remove(session=session, row=row)
        await audit.record(session=session, school_id=event.school.id,
                           actor_id=event.sender.person_id, action=guidance.REMOVE,
                           now=services.now(), detail=f"#{guidance_id}")
    return [whisper(f"Removed school guidance #{guidance_id}: I won't give it again.")]


async def school_guidance(services: Services, event: Event, question: str) -> str | None:
    """The kept guidance that answers ``question`` for this audience, rendered, if any."""
    assert event.school is not None
    async with services.db.session() as session:
        rows = [row for row in await guidance.kept(session=session, school_id=event.school.id)
                if row.audience == str(event.audience)]
        items = {row.id or 0: row for row in rows}
        found = match(question, (
            Guidance(key, services.cipher.decrypt(row.question), "", "", row.answered_at.date())
            for key, row in items.items()))
        if found is None:
            return None
        row = items[found.id]
        author = (await directory.person_by_id(session=session, person_id=row.author_id)
                  if row.author_id is not None else None)
    kept = dataclasses.replace(found, answer=services.cipher.decrypt(row.answer),
                               author=author.name if author else "the Headteacher")
    return render(kept, event.school.name)
