"""``policybot config check``: the school config, and every school's policy documents and
FAQ, loaded exactly as start-up loads them (:func:`bot.config.load_config`, then the
answer engine per school), so it reports the errors start-up would refuse with; and
warnings about set-ups that start but would strand people, each naming the school and
what to add."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.config import ConfigError, SchoolConfig, SchoolsConfig, load_config, policy_sources
from policies.errors import PolicyError
from storage.roles import Role

__all__ = ["POLICY_PROBLEM", "CheckResult", "check_config"]

POLICY_PROBLEM = "A policy or FAQ file is not usable: "  # as start-up says it (bot.cli)


@dataclass
class CheckResult:
    summaries: list[str] = field(default_factory=list)  # one line per school
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def check_config(path: Path) -> CheckResult:
    result = CheckResult()
    try:
        config = load_config(path)
    except ConfigError as exc:
        result.errors.extend(exc.problems)
        return result
    for school in config.schools:
        result.summaries.append(
            f"{school.slug}: {school.name} — {len(school.people)} people, "
            f"{len(school.chats)} chats, {len(school.policies)} policy file(s)")
        result.warnings.extend(_people_warnings(school))
    _check_policies(config, result)
    order = {school.slug: i for i, school in enumerate(config.schools)}
    result.summaries.sort(key=lambda line: order[line.split(":")[0]])  # a school's together
    return result


def _check_policies(config: SchoolsConfig, result: CheckResult) -> None:
    from policies.engine import AnswerEngine

    schools = {school.slug: school for school in config.schools}
    for source in policy_sources(config):
        try:
            engine = AnswerEngine.build([source])
        except PolicyError as exc:
            result.errors.append(f"{POLICY_PROBLEM}{exc}")
            continue
        except Exception as exc:  # a bug start-up would crash on: say so, for every school
            result.errors.append(f"{POLICY_PROBLEM}{source.slug}: loading its policy failed "
                                 f"({type(exc).__name__}: {exc}); start-up would fail too")
            continue
        school, due = schools[source.slug], engine.review_date(source.slug)
        result.summaries.append(f"{school.slug}: policy next review "
                                f"{f'{due.day} {due:%B %Y}' if due else 'no date set'}")
        if due is None:
            result.warnings.append(
                f"{school.slug}: the policy ({school.policies[0].name}) states no next review "
                "date and the config sets none, so no review reminders will be sent: add "
                "next_review: YYYY-MM-DD to the school (or a \"Next review\" date to the policy)")
        result.warnings.extend(f"{school.slug}: FAQ entry {entry.id} is switched off and needs "
                               f"review: {entry.reason}"
                               for entry in engine.stale_entries(school.slug))


def _people_warnings(school: SchoolConfig) -> list[str]:
    if any(p.role is Role.CHAIR_OF_GOVERNORS for p in school.people):
        return []
    return [f"{school.slug}: no one has the role chair_of_governors, so a report that involves "
            "the Headteacher would have no one to go to: add the Chair of Governors to people "
            "(role: chair_of_governors)"]
