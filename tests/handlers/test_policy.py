"""Policy questions in chats: /policy, mentions, private messages, and /gaps."""

from __future__ import annotations

from bot.app import App
from storage import audit, directory, gaps
from tests.conftest import ConsoleDriver

# Either of Croughton's two rules on friending parents answers "can I friend a parent?"
CLAUSES = (
    "“Members of staff must not \"friend\" or otherwise contact pupils or parents / carers "
    "through social media if their only contact with these parents is as a result of "
    "their position within the school.”",
    "“Staff will not accept \"friend\" requests if the relationship is purely staff/parent, "
    "and there is no previous or alternative relationship.”",
)


def quotes_a_rule(text: str) -> bool:
    return any(clause in text for clause in CLAUSES)
OFF_TOPIC = "how do I book the minibus for a trip to the zoo?"
KEEP_IT = ("Keep it to answer the same question next time (as your guidance, not the "
           "policy's)?")


async def test_policy_answers_in_the_chat_with_the_clause_quoted(console: ConsoleDriver) -> None:
    out = await console.send("/policy can I friend a parent?")
    assert all(line.startswith("staff-room| ") for line in out)
    text = "\n".join(line.removeprefix("staff-room| ") for line in out)
    assert quotes_a_rule(text)
    assert "— Croughton All Saints CE Primary School Social Media Policy, " in text


async def test_a_mention_or_a_private_message_is_a_question_too(console: ConsoleDriver) -> None:
    mentioned = await console.send("@PolicyBot can I friend a parent?")
    assert any(quotes_a_rule(line) for line in mentioned)
    private = await console.send(":in dm", "can I friend a parent?")
    assert private[0].startswith("dm:alice| ")
    assert any(quotes_a_rule(line) for line in private)


async def test_an_empty_question_gets_an_example(console: ConsoleDriver) -> None:
    assert await console.send("/policy") == [
        "staff-room| Ask me a question about the social media policy, e.g. /policy can I "
        "accept a friend request from a parent?"]


async def test_uncovered_questions_are_logged_and_can_go_to_the_head(
    console: ConsoleDriver,
) -> None:
    out = await console.send(f"/policy {OFF_TOPIC}")
    assert out[-1] == "staff-room| [1] Ask the Headteacher"
    assert "Shall I pass your question to the Headteacher?" in out[-2]
    assert await console.send(":as bob", "1") == [
        "staff-room| Only the person who asked can pass this question on."]
    passed = await console.send(":as alice", "1")
    assert passed[0] == ("staff-room| Thanks, I've passed your question to the Headteacher. "
                         "Their reply will come to you privately.")
    assert f"dm:head| “{OFF_TOPIC}”" in passed
    assert await console.send("1") == [
        "staff-room| I've already passed that question to the Headteacher."]

    gaps = await console.send(":as head", ":in dm", "/gaps")
    assert gaps[0] == "dm:head| Questions the policy didn't cover (newest first):"
    assert f"(staff, passed to you): “{OFF_TOPIC}”" in gaps[1]
    number = gaps[1].split()[1].lstrip("#")
    answered = await console.send(f"/answer {number} Ask the office, they keep the diary.")
    assert answered == [f"dm:head| Thanks, I've sent your answer to question #{number}. {KEEP_IT}",
                        "dm:head| [1] Keep as school guidance",
                        f"dm:alice| The Headteacher answered your question “{OFF_TOPIC}”:",
                        "dm:alice| Ask the office, they keep the diary."]


async def test_gaps_is_for_the_headteacher_only(console: ConsoleDriver) -> None:
    assert await console.send(":in dm", "/gaps") == [
        "dm:alice| Sorry, /gaps isn't available to you."]
    assert await console.send(":as head", "/answer 99 hello") == [
        "dm:head| There is no question #99 in /gaps that you can answer."]
    for bad in ("/answer nope", "/answer ² hi", "/answer 99999999999999999999 hi", "/answer 3"):
        assert await console.send(bad) == [
            "dm:head| Use /answer NUMBER YOUR ANSWER, with a number from /gaps."]


