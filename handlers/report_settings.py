"""A school's settings for private reports: who reads each kind, how long each type of
record is kept and what happens then, and how to reach the school without the bot.

In the school config (all optional)::

    reports:
      readers:                          # roles, per kind of report
        safeguarding: [dsl, deputy_dsl, headteacher]
      retention:                        # per record type: days, then delete or review
        friend_request: {days: 2190, then: delete}
        safeguarding: {days: 9125, then: review}
      contact: "the school office: 01234 567890, office@croughton.sch.uk"

Read by :mod:`bot.config` (it is one field of a school there); defined here, on the
floor that uses it, so handlers never import the config module.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from handlers.report_routing import (
    ABOUT_STAFF,
    CATEGORY_LABELS,
    DEFAULT_READERS,
    FRIEND_REQUEST,
    HEAD_INVOLVED,
    INCIDENT,
    LOW_LEVEL_CONCERN,
    READER_ROLES,
    RECORD_TYPES,
    SAFEGUARDING,
)
from storage.roles import Role

DELETE, REVIEW = "delete", "review"
#: Record types that are reviewed by a reader before anything is deleted.
REVIEWED = (SAFEGUARDING, LOW_LEVEL_CONCERN, ABOUT_STAFF)
#: Default periods in days (None: the school's ``retention_days``). Child protection
#: records: 25 years, then review; allegations about staff: 10 years, then review;
#: low-level concerns: 6 years, then review.
DEFAULT_DAYS: dict[str, int | None] = {
    SAFEGUARDING: 9125, ABOUT_STAFF: 3650, LOW_LEVEL_CONCERN: 2190,
    FRIEND_REQUEST: None, INCIDENT: None,
}
MAX_CONTACT = 300


class RetentionRule(BaseModel):
    """How long one type of record is kept, and what happens at the end."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days: int = Field(ge=30, le=36500)
    then: Literal["delete", "review"]


class ReportSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    readers: dict[str, tuple[Role, ...]] = Field(default_factory=dict)
    retention: dict[str, RetentionRule] = Field(default_factory=dict)
    contact: str | None = Field(default=None, min_length=1, max_length=MAX_CONTACT)

    @field_validator("readers", mode="before")
    @classmethod
    def _known_readers(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value
        for kind, roles in value.items():
            _check_readers(str(kind), roles)
        return value

    @field_validator("retention", mode="before")
    @classmethod
    def _known_record_types(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value
        for kind, rule in value.items():
            if kind not in RECORD_TYPES:
                raise ValueError(f"unknown record type {kind!r} (expected one of "
                                 f"{', '.join(RECORD_TYPES)})")
            if kind in REVIEWED and isinstance(rule, dict) and rule.get("then") == DELETE:
                raise ValueError(f"{kind} records are reviewed by a reader before they are "
                                 "deleted: use then: review")
        return value

    def readers_by_kind(self) -> dict[str, tuple[Role, ...]]:
        return {**DEFAULT_READERS, **self.readers}

    def retention_of(self, record_type: str, default_days: int) -> RetentionRule:
        given = self.retention.get(record_type)
        if given is not None:
            return given
        days = DEFAULT_DAYS[record_type]
        return RetentionRule(days=default_days if days is None else days,
                             then=REVIEW if record_type in REVIEWED else DELETE)


def _check_readers(kind: str, roles: object) -> None:
    kinds = (*CATEGORY_LABELS, HEAD_INVOLVED)
    if kind not in kinds:
        raise ValueError(f"unknown kind of report {kind!r} (expected one of "
                         f"{', '.join(dict.fromkeys(kinds))})")
    if not isinstance(roles, list | tuple) or not roles:
        raise ValueError(f"{kind}: give at least one role that reads it")
    allowed = [str(r) for r in READER_ROLES]
    for role in roles:
        if role not in allowed:
            raise ValueError(f"{kind}: {role!r} can't read reports (readers are one of "
                             f"{', '.join(allowed)})")
    if kind == HEAD_INVOLVED and str(Role.HEADTEACHER) in roles:
        raise ValueError("head_involved: a report that involves the Headteacher is never "
                         "read by the Headteacher")
