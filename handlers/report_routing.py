"""What a report is, who may read it and how long it is kept: the rules, as data and
pure functions (no I/O). The school's own choices come from its ``reports`` settings
(:class:`handlers.report_settings.ReportSettings`); the defaults follow the policies:

- a friend request or contact attempt, inappropriate content, misuse by a pupil or
  by staff, a low-level concern, abusive comments, anything else → the Headteacher;
- a safeguarding concern → the Designated Safeguarding Lead and any deputy DSLs (the
  Headteacher too only where the school's settings say so);
- anything that involves the Headteacher → the Chair of Governors only: the
  Headteacher never reads it, is never told of it and never finds it.

The roles a report is read by are decided when it is sent and stored with it, so
what the reporter was told before Send stays true. :func:`may_read` is the one
access rule: /view, /list, /export, the thread and retention all use it (the list's
query, :func:`storage.reports.search`, applies the same stored roles).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from storage.roles import Role

FRIEND_REQUEST, INCIDENT = "friend_request", "incident"
HEAD_INVOLVED, SAFEGUARDING, PUPIL_MISUSE = "head_involved", "safeguarding", "pupil_misuse"
STAFF_MISUSE, LOW_LEVEL_CONCERN = "staff_misuse", "low_level_concern"
HEADTEACHER = "headteacher"  # the "who is involved" answer that changes the routing

CATEGORY_LABELS = {
    FRIEND_REQUEST: "friend request or contact attempt",
    "inappropriate_content": "inappropriate content seen",
    PUPIL_MISUSE: "misuse by a pupil",
    STAFF_MISUSE: "misuse by a member of staff",
    LOW_LEVEL_CONCERN: "low-level concern about an adult's conduct",
    HEAD_INVOLVED: "the Headteacher is involved",
    SAFEGUARDING: "safeguarding concern",
    "abusive_comments": "abusive comments on a school account",
    "other": "something else",
}
INCIDENT_CATEGORIES = tuple(c for c in CATEGORY_LABELS if c != FRIEND_REQUEST)
INVOLVED_LABELS = {
    "pupil": "a pupil", "parent": "a parent or carer", "staff": "a member of staff",
    HEADTEACHER: "the Headteacher", "volunteer": "a volunteer, supply staff or contractor",
    "outsider": "someone outside school", "unsaid": "I'd rather not say",
}
ADULTS_AT_SCHOOL = ("staff", "volunteer", HEADTEACHER)
#: Who may be involved, by category: one answer means the category already says it
#: (the form does not ask); a category not listed offers every answer.
INVOLVED_FOR: dict[str, tuple[str, ...]] = {
    PUPIL_MISUSE: ("pupil",),
    HEAD_INVOLVED: (HEADTEACHER,),
    STAFF_MISUSE: ("staff", HEADTEACHER),
    LOW_LEVEL_CONCERN: (*ADULTS_AT_SCHOOL, "unsaid"),
}

#: The roles that can read reports at all, and how each is named to people.
ROLE_TITLES = {
    Role.HEADTEACHER: "the Headteacher", Role.DSL: "the Designated Safeguarding Lead (DSL)",
    Role.DEPUTY_DSL: "the deputy DSLs", Role.CHAIR_OF_GOVERNORS: "the Chair of Governors",
}
ROLE_NAMES = {  # after a person's name: "Dee Lead (Designated Safeguarding Lead)"
    Role.HEADTEACHER: "Headteacher", Role.DSL: "Designated Safeguarding Lead",
    Role.DEPUTY_DSL: "Deputy DSL",
    Role.CHAIR_OF_GOVERNORS: "Chair of Governors",
}
READER_ROLES = tuple(ROLE_TITLES)
#: Who reads each kind of report unless the school says otherwise. ``head_involved``
#: stands for anything that involves the Headteacher, whatever its category.
DEFAULT_READERS: dict[str, tuple[Role, ...]] = {
    **{c: (Role.HEADTEACHER,) for c in CATEGORY_LABELS},
    SAFEGUARDING: (Role.DSL, Role.DEPUTY_DSL),
    HEAD_INVOLVED: (Role.CHAIR_OF_GOVERNORS,),
}

# -- record types, for retention ------------------------------------------------------
ABOUT_STAFF = "about_staff"
#: Most specific first: a report is of the first type that applies to it.
RECORD_TYPES = (SAFEGUARDING, LOW_LEVEL_CONCERN, ABOUT_STAFF, FRIEND_REQUEST, INCIDENT)
RECORD_TYPE_LABELS = {
    SAFEGUARDING: "safeguarding concern", LOW_LEVEL_CONCERN: "low-level concern",
    ABOUT_STAFF: "report about a member of staff", FRIEND_REQUEST: "friend request",
    INCIDENT: "other report",
}


def involves_head(category: str, involved: str | None) -> bool:
    return category == HEAD_INVOLVED or involved == HEADTEACHER


def readers_key(category: str, involved: str | None) -> str:
    """The key of the school's ``reports.readers`` setting that decides this report."""
    return HEAD_INVOLVED if involves_head(category, involved) else category


def reader_roles(category: str, involved: str | None,
                 readers: dict[str, tuple[Role, ...]], held: Collection[Role]) -> tuple[Role, ...]:
    """The roles that will read a report, given the school's readers per kind and the
    roles someone in the school ``held``. Never the Headteacher for a report that
    involves the Headteacher. A report whose readers no one holds goes to the
    Headteacher instead (a school with no DSL set up), unless it involves them."""
    key = readers_key(category, involved)
    roles = readers.get(key, DEFAULT_READERS[key])
    if key == HEAD_INVOLVED:
        return tuple(r for r in roles if r is not Role.HEADTEACHER)
    if not any(r in held for r in roles):
        return (Role.HEADTEACHER,)
    return roles


def may_read(role: Role | None, readers: Iterable[str]) -> bool:
    """The one access rule: someone reads a report if their role is one of its readers."""
    return role is not None and str(role) in set(readers)


def record_type(category: str, involved: str | None) -> str:
    """Which retention rule a report falls under (see :data:`RECORD_TYPES`)."""
    if category in (SAFEGUARDING, LOW_LEVEL_CONCERN, FRIEND_REQUEST):
        return category
    if category in (STAFF_MISUSE, HEAD_INVOLVED) or involved in ADULTS_AT_SCHOOL:
        return ABOUT_STAFF
    return INCIDENT


def involved_options(category: str | None) -> tuple[str, ...]:
    return INVOLVED_FOR.get(category or "", tuple(INVOLVED_LABELS))


def implied_involved(category: str | None) -> str | None:
    """Who is involved when the category says it (no need to ask)."""
    options = involved_options(category)
    return options[0] if len(options) == 1 else None


def sentence(text: str) -> str:
    """Capital first letter, the rest untouched ("the Headteacher" → "The Headteacher")."""
    return text[:1].upper() + text[1:]


def joined(items: list[str]) -> str:
    """``["a", "b", "c"]`` → ``"a, b and c"``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
