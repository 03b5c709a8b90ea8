"""Who reads what: every kind of report × who is involved × every school setting, as pure
rules; then end to end, every kind of report against every role (a deputy DSL, and a
school that adds the Headteacher to safeguarding readers, included): who is told, who
can open it, who finds it in /list, and what the reporter was told before Send."""

from __future__ import annotations

import pytest

from bot.app import App
from handlers.report_routing import (
    CATEGORY_LABELS,
    DEFAULT_READERS,
    FRIEND_REQUEST,
    HEAD_INVOLVED,
    HEADTEACHER,
    INCIDENT_CATEGORIES,
    INVOLVED_LABELS,
    SAFEGUARDING,
    involved_options,
    may_read,
    reader_roles,
    sentence,
)
from storage.roles import Role
from tests.conftest import ConsoleDriver
from tests.reports.conftest import (
    HEAD_READS_SAFEGUARDING,
    all_reports,
    friend_request,
    readers,
    refs,
    report,
)

EVERYONE_HELD = frozenset(Role)
HEAD_TOO = {SAFEGUARDING: (Role.DSL, Role.DEPUTY_DSL, Role.HEADTEACHER)}
EXPECTED = {  # the default readers, by category, when the Headteacher isn't involved
    FRIEND_REQUEST: (Role.HEADTEACHER,),
    "inappropriate_content": (Role.HEADTEACHER,),
    "pupil_misuse": (Role.HEADTEACHER,),
    "staff_misuse": (Role.HEADTEACHER,),
    "low_level_concern": (Role.HEADTEACHER,),
    HEAD_INVOLVED: (Role.CHAIR_OF_GOVERNORS,),
    SAFEGUARDING: (Role.DSL, Role.DEPUTY_DSL),
    "abusive_comments": (Role.HEADTEACHER,),
    "other": (Role.HEADTEACHER,),
}
HANDLES = {Role.HEADTEACHER: "head", Role.DSL: "dsl", Role.DEPUTY_DSL: "deputy",
           Role.CHAIR_OF_GOVERNORS: "chair"}


@pytest.mark.parametrize("category", list(CATEGORY_LABELS))
def test_every_category_and_everyone_involved(category: str) -> None:
    for involved in (None, *INVOLVED_LABELS):
        expected = (Role.CHAIR_OF_GOVERNORS,) if involved == HEADTEACHER else EXPECTED[category]
        roles = reader_roles(category, involved, DEFAULT_READERS, EVERYONE_HELD)
        assert roles == expected, involved
        for role in Role:
            assert may_read(role, [str(r) for r in roles]) is (role in expected), (involved, role)


def test_a_school_can_add_the_head_to_safeguarding_but_never_to_reports_about_the_head() -> None:
    rules = {**DEFAULT_READERS, **HEAD_TOO, HEAD_INVOLVED: (Role.CHAIR_OF_GOVERNORS,
                                                            Role.HEADTEACHER)}
    assert reader_roles(SAFEGUARDING, "pupil", rules, EVERYONE_HELD) == HEAD_TOO[SAFEGUARDING]
    assert reader_roles(SAFEGUARDING, HEADTEACHER, rules, EVERYONE_HELD) == (
        Role.CHAIR_OF_GOVERNORS,)
    assert reader_roles(HEAD_INVOLVED, None, rules, EVERYONE_HELD) == (Role.CHAIR_OF_GOVERNORS,)


def test_safeguarding_goes_to_the_head_when_no_one_holds_its_reader_roles() -> None:
    held = {Role.HEADTEACHER, Role.CHAIR_OF_GOVERNORS}
    assert reader_roles(SAFEGUARDING, "pupil", DEFAULT_READERS, held) == (Role.HEADTEACHER,)
    assert reader_roles(SAFEGUARDING, HEADTEACHER, DEFAULT_READERS, held) == (
        Role.CHAIR_OF_GOVERNORS,)


def test_who_is_involved_offers_what_fits_the_category() -> None:
    assert involved_options("pupil_misuse") == ("pupil",)
    assert involved_options("staff_misuse") == ("staff", HEADTEACHER)
    assert "pupil" not in involved_options("low_level_concern")
    assert involved_options("other") == tuple(INVOLVED_LABELS)


async def test_each_category_reaches_its_readers_and_no_one_else(
    app: App, console: ConsoleDriver,
) -> None:
    for category in INCIDENT_CATEGORIES:
        out = await report(console, category=sentence(CATEGORY_LABELS[category]),
                           involved="A member of staff", text=f"details of {category}")
        number = (await refs(app))[-1]
        assert _told(out, number) == {f"dm:{HANDLES[r]}" for r in EXPECTED[category]
                                      if r is not Role.DEPUTY_DSL}, category
    saved = await all_reports(app)
    assert [await readers(app, r) for r in saved] == [
        tuple(str(r) for r in EXPECTED[c]) for c in INCIDENT_CATEGORIES]


