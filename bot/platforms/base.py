"""What a platform plugin provides, so the runner, the server and the reminder CLI can
treat every platform alike (see :mod:`bot.platforms.registry`).

A plugin says whether its platform is configured (its tokens are set), what would
stop it starting, and starts it: the started platform has a messenger for the
outbox, web routes for ``policybot serve``, and a way to receive updates without a
public URL for ``policybot run`` (Telegram long polling, Slack Socket Mode).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from aiohttp import web

if TYPE_CHECKING:
    from bot.app import App
    from bot.delivery import Replier
    from bot.settings import Settings

__all__ = ["PlatformPlugin", "PlatformSetupError", "Route", "RunningPlatform", "WebHandler"]

WebHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class PlatformSetupError(Exception):
    """A platform can't start with these settings (a rejected token, an unreachable
    API, a webhook it refused). The message is one line, safe to show: no secret."""


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str
    handler: WebHandler


class RunningPlatform(Protocol):
    """A started platform."""

    @property
    def name(self) -> str: ...

    @property
    def messenger(self) -> Replier: ...

    def routes(self) -> Sequence[Route]:
        """The endpoints ``policybot serve`` mounts for this platform."""
        ...

    async def serving(self) -> None:
        """Called once ``serve`` is about to take requests (e.g. register the webhook)."""
        ...

    async def receive(self, stop: asyncio.Event) -> None:
        """``policybot run``: take updates without a public URL until ``stop`` is set."""
        ...

    async def settled(self) -> None:
        """Wait until replies being sent in the background are sent."""
        ...

    async def close(self) -> None: ...


class PlatformPlugin(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def unconfigured(self) -> str:
        """Why its endpoints answer 503 where it isn't configured (which tokens to set)."""
        ...

    @property
    def web_paths(self) -> tuple[str, ...]:
        """The paths ``serve`` answers for this platform (503 when it isn't configured)."""
        ...

    def configured(self, settings: Settings) -> bool:
        """Whether this platform's tokens are set."""
        ...

    def problems(self, settings: Settings, *, serving: bool) -> list[str]:
        """What stops this configured platform from starting (one line each)."""
        ...

    def messenger(self, app: App) -> contextlib.AbstractAsyncContextManager[Replier]:
        """Just the outbox side, connected, for one-off runs (``reminders run-due``)."""
        ...

    async def start(self, app: App, *, wake: Callable[[], None] | None,
                    serving: bool) -> RunningPlatform:
        """Connect; ``wake`` is the outbox pump's (for mail a handler queued); ``serving``
        says whether updates will arrive by webhook (``serve``) or ``receive`` (``run``).
        Raises :class:`PlatformSetupError`."""
        ...
