"""What reminders are due, written to the outbox so each is sent exactly once.

One pass (:func:`plan_due`) per school, in one transaction:

- publish the policy if its file changed (:func:`handlers.acknowledgements.current_version`);
- **nudges** to each person who has not acknowledged the current version: when they
  are first asked (slot 0), after ``first_after_school_days`` school days (slot 1),
  then every ``then_every_days`` days, ``max_nudges`` messages in all. The schedule
  counts from when the first ask could actually reach them (the next school-hours
  moment: a policy published in the holidays is asked on the first school day), and
  a reminder's number ("2 of 4") counts the messages that person was actually sent;
- one **summary** to the Headteacher of who is still outstanding, at the moment the
  next nudge would have gone;
- **review reminders** to the Headteacher and the Chair of Governors
  ``review_reminder_days`` before the next review date, on the date, then weekly
  while it is overdue, a week after the last one could be sent (so a date in the
  holidays doesn't give two reminders in one week).

Every message has a unique outbox key ``kind:version:person:slot``; only the latest
slot that is due is queued (a bot that was off for a fortnight sends one nudge,
not three), and a key already queued is never queued again. Each message becomes
available at the next moment within school hours (:mod:`handlers.school_hours`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers import outbox_keys
from handlers.acknowledgements import (
    ack_button,
    changed_sections,
    long_date,
    publish_current,
    staff_to_acknowledge,
    version_label,
)
from handlers.context import Services
from handlers.outbox import notify_person
from handlers.policy_document import read_button
from handlers.replies import Message
from handlers.school_hours import (
    Hours,
    add_local_days,
    add_school_days,
    next_allowed,
    start_of_local_day,
)
from storage import acks, directory, outbox
from storage.ack_models import AckRequest, PolicyVersion
from storage.models import Person, id_of
from storage.roles import Role

if TYPE_CHECKING:
    from bot.config import SchoolConfig

__all__ = ["PlanReport", "latest_nudge_slot", "nudge_due", "plan_due", "review_slot"]

#: The outbox keys of reminder messages (nudges, Headteacher summaries, review reminders).
REMINDER_PREFIXES = outbox_keys.REMINDERS
CHANGED_SHOWN = 6  # sections named in an update's message
OVERDUE = "w"  # review reminders on and after the date: w0, w1, … one a week


class Cadence(Protocol):
    @property
    def first_after_school_days(self) -> int: ...
    @property
    def then_every_days(self) -> int: ...
    @property
    def max_nudges(self) -> int: ...


@dataclass
class PlanReport:
    """What a pass queued: ``published`` versions (``slug vN``) and messages by kind."""

    published: list[str] = field(default_factory=list)
    queued: Counter[str] = field(default_factory=Counter)


# ---- the schedule (pure) ----------------------------------------------------------


def nudge_due(asked_at: dt.datetime, slot: int, cadence: Cadence, hours: Hours) -> dt.datetime:
    """When nudge ``slot`` (0 = the first ask) falls due for someone asked at ``asked_at``,
    counting from when that first ask could be sent (within school hours)."""
    if slot == 0:
        return asked_at
    sent = next_allowed(asked_at, hours)
    first = add_school_days(sent, cadence.first_after_school_days, hours)
    return add_local_days(first, cadence.then_every_days * (slot - 1), hours)


def latest_nudge_slot(asked_at: dt.datetime, now: dt.datetime, cadence: Cadence,
                      hours: Hours) -> int | None:
    """The latest nudge due by ``now``, or None (nudges stop after ``max_nudges``)."""
    due = [s for s in range(cadence.max_nudges) if nudge_due(asked_at, s, cadence, hours) <= now]
    return due[-1] if due else None


def review_slot(review: dt.date, now: dt.datetime, days_before: Collection[int],
                hours: Hours) -> str | None:
    """The latest review reminder due by ``now``: ``d60`` (60 days before), …, or
    :data:`OVERDUE` from the date on; None if none is due yet."""
    candidates = [(start_of_local_day(review - dt.timedelta(days=d), hours), f"d{d}")
                  for d in days_before if d > 0]
    overdue = next_allowed(start_of_local_day(review, hours), hours)
    if now >= overdue:  # weekly from the last one sent: see _plan_review
        candidates.append((overdue, OVERDUE))
    due = [c for c in candidates if c[0] <= now]
    return max(due)[1] if due else None


# ---- messages ---------------------------------------------------------------------


def nudge_message(version: PolicyVersion, slot: int, cadence: Cadence,
                  number: int | None = None, changed: list[str] | None = None) -> Message:
    """The first ask (slot 0) or a reminder; ``number`` counts the messages this person
    has had, this one included (default: the slot's); ``changed``: the sections an
    update changed, when known."""
    if slot == 0:
        opening = ("The staff social media policy has been updated: " if version.number > 1
                   else "Please confirm that you have read the staff social media policy: ")
        text = (f"{opening}{version_label(version)}.{_what_changed(changed)} When you have "
                "read it, press the button below or send /ack here. You can ask me about it "
                "here any time, e.g. \"can I accept a friend request from a parent?\"")
    else:
        text = (f"A gentle reminder ({number or slot + 1} of {cadence.max_nudges}): please "
                "confirm that "
                f"you have read {version_label(version)}. Press the button below or send "
                "/ack here.")
    return Message(text, (ack_button(version), read_button()))


def _what_changed(changed: list[str] | None) -> str:
    if changed is None:
        return ""
    if not changed:
        return " Its sections read as before; its details (such as its dates) changed."
    shown = changed[:CHANGED_SHOWN]
    more = len(changed) - len(shown)
    names = ", ".join(f"\u201c{title}\u201d" for title in shown)
    return (f" What changed: {names}" + (f" and {more} more section{'s' if more > 1 else ''}"
                                          if more else "") + ".")


def summary_message(version: PolicyVersion, outstanding: list[Person], staff_count: int,
                    cadence: Cadence, reader: Person | None = None) -> Message:
    """Who is still outstanding, for ``reader`` (a Headteacher: named as "you", not in
    the third person, if they are among them)."""
    others = [p for p in outstanding if reader is None or p.id != reader.id]
    you = reader is not None and len(others) < len(outstanding)
    reminders = cadence.max_nudges - 1
    asked = (f"after the first ask and {reminders} reminder{'s' if reminders != 1 else ''}"
             if reminders else "after asking")
    lines = [f"Policy acknowledgements: {asked}, {len(outstanding)} of {staff_count} staff "
             f"have still not confirmed they have read {version_label(version)}"]
    if others:
        lines[0] += ": " + ", ".join(p.name for p in others) + (", and you" if you else "")
    elif you:
        lines[0] += ": you"
    return Message(lines[0] + ". I won't remind them again; send /ackstatus for the full "
                   "list" + (", or /ack to confirm you have read it yourself." if you else "."))


def review_message(title: str, review: dt.date, today: dt.date) -> Message:
    days = (review - today).days
    if days > 0:
        when = f"is due for review on {long_date(review)} (in {days} days)."
    elif days == 0:
        when = "is due for review today."
    elif -days < 14:
        when = f"was due for review on {long_date(review)} and is now {-days} days overdue."
    else:
        when = f"was due for review on {long_date(review)}: overdue since {review:%B %Y}."
    return Message(
        f"{title} {when} When the governors have reviewed it, update the policy file with "
        "the new approval and next review dates (or set next_review in the school config) "
        "and I'll ask staff to read the new version.")


# ---- planning (I/O) ---------------------------------------------------------------


@dataclass(frozen=True)
class _School:
    services: Services
    session: AsyncSession
    school_id: int
    config: SchoolConfig
    version: PolicyVersion
    hours: Hours
    now: dt.datetime

    @property
    def available_at(self) -> dt.datetime:
        return next_allowed(self.now, self.hours)

    async def send(self, key: str, person: Person, message: Message) -> bool:
        assert person.id is not None
        return await notify_person(session=self.session, cipher=self.services.cipher, key=key,
                                   school_id=self.school_id, person_id=person.id,
                                   message=message, available_at=self.available_at)


async def plan_due(services: Services, *, now: dt.datetime | None = None) -> PlanReport:
    """Queue every reminder due at ``now`` (default: the services' clock), once."""
    moment = now or services.now()
    report = PlanReport()
    for config in services.config.schools:
        async with services.db.session() as session:
            await _plan_school(services, session, config, moment, report)
    return report


async def _plan_school(services: Services, session: AsyncSession, config: SchoolConfig,
                       now: dt.datetime, report: PlanReport) -> None:
    school = await directory.school_by_slug(session=session, slug=config.slug)
    if school is None or school.id is None:
        return
    version, published = await publish_current(services=services, session=session,
                                                school_id=school.id, config=config, now=now)
    if version is None or version.id is None:
        return
    if published:
        report.published.append(f"{config.slug} v{version.number}")
    plan = _School(services, session, school.id, config, version, Hours.of(config), now)
    await _plan_nudges(plan, report)
    await _plan_review(plan, report)


async def _plan_nudges(plan: _School, report: PlanReport) -> None:
    version_id = plan.version.id
    assert version_id is not None
    staff = await staff_to_acknowledge(session=plan.session, school_id=plan.school_id,
                                       config=plan.config)
    done = await acks.acknowledgements_for(session=plan.session, version_id=version_id)
    outstanding = [p for p in staff if p.id not in done]
    asked = await _ask(plan, version_id, outstanding)
    queued = await outbox.keys_with_prefix(session=plan.session,
                                           prefix=outbox_keys.nudge_prefix(version_id))
    cadence = plan.config.nudges
    earlier = await acks.recent_versions(session=plan.session, school_id=plan.school_id, limit=2)
    changed = changed_sections(earlier[1] if len(earlier) > 1 else None, plan.version)
    # each person's nudges so far, counted once (not a scan of every key per person: with
    # a school of 5,000 staff that was 25 million comparisons on every pass)
    per_person = Counter(key.rpartition(":")[0] + ":" for key in queued)
    for person in outstanding:
        slot = latest_nudge_slot(asked[_id(person)].asked_at, plan.now, cadence, plan.hours)
        if slot is None:
            continue
        key = outbox_keys.nudge(version_id, _id(person), slot)
        had = per_person[outbox_keys.nudge_person_prefix(version_id, _id(person))]
        if key not in queued and await plan.send(
                key, person, nudge_message(plan.version, slot, cadence, number=had + 1,
                                           changed=changed)):
            report.queued["nudge"] += 1
    await _plan_summary(plan, outstanding, asked, len(staff), report)


async def _ask(plan: _School, version_id: int, people: list[Person]) -> dict[int, AckRequest]:
    """Who has been asked to acknowledge, asking anyone not yet asked now."""
    asked = await acks.requests_for(session=plan.session, version_id=version_id)
    new = [_id(p) for p in people if p.id not in asked]
    if new:
        await acks.add_requests(session=plan.session, version_id=version_id, person_ids=new,
                                now=plan.now)
        asked = await acks.requests_for(session=plan.session, version_id=version_id)
    return asked


async def _plan_summary(plan: _School, outstanding: list[Person], asked: dict[int, AckRequest],
                        staff_count: int, report: PlanReport) -> None:
    cadence, final = plan.config.nudges, plan.config.nudges.max_nudges
    if nudge_due(plan.version.published_at, final, cadence, plan.hours) > plan.now:
        return
    exhausted = [p for p in outstanding
                 if nudge_due(asked[_id(p)].asked_at, final, cadence, plan.hours) <= plan.now]
    if not exhausted:
        return
    version_id = id_of(plan.version)
    prefix = outbox_keys.ack_summary_prefix(version_id)
    queued = await outbox.keys_with_prefix(session=plan.session, prefix=prefix)
    for head in await directory.people_with_role(session=plan.session, school_id=plan.school_id,
                                                 role=Role.HEADTEACHER):
        key = outbox_keys.ack_summary(version_id, _id(head))
        message = summary_message(plan.version, exhausted, staff_count, cadence, reader=head)
        if key not in queued and await plan.send(key, head, message):
            report.queued["summary"] += 1


async def _plan_review(plan: _School, report: PlanReport) -> None:
    review = plan.config.next_review or plan.version.next_review
    if review is None:
        return
    slot = review_slot(review, plan.now, plan.config.review_reminder_days, plan.hours)
    if slot is None:
        return
    prefix = outbox_keys.review_prefix(plan.school_id, review)
    queued = await outbox.keys_with_prefix(session=plan.session, prefix=prefix)
    today = plan.available_at.astimezone(plan.hours.zone).date()
    message = review_message(plan.version.title, review, today)
    for role in (Role.HEADTEACHER, Role.CHAIR_OF_GOVERNORS):
        for person in await directory.people_with_role(session=plan.session,
                                                       school_id=plan.school_id, role=role):
            due = await _overdue_slot(plan, review, person) if slot == OVERDUE else slot
            if due is None:
                continue
            key = outbox_keys.review(plan.school_id, review, _id(person), due)
            if key not in queued and await plan.send(key, person, message):
                report.queued["review"] += 1


async def _overdue_slot(plan: _School, review: dt.date, person: Person) -> str | None:
    """The next weekly overdue reminder for ``person``: ``w<n>`` a week after the last
    one was sent (or now, for the first), else None."""
    prefix = outbox_keys.review(plan.school_id, review, _id(person), OVERDUE)
    sent = await outbox.queued_times(session=plan.session, prefix=prefix)
    if sent and plan.now < sent[-1] + dt.timedelta(weeks=1):
        return None
    return f"{OVERDUE}{len(sent)}"


def _id(person: Person) -> int:
    assert person.id is not None
    return person.id
