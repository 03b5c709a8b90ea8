"""The report forms filled in at once (a Slack modal): the same steps as the chat, checked
with the same rules, field by field; the answers that fit the category; an "other"
platform's name and the time of day as fields of their own; no evidence step."""

from __future__ import annotations

import datetime as dt

from bot.app import App
from handlers import report_flow as flow
from handlers.replies import FieldKind
from handlers.report_form import form_of, read_form
from handlers.report_routing import FRIEND_REQUEST, INCIDENT
from tests.reports.conftest import at, private_event

NOW = dt.datetime(2026, 3, 3, 12, 0, tzinfo=dt.UTC)
GOOD = {"category": "safeguarding", "involved": "pupil", "occurred_on": "2026-03-02",
        "occurred_time": "15:30", "details": "She said an adult messaged her"}


def test_the_form_is_the_steps_with_a_file_field_for_evidence() -> None:
    fields = form_of(flow.new_state(INCIDENT, NOW)).fields
    assert [f.name for f in fields] == ["category", "involved", "occurred_on", "occurred_time",
                                        "details", "links", "evidence"]
    assert fields[-1].kind is FieldKind.FILES
    assert fields[-1].optional
    friend = [f.name for f in form_of(flow.new_state(FRIEND_REQUEST, NOW)).fields]
    assert friend[2:4] == ["platform", "platform_other"]


async def test_a_good_form_is_a_finished_draft(app: App) -> None:
    timed = at(app, NOW)
    event = await private_event(timed, "alice")
    draft = flow.new_state(INCIDENT, NOW)
    ready, problems = read_form(timed.services, event, draft, GOOD)
    assert problems == {}
    assert ready["token"] == draft["token"]
    assert flow.current_step(ready) is None
    assert (ready["answers"]["occurred_on"], ready["answers"]["occurred_time"]) == (
        "2026-03-02", "15:30")


async def test_problems_come_back_by_field(app: App) -> None:
    timed = at(app, NOW)
    event = await private_event(timed, "alice")
    draft = flow.new_state(INCIDENT, NOW)
    bad = {**GOOD, "category": "staff_misuse", "involved": "pupil",
           "occurred_on": "2026-04-01", "details": ""}
    _, problems = read_form(timed.services, event, draft, bad)
    assert set(problems) == {"involved", "occurred_on", "details"}
    assert problems["occurred_on"].startswith("01/04/2026 is in the future")
    implied = {**GOOD, "category": "pupil_misuse", "involved": ""}
    assert read_form(timed.services, event, draft, implied)[1] == {}


async def test_an_other_platform_needs_its_name(app: App) -> None:
    timed = at(app, NOW)
    event = await private_event(timed, "alice")
    draft = flow.new_state(FRIEND_REQUEST, NOW)
    values = {"contact_type": "parent", "subject": "J.S.", "platform": "other",
              "occurred_on": "2026-03-01", "staff_action": "declined"}
    _, problems = read_form(timed.services, event, draft, values)
    assert problems == {"platform_other": "Please type the platform's name (or press Back)."}
    ready, problems = read_form(timed.services, event, draft,
                                {**values, "platform_other": "Roblox"})
    assert problems == {}
    assert timed.services.cipher.decrypt(ready["answers"]["platform_other"]) == "Roblox"
