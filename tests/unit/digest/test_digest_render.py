"""What a digest says: plain text, HTML (escaped), the chat summary and the subject."""

from __future__ import annotations

import re

import pytest
from fakes.digest import NOW, config, records
from fakes.store import FakeMentionStore

from heard.alerts.channels import SNS_MESSAGE_LIMIT
from heard.digest import Cadence, compute, latest, render
from heard.digest.compute import Digest


@pytest.fixture(scope="module")
def digest() -> Digest:
    brand = config().brands[0]
    return compute(
        FakeMentionStore(records()), brand, latest(brand.digest, Cadence.DAILY, NOW), now=NOW
    )


def test_text_has_every_section_with_the_figures(digest):
    text = render.text(digest)
    for heading in (
        "VOLUME",
        "SENTIMENT",
        "SPIKES",
        "TOP COMPLAINTS",
        "TOP INTENTS",
        "WHAT CUSTOMERS PRAISE",
        "MOST-REACHED AUTHORS",
        "CASES NOW",
        "FIRST RESPONSE",
        "SLA MET",
    ):
        assert f"\n{heading}" in text
    assert re.search(r"mentions +10 +\+6 \(\+150\.0%\) vs 4", text)
    assert re.search(r"negative +4 +40\.0% +50\.0% +-10\.0 pts", text)
    assert re.search(r"overdue +2 +critical 1, high 1", text)
    assert re.search(r"median +20m 00s +10m 00s", text)
    assert re.search(r"overall +3 of 5 met \(60\.0%\), 1 open", text)
    assert "words: fast (4), friendly (2), router (2), support (2)" in text


def test_text_columns_line_up(digest):
    lines = render.text(digest).splitlines()
    start = lines.index("SENTIMENT")
    rows = lines[start + 1 : start + 5]
    assert len({len(row) for row in rows}) == 1  # right-aligned figures: same width
    assert len({row.index("%") for row in rows[1:]}) == 1


def test_text_fits_an_sns_message_with_room_to_spare(digest):
    assert len(render.text(digest).encode()) < SNS_MESSAGE_LIMIT // 10


def test_html_escapes_every_mention_text(digest):
    page = render.html(digest)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; acme is great, fast delivery" in page
    assert page.count("<table") == 1 and "<style" not in page


def test_html_links_only_web_addresses():
    assert render._link("javascript:alert(1)") == ""
    assert render._link('https://x.example/a"b') == (
        ' <a href="https://x.example/a&quot;b" style="color:#0b57d0">link</a>'
    )


def test_subject_is_one_printable_ascii_line(digest):
    subject = render.subject(digest)
    assert subject == "Heard: Acme daily digest, Mon 23 Nov"
    odd = digest.model_copy(update={"brand": "Café\nNoël " + "x" * 200})
    assert re.fullmatch(r"[\x20-\x7e]{1,99}", render.subject(odd))


def test_summary_is_a_headline_and_facts_for_chat(digest):
    summary = render.summary(digest)
    assert summary.headline == "Acme daily digest: 10 mentions (+6), 40% negative, 2 overdue"
    facts = {f.label: f.value for f in summary.facts}
    assert facts["Open cases"] == "9 (2 overdue)"
    assert facts["First-response SLA"] == "3 of 5 met (60.0%), 1 open"
    assert facts["Top complaints"] == "billing 2, cancel 1, delivery 1"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "-"), (45, "45s"), (750, "12m 30s"), (3900, "1h 05m"), (2 * 86400 + 3 * 3600, "2d 3h")],
)
def test_durations(seconds, text):
    assert render.duration(seconds) == text


def test_the_chat_notice_carries_the_summary_and_the_tables(digest):
    notice = render.notice(digest)
    assert (notice.kind, notice.brand, notice.title) == ("digest", "Acme", render.subject(digest))
    assert notice.id == "digest:Acme:daily#2026-11-23T08:00Z"
    assert notice.facts == tuple((f.label, f.value) for f in render.summary(digest).facts)
    sections = dict(notice.sections)
    assert sections["Sentiment"][2] == ("negative", "4 (40.0%; -10.0 pts vs 50.0%)")
    assert dict(sections["Top complaints"]) == {"billing": "2", "cancel": "1", "delivery": "1"}
    assert sections["SLA met (cases created in the period)"][-1] == (
        "overall",
        "first response 3 of 5 met (60.0%), 1 open; resolution 1 of 1 met (100.0%), 5 open",
    )
    authors = dict(sections["Most-reached authors"])
    assert authors["@erin (X)"] == "120,000 followers, 1 mention(s)"
    assert "Spikes" not in sections  # the seeded day had none


def test_the_digest_is_block_kit_and_an_adaptive_card_within_their_limits(digest):
    from heard_local.fakes.slack import block_problems
    from heard_local.fakes.teams import card_problems

    from heard.alerts import slack, teams

    notice = render.notice(digest)
    message = slack.message(notice)
    assert block_problems(message) == []
    texts = [b["text"]["text"] for b in message["blocks"] if "text" in b]
    assert any(t.startswith("*Sentiment*\n• *positive*: 4 (40.0%") for t in texts)
    # Customers' words arrive escaped: the seeded praise has a <script> in it.
    assert not any("<script>" in t for t in texts)
    card = teams.message(notice)
    assert card_problems(card) == []
    body = card["attachments"][0]["content"]["body"]
    fact_sets = [b for b in body if b["type"] == "FactSet"]
    assert len(fact_sets) == 1 + len(notice.sections)
    headings = [b["text"] for b in body if b.get("weight") == "Bolder"]
    assert headings[1:] == [heading for heading, _ in notice.sections]
