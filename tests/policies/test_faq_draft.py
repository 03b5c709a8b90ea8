"""``policybot faq draft``: a draft for a school with no FAQ file loads as it is."""

from __future__ import annotations

from pathlib import Path

import yaml

from policies.documents import load_policy
from policies.draft import draft_faq
from policies.faq import load_faq
from policies.knowledge import load_knowledge
from tests.policies.conftest import NAMES, POLICIES


def test_a_draft_loads_and_quotes_every_rule_of_the_policy(tmp_path: Path) -> None:
    document = load_policy(POLICIES / "samples" / "lancastrian.txt")
    text = draft_faq(school="lancastrian", name=NAMES["lancastrian"], documents=[document],
                     knowledge=load_knowledge())
    assert text.startswith("# DRAFT FAQ for Lancastrian Infant School")
    path = tmp_path / "lancastrian.yaml"
    path.write_text(text, encoding="utf-8")
    faq = load_faq(path, [document], school="lancastrian")
    assert faq.stale == ()
    assert len(faq.entries) == len(document.clauses)
    assert {entry.sources[0] for entry in faq.entries} == set(document.clauses)
    friend = next(e for e in faq.entries if "Accept friend requests" in e.sources[0].text)
    assert len(friend.questions) > 1  # borrowed from the other schools' FAQs
    assert all("lancastrian" not in q.lower() for e in faq.entries for q in e.questions[1:])


def test_a_draft_never_borrows_from_the_schools_own_faq() -> None:
    document = load_policy(POLICIES / "samples" / "croughton.txt")
    text = draft_faq(school="croughton", name=NAMES["croughton"], documents=[document],
                     knowledge=load_knowledge())
    drafted = yaml.safe_load(text)
    questions = [q.lower() for e in drafted["entries"] for q in e["questions"]]
    assert questions
    assert not any("croughton" in q for q in questions)
