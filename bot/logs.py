"""Logging: one handler on stderr, plain text or JSON lines, and never a secret or anything
a person typed, at any level.

Three things keep that promise (README, section Security):

- PolicyBot's own log calls say what happened and name updates, people and chats by
  id, never by what was written (a test runs a report flow at DEBUG and searches the
  log for what was typed);
- every other library's records below WARNING are dropped, whatever
  ``POLICYBOT_LOG_LEVEL`` says: python-telegram-bot and httpx log each request with
  its URL (which holds the bot token) and parameters (which hold message text),
  SQLAlchemy its statements' parameters, Alembic nine lines per start;
- as a last line of defence, each secret in Settings is replaced by ``[redacted]``
  in whatever is written (a token quoted in a library's exception, say).

:func:`configure` is called once, by the command line, with the settings it built.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from typing import TextIO

from pydantic import SecretStr
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.settings import Settings

__all__ = ["OWN_LOGGERS", "QUIET_LOGGERS", "REDACTED", "configure", "secrets_of"]

OWN_LOGGERS = ("bot", "handlers", "policies", "storage", "benchmarks", "__main__")
# Held at WARNING by level as well as by the filter, so their DEBUG records are not even
# built (python-telegram-bot formats every request's parameters).
QUIET_LOGGERS = ("telegram", "httpx", "httpcore", "hpack", "aiosqlite", "sqlalchemy",
                 "alembic", "aiohttp", "asyncio", "psycopg", "slack_bolt", "slack_sdk",
                 "urllib3", "bm25s", "multipart", "holidays")
REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 6  # shorter values would redact ordinary words
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = ("asctime", "levelname", "name", "message")
JSON_NAMES = {"asctime": "time", "levelname": "level", "name": "logger"}
_HANDLER_NAME = "policybot"


def configure(settings: Settings, *, quiet: bool = False, stream: TextIO | None = None) -> None:
    """Send log records to ``stream`` (stderr) at POLICYBOT_LOG_LEVEL (WARNING when
    ``quiet``: interactive commands), formatted as POLICYBOT_LOG_FORMAT."""
    level = logging.WARNING if quiet else logging.getLevelNamesMapping()[settings.log_level]
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.name = _HANDLER_NAME
    handler.setLevel(level)
    handler.addFilter(_own_or_warning)
    inner = _json_formatter() if settings.log_format == "json" else logging.Formatter(TEXT_FORMAT)
    handler.setFormatter(RedactingFormatter(inner, secrets_of(settings)))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.name == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))


def _own_or_warning(record: logging.LogRecord) -> bool:
    """PolicyBot's own records at any level; other libraries' from WARNING up."""
    return (record.levelno >= logging.WARNING
            or record.name.partition(".")[0] in OWN_LOGGERS)


def _json_formatter() -> logging.Formatter:
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter(list(JSON_FIELDS), rename_fields=JSON_NAMES)


class RedactingFormatter(logging.Formatter):
    """Formats with ``inner``, then replaces every secret in the result."""

    def __init__(self, inner: logging.Formatter, secrets: Iterable[str]) -> None:
        super().__init__()
        self.inner = inner
        forms = {form for secret in secrets if len(secret) >= MIN_SECRET_LENGTH
                 for form in (secret, json.dumps(secret)[1:-1])}
        self.secrets = sorted(forms, key=len, reverse=True)  # a longer secret first

    def format(self, record: logging.LogRecord) -> str:
        text = self.inner.format(record)
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text


def secrets_of(settings: Settings) -> list[str]:
    """Every secret value the settings hold: tokens, the webhook and signing secrets,
    each encryption key, the database password (and a bot token's part after the id)."""
    values = [v.get_secret_value() for v in _secret_fields(settings)]
    values += [key.strip() for value in list(values) for key in value.split(",")]
    values += [token.partition(":")[2] for token in values if ":" in token]
    password = _database_password(settings.database_url)
    if password:
        values.append(password)
    return [v for v in values if v]


def _secret_fields(settings: Settings) -> list[SecretStr]:
    fields = [settings.telegram_bot_token, settings.telegram_webhook_secret,
              settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token,
              settings.encryption_key]
    for space in (settings.slack_workspaces or {}).values():
        fields += [space.bot_token, space.signing_secret, space.app_token]
    return [f for f in fields if f is not None]


def _database_password(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return make_url(url).password
    except ArgumentError:
        return None
