"""Policy versions and acknowledgements: ``/ack``, the "I have read it" button, and
the Headteacher's ``/ackstatus``.

A *version* is the policy's content (hash) plus its approval date. When the policy
file's content differs from the latest stored version, :func:`current_version`
publishes a new one and everyone in the school's ``acknowledge_roles`` is asked
again (the nudges themselves are planned by :mod:`handlers.reminders`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers import outbox_keys
from handlers.actions import encode
from handlers.context import Services
from handlers.errors import UserError
from handlers.events import Event
from handlers.policy_document import read_button
from handlers.replies import Button, Reply, whisper
from handlers.router import Group, Router, Where
from policies.documents import load_policy
from policies.errors import PolicyError
from policies.metadata import review_date
from storage import acks, directory, outbox
from storage.ack_models import Acknowledgement, PolicyVersion
from storage.models import Person, id_of
from storage.roles import Role

if TYPE_CHECKING:
    from bot.config import SchoolConfig

log = logging.getLogger(__name__)

ACK_ACTION = "ack"
ACK_LABEL = "I have read it"
EARLIER_VERSIONS_SHOWN = 3


@dataclass(frozen=True, slots=True)
class PolicySnapshot:
    """What identifies the policy as it is on disk now."""

    title: str
    content_hash: str
    approved: dt.date | None
    next_review: dt.date | None
    sections: dict[str, str] = field(default_factory=dict)  # title → digest of its text
    approved_label: str | None = None  # as the policy states it ("January 2024")


def read_policy(paths: Sequence[Path]) -> PolicySnapshot:
    """The school's policy file(s) as a snapshot (the first file names and dates it)."""
    documents = [load_policy(path) for path in paths]
    first = documents[0]
    digest = first.content_hash if len(documents) == 1 else hashlib.sha256(
        "".join(d.content_hash for d in documents).encode()).hexdigest()
    texts: dict[str, list[str]] = {}
    for document in documents:
        for clause in (*document.clauses, *document.extras):
            texts.setdefault(clause.section or document.title, []).append(clause.text)
    sections = {title: hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
                for title, parts in texts.items()}
    return PolicySnapshot(first.title, digest, first.approved, first.next_review, sections,
                          first.approved_label)


def changed_sections(before: PolicyVersion | None, after: PolicyVersion) -> list[str] | None:
    """The sections of ``after`` that are new or differ from ``before``; None when
    that can't be told (no earlier version, or one stored without sections)."""
    if before is None or before.sections is None or after.sections is None:
        return None
    return [title for title, digest in after.sections.items()
            if before.sections.get(title) != digest]


def ack_button(version: PolicyVersion) -> Button:
    return Button(ACK_LABEL, encode(ACK_ACTION, version.id or 0))


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def short_date(moment: dt.datetime, timezone: str) -> str:
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local.day} {local:%b}"


def version_label(version: PolicyVersion) -> str:
    stated = version.approved_label or (long_date(version.approved) if version.approved else "")
    approved = f", approved {stated}" if stated else ""
    return f"{version.title} (version {version.number}{approved})"


def _asked_to_acknowledge(services: Services, event: Event) -> bool:
    config = services.config.school(event.school.slug) if event.school is not None else None
    return config is not None and event.sender.role in config.acknowledge_roles


def school_config(services: Services, slug: str) -> SchoolConfig:
    config = services.config.school(slug)
    if config is None:
        raise UserError("Your school isn't in my configuration any more.")
    return config


# ---- versions ---------------------------------------------------------------------


async def current_version(*, services: Services, session: AsyncSession, school_id: int,
                          config: SchoolConfig, now: dt.datetime) -> PolicyVersion | None:
    """The school's current version, publishing the policy file first if it changed."""
    version, _ = await publish_current(services=services, session=session, school_id=school_id,
                                       config=config, now=now)
    return version


async def publish_current(*, services: Services, session: AsyncSession, school_id: int,
                          config: SchoolConfig,
                          now: dt.datetime) -> tuple[PolicyVersion | None, bool]:
    """``(current version, whether it was published just now)``.

    A policy file that cannot be read is logged and the stored version kept."""
    try:
        snapshot = await asyncio.to_thread(read_policy, config.policies)
    except PolicyError as exc:
        log.error("%s: cannot read the policy to check its version: %s", config.slug, exc)
        return await acks.latest_version(session=session, school_id=school_id), False
    version, published = await acks.publish_version(
        session=session, school_id=school_id, content_hash=snapshot.content_hash,
        title=snapshot.title, approved=snapshot.approved, next_review=snapshot.next_review,
        now=now, sections=snapshot.sections, approved_label=snapshot.approved_label)
    if published:
        log.info("%s: published policy version %s", config.slug, version.number)
        await _cancel_older_reminders(session, school_id, version)
    return version, published


async def _cancel_older_reminders(session: AsyncSession, school_id: int,
                                  current: PolicyVersion) -> None:
    for older in await acks.recent_versions(session=session, school_id=school_id, limit=10):
        if older.id != current.id:
            for prefix in (outbox_keys.nudge_prefix(id_of(older)),
                           outbox_keys.ack_summary_prefix(id_of(older))):
                await outbox.cancel_pending(session=session, prefix=prefix)


async def staff_to_acknowledge(*, session: AsyncSession, school_id: int,
                               config: SchoolConfig) -> list[Person]:
    """Everyone in the school whose role must acknowledge the policy, by name."""
    people = await directory.people_of_school(session=session, school_id=school_id)
    roles = {str(r) for r in config.acknowledge_roles}
    return sorted((p for p in people if p.role in roles), key=lambda p: p.name.casefold())


