"""The Slack app manifest an admin pastes: valid YAML that offers every chat command,
sends every request to the one endpoint, and subscribes to what the adapter reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from handlers import build_router

MANIFEST = Path(__file__).resolve().parents[2] / "slack-app-manifest.yaml"
TELEGRAM_ONLY = {"start"}  # Telegram's deep links arrive as /start


def _manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(MANIFEST.read_text())
    return loaded


def test_every_chat_command_is_a_slash_command_at_the_one_endpoint() -> None:
    commands = _manifest()["features"]["slash_commands"]
    names = {c["command"].lstrip("/") for c in commands}
    assert names == {c.name for c in build_router().commands} - TELEGRAM_ONLY
    assert {c["url"].rpartition("/slack/")[2] for c in commands} == {"events"}
    assert all(len(c["description"]) <= 100 for c in commands)


def test_events_interactivity_and_home_are_set_up() -> None:
    manifest = _manifest()
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_home_opened", "app_mention", "message.im"}
    assert settings["interactivity"]["is_enabled"]
    assert settings["event_subscriptions"]["request_url"].endswith("/slack/events")
    assert manifest["features"]["app_home"]["home_tab_enabled"]
    assert {"chat:write", "commands", "files:write", "im:write"} <= set(
        manifest["oauth_config"]["scopes"]["bot"])
