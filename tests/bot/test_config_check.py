"""``policybot config check``: it loads every policy and FAQ as start-up does, so it
refuses what start-up would refuse with the same message; it refuses YAML that would hang
or crash the loader, quickly and with the line; and it warns about set-ups that start but
would strand people, naming the school and what to add."""

from __future__ import annotations

import shutil
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from typer.testing import CliRunner

from bot import cli
from bot.app import build_answer_engine
from bot.config import BANK_HOLIDAY_REGIONS, ConfigError, load_config
from bot.config_check import POLICY_PROBLEM, check_config
from bot.config_yaml import MAX_VALUES, compose
from bot.settings import bundled_demo_config
from handlers.school_hours import SUBDIVISIONS
from policies.errors import PolicyError
from tests.bot.test_config import GOOD, problems, write

DEMO = bundled_demo_config().parent
CHAIR = "      - {handle: chair, name: C. Chair, role: chair_of_governors}\n"
WITH_CHAIR = GOOD.replace("    chats:\n", CHAIR + "    chats:\n")
REVIEWED = WITH_CHAIR.replace("    policies:", "    next_review: 2027-01-31\n    policies:")
POLICY = "Staff must not accept friend requests from pupils or parents on social media.\n"


def write_school(tmp_path: Path, text: str) -> Path:
    path = write(tmp_path, text)
    (tmp_path / "policy.txt").write_text(POLICY)
    return path


def a_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph("Staff must not accept friend requests from pupils.")
    document.save(str(path))
    return path


