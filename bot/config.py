"""The school config file: one YAML file describing one or more schools.

A broken file is refused at start with the file, the line and what is wrong::

    schools.yaml:14: schools[0].people[2].role: unknown role 'teacher' (expected one of ...)

Loading is two steps: YAML is composed into nodes so every value keeps its line
(:mod:`bot.config_yaml`, which also refuses YAML that would hang or crash the loader),
then pydantic validates the plain data and each error is mapped back to a line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.config_yaml import PathKey, YamlProblem, compose, where
from bot.platforms.registry import NAMES as PLATFORM_NAMES
from handlers.report_settings import ReportSettings
from policies.answer import Audience
from storage.roles import Role

if TYPE_CHECKING:
    from policies.engine import PolicySource

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
Handle = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$", max_length=64)]
PlatformId = int | str
MAX_REVIEW_REMINDER_DAYS = 730
# UK bank holiday regions a school may name (handlers.school_hours.SUBDIVISIONS maps them)
BANK_HOLIDAY_REGIONS = ("england", "wales", "scotland", "northern-ireland")


class ConfigError(Exception):
    """The config file is unusable; ``problems`` are ``file:line: where: what`` lines."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("\n".join(problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _gather_platform_ids(data: object) -> object:
    """``telegram: 1001`` and ``slack: U0HEAD`` (a key per registered platform) on a
    person or chat become its ``ids`` mapping; ``ids: {telegram: 1001}`` works too."""
    if not isinstance(data, dict) or not any(k in PLATFORM_NAMES for k in data):
        return data
    rest = {k: v for k, v in data.items() if k not in PLATFORM_NAMES}
    given = rest.get("ids")
    named = {k: v for k, v in data.items() if k in PLATFORM_NAMES and v is not None}
    return {**rest, "ids": {**(given if isinstance(given, dict) else {}), **named}}


class _WithPlatformIds(_Strict):
    ids: dict[str, PlatformId] = Field(default_factory=dict)

    _gather = model_validator(mode="before")(_gather_platform_ids)

    @field_validator("ids")
    @classmethod
    def _known_platforms(cls, value: dict[str, PlatformId]) -> dict[str, PlatformId]:
        unknown = [k for k in value if k not in PLATFORM_NAMES]
        if unknown:
            raise ValueError(f"unknown platform {unknown[0]!r} (expected one of "
                             f"{', '.join(PLATFORM_NAMES)})")
        return value

    @property
    def platform_ids(self) -> dict[str, str]:
        """Platform name → this one's id there (as text)."""
        return {platform: str(value) for platform, value in self.ids.items()}

    def id_on(self, platform: str) -> str | None:
        value = self.ids.get(platform)
        return None if value is None else str(value)


class PersonConfig(_WithPlatformIds):
    handle: Handle
    name: str = Field(min_length=1, max_length=200)
    role: Role

    @field_validator("role", mode="before")
    @classmethod
    def _known_role(cls, value: object) -> object:
        allowed = [r.value for r in Role]
        if value not in allowed:
            raise ValueError(f"unknown role {value!r} (expected one of {', '.join(allowed)})")
        return value


class ChatConfig(_WithPlatformIds):
    name: Handle
    audience: Audience

    @field_validator("audience", mode="before")
    @classmethod
    def _known_audience(cls, value: object) -> object:
        if value is None or value == "":
            raise ValueError("every chat needs an audience: staff or parent")
        if value not in [a.value for a in Audience]:
            raise ValueError(f"unknown audience {value!r} (expected staff or parent)")
        return value


