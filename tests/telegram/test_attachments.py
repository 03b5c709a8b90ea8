"""Photos, screenshots, files and voice notes: the bot reads only text, and says so
instead of dropping them silently; a caption is read as the message's text."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.app import App
from handlers.router import CAPTION_ONLY, TEXT_ONLY, TEXT_ONLY_GROUP
from storage.models import Conversation
from storage.update_models import ProcessedUpdate
from tests.support.fake_telegram import FakeTelegram, Updates
from tests.telegram.conftest import ALICE, HEAD, STAFF_ROOM, Webhook

DETAILS = "Screenshot of the message a parent sent me"


async def _flow_state(app: App) -> list[tuple[str, dict[str, object]]]:
    async with app.services.db.session() as session:
        return [(c.kind, c.state) for c in await session.exec(select(Conversation))]


@pytest.mark.parametrize("kind", ["photo", "document", "voice", "sticker"])
async def test_something_without_text_in_private_is_answered_and_changes_nothing(
    webhook: Webhook, updates: Updates, fake: FakeTelegram, telegram_app: App, kind: str,
) -> None:
    await webhook.post(updates.message(user=ALICE, chat=ALICE, text="/tflow"))
    await webhook.post(updates.press(user=ALICE, chat=ALICE, data="tflow:kind:friend"))
    before = await _flow_state(telegram_app)
    assert await webhook.post(updates.media(user=ALICE, chat=ALICE, kind=kind)) == 200
    assert fake.sent(ALICE)[-1].text == TEXT_ONLY
    assert await _flow_state(telegram_app) == before  # still waiting for the details
    await webhook.post(updates.message(user=ALICE, chat=ALICE, text=DETAILS))
    assert fake.sent(ALICE)[-1].text == "Thank you. I've sent it to the Headteacher."


async def test_a_caption_is_read_as_the_text_and_the_attachment_is_mentioned(
    telegram_app: App, webhook: Webhook, updates: Updates, fake: FakeTelegram,
) -> None:
    await webhook.post(updates.message(user=ALICE, chat=ALICE, text="/tflow"))
    await webhook.post(updates.press(user=ALICE, chat=ALICE, data="tflow:kind:other"))
    await webhook.post(updates.media(user=ALICE, chat=ALICE, caption=DETAILS))
    assert [c.text for c in fake.sent(ALICE)][-2:] == [
        CAPTION_ONLY, "Thank you. I've sent it to the Headteacher."]
    async with telegram_app.services.db.session() as session:
        assert list(await session.exec(select(Conversation))) == []  # the flow finished
    await webhook.post(updates.media(user=ALICE, chat=STAFF_ROOM, caption="/whoami"))
    [reply] = fake.sent(STAFF_ROOM)  # a command in a caption is a command
    assert reply.text.startswith("You are Alice Ames (staff)")
    assert fake.sent(HEAD) == []  # (the notice goes through the outbox, not delivered here)


async def test_in_a_group_only_what_is_addressed_to_the_bot_is_answered(
    webhook: Webhook, updates: Updates, fake: FakeTelegram, telegram_app: App,
) -> None:
    await webhook.post(updates.media(user=ALICE, chat=STAFF_ROOM))
    async with telegram_app.services.db.session() as session:
        assert list(await session.exec(select(ProcessedUpdate))) == []  # not even looked at
    await webhook.post(updates.media(user=ALICE, chat=STAFF_ROOM, caption="our trip!"))
    assert fake.sent() == []  # chatter, like the same words typed
    await webhook.post(updates.media(user=ALICE, chat=STAFF_ROOM, kind="voice",
                                     reply_to_bot=True))
    assert [c.text for c in fake.sent()] == [TEXT_ONLY_GROUP]
    assert fake.sent()[0].chat_id == str(STAFF_ROOM)


async def test_a_photo_sent_twice_is_answered_once(webhook: Webhook, updates: Updates,
                                                   fake: FakeTelegram) -> None:
    photo = updates.media(user=ALICE, chat=ALICE)
    assert [await webhook.post(photo), await webhook.post(photo)] == [200, 200]
    assert [c.text for c in fake.sent(ALICE)] == [TEXT_ONLY]
