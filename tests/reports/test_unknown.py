"""Someone the bot doesn't know, with a worry (issue 12, item 5): /report always gives a
way to raise it: the school's contact line from the config and, for safeguarding, the
DSL's name (and any deputies'); in a chat no school has set up, the school's own
channels and 999."""

from __future__ import annotations

from bot.app import App
from handlers.events import ChatKind, ChatRef, Event, Sender
from handlers.identity import school_ref
from handlers.replies import Reply, Visibility
from policies.answer import Audience
from storage import directory
from tests.reports.conftest import CONTACT, HEAD_READS_SAFEGUARDING

STRANGER = Sender(platform_user_id="777", display_name="A Parent")


async def _report(app: App, slug: str | None, chat: ChatRef) -> list[Reply]:
    school = None
    if slug is not None:
        async with app.services.db.session() as session:
            found = await directory.school_by_slug(session=session, slug=slug)
        assert found is not None
        school = school_ref(found)
    event = Event(platform="telegram", school=school, sender=STRANGER, chat=chat,
                  command="report", text="/report", update_key=f"u:{slug}:{chat.kind}")
    return await app.router.dispatch(app.services, event)


PTA = ChatRef(kind=ChatKind.GROUP, platform_chat_id="-1", chat_id=2, name="pta",
              audience=Audience.PARENT)


async def test_a_stranger_in_the_pta_group_is_told_how_to_raise_a_worry(deputy_app: App) -> None:
    [reply] = await _report(deputy_app, HEAD_READS_SAFEGUARDING, PTA)
    assert reply.visibility is Visibility.EPHEMERAL  # only them, where the platform can
    assert reply.message.text == (
        "I don't know who you are yet, so I can't take a report from you here. If you're "
        f"worried about a child, please don't wait: tell {CONTACT}. The school's Designated "
        "Safeguarding Lead is Dee Lead. Deputy Designated Safeguarding Lead: Dan Deputy. If a "
        "child is in immediate danger, call 999. (To use /report here, ask your school's "
        "PolicyBot admin to add you: send /whoami for the id they need.)")


async def test_without_a_contact_line_the_school_office_is_named(app: App) -> None:
    private = ChatRef(kind=ChatKind.PRIVATE, platform_chat_id="777")
    [reply] = await _report(app, "croughton", private)
    assert reply.visibility is Visibility.CHAT
    assert "please don't wait: tell the school office. The school's Designated Safeguarding " \
           "Lead is Dee Lead. If a child" in reply.message.text


async def test_in_a_chat_no_school_has_set_up_the_way_out_is_still_given(app: App) -> None:
    unknown = ChatRef(kind=ChatKind.GROUP, platform_chat_id="-999")
    [reply] = await _report(app, None, unknown)
    assert reply.message.text == (
        "This chat isn't set up for me yet, so /report isn't available here. Ask your school's "
        "PolicyBot admin to add it (send /whoami for its id), or send me /report in a private "
        "chat. If you're worried about a child, please don't wait: contact the school "
        "directly. If a child is in immediate danger, call 999.")