class SchoolHours(_Strict):
    """When reminders may be sent, in the school's timezone."""

    days: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday = 0
    start: dt.time = dt.time(8, 0)
    end: dt.time = dt.time(17, 0)

    @field_validator("start", "end", mode="before")
    @classmethod
    def _clock_time(cls, value: object) -> object:
        """YAML reads an unquoted 9:00 as the number 540 (minutes, base 60): take it back
        as 09:00. A time zone is refused: hours are in the school's own timezone."""
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
            return dt.time(value // 60, value % 60)
        if isinstance(value, str) and not re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", value.strip()):
            raise ValueError(f"{value!r} is not a time of day like \"08:00\"")
        if isinstance(value, int | float):
            raise ValueError(f"{value!r} is not a time of day like \"08:00\"")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> SchoolHours:
        if self.start >= self.end:
            raise ValueError("school_hours.start must be before school_hours.end")
        if not self.days or any(d < 0 or d > 6 for d in self.days):
            raise ValueError("school_hours.days must be weekday numbers 0 (Mon) to 6 (Sun)")
        return self


class NudgeCadence(_Strict):
    """How staff who have not acknowledged the policy are reminded."""

    first_after_school_days: int = Field(default=3, ge=1, le=30)
    then_every_days: int = Field(default=7, ge=1, le=60)
    max_nudges: int = Field(default=4, ge=1, le=20)


class SchoolConfig(_Strict):
    slug: Slug
    name: str = Field(min_length=1, max_length=200)
    timezone: str = "Europe/London"
    policies: tuple[Path, ...] = Field(min_length=1)
    faq: Path | None = None
    people: tuple[PersonConfig, ...] = Field(min_length=1)
    chats: tuple[ChatConfig, ...] = ()
    school_hours: SchoolHours = SchoolHours()
    holidays: tuple[dt.date, ...] = ()
    bank_holidays: str | None = None  # england | wales | scotland | northern-ireland
    next_review: dt.date | None = None
    review_reminder_days: tuple[int, ...] = (60, 30, 7)
    nudges: NudgeCadence = NudgeCadence()
    acknowledge_roles: tuple[Role, ...] = (Role.HEADTEACHER, Role.DSL, Role.DEPUTY_DSL,
                                           Role.STAFF)
    retention_days: int = Field(default=2190, ge=30, le=36500)
    #: who reads each kind of report, retention per record type, the school's contact line
    reports: ReportSettings = ReportSettings()
    #: a workspace id per platform that has them (``slack_team: T0123ABC``)
    workspaces: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _gather_workspaces(cls, data: object) -> object:
        keys = {f"{name}_team": name for name in PLATFORM_NAMES}
        if not isinstance(data, dict) or not any(k in keys for k in data):
            return data
        rest = {k: v for k, v in data.items() if k not in keys}
        given = rest.get("workspaces")
        named = {keys[k]: v for k, v in data.items() if k in keys and v is not None}
        return {**rest, "workspaces": {**(given if isinstance(given, dict) else {}), **named}}

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r} (e.g. Europe/London)") from None
        return value

    @field_validator("bank_holidays", mode="before")
    @classmethod
    def _known_region(cls, value: object) -> object:
        if value is not None and value not in BANK_HOLIDAY_REGIONS:
            raise ValueError(f"unknown bank_holidays {value!r} (expected one of "
                             f"{', '.join(BANK_HOLIDAY_REGIONS)})")
        return value

    @field_validator("review_reminder_days")
    @classmethod
    def _days_before(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        bad = [d for d in value if not 1 <= d <= MAX_REVIEW_REMINDER_DAYS]
        if bad:
            raise ValueError(
                f"{bad[0]} is not a number of days before the review date: use 1 to "
                f"{MAX_REVIEW_REMINDER_DAYS} (a reminder on the date itself, and weekly "
                "ones while the review is overdue, are sent anyway)")
        return value

    def person(self, handle: str) -> PersonConfig | None:
        return next((p for p in self.people if p.handle == handle), None)

    def chat(self, name: str) -> ChatConfig | None:
        return next((c for c in self.chats if c.name == name), None)


class SchoolsConfig(_Strict):
    schools: tuple[SchoolConfig, ...] = Field(min_length=1)
    source: Path | None = Field(default=None, exclude=True)

    def school(self, slug: str) -> SchoolConfig | None:
        return next((s for s in self.schools if s.slug == slug), None)


def policy_sources(config: SchoolsConfig) -> list[PolicySource]:
    """What the answer engine needs of each school: its policy files and FAQ."""
    from policies.engine import PolicySource

    return [PolicySource(slug=s.slug, name=s.name, policy_paths=tuple(s.policies),
                         faq_path=s.faq, next_review=s.next_review) for s in config.schools]


def load_config(path: Path) -> SchoolsConfig:
    """Read, validate and resolve a school config file, or raise :class:`ConfigError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, [f"{path}: cannot read the config file: {exc}"]) from None
    data, lines = _compose(path, text)
    try:
        config = SchoolsConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(path, [_describe(path, lines, e) for e in _root_causes(exc)]) from None
    problems = list(_cross_checks(path, lines, config))
    if problems:
        raise ConfigError(path, problems)
    return _resolve_paths(config, path.parent)


def _compose(path: Path, text: str) -> tuple[Any, dict[PathKey, int]]:
    try:
        return compose(text)
    except YamlProblem as problem:
        raise ConfigError(path, [f"{path}:{problem.line}: {problem.message}"]) from None


def _root_causes(exc: ValidationError) -> list[Any]:
    """Drop "should have at least 1 item" for a list whose items themselves failed: pydantic
    reports the list as empty too, which only misleads."""
    errors = exc.errors()
    failed = [tuple(e["loc"]) for e in errors]
    return [e for e in errors if e["type"] != "too_short" or not any(
        len(other) > len(e["loc"]) and other[:len(e["loc"])] == tuple(e["loc"])
        for other in failed)]


def _line_of(lines: dict[PathKey, int], at: PathKey) -> int:
    while at and at not in lines:
        at = at[:-1]
    return lines.get(at, 1)


def _describe(path: Path, lines: dict[PathKey, int], error: Any) -> str:
    at = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    at = tuple(p for p in at if p not in ("int", "str"))
    if "ids" in at and at[:at.index("ids") + 1] not in lines:  # given as `telegram: …`
        at = tuple(p for p in at if p != "ids")
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "missing":
        message = _MISSING.get(str(at[-1]), "this field is required")
    elif error["type"] == "extra_forbidden":
        message = f"unknown field {at[-1]!r}"
    return f"{path}:{_line_of(lines, at)}: {where(at)}: {message}"


_MISSING = {
    "audience": "every chat needs an audience: staff or parent",
    "role": "every person needs a role",
    "policies": "every school needs at least one policy file",
}


def _cross_checks(path: Path, lines: dict[PathKey, int], config: SchoolsConfig) -> Iterator[str]:
    """Rules that span several entries: duplicates, missing files, shared platform ids."""

    def problem(at: PathKey, message: str) -> str:
        return f"{path}:{_line_of(lines, at)}: {where(at)}: {message}"

    seen_slugs: set[str] = set()
    seen_chat_ids: dict[tuple[str, str], str] = {}
    for si, school in enumerate(config.schools):
        at: PathKey = ("schools", si)
        if school.slug in seen_slugs:
            yield problem((*at, "slug"), f"duplicate school slug {school.slug!r}")
        seen_slugs.add(school.slug)
        for pi, policy in enumerate(school.policies):
            if not (path.parent / policy).is_file():
                yield problem((*at, "policies", pi), f"policy file not found: {policy}")
        if school.faq is not None and not (path.parent / school.faq).is_file():
            yield problem((*at, "faq"), f"FAQ file not found: {school.faq}")
        yield from _duplicates(problem, at, "people", [p.handle for p in school.people], "handle")
        for platform in PLATFORM_NAMES:
            ids = [p.id_on(platform) or "" for p in school.people]
            yield from _duplicates(problem, at, "people", ids, platform)
        yield from _duplicates(problem, at, "chats", [c.name for c in school.chats], "name")
        for ci, chat in enumerate(school.chats):
            for platform in PLATFORM_NAMES:
                value = chat.id_on(platform)
                if value is None:
                    continue
                owner = seen_chat_ids.get((platform, str(value)))
                if owner is not None:
                    yield problem((*at, "chats", ci, platform),
                                  f"{platform} chat {value} is already used by {owner}")
                seen_chat_ids[(platform, str(value))] = f"{school.slug}/{chat.name}"
        if not any(p.role is Role.HEADTEACHER for p in school.people):
            yield problem((*at, "people"), "every school needs one person with role headteacher")


def _duplicates(problem: Any, at: PathKey, field: str, values: list[str], key: str,
                all_items: list[str] | None = None) -> Iterator[str]:
    items = all_items if all_items is not None else values
    seen: set[str] = set()
    for index, value in enumerate(items):
        if value in ("None", ""):
            continue
        if value in seen:
            yield problem((*at, field, index, key), f"duplicate {key} {value!r}")
        seen.add(value)


def _resolve_paths(config: SchoolsConfig, base: Path) -> SchoolsConfig:
    schools = tuple(
        school.model_copy(update={
            "policies": tuple((base / p).resolve() for p in school.policies),
            "faq": (base / school.faq).resolve() if school.faq is not None else None,
        })
        for school in config.schools
    )
    return config.model_copy(update={"schools": schools, "source": base})