def truncated(path: Path) -> None:
    data = a_docx(path).read_bytes()
    path.write_bytes(data[: len(data) // 2])


def not_xml_inside(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * 2_000_000)  # 2 MB of zeros, ~2 KB zipped


BROKEN_POLICIES: dict[str, Callable[[Path], object]] = {
    "empty.txt": lambda p: p.write_text(""),
    "binary.txt": lambda p: p.write_bytes(bytes(range(256)) * 4),
    "random.docx": lambda p: p.write_bytes(b"PK\x03\x04" + bytes(range(200))),
    "truncated.docx": truncated,
    "zeros.docx": not_xml_inside,
    "empty.pdf": lambda p: p.write_bytes(b""),
    "corrupt.pdf": lambda p: p.write_bytes(b"%PDF-1.4\n1 0 obj <<\nbroken"),
}


@pytest.mark.parametrize("name", sorted(BROKEN_POLICIES))
def test_a_policy_start_up_would_refuse_is_refused_with_the_same_words(
    tmp_path: Path, name: str,
) -> None:
    path = write(tmp_path, REVIEWED.replace("policy.txt", name))
    BROKEN_POLICIES[name](tmp_path / name)
    with pytest.raises(PolicyError) as start_up:
        build_answer_engine(load_config(path))
    result = check_config(path)
    assert result.errors == [f"{POLICY_PROBLEM}{start_up.value}"]


def test_an_faq_citing_words_the_policy_does_not_say_is_refused(tmp_path: Path) -> None:
    shutil.copy(DEMO / "samples" / "st-lukes.txt", tmp_path / "policy.txt")
    shutil.copy(DEMO / "faq" / "croughton.yaml", tmp_path / "faq.yaml")  # another school's
    path = tmp_path / "schools.yaml"
    path.write_text(REVIEWED.replace("    people:", "    faq: faq.yaml\n    people:"))
    with pytest.raises(PolicyError) as start_up:
        build_answer_engine(load_config(path))
    assert check_config(path).errors == [f"{POLICY_PROBLEM}{start_up.value}"]


def test_every_school_is_checked_not_only_the_first(tmp_path: Path) -> None:
    second = REVIEWED.split("schools:\n")[1].replace("slug: demo", "slug: other").replace(
        "policy.txt", "missing-text.txt").replace("telegram: -100", "telegram: -200")
    path = write_school(tmp_path, REVIEWED + second)
    (tmp_path / "missing-text.txt").write_text("")
    result = check_config(path)
    assert result.summaries == ["demo: Demo Primary — 3 people, 1 chats, 1 policy file(s)",
                                "demo: policy next review 31 January 2027",
                                "other: Demo Primary — 3 people, 1 chats, 1 policy file(s)"]
    assert result.errors == [f"{POLICY_PROBLEM}policy file {tmp_path / 'missing-text.txt'} "
                             "is empty: no text found"]


def test_the_demo_config_passes_and_names_the_schools_with_no_review_date() -> None:
    result = check_config(bundled_demo_config())
    assert result.errors == []
    assert [w.split(":")[0] for w in result.warnings] == ["st-lukes", "lancastrian",
                                                          "marston-montgomery"]
    assert result.warnings[0] == (
        "st-lukes: the policy (st-lukes.txt) states no next review date and the config sets "
        "none, so no review reminders will be sent: add next_review: YYYY-MM-DD to the school "
        "(or a \"Next review\" date to the policy)")


def test_a_school_without_a_chair_of_governors_is_warned_about(tmp_path: Path) -> None:
    result = check_config(write_school(tmp_path, GOOD.replace(
        "    policies:", "    next_review: 2027-01-31\n    policies:")))
    assert result.errors == []
    assert result.warnings == [
        "demo: no one has the role chair_of_governors, so a report that involves the "
        "Headteacher would have no one to go to: add the Chair of Governors to people "
        "(role: chair_of_governors)"]


def test_the_command_prints_warnings_and_fails_on_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = write_school(tmp_path, GOOD)
    monkeypatch.setenv("POLICYBOT_CONFIG", str(path))
    result = CliRunner().invoke(cli.app, ["config", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == f"{path}: OK (2 warnings)"
    assert sum(line.startswith("warning: demo: ") for line in result.output.splitlines()) == 2
    (tmp_path / "policy.txt").write_text("")
    result = CliRunner().invoke(cli.app, ["config", "check"])
    assert result.exit_code == 2
    assert f"{path} is not valid:\n{POLICY_PROBLEM}policy file" in result.output


def test_review_reminder_days_must_be_days_before_the_date(tmp_path: Path) -> None:
    text = WITH_CHAIR.replace("    policies:", "    review_reminder_days: [60, -3]\n"
                                              "    policies:")
    assert problems(tmp_path, text) == [
        f"{tmp_path / 'schools.yaml'}:4: schools[0].review_reminder_days: -3 is not a number "
        "of days before the review date: use 1 to 730 (a reminder on the date itself, and "
        "weekly ones while the review is overdue, are sent anyway)"]


def test_bank_holidays_name_a_uk_region(tmp_path: Path) -> None:
    text = WITH_CHAIR.replace("    policies:", "    bank_holidays: england\n    policies:")
    [school] = load_config(write(tmp_path, text)).schools
    assert school.bank_holidays == "england"
    assert problems(tmp_path, text.replace("england", "yorkshire")) == [
        f"{tmp_path / 'schools.yaml'}:4: schools[0].bank_holidays: unknown bank_holidays "
        "'yorkshire' (expected one of england, wales, scotland, northern-ireland)"]
    assert set(BANK_HOLIDAY_REGIONS) == set(SUBDIVISIONS)  # each region has its calendar


BOMB = "".join(f"{n}: &{n} [{', '.join([f'*{p}'] * 9) if p else '1, 2, 3, 4, 5, 6, 7, 8, 9'}]\n"
               for p, n in zip([None, *"abcdefgh"], "abcdefghi", strict=True))


@pytest.mark.parametrize(("text", "line", "problem"), [
    (BOMB + "schools: *i\n", 2, "the file expands to more than 50,000 values through YAML "
     "aliases (*name); write the values out instead"),
    ("schools:\n  - &s\n    slug: x\n    people: [*s]\n", 4,
     "not valid YAML: the alias *s is inside the value it names (&s): a loop"),
    ("schools: " + "[" * 5000 + "]" * 5000 + "\n", 1, "not valid YAML: nested too deeply"),
    ("schools: " + "[" * 60 + "]" * 60 + "\n", 1,
     "schools[0][0]…: nested more than 40 levels deep"),
])
def test_yaml_that_would_hang_or_crash_is_refused_quickly_with_the_line(
    tmp_path: Path, text: str, line: int, problem: str,
) -> None:
    path = tmp_path / "schools.yaml"
    path.write_text(text)
    started = time.monotonic()
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    assert time.monotonic() - started < 5
    assert refused.value.problems == [f"{path}:{line}: {problem}"]


def test_a_long_config_written_out_is_not_an_alias_bomb() -> None:
    """Only values repeated through aliases count towards the limit: 100 schools of 200
    people are some 80,000 values of their own, and were refused as a "bomb"."""
    data, _ = compose("values: [" + ", ".join(["1"] * (MAX_VALUES + 10)) + "]\n")
    assert len(data["values"]) == MAX_VALUES + 10
