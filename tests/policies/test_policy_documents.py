"""Ingestion: the samples into clauses, and .md/.docx/.pdf files the tests write."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import docx
import pytest

from policies.documents import PolicyDocument, load_policy
from policies.engine import AnswerEngine, PolicySource
from policies.errors import PolicyFileError
from policies.metadata import date_label, parse_date
from policies.text import fold
from tests.policies.conftest import POLICIES, SLUGS


def sample(slug: str) -> PolicyDocument:
    return load_policy(POLICIES / "samples" / f"{slug}.txt")


@pytest.mark.parametrize(
    ("slug", "title", "clauses", "approved", "next_review"),
    [
        ("croughton", "Croughton All Saints CE Primary School Social Media Policy", 44,
         date(2024, 1, 1), date(2026, 1, 1)),
        ("lancastrian", "Lancastrian Infant School Social Media Policy", 36, None, None),
        ("marston-montgomery", "Marston Montgomery Primary School Social Media Policy", 26,
         None, None),
        ("sharp-lane", "Sharp Lane Primary School Social Networking Policy", 63,
         date(2020, 11, 1), date(2023, 11, 1)),
        ("st-lukes", "St Luke's Primary School Social Media Policy", 31, date(2017, 10, 1), None),
    ],
)
def test_sample_title_dates_and_clause_count(
    slug: str, title: str, clauses: int, approved: date | None, next_review: date | None
) -> None:
    document = sample(slug)
    assert document.title == title
    assert len(document.clauses) == clauses
    assert (document.approved, document.next_review) == (approved, next_review)


@pytest.mark.parametrize("slug", SLUGS)
def test_every_clause_is_verbatim_and_indexed_in_order(slug: str) -> None:
    document = sample(slug)
    text = fold(document.text)
    assert [c.index for c in document.clauses] == list(range(len(document.clauses)))
    for clause in document.clauses:
        assert fold(clause.text) in text, clause.text
        assert clause.section
        assert clause.kind == "rule"
    assert len(document.content_hash) == 64


def test_sections_follow_headings() -> None:
    document = sample("croughton")
    def section_of(start: str) -> str:
        return next(c.section for c in document.clauses if c.text.startswith(start))

    assert section_of("Any school social media passwords") == (
        "Use of Social Media in practice Personal use of social media"
    )
    assert section_of("Staff should seek the Headteacher's") == (
        "School-sanctioned use of social media"
    )
    assert document.clauses[-2].section == "Social Media misuse \u2013 Children"


def test_page_headers_do_not_break_sections_or_lists() -> None:
    document = sample("st-lukes")
    clause = next(c for c in document.clauses if c.text.startswith("Do review and adjust"))
    assert clause.section.startswith("Code of Conduct for all members of staff")
    assert clause.lead_in.startswith("In addition to the above")


def test_list_items_keep_their_lead_in() -> None:
    document = sample("lancastrian")
    clause = next(c for c in document.clauses if c.text.startswith("Accept friend requests"))
    assert clause.lead_in.endswith("DO NOT:")
    nested = sample("marston-montgomery")
    item = next(c for c in nested.clauses if c.text.startswith("Bring the school into"))
    assert item.lead_in.startswith("That they do not conduct")
    sibling = next(c for c in nested.clauses if c.text.startswith("That they do not form"))
    assert sibling.lead_in.startswith("It is possible that")


def test_audiences_come_from_headings() -> None:
    document = sample("sharp-lane")
    parents = [c for c in document.clauses if c.section.startswith("Social Networking Policy")]
    assert parents[0].audiences == {"parent"}
    code = next(c for c in document.clauses if c.text.startswith("Never use or access"))
    assert code.audiences == {"staff"}


def test_hard_wrapped_sentence_is_one_clause() -> None:
    document = sample("marston-montgomery")
    assert any(
        "with reference to any incident that takes place outside school hours" in c.text
        for c in document.clauses
    )


def test_headings_and_date_lines_are_extras_not_rules() -> None:
    document = sample("croughton")
    extras = {c.text: c.kind for c in document.extras}
    assert extras["Next review date: January 2026"] == "note"
    assert extras["Rationale"] == "heading"
    assert all("Next review date" not in c.text for c in document.clauses)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("January 2026", date(2026, 1, 1)),
        ("Jan 2026", date(2026, 1, 1)),
        ("3rd March 2025", date(2025, 3, 3)),
        ("12/09/2024", date(2024, 9, 12)),
        ("Autumn term 2025", date(2025, 9, 1)),
        ("no date here", None),
    ],
)
def test_parse_date(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


def test_markdown(tmp_path: Path) -> None:
    path = tmp_path / "policy.md"
    path.write_text(
        "# Oak Primary School Social Media Policy\n\n"
        "| Approved | Next review date |\n| --- | --- |\n| 1 March 2024 | March 2026 |\n\n"
        "## Personal use\n\n"
        "Staff must not accept friend requests\nfrom pupils, whatever the platform.\n\n"
        "- Keep **privacy settings** on.\n"
        "- Do not post photos of pupils.\n",
        encoding="utf-8",
    )
    document = load_policy(path)
    assert document.title == "Oak Primary School Social Media Policy"
    assert (document.approved, document.next_review) == (date(2024, 3, 1), date(2026, 3, 1))
    assert [c.text for c in document.clauses] == [
        "Staff must not accept friend requests from pupils, whatever the platform.",
        "Keep privacy settings on.",
        "Do not post photos of pupils.",
    ]
    assert {c.section for c in document.clauses} == {"Personal use"}


def test_docx(tmp_path: Path) -> None:
    path = tmp_path / "policy.docx"
    word = docx.Document()
    word.add_heading("Elm Infant School Social Media Policy", level=0)
    table = word.add_table(rows=2, cols=2)
    for row, (label, value) in enumerate([("Approved by governors", "May 2023"),
                                          ("Review date", "May 2025")]):
        table.cell(row, 0).text = label
        table.cell(row, 1).text = value
    word.add_heading("Photographs", level=1)
    word.add_paragraph("Parents may take photographs at school events.")
    word.add_paragraph("Do not share images of other children.", style="List Bullet")
    word.save(str(path))
    document = load_policy(path)
    assert document.title == "Elm Infant School Social Media Policy"
    assert (document.approved, document.next_review) == (date(2023, 5, 1), date(2025, 5, 1))
    assert [(c.section, c.text) for c in document.clauses] == [
        ("Photographs", "Parents may take photographs at school events."),
        ("Photographs", "Do not share images of other children."),
    ]


def _pdf(lines: list[str]) -> bytes:
    """A minimal one-page PDF with one text line per entry (Helvetica)."""
    stream = "BT /F1 11 Tf 14 TL 72 760 Td " + " ".join(
        "({}) '".format(line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)"))
        for line in lines
    ) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    trailer = f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    out += trailer.encode()
    return out


def test_pdf(tmp_path: Path) -> None:
    path = tmp_path / "policy.pdf"
    path.write_bytes(
        _pdf([
            "Ash Primary School Social Media Policy",
            "Next review date: September 2026",
            "Use of phones",
            "Staff must keep their mobile phones in the staff room and must not use",
            "them during lessons.",
            "- Staff must not message pupils.",
        ])
    )
    document = load_policy(path)
    assert document.title == "Ash Primary School Social Media Policy"
    assert document.next_review == date(2026, 9, 1)
    texts = [c.text for c in document.clauses]
    wrapped = "Staff must keep their mobile phones in the staff room and must not use them during"
    assert f"{wrapped} lessons." in texts
    assert "Staff must not message pupils." in texts
    assert all(c.section == "Use of phones" for c in document.clauses)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"  \n\n ", "empty"),
        ("broken.docx", b"not a zip file", "corrupt"),
        ("broken.pdf", b"%PDF-1.4 garbage", "corrupt"),
        ("binary.txt", b"\x00\x01\x02policy", "corrupt"),
        ("policy.rtf", b"{\\rtf1 hello}", "unsupported"),
    ],
)
def test_bad_files_name_the_file(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(PolicyFileError) as caught:
        load_policy(path)
    assert caught.value.reason == reason
    assert caught.value.path == path
    assert name in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError, match="no such file"):
        load_policy(tmp_path / "gone.txt")


def test_a_policy_with_no_rules_is_refused_with_its_file(tmp_path: Path) -> None:
    stub = tmp_path / "stub.txt"
    stub.write_text("A policy.\n", encoding="utf-8")
    with pytest.raises(PolicyFileError, match=r"stub\.txt is empty: it has no rules"):
        AnswerEngine.build([PolicySource(slug="x", name="X", policy_paths=(stub,))])


@pytest.mark.parametrize(("stated", "said"), [
    ("January 2024", "January 2024"), ("1 January 2024", "1 January 2024"),
    ("03/03/2026", "3 March 2026"), ("Spring 2025", "Spring 2025"), ("2024", "2024")])
def test_a_date_is_said_back_as_precisely_as_it_was_stated(stated: str, said: str) -> None:
    assert date_label(stated) == said


def test_croughtons_approval_keeps_its_month() -> None:
    assert load_policy(POLICIES / "samples" / "croughton.txt").approved_label == "January 2024"
