"""Policy questions: ``/policy QUESTION``, a message that mentions the bot, or any
private message; and, when the policy is silent, the Headteacher's ``/gaps`` list.

The answer says what to do in a sentence or two, then quotes the clause it rests
on with the policy's name and section. When the policy does not cover a question
the bot says so plainly, records it, and offers to pass it to the Headteacher.
"""

from __future__ import annotations

import re
from typing import Protocol, runtime_checkable

from handlers import outbox_keys
from handlers.actions import encode
from handlers.context import Services
from handlers.errors import UserError
from handlers.events import Event
from handlers.outbox import notify_person
from handlers.parsing import parse_number
from handlers.policy_guidance import (
    keep_guidance,
    list_guidance,
    offer_guidance,
    school_guidance,
)
from handlers.replies import Button, Message, Reply, open_private, say, whisper
from handlers.router import Group, Router, Where
from policies.answer import Answer, Audience
from policies.errors import PolicyError, QuestionError
from policies.faq import StaleEntry
from policies.offers import offer_for
from storage import audit, directory, gaps
from storage.roles import Role

MAX_QUOTED = 2
UNKNOWN_GROUP = ("This group isn't set up for me, so I've answered as I would for parents "
                 "and carers. Ask me privately for the staff answer.")
GAPS_SHOWN = 20
_MENTION = re.compile(r"@\w+\b")
_SMALL_TALK = re.compile(
    r"(?:hi|hello|hey|hiya|yo|morning|afternoon|evening|good (?:morning|afternoon|evening)|"
    r"thanks?(?: you| a lot| so much)?|thank you(?: so much)?|ta|cheers|ok(?:ay)?|cool|great|"
    r"brilliant|lovely|perfect|lol|bye|night|got it|no worries)(?: (?:all|everyone|bot|"
    r"policybot|again|then))?", re.IGNORECASE)


# A button label typed or pressed as text ("Read it", "Open the thread"): not a question.
_LABEL = re.compile(
    r"(?:read|open|show|view|close|cancel|back|next|done|continue|start|stop|skip|send|submit|"
    r"menu|help|yes|no|more|see|check|confirm)(?: (?:it|this|that|the \w+|them|all|more|"
    r"again|now|please))?", re.IGNORECASE)


def _small_talk(text: str) -> bool:
    """Greetings, thanks, emoji, button labels: not questions, so nothing for /gaps."""
    words = " ".join(re.sub(r"[^\w\s']", " ", text).split())
    return (not re.search(r"[^\W\d_]{2}", words) or bool(_SMALL_TALK.fullmatch(words))
            or ("?" not in text and bool(_LABEL.fullmatch(words))))
EXAMPLE = "/policy can I accept a friend request from a parent?"


def register(router: Router) -> None:
    @router.command("policy", summary="ask about the social media policy, e.g. "
                    "/policy can I friend a parent?",
                    offered=lambda services, event: event.school is not None)
    async def policy(services: Services, event: Event) -> list[Reply]:
        return await answer_question(services, event, event.args)

    @router.text
    async def plain_text(services: Services, event: Event) -> list[Reply]:
        return await answer_question(services, event, _MENTION.sub(" ", event.text))

    @router.action("gap")
    async def pass_on(services: Services, event: Event) -> list[Reply]:
        return await _pass_on(services, event)

    @router.command("gaps", summary="questions the policy didn't cover",
                    roles=[Role.HEADTEACHER], where=Where.PRIVATE, group=Group.POLICY)
    async def list_gaps(services: Services, event: Event) -> list[Reply]:
        return await _list_gaps(services, event)

    @router.command("answer", summary="answer a question from /gaps: /answer NUMBER your answer",
                    roles=[Role.HEADTEACHER], where=Where.PRIVATE, group=Group.POLICY)
    async def answer_gap(services: Services, event: Event) -> list[Reply]:
        return await _answer_gap(services, event)

    @router.command("guidance", summary="your answers kept as school guidance; "
                    "/guidance remove NUMBER", roles=[Role.HEADTEACHER], where=Where.PRIVATE)
    async def guidance_list(services: Services, event: Event) -> list[Reply]:
        return await list_guidance(services, event)

    @router.action("guidance")
    async def guidance_keep(services: Services, event: Event) -> list[Reply]:
        return await keep_guidance(services, event)


