"""Who is who: schools, people, chats and their platform identities.

The school config is the source of truth; :func:`sync_directory` mirrors it into
the database at start so every other table can refer to people and chats, and
:func:`load_index` reads it back once into a :class:`DirectoryIndex`: a read-only
snapshot that identifies senders and addresses recipients without a query (it only
changes when the config is loaded, i.e. at start).

Platform ids are a mapping per person and chat (platform name → id), so a platform
is not named here. The console platform is built in: everyone is on it as
``SLUG/HANDLE`` and every chat as ``SLUG/NAME``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Chat, ChatIdentity, Person, PersonIdentity, School

CONSOLE = "console"


class PersonSpec(Protocol):
    @property
    def handle(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def platform_ids(self) -> Mapping[str, str]: ...


class ChatSpec(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def audience(self) -> str: ...
    @property
    def platform_ids(self) -> Mapping[str, str]: ...


class SchoolSpec(Protocol):
    @property
    def slug(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def timezone(self) -> str: ...
    @property
    def people(self) -> Sequence[PersonSpec]: ...
    @property
    def chats(self) -> Sequence[ChatSpec]: ...


async def sync_directory(*, session: AsyncSession, schools: Iterable[SchoolSpec]) -> None:
    """Make the directory tables match the config: add, update, deactivate (never delete,
    so records that name a person who has left keep their meaning).

    On PostgreSQL one worker at a time (a lock held to the end of the transaction): two
    workers starting together on a new database would otherwise both add the schools,
    and one would fail on the other's. (SQLite's write lock already takes turns.)"""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        name = func.concat("policybot directory ", func.current_schema())
        await session.exec(select(func.pg_advisory_xact_lock(func.hashtext(name))))
    for spec in schools:
        school = await school_by_slug(session=session, slug=spec.slug)
        if school is None:
            school = School(slug=spec.slug, name=spec.name, timezone=spec.timezone)
        school.name, school.timezone = spec.name, spec.timezone
        session.add(school)
        await session.flush()
        assert school.id is not None
        await _sync_people(session, school.id, spec.people)
        await _sync_chats(session, school.id, spec.chats)


async def _sync_people(session: AsyncSession, school_id: int, specs: Sequence[PersonSpec]) -> None:
    """A school's people and their identities, in a few statements whatever their number
    (not a few per person: a directory of 20,000 people took over a minute to sync)."""
    existing = {p.handle: p for p in await session.exec(
        select(Person).where(Person.school_id == school_id))}
    wanted = {p.handle for p in specs}
    for person in existing.values():
        person.active = person.handle in wanted
        session.add(person)
    synced: list[tuple[Person, Mapping[str, str]]] = []
    for spec in specs:
        person = existing.get(spec.handle) or Person(
            school_id=school_id, handle=spec.handle, name=spec.name, role=str(spec.role))
        person.name, person.role, person.active = spec.name, str(spec.role), True
        existing[spec.handle] = person
        session.add(person)
        synced.append((person, spec.platform_ids))
    await session.flush()  # every new person's id, in one go
    rows = await session.exec(select(PersonIdentity).join(
        Person, col(Person.id) == col(PersonIdentity.person_id)).where(
        Person.school_id == school_id))
    await _sync_identities(session, PersonIdentity, "person_id", list(rows),
                           {_id(person): ids for person, ids in synced})


async def _sync_chats(session: AsyncSession, school_id: int, specs: Sequence[ChatSpec]) -> None:
    existing = {c.name: c for c in await session.exec(
        select(Chat).where(Chat.school_id == school_id))}
    wanted = {c.name for c in specs}
    for chat in existing.values():
        chat.active = chat.name in wanted
        session.add(chat)
    synced: list[tuple[Chat, Mapping[str, str]]] = []
    for spec in specs:
        chat = existing.get(spec.name) or Chat(
            school_id=school_id, name=spec.name, audience=str(spec.audience))
        chat.audience, chat.active = str(spec.audience), True
        existing[spec.name] = chat
        session.add(chat)
        synced.append((chat, spec.platform_ids))
    await session.flush()
    rows = await session.exec(select(ChatIdentity).join(
        Chat, col(Chat.id) == col(ChatIdentity.chat_id)).where(Chat.school_id == school_id))
    await _sync_identities(session, ChatIdentity, "chat_id", list(rows),
                           {_id(chat): ids for chat, ids in synced})


async def _sync_identities(
    session: AsyncSession,
    model: type[PersonIdentity] | type[ChatIdentity],
    owner_field: str,
    rows: Sequence[Any],
    wanted: Mapping[int, Mapping[str, str]],
) -> None:
    """Make the identities of the owners in ``wanted`` (owner id → platform → id) match
    it: the ones no longer wanted deleted first, then the new ones added."""
    have: set[tuple[int, str, str]] = set()
    for row in rows:
        owner_id = getattr(row, owner_field)
        if owner_id not in wanted:  # someone no longer in the config: left as they were
            continue
        value = wanted[owner_id].get(row.platform)
        if value is None or str(value) != row.external_id:
            await session.delete(row)
        else:
            have.add((owner_id, row.platform, row.external_id))
    await session.flush()
    for owner_id, ids in wanted.items():
        for platform, value in ids.items():
            if (owner_id, platform, str(value)) not in have:
                session.add(model(**{owner_field: owner_id}, platform=platform,
                                  external_id=str(value)))
    await session.flush()


async def school_by_slug(*, session: AsyncSession, slug: str) -> School | None:
    return (await session.exec(select(School).where(School.slug == slug))).first()


async def school_by_id(*, session: AsyncSession, school_id: int) -> School | None:
    return await session.get(School, school_id)


async def person_by_id(*, session: AsyncSession, person_id: int) -> Person | None:
    return await session.get(Person, person_id)


async def person_by_handle(*, session: AsyncSession, school_id: int, handle: str) -> Person | None:
    query = select(Person).where(Person.school_id == school_id, Person.handle == handle,
                                 col(Person.active).is_(True))
    return (await session.exec(query)).first()


async def people_by_identity(
    *, session: AsyncSession, platform: str, external_id: str
) -> list[Person]:
    """Every active person with this platform account (one per school they belong to)."""
    query = (
        select(Person)
        .join(PersonIdentity, col(PersonIdentity.person_id) == col(Person.id))
        .where(PersonIdentity.platform == platform, PersonIdentity.external_id == external_id,
               col(Person.active).is_(True))
        .order_by(col(Person.id))
    )
    return list(await session.exec(query))


async def people_with_role(*, session: AsyncSession, school_id: int, role: str) -> list[Person]:
    query = select(Person).where(Person.school_id == school_id, Person.role == role,
                                 col(Person.active).is_(True)).order_by(col(Person.id))
    return list(await session.exec(query))


async def people_of_school(*, session: AsyncSession, school_id: int) -> list[Person]:
    query = select(Person).where(Person.school_id == school_id,
                                 col(Person.active).is_(True)).order_by(col(Person.id))
    return list(await session.exec(query))


async def person_identity(*, session: AsyncSession, person_id: int, platform: str) -> str | None:
    query = select(PersonIdentity.external_id).where(
        PersonIdentity.person_id == person_id, PersonIdentity.platform == platform)
    return (await session.exec(query)).first()


async def chat_by_id(*, session: AsyncSession, chat_id: int) -> Chat | None:
    return await session.get(Chat, chat_id)


async def chat_by_name(*, session: AsyncSession, school_id: int, name: str) -> Chat | None:
    query = select(Chat).where(Chat.school_id == school_id, Chat.name == name,
                               col(Chat.active).is_(True))
    return (await session.exec(query)).first()


async def chat_by_identity(
    *, session: AsyncSession, platform: str, external_id: str
) -> Chat | None:
    query = (
        select(Chat)
        .join(ChatIdentity, col(ChatIdentity.chat_id) == col(Chat.id))
        .where(ChatIdentity.platform == platform, ChatIdentity.external_id == external_id,
               col(Chat.active).is_(True))
    )
    return (await session.exec(query)).first()


async def chat_identity(*, session: AsyncSession, chat_id: int, platform: str) -> str | None:
    query = select(ChatIdentity.external_id).where(
        ChatIdentity.chat_id == chat_id, ChatIdentity.platform == platform)
    return (await session.exec(query)).first()


@dataclass(frozen=True)
class DirectoryIndex:
    """The directory as read at start: who and where each platform id is, and each
    person's and chat's id on each platform. Read-only; rebuilt when the app starts."""

    schools: Mapping[int, School] = field(default_factory=dict)
    people: Mapping[int, Person] = field(default_factory=dict)
    chats: Mapping[int, Chat] = field(default_factory=dict)
    people_by_identity: Mapping[tuple[str, str], tuple[int, ...]] = field(default_factory=dict)
    chat_by_identity: Mapping[tuple[str, str], int] = field(default_factory=dict)
    person_ids: Mapping[tuple[int, str], str] = field(default_factory=dict)
    chat_ids: Mapping[tuple[int, str], str] = field(default_factory=dict)

    def members(self, platform: str, external_id: str) -> list[Person]:
        """Every active person with this platform account (one per school), by id."""
        return [self.people[i] for i in self.people_by_identity.get((platform, external_id), ())
                if self.people[i].active]

    def chat(self, platform: str, external_id: str) -> Chat | None:
        found = self.chat_by_identity.get((platform, external_id))
        chat = self.chats.get(found) if found is not None else None
        return chat if chat is not None and chat.active else None

    def person_id_on(self, person_id: int, platform: str) -> str | None:
        return self.person_ids.get((person_id, platform))

    def chat_id_on(self, chat_id: int, platform: str) -> str | None:
        return self.chat_ids.get((chat_id, platform))


async def load_index(*, session: AsyncSession) -> DirectoryIndex:
    """Read the whole directory once (a few queries, whatever its size)."""
    schools = {s.id: s for s in await session.exec(select(School)) if s.id is not None}
    people = {p.id: p for p in await session.exec(select(Person)) if p.id is not None}
    chats = {c.id: c for c in await session.exec(select(Chat)) if c.id is not None}
    person_ids = {(i.person_id, i.platform): i.external_id
                  for i in await session.exec(select(PersonIdentity))}
    chat_ids = {(i.chat_id, i.platform): i.external_id
                for i in await session.exec(select(ChatIdentity))}
    for person in people.values():
        person_ids[(_id(person), CONSOLE)] = console_id(schools[person.school_id], person.handle)
    for chat in chats.values():
        chat_ids[(_id(chat), CONSOLE)] = console_id(schools[chat.school_id], chat.name)
    by_identity: dict[tuple[str, str], list[int]] = {}
    for (person_id, platform), external in sorted(person_ids.items()):
        by_identity.setdefault((platform, external), []).append(person_id)
    return DirectoryIndex(
        schools=schools, people=people, chats=chats,
        people_by_identity={k: tuple(v) for k, v in by_identity.items()},
        chat_by_identity={(platform, external): chat_id
                          for (chat_id, platform), external in chat_ids.items()},
        person_ids=person_ids, chat_ids=chat_ids)


def console_id(school: School, name: str) -> str:
    """A person's or chat's id on the built-in console platform."""
    return f"{school.slug}/{name}"


def _id(row: Person | Chat) -> int:
    assert row.id is not None
    return row.id
