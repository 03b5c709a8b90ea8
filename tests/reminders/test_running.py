"""Running the pass: `policybot reminders run-due` as cron runs it, and the in-process
schedule `policybot run` and `serve` start."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any

import pytest

from bot import scheduler as scheduler_module
from bot.app import App
from bot.delivery import Deliverer
from bot.scheduler import ReminderScheduler
from bot.settings import Settings
from handlers.replies import Message
from storage import outbox
from tests.reminders.conftest import LONDON_MONDAY, NUDGE, Recorder, at, who
from tests.support.outbox import queue_for
from tests.support.processes import policybot_env


def run_due(settings: Settings, now: str) -> subprocess.CompletedProcess[str]:
    env = policybot_env(settings)
    return subprocess.run([sys.executable, "-m", "bot", "reminders", "run-due", "--now", now],
                          capture_output=True, text=True, env=env, timeout=60, check=False)


def test_run_due_prints_what_it_sent_once(school_settings: Settings, school: App) -> None:
    first = run_due(school_settings, "2026-11-23T09:00:00+00:00")
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[:2] == [  # (run-due covers every school: each line names its school)
        "[croughton] dm:alice| Please confirm that you have read the staff social media policy: "
        "Croughton All Saints CE Primary School Social Media Policy (version 1, approved "
        "January 2024). When you have read it, press the button below or send /ack here. "
        "You can ask me about it here any time, e.g. \"can I accept a friend request from a "
        "parent?\"",
        "[croughton] dm:alice| [1] I have read it   [2] Read the policy"]
    assert sum(line.endswith("[1] I have read it   [2] Read the policy") for line in lines) == 4
    assert {line.split("|")[0] for line in lines} == {
        f"[croughton] dm:{handle}" for handle in ("head", "dsl", "alice", "bob", "chair")}
    assert "queued 4 nudge(s), 0 summary(ies), 2 review reminder(s); sent 6" in first.stderr
    again = run_due(school_settings, "2026-11-23T09:05:00+00:00")
    assert (again.returncode, again.stdout) == (0, "")


async def test_run_due_on_the_console_leaves_private_reports_for_their_platform(
    school_settings: Settings, school: App,
) -> None:
    await queue_for(school, key="report:1:notify:dsl", handle="dsl",
                    message=Message("A private report: Jo S."))
    result = await asyncio.to_thread(run_due, school_settings, "2026-11-23T09:00:00+00:00")
    assert result.returncode == 0, result.stderr
    assert "dm:alice| [1] I have read it   [2] Read the policy" in result.stdout
    assert "Jo S." not in result.stdout
    async with school.services.db.session() as session:
        assert await outbox.keys_with_prefix(session=session, prefix="report:") == {
            "report:1:notify:dsl"}
        assert await outbox.pending_count(session=session) == 1


def test_run_due_reads_a_plain_time_as_utc_and_refuses_nonsense(
    school_settings: Settings,
) -> None:
    plain = run_due(school_settings, "2026-11-23T09:00")
    assert plain.returncode == 0, plain.stderr
    assert "reminders run-due at 2026-11-23T09:00:00+00:00" in plain.stderr
    nonsense = run_due(school_settings, "next tuesday")
    assert nonsense.returncode == 2
    assert "is not an ISO-8601 time" in nonsense.stderr


async def test_the_schedule_runs_a_pass_at_start_and_stops_cleanly(school: App) -> None:
    services = at(school, LONDON_MONDAY).services
    recorder = Recorder()
    scheduler = ReminderScheduler(services, deliverer=Deliverer(services, [recorder]),
                                  interval=3600)
    scheduler.start()
    await asyncio.wait_for(scheduler.wait_for_pass(), timeout=30)
    await scheduler.stop()
    assert who(recorder, NUDGE) == ["alice", "bob", "dsl", "head"]


async def test_the_schedule_can_leave_delivery_to_the_outbox_pump(school: App) -> None:
    woken = asyncio.Event()
    scheduler = ReminderScheduler(at(school, LONDON_MONDAY).services, wake=woken.set)
    report = await scheduler.run_once()
    assert report is not None
    assert report.delivered is None
    assert woken.is_set()


async def test_a_failed_pass_is_tried_again_soon_not_an_interval_later(
    school: App, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A pass that fails (the database away during a fan-out) is retried after
    ``retry_after``; with the hour-long interval, the fan-out would wait an hour."""
    services = at(school, LONDON_MONDAY).services
    recorder = Recorder()
    scheduler = ReminderScheduler(services, deliverer=Deliverer(services, [recorder]),
                                  interval=3600, retry_after=0.1)
    real_pass, failures = scheduler_module.run_pass, [ConnectionError("database away")]

    async def failing_once(*args: Any, **kwargs: Any) -> scheduler_module.PassReport:
        if failures:
            raise failures.pop()
        return await real_pass(*args, **kwargs)
    monkeypatch.setattr(scheduler_module, "run_pass", failing_once)
    scheduler.start()
    try:
        await asyncio.wait_for(scheduler.wait_for_pass(2), timeout=30)
    finally:
        await scheduler.stop()
    assert who(recorder, NUDGE) == ["alice", "bob", "dsl", "head"]
