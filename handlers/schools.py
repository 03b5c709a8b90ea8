"""/school: which school someone in several schools of one trust is acting for in private.

In a group the chat decides the school. In private it is the school the person last
chose here, or last used a command in a group of (see handlers.identity).
"""

from __future__ import annotations

from handlers.actions import encode
from handlers.context import Services
from handlers.errors import UserError
from handlers.events import Event
from handlers.replies import Button, Reply, whisper
from handlers.router import Router, Where
from storage import directory, school_choices
from storage.models import School
from storage.roles import Role


def register(router: Router) -> None:
    @router.command("school", summary="which school you are acting for here (for people in "
                    "several schools of a trust)", roles=list(Role), where=Where.PRIVATE,
                    offered=_in_several_schools)
    async def school(services: Services, event: Event) -> list[Reply]:
        schools = await _memberships(services, event)
        current = event.school.name if event.school is not None else "none"
        others = [s for s in schools if event.school is None or s.id != event.school.id]
        if not others:
            return [whisper(f"You're acting for {current}, the only school you belong to.")]
        return [whisper(f"In private chats you're acting for {current}. Switch to:",
                        *(Button(s.name, encode("school", s.slug)) for s in others))]

    @router.action("school")
    async def switch(services: Services, event: Event) -> list[Reply]:
        slug = event.action.arg(0) if event.action is not None else ""
        chosen = next((s for s in await _memberships(services, event) if s.slug == slug), None)
        if chosen is None or chosen.id is None:
            raise UserError("You don't belong to that school.")
        async with services.db.session() as session:
            await school_choices.choose(session=session, platform=event.platform,
                                        external_id=event.sender.platform_user_id,
                                        school_id=chosen.id, now=services.now())
        return [whisper(f"Done: in private chats you're now acting for {chosen.name}.")]


def _in_several_schools(services: Services, event: Event) -> bool:
    return len(services.directory.members(event.platform, event.sender.platform_user_id)) > 1


async def _memberships(services: Services, event: Event) -> list[School]:
    async with services.db.session() as session:
        people = await directory.people_by_identity(
            session=session, platform=event.platform, external_id=event.sender.platform_user_id)
        schools = [await directory.school_by_id(session=session, school_id=p.school_id)
                   for p in people]
    return [s for s in schools if s is not None]
