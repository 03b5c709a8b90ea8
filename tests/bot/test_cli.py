"""The command line as an admin meets it: --version, help that promises only what exists,
a bad environment variable named in one line (never its value), and ``db upgrade``
saying what it did without Alembic's chatter."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot import cli

runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(cli.app, ["--version"])
    assert (result.exit_code, result.output) == (0, f"policybot {version('policybot')}\n")


def test_run_help_promises_no_platform_that_is_not_there() -> None:
    result = runner.invoke(cli.app, ["run", "--help"], terminal_width=200)
    assert result.exit_code == 0
    assert "Slack" not in result.output
    assert "Socket Mode" not in result.output
    assert "Run the bot on each platform whose token is set" in result.output


@pytest.mark.parametrize(("variable", "value", "problem"), [
    ("TELEGRAM_WEBHOOK_SECRET", "has spaces & symbols!", "TELEGRAM_WEBHOOK_SECRET: must be 1 "
     "to 256 of the characters A-Z a-z 0-9 _ - (Telegram's rule)"),
    ("TELEGRAM_WEBHOOK_SECRET", "x" * 257, "TELEGRAM_WEBHOOK_SECRET: must be 1 to 256"),
    ("TELEGRAM_WEBHOOK_SECRET", "", "TELEGRAM_WEBHOOK_SECRET: must be 1 to 256"),
    ("PORT", "http", "PORT: Input should be a valid integer"),
    ("POLICYBOT_LOG_LEVEL", "chatty", "POLICYBOT_LOG_LEVEL: must be one of DEBUG, INFO"),
    ("POLICYBOT_LOG_FORMAT", "xml", "POLICYBOT_LOG_FORMAT: must be text or json"),
])
def test_a_bad_variable_is_named_in_one_line_without_its_value(
    variable: str, value: str, problem: str,
) -> None:
    result = runner.invoke(cli.app, ["serve"], env={variable: value})
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[0] == "The environment is not valid:"
    assert lines[1].startswith(problem)
    assert len(lines) == 2
    if value:
        assert value not in result.output
    assert "Traceback" not in result.output


def test_a_valid_webhook_secret_is_taken_as_it_is() -> None:
    from bot.settings import Settings

    for secret in ("a", "A-z_0-9" * 36 + "abcd", "x" * 256):
        settings = Settings.model_validate({"TELEGRAM_WEBHOOK_SECRET": secret})
        assert settings.telegram_webhook_secret is not None
        assert settings.telegram_webhook_secret.get_secret_value() == secret


def test_db_upgrade_says_what_it_did_and_nothing_else(tmp_path: Path) -> None:
    env = {**os.environ, "POLICYBOT_DATA_DIR": str(tmp_path), "POLICYBOT_LOG_LEVEL": "INFO"}
    env.pop("DATABASE_URL", None)

    def upgrade() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], env=env,
                              capture_output=True, text=True, timeout=60, check=False)

    first, second = upgrade(), upgrade()
    assert first.stdout.startswith("Created the database: applied ")
    assert second.stdout.startswith("The database was already up to date (revision ")
    assert (first.stderr, second.stderr) == ("", "")  # no "Running upgrade 0001 -> 0002"
    assert (first.returncode, second.returncode) == (0, 0)
