"""Wiring: settings → config, database, cipher, answer engine, router → Services.

Everything is built here, once, and passed down; nothing at import time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from bot import startup
from bot.config import SchoolsConfig, load_config, policy_sources
from bot.keys import open_cipher
from bot.metrics import Metrics
from bot.settings import Settings
from handlers import build_router
from handlers.context import AnswerSource, Services
from handlers.router import Router
from policies.answer import Answer, Audience
from storage import db as database
from storage.directory import load_index, sync_directory

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class App:
    settings: Settings
    services: Services
    router: Router
    metrics: Metrics = field(default_factory=Metrics)

    async def close(self) -> None:
        await self.services.db.dispose()


def build_answer_engine(config: SchoolsConfig) -> AnswerSource:
    """The policy answer engine over every configured school's policy and FAQ."""
    from policies.engine import AnswerEngine

    return AnswerEngine.build(policy_sources(config))


async def build_app(settings: Settings, *, migrate: bool | None = None,
                    with_answers: bool = True) -> App:
    """Check the set-up (:mod:`bot.startup`), load and check everything, apply migrations
    (SQLite by default), check the encryption keys, sync the directory."""
    startup.check(settings)
    config = load_config(settings.config_path)
    url = settings.resolved_database_url
    if migrate if migrate is not None else settings.uses_default_sqlite:
        await asyncio.to_thread(database.upgrade, url)
    db = database.Database(url)
    try:
        cipher = await open_cipher(settings, db, now=dt.datetime.now(dt.UTC))
        async with db.session() as session:
            await sync_directory(session=session, schools=config.schools)
            index = await load_index(session=session)
        answers = await asyncio.to_thread(build_answer_engine, config) if with_answers else None
    except BaseException:
        await db.dispose()
        raise
    metrics = Metrics()
    services = Services(db=db, config=config, cipher=cipher,
                        answers=TimedAnswers(answers, metrics) if answers else None,
                        directory=index)
    return App(settings=settings, services=services, router=build_router(), metrics=metrics)


@dataclass(frozen=True)
class TimedAnswers:
    """The answer engine, timed for ``/metrics``."""

    engine: AnswerSource
    metrics: Metrics

    def answer(self, *, school: str, question: str, audience: Audience) -> Answer:
        with self.metrics.timed(self.metrics.answer_seconds):
            return self.engine.answer(school=school, question=question, audience=audience)

    def __getattr__(self, name: str) -> Any:  # the engine's other views (review dates...)
        return getattr(self.engine, name)
