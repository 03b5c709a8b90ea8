"""Roles a person can hold in a school (the school config's ``role`` field)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    HEADTEACHER = "headteacher"
    DSL = "dsl"
    DEPUTY_DSL = "deputy_dsl"
    CHAIR_OF_GOVERNORS = "chair_of_governors"
    STAFF = "staff"
    GOVERNOR = "governor"
    PARENT = "parent"


#: Roles that work in the school and are bound by the staff policy.
STAFF_ROLES = frozenset({Role.HEADTEACHER, Role.DSL, Role.DEPUTY_DSL, Role.STAFF})
#: Roles that may be readers of reports (which reports each reads is the school's
#: ``reports.readers`` setting): they get /list, /export and the reader's commands.
LEADERSHIP_ROLES = frozenset({Role.HEADTEACHER, Role.DSL, Role.DEPUTY_DSL,
                              Role.CHAIR_OF_GOVERNORS})