async def answer_question(services: Services, event: Event, question: str) -> list[Reply]:
    question = question.strip()
    if event.school is None:
        raise UserError("I don't know which school this chat belongs to yet, so I can't "
                        "answer from its policy. Ask your school's PolicyBot admin to add it.")
    if not question:
        raise UserError(f"Ask me a question about the social media policy, e.g. {EXAMPLE}")
    if _small_talk(question):
        return [say(f"Hello! Ask me anything about the social media policy, e.g. {EXAMPLE}, "
                    "or send /help.")]
    if services.answers is None:
        raise UserError("Policy answers aren't available right now. Please ask the Headteacher.")
    try:
        answer = services.answers.answer(school=event.school.slug, question=question,
                                         audience=event.audience)
    except QuestionError as exc:
        raise UserError(_question_problem(exc)) from None
    except PolicyError:
        raise UserError("I can't read this school's policy right now. Please ask the "
                        "Headteacher.") from None
    offer = offer_for(question, staff=event.audience is Audience.STAFF)
    if not answer.abstained:
        text = format_answer(answer)
        if event.in_unknown_group:
            text = f"{UNKNOWN_GROUP}\n\n{text}"
        if offer is None:
            return [say(text)]
        return [say(f"{text}\n\n{offer.sentence}", open_private(offer.label, offer.command))]
    kept = await school_guidance(services, event, question)
    if kept is not None:
        return [say(kept)]
    return [await _abstain(services, event, question, answer)]


@runtime_checkable
class _Reviewable(Protocol):
    def stale_entries(self, school: str) -> tuple[StaleEntry, ...]: ...


def _entries_to_review(services: Services, school: str) -> list[str]:
    """FAQ entries switched off because the policy no longer says what they quote."""
    engine = services.answers
    stale = engine.stale_entries(school) if isinstance(engine, _Reviewable) else ()
    if not stale:
        return []
    return ["FAQ entries that need review (their quotes are no longer in the policy, so "
            "they are switched off):", *(f"- {entry.id}: {entry.reason}" for entry in stale)]


def format_answer(answer: Answer) -> str:
    parts = [answer.answer]
    for source in answer.sources[:MAX_QUOTED]:
        parts.append(f"“{source.text}”\n— {source.policy}, {source.section}")
    return "\n\n".join(parts)


def _question_problem(error: QuestionError) -> str:
    if error.reason == "empty":
        return f"Ask me a question about the social media policy, e.g. {EXAMPLE}"
    return "That's too long for me to answer well. Please ask it in a sentence or two."


async def _abstain(services: Services, event: Event, question: str, answer: Answer) -> Reply:
    assert event.school is not None
    async with services.db.session() as session:
        gap = await gaps.record(session=session, school_id=event.school.id,
                                person_id=event.sender.person_id, audience=event.audience,
                                question=services.cipher.encrypt(question),
                                private=event.chat.is_private, now=services.now())
    text = (answer.answer.strip() or "The policy doesn't cover that.")
    if event.chat.is_private:
        text += ("\nIf this is a concern about someone, /report tells the right person "
                 "privately.")
    if event.sender.person_id is None:
        return say(text)
    return say(text + "\nShall I pass your question to the Headteacher?",
               Button("Ask the Headteacher", encode("gap", "pass", gap.id or 0)))


