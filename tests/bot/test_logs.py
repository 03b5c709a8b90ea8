"""Logging: PolicyBot's own records at the configured level, every other library's only
from WARNING up (whatever it sets for itself), and each secret redacted, in text and in
JSON lines."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import QUIET_LOGGERS, REDACTED, configure, secrets_of
from bot.settings import Settings

TOKEN = "123456:AAE-real-looking-token"
SECRET = "webhook_secret-42"
KEY = "5S1W0Oc2cB1ZJ7m8I0V0Y6m2g1v7nQmQbCVSdkWZkX0="
PASSWORD = "p@ss\"word"


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """configure() sets up the process's logging, as main does: undo it after each test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in (*QUIET_LOGGERS, "lib")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


def settings(**extra: str) -> Settings:
    return Settings.model_validate({
        "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "POLICYBOT_ENCRYPTION_KEY": f"{KEY},{KEY[::-1]}",
        "DATABASE_URL": "postgresql://bot:p%40ss%22word@db/policybot",
        "POLICYBOT_LOG_LEVEL": "debug", **extra})


def log_to(stream: io.StringIO, **extra: str) -> None:
    configure(settings(**extra), stream=stream)


def test_own_records_at_debug_other_libraries_only_from_warning() -> None:
    out = io.StringIO()
    log_to(out)
    logging.getLogger("bot.server").debug("own debug line")
    logging.getLogger("telegram.ext").debug("sendMessage text='what alice typed'")
    logging.getLogger("httpx").info("HTTP Request: POST http://api/botTOKEN/sendMessage")
    chatty = logging.getLogger("lib")
    chatty.setLevel(logging.DEBUG)  # a library that lowers its own level (bm25s does)
    chatty.info("lib info line")
    logging.getLogger("httpx").warning("httpx warning line")
    text = out.getvalue()
    assert "own debug line" in text
    assert "httpx warning line" in text
    for dropped in ("what alice typed", "HTTP Request", "lib info line"):
        assert dropped not in text
    assert logging.getLogger("telegram").getEffectiveLevel() == logging.WARNING


def test_every_secret_is_redacted_in_messages_and_tracebacks() -> None:
    out = io.StringIO()
    log_to(out)
    log = logging.getLogger("bot.test")
    log.warning("calling https://api.telegram.org/bot%s/setWebhook secret=%s", TOKEN, SECRET)
    try:
        raise RuntimeError(f"key {KEY} and {KEY[::-1]}, password {PASSWORD}")
    except RuntimeError:
        log.exception("failed")
    text = out.getvalue()
    for secret in (TOKEN, TOKEN.partition(":")[2], SECRET, KEY, KEY[::-1], PASSWORD):
        assert secret not in text
    assert text.count(REDACTED) == 5
    assert "Traceback" in text  # the traceback is kept, its secrets are not


def test_json_lines_carry_the_same_promise() -> None:
    out = io.StringIO()
    log_to(out, POLICYBOT_LOG_FORMAT="JSON")
    logging.getLogger("bot.test").info("registered with %s", SECRET)
    logging.getLogger("telegram").debug("text='what alice typed'")
    try:
        raise ValueError(f"token {TOKEN}")
    except ValueError:
        logging.getLogger("bot.test").exception("failed with %s", PASSWORD)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(r["level"], r["logger"]) for r in records] == [("INFO", "bot.test"),
                                                            ("ERROR", "bot.test")]
    assert records[0]["message"] == f"registered with {REDACTED}"
    assert {"time", "level", "logger", "message"} <= set(records[0])
    assert "ValueError" in records[1]["exc_info"]
    assert TOKEN not in out.getvalue()
    assert PASSWORD not in out.getvalue()
    assert json.dumps(PASSWORD)[1:-1] not in out.getvalue()


def test_quiet_commands_log_from_warning_and_reconfiguring_replaces_the_handler() -> None:
    first, second = io.StringIO(), io.StringIO()
    log_to(first)
    configure(settings(), quiet=True, stream=second)
    logging.getLogger("bot.test").info("an info line")
    logging.getLogger("bot.test").warning("a warning line")
    assert first.getvalue() == ""
    assert "an info line" not in second.getvalue()
    assert "a warning line" in second.getvalue()


def test_secrets_of_names_each_key_and_the_database_password() -> None:
    found = secrets_of(settings())
    assert {TOKEN, TOKEN.partition(":")[2], SECRET, KEY, KEY[::-1], PASSWORD} <= set(found)
    assert secrets_of(Settings.model_validate({"DATABASE_URL": "sqlite:///x.db"})) == []
