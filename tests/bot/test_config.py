"""The school config loader: the demo config loads; every kind of mistake is refused
with the file, the line and what is wrong."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config
from bot.settings import bundled_demo_config
from storage.roles import Role

GOOD = """\
schools:
  - slug: demo
    name: Demo Primary
    policies: [policy.txt]
    people:
      - {handle: head, name: H. Head, role: headteacher, telegram: 11}
      - {handle: alice, name: Alice, role: staff, telegram: 12}
    chats:
      - {name: staff-room, audience: staff, telegram: -100}
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "policy.txt").write_text("A policy.\n")
    path = tmp_path / "schools.yaml"
    path.write_text(text)
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    return caught.value.problems


def test_demo_config_has_five_schools_with_the_promised_people_and_chats() -> None:
    config = load_config(bundled_demo_config())
    assert [s.slug for s in config.schools] == [
        "st-lukes", "croughton", "lancastrian", "sharp-lane", "marston-montgomery"]
    for school in config.schools:
        assert [p.handle for p in school.people] == ["head", "dsl", "chair", "alice", "bob", "pat"]
        assert school.person("head") is not None
        assert school.person("head").role is Role.HEADTEACHER  # type: ignore[union-attr]
        assert [(c.name, c.audience) for c in school.chats] == [
            ("staff-room", "staff"), ("pta", "parent")]
        assert all(p.is_file() for p in school.policies)


def test_a_good_config_loads_and_resolves_paths(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert config.schools[0].policies == ((tmp_path / "policy.txt").resolve(),)


@pytest.mark.parametrize(("change", "line", "message"), [
    (("role: staff", "role: teacher"), 7, "people[1].role: unknown role 'teacher'"),
    (("handle: alice", "handle: head"), 7, "people[1].handle: duplicate handle 'head'"),
    (("audience: staff, ", ""), 9, "chats[0].audience: every chat needs an audience"),
    (("audience: staff", "audience: pupils"), 9, "unknown audience 'pupils'"),
    (("[policy.txt]", "[missing.txt]"), 4, "policy file not found: missing.txt"),
    (("telegram: 12", "telegram: 11"), 7, "people[1].telegram: duplicate telegram '11'"),
    (("name: Demo Primary", "name: Demo Primary\n    timezone: Mars/Base"), 4,
     "unknown timezone 'Mars/Base'"),
    (("role: headteacher", "role: staff"), 5, "needs one person with role headteacher"),
    (("name: Alice,", "nmae: Alice,"), 7, "unknown field 'nmae'"),
    (("slug: demo", "slug: Demo School"), 2, "schools[0].slug: String should match"),
])
def test_each_mistake_names_file_line_and_field(
    tmp_path: Path, change: tuple[str, str], line: int, message: str
) -> None:
    found = problems(tmp_path, GOOD.replace(*change))
    assert any(p.startswith(f"{tmp_path / 'schools.yaml'}:{line}: ") and message in p
               for p in found), found


def test_a_chat_id_used_by_two_schools_is_refused(tmp_path: Path) -> None:
    second = GOOD.split("schools:\n", 1)[1].replace("slug: demo", "slug: other").replace(
        "telegram: 11", "telegram: 21")
    found = problems(tmp_path, GOOD + second)
    assert any(":17: schools[1].chats[0].telegram: telegram chat -100 is already used by "
               "demo/staff-room" in p for p in found), found


@pytest.mark.parametrize(("text", "expected"), [
    ("", ":1: the file is empty"),
    ("schools: [\n  - slug\n", "not valid YAML"),
    ("schools: []\n", "schools: Tuple should have at least 1 item"),
    ("other: 1\n", "unknown field 'other'"),
])
def test_broken_files_are_refused(tmp_path: Path, text: str, expected: str) -> None:
    assert any(expected in p for p in problems(tmp_path, text))


def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the config file"):
        load_config(tmp_path / "nope.yaml")


def test_the_demo_config_can_be_copied_elsewhere(tmp_path: Path) -> None:
    demo = bundled_demo_config().parent
    shutil.copytree(demo / "samples", tmp_path / "samples")
    shutil.copytree(demo / "faq", tmp_path / "faq")
    shutil.copy(demo / "demo_schools.yaml", tmp_path / "schools.yaml")
    assert len(load_config(tmp_path / "schools.yaml").schools) == 5


def test_unquoted_times_are_read_as_clock_times(tmp_path: Path) -> None:
    text = GOOD.replace("    policies: [policy.txt]\n",
                        "    policies: [policy.txt]\n    school_hours: {start: 9:00, end: 17:30}\n")
    hours = load_config(write(tmp_path, text)).schools[0].school_hours
    assert (hours.start, hours.end) == (dt.time(9, 0), dt.time(17, 30))


@pytest.mark.parametrize(("setting", "message"), [
    ("school_hours: {start: \"08:00+01:00\"}", "is not a time of day"),
    ("next_review: 2026-02-30", "schools[0].next_review: not a valid value"),
    ("holidays: [2026-13-01]", "schools[0].holidays[0]: not a valid value"),
])
def test_impossible_times_and_dates_name_file_line_and_field(
    tmp_path: Path, setting: str, message: str,
) -> None:
    text = GOOD.replace("    policies: [policy.txt]\n",
                        f"    policies: [policy.txt]\n    {setting}\n")
    found = problems(tmp_path, text)
    assert any(p.startswith(f"{tmp_path / 'schools.yaml'}:5: ") and message in p
               for p in found), found


def test_one_mistake_is_one_problem(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD.replace("role: staff", "role: teacher"))
    assert len(found) == 1, found


def test_platform_ids_are_a_mapping_written_either_way(tmp_path: Path) -> None:
    text = GOOD.replace("telegram: 12}", "ids: {telegram: 12, slack: U0ALICE}}").replace(
        "name: Demo Primary", "name: Demo Primary\n    slack_team: T0DEMO")
    school = load_config(write(tmp_path, text)).schools[0]
    head, alice = school.people
    assert head.platform_ids == {"telegram": "11"}  # written `telegram: 11`
    assert alice.platform_ids == {"telegram": "12", "slack": "U0ALICE"}
    assert school.chats[0].platform_ids == {"telegram": "-100"}
    assert school.workspaces == {"slack": "T0DEMO"}


def test_an_unknown_platform_is_named_with_its_line(tmp_path: Path) -> None:
    text = GOOD.replace("telegram: 12}", "ids: {whatsapp: 12}}")
    assert any(p.startswith(f"{tmp_path / 'schools.yaml'}:7: ") and "unknown platform "
               "'whatsapp'" in p for p in problems(tmp_path, text))
    mistyped = GOOD.replace("telegram: 12}", "telegarm: 12}")
    assert any(":7: " in p and "unknown field 'telegarm'" in p
               for p in problems(tmp_path, mistyped))
