"""Turning platform ids into who and where, for every adapter.

Someone not in the school config, or a chat that isn't configured, gets least
privilege: an unknown sender (no role) and, in an unknown group, no audience.
Lookups use the directory index read at start (:class:`storage.directory.DirectoryIndex`);
only someone in several schools of one trust costs a query (their last choice).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.events import ChatKind, ChatRef, SchoolRef, Sender
from policies.answer import Audience
from storage import school_choices
from storage.directory import DirectoryIndex
from storage.models import Chat, Person, School, utcnow
from storage.roles import Role


@dataclass(frozen=True, slots=True)
class Identity:
    school: SchoolRef | None
    sender: Sender
    chat: ChatRef


async def _chosen_first(session: AsyncSession, platform: str, user_id: str,
                        people: list[Person]) -> list[Person]:
    """The person's memberships with the school they chose (if any) first."""
    if len(people) < 2:
        return people
    chosen = await school_choices.current(session=session, platform=platform,
                                          external_id=user_id)
    return sorted(people, key=lambda p: p.school_id != chosen)


def school_ref(school: School) -> SchoolRef:
    assert school.id is not None
    return SchoolRef(school.id, school.slug, school.name, school.timezone)


def sender_of(person: Person | None, *, platform_user_id: str, display_name: str) -> Sender:
    if person is None:
        return Sender(platform_user_id=platform_user_id, display_name=display_name)
    return Sender(platform_user_id=platform_user_id, display_name=person.name,
                  person_id=person.id, handle=person.handle, role=Role(person.role))


def chat_ref(chat: Chat | None, *, kind: ChatKind, platform_chat_id: str) -> ChatRef:
    if chat is None:
        return ChatRef(kind=kind, platform_chat_id=platform_chat_id)
    return ChatRef(kind=kind, platform_chat_id=platform_chat_id, chat_id=chat.id,
                   name=chat.name, audience=Audience(chat.audience))


async def identify(
    *, session: AsyncSession, index: DirectoryIndex, platform: str, user_id: str,
    display_name: str, chat_kind: ChatKind, platform_chat_id: str,
    now: dt.datetime | None = None,
) -> Identity:
    """Who is speaking where, from a platform's user and chat ids.

    Someone in several schools of one trust acts, in private, for the school they last
    chose with /school or last used a command in a group of; otherwise their first."""
    chat = index.chat(platform, platform_chat_id) if chat_kind is ChatKind.GROUP else None
    people = index.members(platform, user_id)
    if chat is not None:  # a group decides the school; the sender must belong to it
        if len(people) > 1 and any(p.school_id == chat.school_id for p in people):
            await school_choices.choose(session=session, platform=platform, external_id=user_id,
                                        school_id=chat.school_id, now=now or utcnow())
        people = [p for p in people if p.school_id == chat.school_id]
        school = index.schools.get(chat.school_id)
    else:
        people = await _chosen_first(session, platform, user_id, people)
        school = index.schools.get(people[0].school_id) if people else None
    person = people[0] if people else None
    return Identity(
        school=school_ref(school) if school is not None else None,
        sender=sender_of(person, platform_user_id=user_id, display_name=display_name),
        chat=chat_ref(chat, kind=chat_kind, platform_chat_id=platform_chat_id),
    )
