"""School guidance: the Headteacher's /answer kept for next time, listed and removed."""

from __future__ import annotations

from bot.app import App
from storage import audit, directory, guidance
from tests.conftest import ConsoleDriver

OFF_TOPIC = "how do I book the minibus for a trip to the zoo?"
LATER = "can I book the minibus for the zoo trip"
ANSWER = "Ask the office, they keep the minibus diary."


async def _answered(console: ConsoleDriver) -> list[str]:
    """Alice asks what the policy doesn't cover and passes it on; the head answers it."""
    await console.send(f"/policy {OFF_TOPIC}", "1")
    gaps = await console.send(":as head", ":in dm", "/gaps")
    number = gaps[1].split()[1].lstrip("#")
    return await console.send(f"/answer {number} {ANSWER}")


async def test_kept_guidance_answers_the_same_question_later_as_the_heads(
    console: ConsoleDriver,
) -> None:
    answered = await _answered(console)
    assert answered[1] == "dm:head| [1] Keep as school guidance"
    kept = await console.send("1")
    assert kept[0].startswith("dm:head| Kept as school guidance #")
    later = "\n".join(await console.send(":as bob", ":in staff-room", f"/policy {LATER}"))
    assert "but the Headteacher (Head Teacher) answered it on" in later
    assert ANSWER in later
    assert "(This is school guidance, not part of the policy.)" in later
    assert "“" not in later  # never quoted as if it were the policy


async def test_an_answer_not_kept_is_not_given_again(console: ConsoleDriver) -> None:
    await _answered(console)
    later = "\n".join(await console.send(":as bob", ":in staff-room", f"/policy {LATER}"))
    assert ANSWER not in later
    assert "Shall I pass your question to the Headteacher?" in later


async def test_guidance_answers_only_the_audience_it_was_given_to(
    console: ConsoleDriver,
) -> None:
    await _answered(console)
    await console.send("1")
    parents = "\n".join(await console.send(":as pat", ":in pta", f"/policy {LATER}"))
    assert ANSWER not in parents


async def test_the_head_lists_and_removes_guidance_privately_and_audited(
    console: ConsoleDriver, app: App,
) -> None:
    await _answered(console)
    await console.send("1")
    listed = await console.send("/guidance")
    assert listed[0].startswith("dm:head| School guidance (your answers")
    assert f"“{OFF_TOPIC}” → {ANSWER}" in listed[1]
    number = listed[1].split()[1].lstrip("#")
    assert await console.send(f"/guidance remove {number}") == [
        f"dm:head| Removed school guidance #{number}: I won't give it again."]
    assert await console.send(f"/guidance remove {number}") == [
        f"dm:head| There is no school guidance #{number}."]
    later = "\n".join(await console.send(":as bob", ":in staff-room", f"/policy {LATER}"))
    assert ANSWER not in later
    assert [len(await _audit(app, action)) for action in
            (guidance.KEEP, guidance.LIST, guidance.REMOVE)] == [1, 1, 1]


async def test_guidance_is_the_heads_alone(console: ConsoleDriver) -> None:
    assert await console.send(":in dm", "/guidance") == [
        "dm:alice| Sorry, /guidance isn't available to you."]
    assert await console.send(":as head", ":in dm", "/guidance") == [
        "dm:head| No school guidance kept yet. When you /answer a question from /gaps, the "
        "“Keep as school guidance” button keeps it for next time."]
    assert await console.send("/guidance remove nope") == [
        "dm:head| Use /guidance remove NUMBER, with a number from /guidance."]


async def _audit(app: App, action: str) -> list[object]:
    async with app.services.db.session() as session:
        school = await directory.school_by_slug(session=session, slug="croughton")
        assert school is not None
        assert school.id is not None
        return list(await audit.entries(session=session, school_id=school.id, action=action))
