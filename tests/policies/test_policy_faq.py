"""FAQ files: the bundled ones load; every README rule is enforced with a precise error."""

from __future__ import annotations

from pathlib import Path

import pytest

from policies.documents import PolicyDocument, load_policy
from policies.errors import FaqError
from policies.faq import load_faq
from tests.policies.conftest import POLICIES, SLUGS


@pytest.fixture(scope="module")
def croughton() -> PolicyDocument:
    return load_policy(POLICIES / "samples" / "croughton.txt")


@pytest.mark.parametrize("slug", SLUGS)
def test_bundled_faq_files_load(slug: str) -> None:
    document = load_policy(POLICIES / "samples" / f"{slug}.txt")
    faq = load_faq(POLICIES / "faq" / f"{slug}.yaml", [document])
    assert faq.school == slug
    assert faq.entries
    for entry in faq.entries:
        assert 1 <= len(entry.sources) <= 3
        assert entry.questions
        assert entry.answer


GOOD_ENTRY = """
  - id: friend-parent
    audience: [staff]
    questions: [Can I friend a parent?]
    answer: No.
    cite:
      - Staff will not accept "friend" requests if the relationship is purely staff/parent
"""


def write(tmp_path: Path, body: str, school: str = "croughton") -> Path:
    path = tmp_path / f"{school}.yaml"
    path.write_text(f"school: {school}\nentries:{body}", encoding="utf-8")
    return path


def test_quote_folds_case_quotes_and_space(tmp_path: Path, croughton: PolicyDocument) -> None:
    body = GOOD_ENTRY.replace(
        'Staff will not accept "friend" requests',
        "staff   will NOT accept \u201cfriend\u201d requests",
    )
    faq = load_faq(write(tmp_path, body), [croughton])
    (entry,) = faq.entries
    assert entry.sources[0].text.startswith('Staff will not accept "friend" requests')
    assert entry.sources[0].text.endswith("no previous or alternative relationship.")


def test_sources_follow_cite_order_without_duplicates(
    tmp_path: Path, croughton: PolicyDocument
) -> None:
    body = GOOD_ENTRY + (
        "      - the Headteacher must be made aware of this relationship\n"
        "      - purely staff/parent\n"
    )
    (entry,) = load_faq(write(tmp_path, body), [croughton]).entries
    assert [s.text[:20] for s in entry.sources] == ["Staff will not accep", "If pupils or parents"]


@pytest.mark.parametrize(
    ("body", "entry", "reason"),
    [
        (GOOD_ENTRY + GOOD_ENTRY, "friend-parent", "duplicate id"),
        (GOOD_ENTRY.replace("[staff]", "[teachers]"), "friend-parent", "audience 'teachers'"),
        (GOOD_ENTRY.replace("[staff]", "[]"), "friend-parent", "audience must be a non-empty"),
        (GOOD_ENTRY.replace("answer: No.", "answer: ''"), "friend-parent", "answer must be"),
        (GOOD_ENTRY.replace("[Can I friend a parent?]", "[]"), "friend-parent", "questions"),
        (GOOD_ENTRY.replace("id: friend-parent", "id: Friend Parent"), "#1", "kebab-case"),
    ],
)
def test_invalid_entries_name_file_entry_and_reason(
    tmp_path: Path, croughton: PolicyDocument, body: str, entry: str, reason: str
) -> None:
    path = write(tmp_path, body)
    with pytest.raises(FaqError) as caught:
        load_faq(path, [croughton])
    assert caught.value.path == path
    assert caught.value.entry == entry
    assert reason in caught.value.reason
    assert str(path) in str(caught.value)


def test_school_must_match_file_name(tmp_path: Path, croughton: PolicyDocument) -> None:
    path = write(tmp_path, GOOD_ENTRY, school="croughton")
    renamed = path.rename(tmp_path / "st-lukes.yaml")
    with pytest.raises(FaqError, match="expected 'st-lukes'"):
        load_faq(renamed, [croughton])


def test_not_yaml(tmp_path: Path, croughton: PolicyDocument) -> None:
    path = tmp_path / "croughton.yaml"
    path.write_text("school: croughton\nentries: [unclosed\n", encoding="utf-8")
    with pytest.raises(FaqError, match="not valid YAML"):
        load_faq(path, [croughton])


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (GOOD_ENTRY.replace("purely staff/parent", "purely staff/pupil"), "is not in the policy"),
        (GOOD_ENTRY.replace(
            'Staff will not accept "friend" requests if the relationship is purely staff/parent',
            "Office staff mobile phones will be turned to silent and out of sight. The use of",
        ), "spans more than one clause"),
    ],
)
def test_an_entry_whose_quote_left_the_policy_is_switched_off(
    tmp_path: Path, croughton: PolicyDocument, body: str, reason: str
) -> None:
    """A policy update must not stop the bot: the entry is listed as stale, not raised."""
    faq = load_faq(write(tmp_path, body), [croughton])
    assert faq.entries == ()
    (stale,) = faq.stale
    assert stale.id == "friend-parent"
    assert reason in stale.reason