async def _pass_on(services: Services, event: Event) -> list[Reply]:
    gap_id = event.action.number(-1) if event.action is not None else None
    if event.school is None or gap_id is None:
        raise UserError("That button no longer does anything.")
    async with services.db.session() as session:
        gap = await gaps.get(session=session, school_id=event.school.id, gap_id=gap_id)
        if gap is None:
            raise UserError("That question is no longer on record.")
        if gap.person_id != event.sender.person_id:
            raise UserError("Only the person who asked can pass this question on.")
        if not await gaps.mark_passed_on(session=session, gap=gap, now=services.now()):
            return [say("I've already passed that question to the Headteacher.")]
        heads = await directory.people_with_role(session=session, school_id=event.school.id,
                                                 role=Role.HEADTEACHER)
        question = services.cipher.decrypt(gap.question)
        for head in heads:
            assert head.id is not None
            await notify_person(
                session=session, cipher=services.cipher,
                key=outbox_keys.gap_to_head(gap_id, head.id),
                school_id=event.school.id, person_id=head.id,
                message=Message(f"{event.sender.display_name} asked something the social media "
                                f"policy doesn't cover:\n“{question}”\n"
                                f"Reply to them with /answer {gap_id} YOUR ANSWER"))
    return [say("Thanks, I've passed your question to the Headteacher. Their reply will "
                "come to you privately.")]


async def _list_gaps(services: Services, event: Event) -> list[Reply]:
    """The unanswered-questions log. A question asked privately shows its words only once
    its asker chose to pass it on; every look at the log is audited."""
    assert event.school is not None
    async with services.db.session() as session:
        rows = await gaps.recent(session=session, school_id=event.school.id, limit=200)
        await audit.record(session=session, school_id=event.school.id,
                           actor_id=event.sender.person_id, action=audit.GAPS,
                           now=services.now(), detail=f"{len(rows)} questions")
    shown = [row for row in rows if not row.private or row.passed_on_at is not None]
    hidden = len(rows) - len(shown)
    review = _entries_to_review(services, event.school.slug)
    if not shown and not hidden:
        return [whisper("\n".join(
            ["No unanswered questions: the policy has covered everything asked.", *review]))]
    lines = [*review, "Questions the policy didn't cover (newest first):"]
    for row in shown[:GAPS_SHOWN]:
        status = ("answered" if row.answered_at else
                  "passed to you" if row.passed_on_at else "not passed on")
        lines.append(f"#{row.id} {row.asked_at:%d %b} ({row.audience}, {status}): "
                     f"“{services.cipher.decrypt(row.question)}”")
    if hidden:
        lines.append(f"And {hidden} asked privately and not passed on (kept private).")
    lines.append("Answer one with /answer NUMBER YOUR ANSWER.")
    return [whisper("\n".join(lines))]


async def _answer_gap(services: Services, event: Event) -> list[Reply]:
    assert event.school is not None
    number, _, reply = _split_first(event.args)
    gap_id = parse_number(number.lstrip("#"))
    if gap_id is None or not reply.strip():
        raise UserError("Use /answer NUMBER YOUR ANSWER, with a number from /gaps.")
    async with services.db.session() as session:
        gap = await gaps.get(session=session, school_id=event.school.id, gap_id=gap_id)
        if gap is None or (gap.private and gap.passed_on_at is None):
            raise UserError(f"There is no question #{gap_id} in /gaps that you can answer.")
        if gap.person_id is None:
            raise UserError("I can't reply to that person: they aren't in the school config.")
        question = services.cipher.decrypt(gap.question)
        await notify_person(
            session=session, cipher=services.cipher,
            key=outbox_keys.gap_answer(gap_id, services.now()),
            school_id=event.school.id, person_id=gap.person_id,
            message=Message(f"The Headteacher answered your question “{question}”:\n"
                            f"{reply.strip()}"))
        await gaps.mark_answered(session=session, gap=gap, now=services.now())
        audience = gap.audience
    keep = await offer_guidance(services, event, gap_id=gap_id, audience=audience,
                                question=question, answer=reply.strip())
    return [whisper(f"Thanks, I've sent your answer to question #{gap_id}. Keep it to answer "
                    "the same question next time (as your guidance, not the policy's)?", keep)]


def _split_first(text: str) -> tuple[str, str, str]:
    """``"12 the answer"`` or ``"12\nthe answer"`` → ``("12", " ", "the answer")``."""
    parts = text.strip().split(None, 1)
    return (parts[0] if parts else "", " ", parts[1] if len(parts) > 1 else "")
