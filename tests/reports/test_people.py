"""/list person: by the names people see (issue 12, item 2): first name, surname or full
name, any case, quoted or not, or the handle; a name that fits several people asks
which; someone who has left can still be found."""

from __future__ import annotations

import pytest

from bot.app import App
from handlers.errors import UserError
from handlers.report_filters import pick
from storage.models import Person
from tests.conftest import ConsoleDriver
from tests.reports.conftest import friend_request, refs


@pytest.mark.parametrize("typed", ["person:Alice", "person:ames", 'person:"Alice Ames"',
                                   "person:alice ames", "person:alice", "person:ALICE friend"])
async def test_list_finds_people_by_the_names_it_shows(app: App, typed: str) -> None:
    await friend_request(ConsoleDriver(app, "croughton", "alice", "dm"), name="A.A.")
    await friend_request(ConsoleDriver(app, "croughton", "bob", "dm"), name="B.B.")
    alices, _ = await refs(app)
    out = await ConsoleDriver(app, "croughton", "head", "dm").send(f"/list {typed}")
    assert out[0] == "dm:head| 1 entry:"
    assert out[2].startswith(f"dm:head| #{alices} · ")


async def test_an_unknown_name_is_said_plainly(app: App) -> None:
    out = await ConsoleDriver(app, "croughton", "head", "dm").send("/list person:Zed")
    assert out == ["dm:head| There's no one called 'Zed' at your school."]


def test_a_name_that_fits_several_people_asks_which() -> None:
    people = [Person(id=1, school_id=1, handle="aames", name="Alice Ames", role="staff"),
              Person(id=2, school_id=1, handle="abrown", name="Alice Brown", role="staff")]
    with pytest.raises(UserError) as raised:
        pick(people, "alice")
    assert raised.value.message == ("More than one person is called 'alice': which one? "
                                    "person:\"Alice Ames\" or person:\"Alice Brown\"")
    assert pick(people, "Alice Brown") == (2,)
    assert pick(people, "aames") == (1,)
    assert pick(people, "brown") == (2,)
