"""Looking up a demo school's people in tests."""

from __future__ import annotations

from bot.app import App
from storage import directory
from storage.models import Person


async def person(app: App, handle: str, slug: str = "croughton") -> Person:
    """The active person ``handle`` of school ``slug`` (fails the test if there is none)."""
    async with app.services.db.session() as session:
        found = await directory.school_by_slug(session=session, slug=slug)
        assert found is not None
        assert found.id is not None
        someone = await directory.person_by_handle(session=session, school_id=found.id,
                                                   handle=handle)
    assert someone is not None
    assert someone.id is not None
    return someone
