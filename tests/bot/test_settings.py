"""Settings come from the environment with the design's names; secrets never show."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import DEFAULT_TELEGRAM_API_URL, Settings, bundled_demo_config


def test_defaults_give_a_working_demo(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DATABASE_URL", "POLICYBOT_CONFIG", "TELEGRAM_BOT_TOKEN", "TELEGRAM_API_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("POLICYBOT_DATA_DIR", str(tmp_path))
    settings = Settings()
    assert settings.config_path == bundled_demo_config()
    assert settings.resolved_database_url == f"sqlite+aiosqlite:///{tmp_path / 'policybot.db'}"
    assert settings.uses_default_sqlite
    assert settings.telegram_api_url == DEFAULT_TELEGRAM_API_URL


def test_environment_names_are_the_designs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:9/bot")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")
    settings = Settings()
    assert settings.resolved_database_url == "postgresql://u@h/db"
    assert not settings.uses_default_sqlite
    assert settings.telegram_api_url == "http://127.0.0.1:9/bot"
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"


def test_secrets_never_appear_in_repr_or_str(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "SLACK_BOT_TOKEN",
                 "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "POLICYBOT_ENCRYPTION_KEY"):
        monkeypatch.setenv(name, f"very-secret-{name}")
    settings = Settings()
    assert "very-secret" not in repr(settings)
    assert "very-secret" not in str(settings.model_dump())
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == "very-secret-TELEGRAM_BOT_TOKEN"
