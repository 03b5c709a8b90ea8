"""The domain vocabulary: colloquial words, phrases and typos mapped to the policies' concepts."""

from __future__ import annotations

from policies.answer import Audience
from policies.engine import AnswerEngine
from policies.vocabulary import DOMAIN, INTENTS, STRONG_DOMAIN, Speller, intents, terms


def test_colloquial_words_map_to_concepts() -> None:
    assert {"friend", "instagram", "socialmedia"} <= set(terms("she wants to folow me on insta"))
    assert "pupil" in terms("a lad in y5")
    assert "parent" in terms("my mate's mam")
    assert "anonymous" in terms("an account that isn't my real name")
    assert "password" in terms("can I have the log in for the page")
    assert "criticise" in terms("gonna have a moan about the head")


def test_phone_number_is_not_a_phone() -> None:
    assert "phonenumber" in terms("can I give a parent my mobile number")
    assert "phonenumber" not in terms("can I have my mobile phone in class")


def test_domain_terms_are_found_after_mapping_and_stemming() -> None:
    for word in ("phone", "private", "share", "criticise"):
        assert terms(word)[0] in DOMAIN, word
    assert terms("facebook")[0] in STRONG_DOMAIN
    assert terms("photo")[0] not in STRONG_DOMAIN  # schools take photos offline too


def test_speller_uses_the_vocabulary_for_long_words_only() -> None:
    speller = Speller({"friend", "parent"})
    assert speller.correct("freind") == ("friend",)
    assert speller.correct("facebok") == ("facebook", "socialmedia")
    assert speller.correct("bring") == ("bring",)  # not "ring" (contact)
    assert speller.correct("lunch") == ("lunch",)  # out of domain: never corrected


def test_everyday_admin_sharing_a_word_abstains(engine: AnswerEngine) -> None:
    for question in ("can I post a birthday card to the office", "who's our safeguarding lead now"):
        answer = engine.answer(school="st-lukes", question=question, audience=Audience.STAFF)
        assert answer.abstained, question


def test_chatty_in_domain_question_is_answered(engine: AnswerEngine) -> None:
    answer = engine.answer(
        school="croughton", question="can i have a quick scroll on tiktok while the class read",
        audience=Audience.STAFF,
    )
    assert not answer.abstained
    assert "lesson time" in answer.sources[0].text


def test_phone_number_wording_in_policies_is_not_a_device() -> None:
    clause = terms("e-mail, home or mobile telephone numbers, unless agreed")
    assert "phonenumber" in clause
    assert "phone" not in clause
    assert "phone" not in terms("informal meetings, phone calls and the website")
    assert "phonenumber" in terms("can I give my mobile to a parent")
    assert "phone" in terms("can my child bring her mobile phone to school")


def test_admin_intents_are_recognised() -> None:
    assert "pric" in terms("how much are the photo prints")
    assert "glitch" in terms("the app keeps logging me out")
    assert "reset" in terms("how do I change my school email password")
    assert "whois" in terms("who is the school's designated safeguarding lead")


def test_when_is_a_time_only_in_a_question_about_when() -> None:
    assert "time" in terms("when can I go on facebook at work")
    assert "time" not in terms("who do I go to when the head is the problem")


def test_admin_questions_abstain(engine: AnswerEngine) -> None:
    for school, question in (
        ("st-lukes", "how much do the class photos cost"),
        ("lancastrian", "how do I reset my school email password"),
        ("sharp-lane", "the school app keeps logging me out, how do I fix it"),
    ):
        answer = engine.answer(school=school, question=question, audience=Audience.PARENT)
        assert answer.abstained, question


def test_a_rule_about_social_media_partly_explains_a_platform(engine: AnswerEngine) -> None:
    answer = engine.answer(
        school="croughton", question="can I accept a parent's request on linkedin",
        audience=Audience.STAFF,
    )
    assert not answer.abstained


def test_idioms_that_borrow_domain_words_mean_nothing() -> None:
    assert terms("asking for a friend") == terms("")
    assert terms("friendly reminder") == terms("")


