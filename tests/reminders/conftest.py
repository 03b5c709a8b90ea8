"""A one-school config whose policy file a test may edit, an app built on it (on
SQLite and PostgreSQL), a clock to run it at, and a messenger that records."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.app import App, build_app
from bot.delivery import RateLimit
from bot.settings import Settings, bundled_demo_config
from handlers.replies import Message
from storage.models import Chat, OutboxMessage, Person
from tests.conftest import TEST_KEY, ConsoleDriver

LONDON_MONDAY = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)  # 09:00 GMT

CONFIG = """\
schools:
  - slug: croughton
    name: Croughton All Saints CE Primary School
    timezone: Europe/London
    policies: [croughton.txt]
    holidays: [2026-12-21, 2026-12-22, 2026-12-23, 2026-12-24, 2026-12-25, 2026-12-28,
               2026-12-29, 2026-12-30, 2026-12-31, 2027-01-01]
{extra}    people:
      - {{handle: head, name: Head Teacher, role: headteacher, telegram: 2001}}
      - {{handle: dsl, name: Dee Lead, role: dsl, telegram: 2002}}
      - {{handle: chair, name: Chris Chair, role: chair_of_governors, telegram: 2003}}
      - {{handle: alice, name: Alice Ames, role: staff, telegram: 2004}}
      - {{handle: bob, name: Bob Brown, role: staff, telegram: 2005}}
      - {{handle: pat, name: Pat Parent, role: parent, telegram: 2006}}
    chats:
      - {{name: staff-room, audience: staff, telegram: -1002001}}
"""


@pytest.fixture
def school_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "school"
    directory.mkdir()
    source = bundled_demo_config().parent / "samples" / "croughton.txt"
    shutil.copyfile(source, directory / "croughton.txt")
    return directory


def write_config(directory: Path, extra: str = "") -> Path:
    path = directory / "schools.yaml"
    path.write_text(CONFIG.format(extra=extra), encoding="utf-8")
    return path


@pytest.fixture
def school_settings(database_url: str, school_dir: Path, tmp_path: Path) -> Settings:
    return Settings.model_validate({
        "DATABASE_URL": database_url, "POLICYBOT_DATA_DIR": str(tmp_path / "data"),
        "POLICYBOT_CONFIG": str(write_config(school_dir)), "POLICYBOT_ENCRYPTION_KEY": TEST_KEY,
    })


@pytest.fixture
async def school(school_settings: Settings) -> AsyncIterator[App]:
    """Croughton alone, on a copy of its policy, built as ``policybot`` builds it."""
    application = await build_app(school_settings, migrate=False, with_answers=False)
    yield application
    await application.close()


def at(application: App, moment: dt.datetime) -> App:
    """The same app with its clock stopped at ``moment``."""
    services = dataclasses.replace(application.services, clock=lambda: moment)
    return dataclasses.replace(application, services=services)


def console_at(application: App, moment: dt.datetime, handle: str) -> ConsoleDriver:
    return ConsoleDriver(at(application, moment), "croughton", handle, "dm")


class Recorder:
    """A platform that records what it was asked to send."""

    platform = "test"
    rate_limit: RateLimit | None = None

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def to_person(self, person: Person, message: Message) -> bool:
        self.sent.append((person.handle, message.text))
        return True

    async def to_chat(self, chat: Chat, message: Message) -> bool:
        self.sent.append((chat.name, message.text))
        return True


async def outbox_rows(application: App, prefix: str = "") -> list[tuple[str, str, dt.datetime]]:
    """``(key, status, available_at)`` of every outbox row whose key starts with ``prefix``."""
    async with application.services.db.session() as session:
        rows = await session.exec(select(OutboxMessage)
                                  .where(col(OutboxMessage.key).startswith(prefix))
                                  .order_by(col(OutboxMessage.id)))
        return [(r.key, r.status, r.available_at) for r in rows]


async def run_at(application: App, moment: dt.datetime) -> Recorder:
    """One reminder pass at ``moment``: plan, then deliver to a recorder."""
    from bot.delivery import Deliverer
    from bot.scheduler import run_pass

    services = at(application, moment).services
    recorder = Recorder()
    await run_pass(services, Deliverer(services, [recorder]), now=moment)
    return recorder


def who(recorder: Recorder, about: str = "") -> list[str]:
    """Who was sent a message containing ``about``, sorted."""
    return sorted(handle for handle, text in recorder.sent if about in text)


def texts(recorder: Recorder, about: str) -> list[str]:
    return [text for _, text in recorder.sent if about in text]


NUDGE, SUMMARY, REVIEW = "/ack here", "Policy acknowledgements:", "for review"
