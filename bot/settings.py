"""Typed settings read from the environment (names as in the design).

Built once in the CLI entry point and passed down; never at import time.
Secrets are ``SecretStr`` so they never appear in a repr, a log line or an error.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org/bot"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"


def bundled_demo_config() -> Path:
    """The demo config shipped with the package: the five sample schools."""
    return Path(__file__).resolve().parent.parent / "policies" / "demo_schools.yaml"


class SlackWorkspaceSettings(BaseModel):
    """One more Slack app (a school's own workspace): in ``SLACK_WORKSPACES`` by team id."""

    bot_token: SecretStr
    signing_secret: SecretStr | None = None
    app_token: SecretStr | None = None


class Settings(BaseSettings):
    """Everything PolicyBot reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    data_dir: Path = Field(default=Path(".policybot"), alias="POLICYBOT_DATA_DIR")
    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    config_path: Path = Field(default_factory=bundled_demo_config, alias="POLICYBOT_CONFIG")
    encryption_key: SecretStr | None = Field(default=None, alias="POLICYBOT_ENCRYPTION_KEY")
    log_level: str = Field(default="INFO", alias="POLICYBOT_LOG_LEVEL")
    #: how long a worker's claim on a message lasts: a message a dead worker claimed is
    #: sent by another this long after (and the delivery loop looks at least this often)
    delivery_lease_seconds: float = Field(default=120.0, ge=1.0, le=3600.0,
                                          alias="POLICYBOT_DELIVERY_LEASE_SECONDS")
    #: the platforms' flood limits, kept by the bot itself; off only for benchmarks
    #: against a local fake platform (a real platform then answers 429s)
    flood_control: bool = Field(default=True, alias="POLICYBOT_FLOOD_CONTROL")

    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_url: str = Field(default=DEFAULT_TELEGRAM_API_URL, alias="TELEGRAM_API_URL")
    telegram_webhook_secret: SecretStr | None = Field(
        default=None, alias="TELEGRAM_WEBHOOK_SECRET"
    )
    telegram_webhook_url: str | None = Field(default=None, alias="TELEGRAM_WEBHOOK_URL")

    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default=DEFAULT_SLACK_API_URL, alias="SLACK_API_URL")
    #: JSON: {"T0TEAM": {"bot_token": "xoxb-…", "signing_secret": "…", "app_token": "xapp-…"}}
    slack_workspaces: dict[str, SlackWorkspaceSettings] | None = Field(
        default=None, alias="SLACK_WORKSPACES")
    slack_policy_in_channel: bool = Field(default=True, alias="SLACK_POLICY_IN_CHANNEL")

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'policybot.db').resolve()}"

    @property
    def delivery_lease(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.delivery_lease_seconds)

    @property
    def uses_default_sqlite(self) -> bool:
        return self.database_url is None or self.database_url.startswith("sqlite")