def test_intents_come_from_concepts_most_telling_first() -> None:
    assert intents(terms("can i follow one of the dads on twitter")) == ("connect",)
    assert intents(terms("a colleague is posting pics of the kids, who do i report it to")) == (
        "report", "photo", "post",
    )
    assert intents(terms("can i scroll tiktok while the class do phonics")) == ("lesson", "access")
    assert intents(terms("does the school have a facebook page")) == ()
    concepts = [concept for group in INTENTS.values() for concept in group]
    assert len(concepts) == len(set(concepts))  # each concept names one intent


def test_intent_chooses_among_acceptable_matches(engine: AnswerEngine) -> None:
    answer = engine.answer(
        school="marston-montgomery", audience=Audience.STAFF,
        question="can i follow one of the dads on twitter, we get on really well",
    )
    assert not answer.abstained
    assert "form online friendships" in answer.sources[0].text


def test_intent_never_turns_an_abstention_into_an_answer(engine: AnswerEngine) -> None:
    answer = engine.answer(
        school="croughton", audience=Audience.STAFF,
        question="who do I report a broken radiator to",
    )
    assert answer.abstained


def test_asking_leave_and_being_contacted_are_told_apart(engine: AnswerEngine) -> None:
    assert "askleav" in terms("can I friend a parent?")
    assert "incomingcontact" in terms("Jake's mum added me on FB")
    asking = engine.answer(school="croughton", question="can I friend a parent?",
                           audience=Audience.STAFF)
    told = engine.answer(school="croughton", question="Jake's mum added me on FB",
                         audience=Audience.STAFF)
    assert asking.sources[0].text.startswith('Members of staff must not "friend"')
    assert told.sources[0].text.startswith('If pupils or parents / carers attempt to "friend"')


def test_who_to_tell_is_a_report_in_any_wording() -> None:
    for question in ("who should know about this", "who do i even go to with that",
                     "who needs to be told", "who shall i speak to"):
        assert "report" in terms(question), question
        assert intents(terms(question))[0] == "report", question


def test_who_can_see_my_posts_is_about_privacy_settings() -> None:
    for question in ("anyone can see my posts", "who can see my profile",
                     "what level should it be on", "is a public account ok"):
        assert {"private", "setting"} <= set(terms(question)), question


def test_everyday_senses_of_domain_words_are_not_the_domain() -> None:
    assert "post" not in terms("how do I post a letter home")
    assert "parcel" in terms("can i send it by post")
    assert "admission" in terms("can I apply for a reception place online")
    assert "pupil" not in terms("i work on reception in the office")
    assert "install" in terms("is there an app for the reading scheme")
    assert "pric" in terms("can I claim mileage for the trip")  # stemmed, an admin intent


def test_neighbouring_rules_are_told_apart_by_their_wording() -> None:
    assert {"defame", "bully"} <= set(terms("another mum is spreading lies about me"))
    assert {"defame", "bully"} <= set(terms("someone is spreading a made up rumour"))
    assert "bully" in terms("the group chat is getting really nasty")
    assert "complaint" in terms("can I leave the school a bad review")
    assert "review" not in terms("can I leave the school a bad review")
    assert "threat" in terms("he said he'd sort the head out")
    assert "breach" in terms("what if i ignore all this")
    assert "breach" not in terms("a pupil added me, should i ignore it")
    assert {"post", "photo", "reputation"} <= set(terms("mates tagged me in pics, worse for wear"))


def test_dates_and_the_post_are_admin_but_the_review_date_is_policy(
    engine: AnswerEngine,
) -> None:
    assert "parcel" in terms("did the post come yet")
    for question in ("when's the deadline for the school photo orders?",
                     "does anyone know the date of the summer fair?"):
        assert engine.answer(school="croughton", question=question,
                             audience=Audience.PARENT).abstained, question
    review = engine.answer(school="croughton", question="what date is the policy due for review",
                           audience=Audience.STAFF)
    assert not review.abstained
