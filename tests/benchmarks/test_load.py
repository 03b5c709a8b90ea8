"""The load benchmark's pieces in a tiny configuration, so the benchmark can't rot: the
traffic mix, the exactly-once check, the table, and one short run each of the echo bot
and ``policybot serve`` (SQLite) against the fast fake Bot API, every update answered
once."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

from benchmarks import load
from benchmarks.fast_bot_api import destination
from storage.crypto import Cipher


def test_the_mix_is_group_questions_private_questions_and_help_each_with_its_own_id() -> None:
    traffic = load.Traffic()
    made = [traffic.update(connection=3, sequence=n) for n in range(10)]
    ids = [u["update_id"] for u, _ in made]
    assert len(set(ids)) == 10
    texts = [u["message"]["text"] for u, _ in made]
    assert sum(t.startswith("/policy ") for t in texts) == 4
    assert texts.count("/help") == 2
    for update, where in made:
        message = update["message"]
        if message["chat"]["type"] == "private":
            assert where == str(message["chat"]["id"]) == str(message["from"]["id"])
        else:  # a topic of its own: its one answer can be told from every other
            assert where == destination(str(message["chat"]["id"]),
                                        str(message["message_thread_id"]))
    assert all(u["message"]["chat"]["type"] == "private"
               for u, _ in (load.Traffic(private_only=True).update(1, n) for n in range(5)))


def test_the_check_counts_answered_doubled_and_missing() -> None:
    check = load.Check.of(Counter({"1": 2, "-5:7": 1, "-5:8": 1}),
                          {"1": 3, "-5:7": 1, "-5:9": 1})
    assert (check.expected, check.answered, check.doubled, check.missing) == (4, 3, 2, 1)
    assert not check.exact
    assert str(check) == "3/4/2/1"
    assert load.Check.of(Counter({"1": 1}), {"1": 1}).exact


async def test_a_tiny_run_of_each_bot_answers_every_update_once() -> None:
    work = Path(tempfile.mkdtemp(prefix="load-test-"))
    fake = await load.start_fake(work)
    try:
        echo = await load.start_echo(fake, work)
        env = load.policybot_env(fake, work / "data", Cipher.generate_key(), None)
        bot = await load.start_policybot(env, work)
        try:
            runs = [await load.run(name, [target], fake, load.Traffic(), 2, count=6,
                                   drain_within=20)
                    for name, target in (("echo bot", echo), ("PolicyBot", bot))]
        finally:
            await bot.stop()
            await echo.stop()
    finally:
        await fake.stop()
    for done in runs:
        assert (done.updates, done.failed) == (6, 0)
        assert done.check.exact, load.describe(done)
        assert done.cpu > 0
        assert len(done.latencies) == 6
    row = load.Row("PolicyBot, SQLite", 2, [runs[1]], [runs[0]])
    ratio = row.ratio()
    assert ratio is not None
    assert ratio[0] > 0
    assert "6/6/0/0" in load.line(row)
    assert load.HEADER.split()[0] == "configuration"
