"""Who receives a report and who may see it: the policies' rules, as pure functions.

- a friend request or contact attempt → the Headteacher's list;
- inappropriate content seen, misuse by a pupil, misuse by staff, abusive comments
  on a school account, anything else → the Headteacher;
- a safeguarding concern → the Designated Safeguarding Lead (the Headteacher if the
  school has none);
- anything that involves the Headteacher → the Chair of Governors, and the
  Headteacher never receives it, is never told of it and never sees it.
"""

from __future__ import annotations

from storage.roles import Role

FRIEND_REQUEST, INCIDENT = "friend_request", "incident"
HEAD_INVOLVED, SAFEGUARDING, PUPIL_MISUSE = "head_involved", "safeguarding", "pupil_misuse"
HEADTEACHER = "headteacher"  # the "who is involved" answer that changes the routing

KIND_LABELS = {FRIEND_REQUEST: "friend request", INCIDENT: "report"}
CATEGORY_LABELS = {
    FRIEND_REQUEST: "friend request or contact attempt",
    "inappropriate_content": "inappropriate content seen",
    PUPIL_MISUSE: "misuse by a pupil",
    "staff_misuse": "misuse by a member of staff",
    HEAD_INVOLVED: "the Headteacher is involved",
    SAFEGUARDING: "safeguarding concern",
    "abusive_comments": "abusive comments on a school account",
    "other": "something else",
}
INCIDENT_CATEGORIES = tuple(c for c in CATEGORY_LABELS if c != FRIEND_REQUEST)
INVOLVED_LABELS = {
    "pupil": "a pupil", "parent": "a parent or carer", "staff": "a member of staff",
    HEADTEACHER: "the Headteacher", "outsider": "someone outside school",
    "unsaid": "I'd rather not say",
}
ROLE_TITLES = {
    Role.HEADTEACHER: "the Headteacher", Role.DSL: "the Designated Safeguarding Lead",
    Role.CHAIR_OF_GOVERNORS: "the Chair of Governors",
}
#: Which routed reports each leadership role may see in /list, /view and /export.
VISIBLE_TO: dict[Role, frozenset[Role]] = {
    Role.HEADTEACHER: frozenset({Role.HEADTEACHER, Role.DSL}),
    Role.DSL: frozenset({Role.DSL}),
    Role.CHAIR_OF_GOVERNORS: frozenset({Role.CHAIR_OF_GOVERNORS}),
}


def involves_head(category: str, involved: str | None) -> bool:
    return category == HEAD_INVOLVED or involved == HEADTEACHER


def route(category: str, involved: str | None, *, has_dsl: bool = True) -> Role:
    """The role a report goes to."""
    if involves_head(category, involved):
        return Role.CHAIR_OF_GOVERNORS
    if category == SAFEGUARDING and has_dsl:
        return Role.DSL
    return Role.HEADTEACHER


def visible_roles(role: Role | None) -> frozenset[Role]:
    """The routed-to roles whose reports this role may see (empty: none)."""
    return VISIBLE_TO.get(role, frozenset()) if role is not None else frozenset()


def may_handle(role: Role | None, handler_role: str) -> bool:
    return Role(handler_role) in visible_roles(role)


def sentence(text: str) -> str:
    """Capital first letter, the rest untouched ("the Headteacher" → "The Headteacher")."""
    return text[:1].upper() + text[1:]
