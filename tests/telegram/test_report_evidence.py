"""Evidence over the (fake) Bot API, with the real features: a photo sent in private
during a report is downloaded (getFile and the file path), kept encrypted, and sent to
the DSL privately with /view (sendDocument); nothing sent in a group is downloaded;
a file past the limit is refused without being fetched; someone unknown with a worry
is told how to raise it."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlmodel import select

from bot.app import App
from bot.platforms.telegram import TelegramAdapter, build_bot
from bot.settings import Settings
from storage.report_models import Report, ReportEvidence
from tests.support.fake_telegram import FakeTelegram, Updates
from tests.telegram.conftest import ALICE, DSL, PTA, STAFF_ROOM, STRANGER, Sleeps

PHOTO = b"\xff\xd8\xff fake jpeg of a message from an adult " * 40


@pytest.fixture
async def reporting(app: App, telegram_settings: Settings,
                    sleeps: Sleeps) -> AsyncIterator[TelegramAdapter]:
    """The Telegram adapter over the app with its real features."""
    application = dataclasses.replace(app, settings=telegram_settings)
    adapter = TelegramAdapter(application, build_bot(telegram_settings), sleep=sleeps)
    await adapter.start()
    yield adapter
    await adapter.close()


async def _say(adapter: TelegramAdapter, updates: Updates, *texts: str, user: int = ALICE,
               chat: int = ALICE) -> None:
    for text in texts:
        await adapter.handle(updates.message(user=user, chat=chat, text=text), at_once=True)


def _photo(fake: FakeTelegram, updates: Updates, *, chat: int = ALICE, size: int | None = None,
           caption: str | None = None) -> dict[str, Any]:
    update = updates.media(user=ALICE, chat=chat, caption=caption,
                           size=len(PHOTO) if size is None else size)
    fake.add_file(update["message"]["photo"][0]["file_id"], PHOTO)
    return update


async def _rows(adapter: TelegramAdapter, model: type[Report] | type[ReportEvidence]) -> list[Any]:
    async with adapter.app.services.db.session() as session:
        return list(await session.exec(select(model)))


async def test_a_photo_during_a_report_reaches_the_dsl_privately_with_view(
    reporting: TelegramAdapter, fake: FakeTelegram, updates: Updates,
) -> None:
    await _say(reporting, updates, "/report", "Safeguarding concern", "A pupil", "Today",
               "An adult messaged a pupil", "Skip")
    photo = _photo(fake, updates)
    await reporting.handle(photo, at_once=True)
    assert fake.downloads == [f"files/{photo['message']['photo'][0]['file_id']}"]
    assert fake.sent(ALICE)[-1].text.startswith("Kept photo-1.jpg (")
    await _say(reporting, updates, "Done", "Send")
    [report] = await _rows(reporting, Report)
    [kept] = await _rows(reporting, ReportEvidence)
    assert kept.report_id == report.id
    assert reporting.app.services.cipher.decrypt_bytes(kept.content_enc) == PHOTO

    await _say(reporting, updates, f"/view {report.reference}", user=DSL, chat=DSL)
    await reporting.pipeline.deliverer.deliver_due()
    [document] = fake.calls_to("sendDocument", DSL)
    assert document.files["document"] == ("photo-1.jpg", PHOTO)
    assert document.text == f"Evidence 1 of 1 for #{report.reference}: photo-1.jpg"
    assert all(c.chat_id in (str(ALICE), str(DSL)) for c in fake.sent())


async def test_nothing_sent_in_a_group_is_downloaded(
    reporting: TelegramAdapter, fake: FakeTelegram, updates: Updates,
) -> None:
    await _say(reporting, updates, "/report")  # a draft is open, in private
    await reporting.handle(_photo(fake, updates, chat=STAFF_ROOM, caption="@PolicyTestBot look"),
                           at_once=True)
    assert fake.calls_to("getFile") == []
    assert fake.downloads == []
    assert await _rows(reporting, ReportEvidence) == []


async def test_a_file_past_the_limit_is_refused_without_being_fetched(
    reporting: TelegramAdapter, fake: FakeTelegram, updates: Updates,
) -> None:
    await _say(reporting, updates, "/report", "Something else", "A pupil", "Today", "x", "Skip")
    await reporting.handle(_photo(fake, updates, size=25 * 1024 * 1024), at_once=True)
    assert fake.calls_to("getFile") == []
    assert fake.sent(ALICE)[-1].text.startswith(
        "That file is 25.0 MB, and I can keep files up to 10.0 MB.")
    assert await _rows(reporting, ReportEvidence) == []


async def test_someone_unknown_with_a_worry_is_told_how_to_raise_it(
    reporting: TelegramAdapter, fake: FakeTelegram, updates: Updates,
) -> None:
    await _say(reporting, updates, "/report", user=STRANGER, chat=PTA)
    [reply] = fake.sent(PTA)
    assert reply.text.startswith("I don't know who you are yet, so I can't take a report from "
                                 "you here. If you're worried about a child, please don't wait: "
                                 "tell the school office. The school's Designated Safeguarding "
                                 "Lead is Dee Lead.")
