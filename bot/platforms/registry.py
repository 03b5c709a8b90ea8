"""The platforms PolicyBot can run on: one line each.

The runner, the HTTP server, the reminder CLI, the school config and the directory
loop over these; nothing else names a platform. Each entry is the platform's name
(also its key in the school config: ``telegram: 1001`` on a person or chat, and
``<name>_team`` on a school for a workspace id) and the module that holds its
:class:`~bot.platforms.base.PlatformPlugin` as ``PLUGIN``. Modules are imported only
when their platform is used, so a platform's SDK costs nothing otherwise.

The console platform is built in (``policybot chat``) and needs no entry.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.platforms.base import PlatformPlugin
    from bot.settings import Settings

__all__ = ["NAMES", "PLATFORMS", "configured", "home_platforms", "plugin", "plugins"]

PLATFORMS: dict[str, str] = {
    "telegram": "bot.platforms.telegram",
    "slack": "bot.platforms.slack",
}
NAMES: tuple[str, ...] = tuple(PLATFORMS)


def plugin(name: str) -> PlatformPlugin:
    """The plugin of the platform called ``name``."""
    module = importlib.import_module(PLATFORMS[name])
    found: PlatformPlugin = module.PLUGIN
    return found


def plugins() -> list[PlatformPlugin]:
    """Every platform's plugin, in registry order."""
    return [plugin(name) for name in PLATFORMS]


def configured(settings: Settings) -> list[PlatformPlugin]:
    """The platforms whose tokens are set."""
    return [p for p in plugins() if p.configured(settings)]


def home_platforms(settings: Settings) -> tuple[str, ...]:
    """The configured platforms that show people a home view (Slack's App Home)."""
    return tuple(p.name for p in configured(settings) if getattr(p, "shows_home", False))
