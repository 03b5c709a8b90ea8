"""Roles a person can hold in a school (the school config's ``role`` field)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    HEADTEACHER = "headteacher"
    DSL = "dsl"
    CHAIR_OF_GOVERNORS = "chair_of_governors"
    STAFF = "staff"
    GOVERNOR = "governor"
    PARENT = "parent"


#: Roles that work in the school and are bound by the staff policy.
STAFF_ROLES = frozenset({Role.HEADTEACHER, Role.DSL, Role.STAFF})
#: Roles that may read the Headteacher's list and other leadership views.
LEADERSHIP_ROLES = frozenset({Role.HEADTEACHER, Role.DSL, Role.CHAIR_OF_GOVERNORS})
