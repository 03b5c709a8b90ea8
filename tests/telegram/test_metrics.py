"""``GET /metrics``: what an admin watches, in Prometheus text format, counted from the
real traffic of a test (labels name platforms and kinds, never people or text)."""

from __future__ import annotations

import re

from prometheus_client.parser import text_string_to_metric_families

from bot.app import App
from handlers.replies import Message
from tests.support.fake_telegram import FakeTelegram, Updates, flood
from tests.support.outbox import queue_for
from tests.telegram.conftest import ALICE, STAFF_ROOM, Webhook


async def _samples(webhook: Webhook) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await webhook.client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    text = await response.text()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def test_updates_latency_and_the_outbox_are_counted(
    webhook: Webhook, updates: Updates, fake: FakeTelegram, telegram_app: App,
) -> None:
    update = updates.message(user=ALICE, chat=STAFF_ROOM, text="/whoami")
    await webhook.post(update)
    await webhook.post(update)  # a duplicate
    fake.fail_next("sendMessage", flood(600))
    await webhook.post(updates.message(user=ALICE, chat=STAFF_ROOM, text="/help"))
    await queue_for(telegram_app, key="test:waiting", message=Message("later"))
    samples = await _samples(webhook)
    handled = (("kind", "command"), ("outcome", "handled"), ("platform", "telegram"))
    duplicate = (("kind", "unknown"), ("outcome", "duplicate"), ("platform", "telegram"))
    assert samples[("policybot_updates_total", handled)] == 2
    assert samples[("policybot_updates_total", duplicate)] == 1
    assert samples[("policybot_webhook_seconds_count", (("platform", "telegram"),))] == 3
    assert samples[("policybot_outbox_sent_total", (("kind", "reply"),
                                                    ("platform", "telegram")))] == 1
    assert samples[("policybot_platform_rate_limited_total", (("platform", "telegram"),))] == 1
    assert samples[("policybot_outbox_pending", ())] == 2  # the flooded reply, the queued one
    assert samples[("policybot_outbox_oldest_pending_seconds", ())] >= 0
    text = await (await webhook.client.get("/metrics")).text()
    assert "Alice" not in text
    assert not re.search(r"\b2004\b", text)  # no ids