async def test_who_is_involved_changes_the_readers_only_for_the_head(
    app: App, console: ConsoleDriver,
) -> None:
    for involved in INVOLVED_LABELS:
        out = await report(console, category="Abusive comments on a school account",
                           involved=sentence(INVOLVED_LABELS[involved]))
        number = (await refs(app))[-1]
        to_head = involved != HEADTEACHER
        assert _told(out, number) == ({"dm:head"} if to_head else {"dm:chair"}), involved
        assert ("dm:alice| Who can read it: Chris Chair (Chair of Governors), and you. The "
                "Headteacher will not see it." in out) is not to_head
    assert [r.involved for r in await all_reports(app)] == list(INVOLVED_LABELS)


@pytest.mark.parametrize("slug", ["croughton", HEAD_READS_SAFEGUARDING])
async def test_every_kind_against_every_role_with_a_deputy_dsl(deputy_app: App,
                                                               slug: str) -> None:
    """Who is told, who can open it and who lists it: exactly its readers (and the
    reporter), for every kind of report, in a school with a deputy DSL, and in one
    that lets the Headteacher read safeguarding concerns."""
    alice = ConsoleDriver(deputy_app, slug, "alice", "dm")
    head_reads = slug == HEAD_READS_SAFEGUARDING
    for category in CATEGORY_LABELS:
        if category == FRIEND_REQUEST:
            out = await friend_request(alice)
        else:
            first = involved_options(category)[0]  # someone who fits the category
            out = await report(alice, category=sentence(CATEGORY_LABELS[category]),
                               involved=sentence(INVOLVED_LABELS[first]))
        number = (await refs(deputy_app))[-1]
        expected = set(EXPECTED[category]) | (
            {Role.HEADTEACHER} if head_reads and category == SAFEGUARDING else set())
        told = {line.split("|")[0] for line in out if line.startswith("dm:")
                and f"(#{number})" in line and "Read it here" in line}
        assert told == {f"dm:{HANDLES[r]}" for r in expected}, category
        for role, handle in HANDLES.items():
            someone = ConsoleDriver(deputy_app, slug, handle, "dm")
            opened = await someone.send(f"/view {number}")
            assert (opened[0] != f"dm:{handle}| I can't find #{number} among the reports you "
                    "can see.") is (role in expected), (category, role)
            listed = "\n".join(await someone.send("/list"))
            assert (f"#{number} · " in listed) is (role in expected), (category, role)
        for handle in ("bob", "pat"):
            other = ConsoleDriver(deputy_app, slug, handle, "dm")
            assert (await other.send(f"/view {number}"))[0].startswith(
                f"dm:{handle}| I can't find #{number}")


@pytest.mark.parametrize("slug", ["croughton", HEAD_READS_SAFEGUARDING])
async def test_the_reporter_is_told_exactly_who_can_read_a_safeguarding_concern(
    deputy_app: App, slug: str,
) -> None:
    alice = ConsoleDriver(deputy_app, slug, "alice", "dm")
    out = await alice.send("/report", "Safeguarding concern", "A pupil", "Today",
                           "She said an adult messaged her", "Skip", "Skip")
    if slug == HEAD_READS_SAFEGUARDING:
        who = ("Who can read it: Head Teacher (Headteacher), Dee Lead (Designated Safeguarding "
               "Lead) and Dan Deputy (Deputy DSL), and you.")
    else:
        who = ("Who can read it: Dee Lead (Designated Safeguarding Lead) and Dan Deputy "
               "(Deputy DSL), and you. The Headteacher will not see it.")
    assert f"dm:alice| {who}" in out
    out = await alice.send("Send")
    names = ("Head Teacher (Headteacher), " if slug == HEAD_READS_SAFEGUARDING else "") + (
        "Dee Lead (Designated Safeguarding Lead) and Dan Deputy (Deputy DSL)")
    [number] = await refs(deputy_app)
    assert out[0] == (f"dm:alice| Thank you. Your report is sent as #{number}. {names} have "
                      "been told, privately; only they and you can read it. I'll tell you "
                      "here when it is read. /mine shows what you've sent.")
    deputy = ConsoleDriver(deputy_app, slug, "deputy", "dm")
    out = await deputy.send(f"/view {number}")
    assert f"dm:alice| Dan Deputy (Deputy DSL) has read your report #{number}." in out
    assert not any("has read your report" in line and "Designated Safeguarding Lead)" in line
                   for line in out)  # only the one who read it


def _told(out: list[str], number: int) -> set[str]:
    """Who was notified of report ``number`` in this stretch of output."""
    return {line.split("|")[0] for line in out
            if line.startswith("dm:") and f"new private report (#{number})" in line}


async def test_a_reader_who_reports_is_told_no_one_else_was(app: App) -> None:
    head = ConsoleDriver(app, "croughton", "head", "dm")
    out = await report(head, category="Misuse by a member of staff",
                       involved="A member of staff")
    assert ("dm:head| Who can read it: only you, for now (you hold the role that reads it)."
            in out)
    [number] = await refs(app)
    assert (f"dm:head| Thank you. Your report is sent as #{number}. You hold the role that "
            "reads it, so no one else has been told; /mine shows what you've sent.") in out
    assert not any("new private report" in line for line in out)