async def test_private_questions_stay_private_unless_passed_on(
    console: ConsoleDriver, app: App,
) -> None:
    private = await console.send(":in dm", f"{OFF_TOPIC} asking for a friend")
    assert "/report tells the right person privately" in "\n".join(private)
    gaps_seen = await console.send(":as head", "/gaps")
    assert "dm:head| And 1 asked privately and not passed on (kept private)." in gaps_seen
    assert "minibus" not in "\n".join(gaps_seen)
    number = await _only_gap(app)
    assert await console.send(f"/answer {number}\nAsk the office.") == [
        f"dm:head| There is no question #{number} in /gaps that you can answer."]
    passed = await console.send(":as alice", "1")
    assert passed[0].startswith("dm:alice| Thanks, I've passed your question")
    answered = await console.send(":as head", "/gaps", f"/answer {number}\nAsk the office.")
    assert f"(staff, passed to you): “{OFF_TOPIC} asking for a friend”" in answered[1]
    assert answered[-4] == (f"dm:head| Thanks, I've sent your answer to question #{number}. "
                            f"{KEEP_IT}")
    looks = await _audit(app, audit.GAPS)
    assert len(looks) == 2  # each look at /gaps is audited


async def test_small_talk_is_answered_kindly_and_not_logged(
    console: ConsoleDriver, app: App,
) -> None:
    for chatter in ("hello", "Thanks!", "ok 👍", "😀", "cheers all"):
        reply = await console.send(":in dm", chatter)
        assert reply[0].startswith("dm:alice| Hello! Ask me anything about the social media"), (
            chatter, reply)
    assert await console.send(":as head", "/gaps") == [
        "dm:head| No unanswered questions: the policy has covered everything asked."]
    assert await _gap_ids(app) == []


async def _school_id(app: App) -> int:
    async with app.services.db.session() as session:
        school = await directory.school_by_slug(session=session, slug="croughton")
    assert school is not None
    assert school.id is not None
    return school.id


async def _gap_ids(app: App) -> list[int]:
    school_id = await _school_id(app)
    async with app.services.db.session() as session:
        return [row.id or 0 for row in await gaps.recent(session=session, school_id=school_id)]


async def _only_gap(app: App) -> int:
    [number] = await _gap_ids(app)
    return number


async def _audit(app: App, action: str) -> list[object]:
    school_id = await _school_id(app)
    async with app.services.db.session() as session:
        return list(await audit.entries(session=session, school_id=school_id, action=action))


async def test_an_answer_about_contact_from_a_parent_offers_to_log_it(
    console: ConsoleDriver,
) -> None:
    out = await console.send("/policy Jake's mum added me on FB, what now?")
    text = "\n".join(out)
    assert quotes_a_rule(text) or "Headteacher must be made aware" in text
    assert "/friendrequest" in text
    assert any("Log the friend request" in line for line in out)


async def test_a_button_label_typed_in_private_is_not_a_question(
    console: ConsoleDriver,
) -> None:
    out = await console.send(":in dm", "Read it")
    assert out[0].startswith("dm:alice| Hello! Ask me anything about the social media policy")
    assert not any("policy doesn't cover" in line for line in out)


async def test_a_question_in_another_language_can_go_to_the_head(
    console: ConsoleDriver,
) -> None:
    out = await console.send("/policy kann ich fotos vom sportfest auf instagram posten?")
    assert "I can only read English for now" in out[0]
    assert out[-1] == "staff-room| [1] Ask the Headteacher"


async def test_a_group_no_school_set_up_gets_the_parents_answer_and_is_told(
    console: ConsoleDriver,
) -> None:
    out = await console.send(":in random-group", "/policy can I post photos of pupils?")
    assert out[0].startswith("random-group| This group isn't set up for me, so I've answered "
                             "as I would for parents and carers.")
