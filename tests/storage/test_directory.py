"""Mirroring the school config into the directory tables."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from bot.app import App
from bot.config import SchoolsConfig
from handlers.events import ChatKind
from handlers.identity import identify
from storage import directory
from storage.models import Chat, ChatIdentity, Person, PersonIdentity, School
from storage.roles import Role


async def test_identities_resolve_people_and_chats(app: App) -> None:
    async with app.services.db.session() as session:
        found = await identify(session=session, index=app.services.directory,
                               platform="telegram", user_id="2004",
                               display_name="x", chat_kind=ChatKind.GROUP,
                               platform_chat_id="-1002001")
    assert found.school is not None
    assert found.school.slug == "croughton"
    assert (found.sender.handle, found.sender.role) == ("alice", Role.STAFF)
    assert (found.chat.name, found.chat.audience) == ("staff-room", "staff")


async def test_strangers_and_unknown_chats_get_least_privilege(app: App) -> None:
    async with app.services.db.session() as session:
        stranger = await identify(session=session, index=app.services.directory,
                               platform="telegram", user_id="424242",
                                  display_name="Eve", chat_kind=ChatKind.GROUP,
                                  platform_chat_id="-999")
        # alice of croughton writing in st-lukes' staff room is a stranger there
        elsewhere = await identify(session=session, index=app.services.directory,
                               platform="telegram", user_id="2004",
                                   display_name="x", chat_kind=ChatKind.GROUP,
                                   platform_chat_id="-1001001")
    assert stranger.school is None
    assert stranger.sender.role is None
    assert stranger.chat.audience is None
    assert elsewhere.school is not None
    assert elsewhere.school.slug == "st-lukes"
    assert elsewhere.sender.person_id is None


async def test_resync_updates_and_deactivates(app: App, demo_config: SchoolsConfig) -> None:
    school = demo_config.schools[1]
    changed = school.model_copy(update={
        "people": tuple(p.model_copy(update={"name": "Alice Renamed"}) if p.handle == "alice"
                        else p for p in school.people if p.handle != "bob"),
    })
    async with app.services.db.session() as session:
        await directory.sync_directory(session=session, schools=[changed])
    async with app.services.db.session() as session:
        row = await directory.school_by_slug(session=session, slug="croughton")
        assert row is not None
        assert row.id is not None
        alice = await directory.person_by_handle(session=session, school_id=row.id,
                                                 handle="alice")
        bob = await directory.person_by_handle(session=session, school_id=row.id, handle="bob")
        by_id = await directory.people_by_identity(session=session, platform="telegram",
                                                   external_id="2005")
    assert alice is not None
    assert alice.name == "Alice Renamed"
    assert bob is None
    assert by_id == []


@dataclass(frozen=True)
class _Person:
    handle: str
    name: str
    role: str
    platform_ids: dict[str, str]


@dataclass(frozen=True)
class _Chat:
    name: str
    audience: str
    platform_ids: dict[str, str]


@dataclass(frozen=True)
class _School:
    slug: str
    name: str
    timezone: str
    people: tuple[_Person, ...]
    chats: tuple[_Chat, ...]


async def test_a_second_sync_adds_changes_moves_and_deactivates(app: App) -> None:
    """The sync works a school at a time, in a few statements: an id that changed is
    replaced, one that moved to someone else moves, someone gone is kept inactive."""
    def school(people: tuple[_Person, ...], chat_id: str) -> _School:
        return _School("sync-test", "Sync Test School", "Europe/London", people,
                       (_Chat("staff", "staff", {"telegram": chat_id}),))
    first = school((_Person("ann", "Ann", "staff", {"telegram": "1", "slack": "UANN"}),
                    _Person("bob", "Bob", "staff", {"telegram": "2"})), "-100")
    second = school((_Person("ann", "Ann A", "dsl", {"telegram": "3", "slack": "UANN"}),
                     _Person("cat", "Cat", "staff", {"telegram": "2"})), "-200")
    for spec in (first, second):
        async with app.services.db.session() as session:
            await directory.sync_directory(session=session, schools=[spec])
    async with app.services.db.session() as session:
        people = {p.handle: p for p in await session.exec(select(Person).join(School).where(
            School.slug == "sync-test"))}
        ids = {(p.handle, i.platform, i.external_id) for p, i in await session.exec(
            select(Person, PersonIdentity).join(PersonIdentity).join(School).where(
                School.slug == "sync-test"))}
        chat_ids = set(await session.exec(select(ChatIdentity.external_id).join(Chat).join(
            School).where(School.slug == "sync-test")))
    assert {h: (p.name, p.role, p.active) for h, p in people.items()} == {
        "ann": ("Ann A", "dsl", True), "bob": ("Bob", "staff", False),
        "cat": ("Cat", "staff", True)}
    assert ids == {("ann", "telegram", "3"), ("ann", "slack", "UANN"),
                   ("bob", "telegram", "2"), ("cat", "telegram", "2")}
    assert chat_ids == {"-200"}
