"""policybot.env.example names every variable PolicyBot reads, each once and explained,
and nothing PolicyBot does not read (but the db container's own three); its values,
the commented examples too, are ones the settings accept."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = (ROOT / "policybot.env.example").read_text().splitlines()
ASSIGNMENT = re.compile(r"^(?P<commented># )?(?P<name>[A-Z][A-Z0-9_]*)=(?P<value>.*)$")
FOR_THE_DB_CONTAINER = {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"}


def assignments() -> list[tuple[int, re.Match[str]]]:
    return [(n, found) for n, line in enumerate(EXAMPLE) if (found := ASSIGNMENT.match(line))]


def values() -> dict[str, str]:
    return {found["name"]: found["value"] for _, found in assignments()}


def settings_variables() -> set[str]:
    aliases = {field.alias for field in Settings.model_fields.values()}
    assert None not in aliases, "every setting is read from a variable of its own name"
    return {alias for alias in aliases if alias is not None}


def test_every_variable_the_settings_read_is_listed_and_nothing_else() -> None:
    names = [found["name"] for _, found in assignments()]
    assert len(names) == len(set(names)), "a variable listed twice"
    assert set(names) - FOR_THE_DB_CONTAINER == settings_variables()
    assert set(names) >= FOR_THE_DB_CONTAINER


def test_each_variable_comes_with_a_comment_saying_what_it_is() -> None:
    """Right above it, or above the run of variables it belongs to (the db's three)."""
    for number, found in assignments():
        above = next(line for line in reversed(EXAMPLE[:number]) if not ASSIGNMENT.match(line))
        assert above.startswith("#"), (
            f"line {number + 1}: {found['name']} has no comment above it")


def test_only_what_must_be_filled_in_is_set_and_nothing_is_set_empty() -> None:
    set_here = {found["name"] for _, found in assignments() if not found["commented"]}
    assert set_here == {"DATABASE_URL", "POLICYBOT_CONFIG", "POLICYBOT_ENCRYPTION_KEY",
                        *FOR_THE_DB_CONTAINER}
    assert all(found["value"].strip() for _, found in assignments())
    assert not any(found["value"][:1] in "\"'" for _, found in assignments())


def test_the_values_shown_are_ones_the_settings_accept(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in values().items():
        monkeypatch.setenv(name, value)  # as the env file gives them: plain variables
    settings = Settings()
    assert settings.slack_workspaces is not None
    assert "T0OTHER" in settings.slack_workspaces
    assert settings.port == 8080
    assert not settings.demo
    assert settings.flood_control


def test_the_database_url_matches_the_db_containers_user_password_and_database() -> None:
    url = make_url(values()["DATABASE_URL"])
    assert (url.username, url.password, url.database, url.host) == (
        values()["POSTGRES_USER"], values()["POSTGRES_PASSWORD"], values()["POSTGRES_DB"], "db")
