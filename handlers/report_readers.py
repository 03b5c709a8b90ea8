"""Who reads a report, as people are told it: the school's reader roles for its kind
(:func:`handlers.report_routing.reader_roles`), the people who hold them, and the
words for both ("Dee Lead (Designated Safeguarding Lead)").

Everything a reporter is told about who can see their report is built here, from
the same roles the access rule checks, so what they read is what happens.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.context import Services
from handlers.events import SchoolRef
from handlers.report_routing import (
    READER_ROLES,
    ROLE_NAMES,
    ROLE_TITLES,
    joined,
    reader_roles,
)
from handlers.report_settings import ReportSettings
from storage import directory
from storage.models import Person
from storage.roles import Role

DEFAULT_CONTACT = "the school office"


@dataclass(frozen=True, slots=True)
class Readers:
    """The roles that will read a report and the people who hold them now."""

    roles: tuple[Role, ...]
    people: tuple[Person, ...]

    @property
    def role_values(self) -> tuple[str, ...]:
        return tuple(str(r) for r in self.roles)

    def others_than(self, person_id: int | None) -> tuple[Person, ...]:
        """Its readers but this person (the reporter, when they read it too)."""
        return tuple(p for p in self.people if p.id != person_id)


def settings_of(services: Services, school: SchoolRef | None) -> ReportSettings:
    found = services.config.school(school.slug) if school is not None else None
    return found.reports if found is not None else ReportSettings()


async def resolve(session: AsyncSession, services: Services, school: SchoolRef,
                  category: str, involved: str | None) -> Readers:
    """Who would read a report of this kind in this school, now."""
    people = await directory.people_of_school(session=session, school_id=school.id)
    held = {Role(p.role) for p in people if p.role in {str(r) for r in READER_ROLES}}
    roles = reader_roles(category, involved, settings_of(services, school).readers_by_kind(),
                         held)
    return Readers(roles, tuple(p for p in people if p.role in {str(r) for r in roles}))


async def people_reading(session: AsyncSession, school_id: int,
                         roles: Iterable[str]) -> list[Person]:
    """The people (active now) who hold one of these reader roles."""
    wanted = set(roles)
    people = await directory.people_of_school(session=session, school_id=school_id)
    return [p for p in people if p.role in wanted]


def title_of(person: Person) -> str:
    """``Dee Lead (Designated Safeguarding Lead)``; a reader's name and role."""
    role = ROLE_NAMES.get(Role(person.role)) if person.role in set(Role) else None
    return f"{person.name} ({role})" if role else person.name


def people_text(people: Sequence[Person]) -> str:
    return joined([title_of(p) for p in people])


def roles_text(roles: Iterable[str]) -> str:
    """``the Designated Safeguarding Lead and a deputy Designated Safeguarding Lead``."""
    titles = [ROLE_TITLES[Role(r)] for r in roles if r in set(Role) and Role(r) in ROLE_TITLES]
    return joined(titles) if titles else "no one"


def who_can_read(readers: Readers, *, head_exists: bool, reporter_id: int | None) -> str:
    """The sentence before Send: exactly who can read it."""
    if not readers.people:
        return (f"No one in your school is set up in PolicyBot as "
                f"{roles_text(readers.role_values)}, so it can't be sent yet.")
    others = readers.others_than(reporter_id)
    text = (f"Who can read it: {people_text(others)}, and you." if others
            else "Who can read it: only you, for now (you hold the role that reads it).")
    if Role.HEADTEACHER not in readers.roles and head_exists:
        text += " The Headteacher will not see it."
    return text


def school_contact(services: Services, school: SchoolRef | None) -> str:
    return settings_of(services, school).contact or DEFAULT_CONTACT


def dsl_sentence(people: Sequence[Person]) -> str:
    """``The school's Designated Safeguarding Lead is Dee Lead.`` (and deputies)."""
    leads = [p.name for p in people if p.role == Role.DSL]
    deputies = [p.name for p in people if p.role == Role.DEPUTY_DSL]
    if not leads and not deputies:
        return ""
    text = (f"The school's Designated Safeguarding Lead is {joined(leads)}." if leads
            else "")
    if deputies:
        plural = "s" if len(deputies) > 1 else ""
        text += f" Deputy Designated Safeguarding Lead{plural}: {joined(deputies)}."
    return text.strip()
