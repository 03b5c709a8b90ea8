"""The repositories on their own: a report is stored once per submission key, even
when two sessions race to store it."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.app import App
from storage import reports
from storage.models import utcnow
from tests.reports.conftest import all_reports, readers
from tests.support.people import person


async def test_the_same_submission_is_stored_once_even_in_a_race(app: App) -> None:
    alice = await person(app, "alice")
    values: dict[str, Any] = {
        "school_id": alice.school_id, "submission_key": "abc123", "kind": "incident",
        "category": "other", "reporter_id": alice.id,
        "status": reports.OPEN, "created_at": utcnow()}

    async def store() -> bool:
        async with app.services.db.session() as session:
            _, created = await reports.create(session=session, values=values,
                                              readers=("headteacher",))
        return created

    results = [await store()]
    results += await asyncio.gather(store(), store())
    assert results == [True, False, False]
    [saved] = await all_reports(app)
    assert saved.submission_key == "abc123"
    assert await readers(app, saved) == ("headteacher",)  # once, though stored three times
