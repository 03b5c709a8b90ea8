"""Typed settings read from the environment (names as in the design).

Built once in the CLI entry point and passed down; never at import time.
Secrets are ``SecretStr`` so they never appear in a repr, a log line or an error.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org/bot"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_PORT = 8080
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Telegram's rule for setWebhook's secret_token: 1-256 of these characters.
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class SettingsError(Exception):
    """The environment holds an unusable value; ``problems`` are ``VARIABLE: what is wrong``
    lines, which never quote the value (it may be a secret)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


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
    log_format: Literal["text", "json"] = Field(default="text", alias="POLICYBOT_LOG_FORMAT")
    port: int = Field(default=DEFAULT_PORT, ge=0, le=65535, alias="PORT")
    demo: bool = Field(default=False, alias="POLICYBOT_DEMO")
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

    @field_validator("log_level", mode="before")
    @classmethod
    def _known_level(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().upper() in LOG_LEVELS:
            return value.strip().upper()
        raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_format(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() in ("text", "json"):
            return value.strip().lower()
        raise ValueError("must be text or json")

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("must be 1 to 256 of the characters A-Z a-z 0-9 _ - (Telegram's "
                             "rule); make one with: python -c 'import secrets; "
                             "print(secrets.token_urlsafe(32))'")
        return value

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


def load_settings() -> Settings:
    """Settings from the environment, or :class:`SettingsError` naming each bad variable."""
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError([_describe(error) for error in exc.errors()]) from None


def _describe(error: object) -> str:
    assert isinstance(error, dict)
    name = str(error["loc"][0]) if error.get("loc") else "(environment)"
    field = Settings.model_fields.get(name)
    variable = field.alias if field is not None and field.alias else name.upper()
    return f"{variable}: {str(error['msg']).removeprefix('Value error, ')}"