# ---- acknowledging ----------------------------------------------------------------


async def record_acknowledgement(*, services: Services, event: Event,
                                 version_id: int | None, via: str) -> list[Reply]:
    """Acknowledge ``version_id`` (None: the current version) for the sender."""
    assert event.school is not None
    assert event.sender.person_id is not None
    config = school_config(services, event.school.slug)
    if event.sender.role not in config.acknowledge_roles:
        raise UserError("You aren't on the list of people asked to acknowledge the staff "
                        "policy, so there is nothing to confirm.")
    now = services.now()
    async with services.db.session() as session:
        current = await current_version(services=services, session=session,
                                        school_id=event.school.id, config=config, now=now)
        if current is None or current.id is None:
            raise UserError("I can't read the school's policy just now, so I can't record "
                            "that. Please try again later.")
        if version_id is not None and version_id != current.id:
            return [_superseded(current)]
        ack, created = await acks.acknowledge(session=session, version_id=current.id,
                                              person_id=event.sender.person_id, now=now, via=via)
        await outbox.cancel_pending(
            session=session,
            prefix=outbox_keys.nudge_person_prefix(id_of(current), event.sender.person_id))
    return [_thanks(event, current, ack, created, config.timezone)]


def _superseded(current: PolicyVersion) -> Reply:
    return whisper(f"That button was for an earlier version. The policy has been updated "
                   f"since: {version_label(current)}. Please read the new version, then "
                   "confirm.", ack_button(current), read_button())


def _thanks(event: Event, version: PolicyVersion, ack: Acknowledgement, created: bool,
            timezone: str) -> Reply:
    when = short_date(ack.acknowledged_at, timezone)
    if not created:
        return whisper(f"You already confirmed you have read {version_label(version)} on "
                       f"{when}. Thank you!")
    return whisper(f"Thank you, {event.sender.display_name}. I've recorded that you have read "
                   f"{version_label(version)} ({when}).")


# ---- the Headteacher's view -------------------------------------------------------


async def status_text(*, services: Services, school_id: int, config: SchoolConfig) -> str:
    """Who has and has not acknowledged: the current version in full, earlier in brief."""
    async with services.db.session() as session:
        current = await current_version(services=services, session=session,
                                        school_id=school_id, config=config, now=services.now())
        if current is None or current.id is None:
            return "I can't read the school's policy just now, so there is no version yet."
        staff = await staff_to_acknowledge(session=session, school_id=school_id, config=config)
        lines = await _version_lines(session, current, staff, config.timezone)
        for older in (await acks.recent_versions(session=session, school_id=school_id,
                                                 limit=EARLIER_VERSIONS_SHOWN + 1))[1:]:
            lines.append(await _older_line(session, older, staff))
    lines.append(review_line(review_date(config.next_review, current.next_review),
                             services.now(), config.timezone))
    return "\n".join(lines)


async def _version_lines(session: AsyncSession, version: PolicyVersion, staff: list[Person],
                         timezone: str) -> list[str]:
    assert version.id is not None
    done = await acks.acknowledgements_for(session=session, version_id=version.id)
    confirmed = [p for p in staff if p.id in done]
    waiting = [p for p in staff if p.id not in done]
    lines = [f"{version_label(version)}, published "
             f"{short_date(version.published_at, timezone)}:",
             f"{len(confirmed)} of {len(staff)} staff have confirmed they have read it."]
    if confirmed:
        lines.append("Confirmed: " + ", ".join(
            f"{p.name} ({short_date(done[p.id].acknowledged_at, timezone)})"
            for p in confirmed if p.id is not None))
    lines.append("Not yet: " + (", ".join(p.name for p in waiting) if waiting else "nobody"))
    return lines


async def _older_line(session: AsyncSession, version: PolicyVersion,
                      staff: list[Person]) -> str:
    assert version.id is not None
    done = await acks.acknowledgements_for(session=session, version_id=version.id)
    count = sum(1 for p in staff if p.id in done)
    return f"Earlier, version {version.number}: {count} of {len(staff)} confirmed."


def review_line(next_review: dt.date | None, now: dt.datetime, timezone: str) -> str:
    if next_review is None:
        return "Next review: no date set (add next_review to the school config)."
    today = now.astimezone(ZoneInfo(timezone)).date()
    if next_review < today:
        return f"Next review: {long_date(next_review)}, overdue."
    return f"Next review: {long_date(next_review)}."


# ---- commands ---------------------------------------------------------------------


def register(router: Router) -> None:
    everyone_known = tuple(Role)

    @router.command("ack", summary="confirm you have read the current staff policy",
                    roles=everyone_known, where=Where.PRIVATE, group=Group.POLICY,
                    offered=_asked_to_acknowledge)
    async def ack(services: Services, event: Event) -> list[Reply]:
        return await record_acknowledgement(services=services, event=event, version_id=None,
                                            via="command")

    @router.action(ACK_ACTION)
    async def ack_pressed(services: Services, event: Event) -> list[Reply]:
        if event.school is None or event.sender.person_id is None:
            raise UserError("I don't know who you are yet, so I can't record that.")
        version_id = event.action.number(0) if event.action is not None else None
        return await record_acknowledgement(services=services, event=event,
                                            version_id=version_id, via="button")

    @router.command("ackstatus", summary="who has and hasn't confirmed reading the policy",
                    roles=[Role.HEADTEACHER], where=Where.PRIVATE, group=Group.POLICY)
    async def ackstatus(services: Services, event: Event) -> list[Reply]:
        assert event.school is not None
        config = school_config(services, event.school.slug)
        return [whisper(await status_text(services=services, school_id=event.school.id,
                                          config=config))]
