"""A school's report settings in the config: readers per kind of report, retention per
record type, the contact line; mistakes refused with the file, the line and what is
wrong (a report about the Headteacher is never read by the Headteacher; safeguarding
records are reviewed, never deleted on a timer)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_config
from handlers.report_settings import DELETE, REVIEW, RetentionRule
from storage.roles import Role
from tests.bot.test_config import GOOD, problems, write

SAFEGUARDING_WITH_HEAD = GOOD + """\
    reports:
      readers:
        safeguarding: [dsl, deputy_dsl, headteacher]
      retention:
        friend_request: {days: 365, then: delete}
      contact: "the office, 01234 567890"
"""


def test_report_settings_load_with_their_defaults(tmp_path: Path) -> None:
    school = load_config(write(tmp_path, SAFEGUARDING_WITH_HEAD)).schools[0]
    readers = school.reports.readers_by_kind()
    assert readers["safeguarding"] == (Role.DSL, Role.DEPUTY_DSL, Role.HEADTEACHER)
    assert readers["low_level_concern"] == (Role.HEADTEACHER,)
    assert readers["head_involved"] == (Role.CHAIR_OF_GOVERNORS,)
    assert school.reports.contact == "the office, 01234 567890"
    assert school.reports.retention_of("friend_request", 2190) == RetentionRule(
        days=365, then=DELETE)
    assert school.reports.retention_of("incident", 2190) == RetentionRule(days=2190, then=DELETE)
    assert school.reports.retention_of("safeguarding", 2190) == RetentionRule(
        days=9125, then=REVIEW)
    assert school.reports.retention_of("about_staff", 2190).then == REVIEW


@pytest.mark.parametrize(("setting", "message"), [
    ("readers: {head_involved: [chair_of_governors, headteacher]}",
     "head_involved: a report that involves the Headteacher is never read by the Headteacher"),
    ("readers: {gossip: [headteacher]}", "unknown kind of report 'gossip'"),
    ("readers: {safeguarding: [staff]}", "safeguarding: 'staff' can't read reports"),
    ("readers: {safeguarding: []}", "safeguarding: give at least one role that reads it"),
    ("retention: {safeguarding: {days: 400, then: delete}}",
     "safeguarding records are reviewed by a reader before they are deleted: use then: review"),
    ("retention: {incident: {days: 5, then: delete}}", "greater than or equal to 30"),
    ("retention: {diary: {days: 400, then: delete}}", "unknown record type 'diary'"),
    ("colour: blue", "unknown field 'colour'"),
])
def test_mistakes_are_refused_with_the_line(tmp_path: Path, setting: str, message: str) -> None:
    text = GOOD + f"    reports:\n      {setting}\n"
    [problem] = problems(tmp_path, text)
    assert problem.startswith(f"{tmp_path / 'schools.yaml'}:11: schools[0].reports")
    assert message in problem
