"""A person's home view: the summary a platform shows in its own place (Slack's App
Home tab), rebuilt each time they open it.

Everyone known sees whether they have confirmed reading the current policy (with the
button) and what they have sent. The Headteacher also sees how many reports are
open, who has not confirmed, the next review date and the questions waiting for an
answer. Only counts and references: a report's content is read with ``/view``, which
is audited.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.acknowledgements import (
    ack_button,
    current_version,
    review_line,
    school_config,
    short_date,
    staff_to_acknowledge,
    version_label,
)
from handlers.context import Services
from handlers.events import Event
from handlers.replies import Home, HomeSection, Message, Reply
from handlers.report_routing import CATEGORY_LABELS, visible_roles
from handlers.router import Router
from policies.metadata import review_date
from storage import acks, gaps, reports
from storage.roles import Role

__all__ = ["home_for", "register"]

SENT_SHOWN = 5
STATUS = {reports.OPEN: "not read yet", reports.READ: "read", reports.CLOSED: "closed"}


def register(router: Router) -> None:
    @router.home
    async def opened(services: Services, event: Event) -> list[Reply]:
        return [Reply(Message("", home=await home_for(services, event)))]


async def home_for(services: Services, event: Event) -> Home:
    if event.school is None or event.sender.person_id is None:
        return Home((HomeSection("PolicyBot", (
            f"I don't know you yet. Your {event.platform} id is "
            f"{event.sender.platform_user_id}: your school's PolicyBot admin adds it to the "
            "school config.")),))
    async with services.db.session() as session:
        sections = [await _policy(session, services, event), await _sent(session, event)]
        if event.sender.role is Role.HEADTEACHER:
            sections += await _headteacher(session, services, event)
    return Home(tuple(s for s in sections if s is not None))


async def _policy(session: AsyncSession, services: Services,
                  event: Event) -> HomeSection | None:
    assert event.school is not None
    config = school_config(services, event.school.slug)
    version = await current_version(services=services, session=session,
                                    school_id=event.school.id, config=config, now=services.now())
    if version is None or version.id is None:
        return None
    title = f"{version_label(version)}"
    if event.sender.role not in config.acknowledge_roles:
        return HomeSection("Social media policy", title)
    done = await acks.acknowledgements_for(session=session, version_id=version.id)
    mine = done.get(event.sender.person_id or 0)
    if mine is not None:
        return HomeSection("Social media policy", f"{title}: you confirmed you have read it on "
                           f"{short_date(mine.acknowledged_at, config.timezone)}.")
    return HomeSection("Social media policy",
                       f"{title}: please confirm you have read it.", (ack_button(version),))


async def _sent(session: AsyncSession, event: Event) -> HomeSection:
    assert event.school is not None
    mine = await reports.search(session=session, school_id=event.school.id, handler_roles=None,
                                where=reports.ReportFilter(reporter_id=event.sender.person_id),
                                limit=SENT_SHOWN)
    if not mine:
        return HomeSection("What you've sent", "Nothing yet. /report or /friendrequest tells "
                           "the right person, privately.")
    lines = [f"#{r.reference}: {CATEGORY_LABELS.get(r.category, r.category)}, "
             f"{STATUS.get(r.status, r.status)}" for r in mine]
    return HomeSection("What you've sent", "\n".join(lines) + "\nSend /mine for them all.")


async def _headteacher(session: AsyncSession, services: Services,
                       event: Event) -> list[HomeSection]:
    assert event.school is not None
    school_id = event.school.id
    roles = [str(r) for r in visible_roles(event.sender.role)]
    open_reports = await reports.search(session=session, school_id=school_id,
                                        handler_roles=roles,
                                        where=reports.ReportFilter(status=reports.OPEN))
    config = school_config(services, event.school.slug)
    version = await acks.latest_version(session=session, school_id=school_id)
    waiting = "No policy version yet."
    if version is not None and version.id is not None:
        staff = await staff_to_acknowledge(session=session, school_id=school_id, config=config)
        done = await acks.acknowledgements_for(session=session, version_id=version.id)
        names = [p.name for p in staff if p.id not in done and p.id != event.sender.person_id]
        waiting = ("Not yet confirmed: " + ", ".join(names)) if names else "Everyone has."
    questions = [g for g in await gaps.recent(session=session, school_id=school_id)
                 if g.answered_at is None and (not g.private or g.passed_on_at is not None)]
    review = review_date(config.next_review, version.next_review if version else None)
    return [
        HomeSection("Reports", f"{len(open_reports)} not read yet. Send /list to see them."),
        HomeSection("Reading the policy", waiting + " Send /ackstatus for the detail."),
        HomeSection("Review", review_line(review, services.now(), config.timezone)),
        HomeSection("Questions", f"{len(questions)} waiting for an answer. Send /gaps."),
    ]
