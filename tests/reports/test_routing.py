"""Routing: every category and every "who is involved", as rules and end to end."""

from __future__ import annotations

import pytest

from bot.app import App
from handlers.report_routing import (
    CATEGORY_LABELS,
    FRIEND_REQUEST,
    HEAD_INVOLVED,
    HEADTEACHER,
    INCIDENT_CATEGORIES,
    INVOLVED_LABELS,
    may_handle,
    route,
    sentence,
)
from storage.roles import Role
from tests.conftest import ConsoleDriver
from tests.reports.conftest import all_reports, refs, report

EXPECTED = {
    FRIEND_REQUEST: Role.HEADTEACHER,
    "inappropriate_content": Role.HEADTEACHER,
    "pupil_misuse": Role.HEADTEACHER,
    "staff_misuse": Role.HEADTEACHER,
    HEAD_INVOLVED: Role.CHAIR_OF_GOVERNORS,
    "safeguarding": Role.DSL,
    "abusive_comments": Role.HEADTEACHER,
    "other": Role.HEADTEACHER,
}
RECIPIENT = {Role.HEADTEACHER: "head", Role.DSL: "dsl", Role.CHAIR_OF_GOVERNORS: "chair"}


@pytest.mark.parametrize("category", list(CATEGORY_LABELS))
def test_every_category_and_everyone_involved(category: str) -> None:
    for involved in (None, *INVOLVED_LABELS):
        expected = Role.CHAIR_OF_GOVERNORS if involved == HEADTEACHER else EXPECTED[category]
        assert route(category, involved) is expected, involved
        assert may_handle(Role.HEADTEACHER, str(expected)) is (
            expected is not Role.CHAIR_OF_GOVERNORS)
        assert may_handle(Role.DSL, str(expected)) is (expected is Role.DSL)


def test_safeguarding_goes_to_the_head_when_a_school_has_no_dsl() -> None:
    assert route("safeguarding", "pupil", has_dsl=False) is Role.HEADTEACHER
    assert route("safeguarding", HEADTEACHER, has_dsl=False) is Role.CHAIR_OF_GOVERNORS


async def test_each_category_reaches_its_recipient_and_no_one_else(
    app: App, console: ConsoleDriver,
) -> None:
    for category in INCIDENT_CATEGORIES:
        involved = None if category == HEAD_INVOLVED else "A member of staff"
        out = await report(console, category=sentence(CATEGORY_LABELS[category]),
                           involved=involved, text=f"details of {category}")
        number = (await refs(app))[-1]
        assert _told(out, number) == {f"dm:{RECIPIENT[EXPECTED[category]]}"}, category
    saved = await all_reports(app)
    assert [r.handler_role for r in saved] == [EXPECTED[c] for c in INCIDENT_CATEGORIES]


async def test_who_is_involved_changes_the_route_only_for_the_head(
    app: App, console: ConsoleDriver,
) -> None:
    for involved in INVOLVED_LABELS:
        out = await report(console, category="Abusive comments on a school account",
                           involved=sentence(INVOLVED_LABELS[involved]))
        number = (await refs(app))[-1]
        to_head = involved != HEADTEACHER
        assert _told(out, number) == ({"dm:head"} if to_head else {"dm:chair"}), involved
        assert ("dm:alice| It will go to the Chair of Governors (the Headteacher will not see "
                "it)." in out) is not to_head
    assert [r.involved for r in await all_reports(app)] == list(INVOLVED_LABELS)


def _told(out: list[str], number: int) -> set[str]:
    """Who was notified of report ``number`` in this stretch of output."""
    return {line.split("|")[0] for line in out
            if line.startswith("dm:") and f"new private report (#{number})" in line}
