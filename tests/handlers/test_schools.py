"""Someone in two schools of one trust: a group decides the school; in private, the
school they last used or chose with /school."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.delivery import Deliverer
from bot.settings import Settings, bundled_demo_config
from handlers.actions import Action
from handlers.events import ChatKind, Event
from handlers.identity import Identity, identify
from handlers.replies import Button, Message
from tests.conftest import TEST_KEY
from tests.support.messengers import RecordingMessenger
from tests.support.outbox import queue_for

SHARED_CHAIR = "1003"  # St Luke's chair's Telegram id, given to Croughton's chair too
CROUGHTON_STAFF_ROOM = "-1002001"


@pytest.fixture
async def trust(database_url: str, tmp_path: Path) -> AsyncIterator[App]:
    demo = bundled_demo_config()
    text = demo.read_text().replace("role: chair_of_governors, telegram: 2003",
                                    f"role: chair_of_governors, telegram: {SHARED_CHAIR}")
    assert text != demo.read_text()
    text = text.replace("[samples/", f"[{demo.parent}/samples/").replace(
        "faq: faq/", f"faq: {demo.parent}/faq/")
    config = tmp_path / "trust.yaml"
    config.write_text(text)
    settings = Settings.model_validate({
        "DATABASE_URL": database_url, "POLICYBOT_DATA_DIR": str(tmp_path / "data"),
        "POLICYBOT_CONFIG": str(config), "POLICYBOT_ENCRYPTION_KEY": TEST_KEY})
    application = await build_app(settings, migrate=False, with_answers=False)
    yield application
    await application.close()


async def who(app: App, kind: ChatKind, chat: str) -> Identity:
    async with app.services.db.session() as session:
        return await identify(session=session, index=app.services.directory,
                              platform="telegram", user_id=SHARED_CHAIR,
                              display_name="Chris", chat_kind=kind, platform_chat_id=chat)


async def private_event(app: App, command: str | None, action: str | None = None) -> Event:
    found = await who(app, ChatKind.PRIVATE, SHARED_CHAIR)
    return Event(platform="telegram", school=found.school, sender=found.sender,
                 chat=found.chat, command=command,
                 action=Action.parse(action) if action else None)


async def test_a_group_decides_and_private_follows_the_last_group(trust: App) -> None:
    assert (await who(trust, ChatKind.PRIVATE, SHARED_CHAIR)).school.slug == "st-lukes"  # type: ignore[union-attr]
    in_group = await who(trust, ChatKind.GROUP, CROUGHTON_STAFF_ROOM)
    assert in_group.school is not None
    assert in_group.school.slug == "croughton"
    private = await who(trust, ChatKind.PRIVATE, SHARED_CHAIR)
    assert private.school is not None
    assert private.school.slug == "croughton"
    assert private.sender.person_id == in_group.sender.person_id


async def test_school_lists_and_switches(trust: App) -> None:
    replies = await trust.router.dispatch(trust.services, await private_event(trust, "school"))
    assert replies[0].message.text == (
        "In private chats you're acting for St Luke's Primary School. Switch to:")
    assert [b.action for b in replies[0].message.buttons] == ["school:croughton"]
    pressed = await private_event(trust, None, "school:croughton")
    replies = await trust.router.dispatch(trust.services, pressed)
    assert replies[0].message.text == (
        "Done: in private chats you're now acting for Croughton All Saints CE Primary School.")
    assert (await who(trust, ChatKind.PRIVATE, SHARED_CHAIR)).school.slug == "croughton"  # type: ignore[union-attr]
    forged = dataclasses.replace(pressed, action=Action.parse("school:lancastrian"))
    refused = await trust.router.dispatch(trust.services, forged)
    assert refused[0].message.text == "You don't belong to that school."


async def test_a_private_message_with_buttons_moves_private_to_its_school(trust: App) -> None:
    await queue_for(trust, key="k", handle="chair",
                    message=Message("A report for you", (Button("Read it", "x:1"),)))
    assert (await who(trust, ChatKind.PRIVATE, SHARED_CHAIR)).school.slug == "st-lukes"  # type: ignore[union-attr]
    report = await Deliverer(trust.services, [RecordingMessenger()]).deliver_due()
    assert report.sent == 1
    assert (await who(trust, ChatKind.PRIVATE, SHARED_CHAIR)).school.slug == "croughton"  # type: ignore[union-attr]
