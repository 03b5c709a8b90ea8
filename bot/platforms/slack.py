"""The Slack platform (slack-bolt): placeholder until the adapter lands."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable

from bot.app import App
from bot.delivery import Replier
from bot.platforms.base import PlatformPlugin, PlatformSetupError, RunningPlatform
from bot.settings import Settings

PLATFORM = "slack"


class SlackPlugin:
    name = PLATFORM
    web_paths = ("/slack/events",)
    unconfigured = "Slack is not configured here: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET."

    def configured(self, settings: Settings) -> bool:
        return False

    def problems(self, settings: Settings, *, serving: bool) -> list[str]:
        return []

    @contextlib.asynccontextmanager
    async def messenger(self, app: App) -> AsyncIterator[Replier]:
        raise PlatformSetupError("Slack is not available yet")
        yield  # pragma: no cover

    async def start(self, app: App, *, wake: Callable[[], None] | None,
                    serving: bool) -> RunningPlatform:
        raise PlatformSetupError("Slack is not available yet")


PLUGIN: PlatformPlugin = SlackPlugin()
