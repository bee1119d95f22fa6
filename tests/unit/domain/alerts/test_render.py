"""Alert rendering: who said what, where, their reach, why, and a link, within each limit."""

import pytest

from heard.alerts.render import ELLIPSIS, fit, render, render_sms, subject
from heard.reach import compact_number, followers_text


def test_message_says_who_what_where_reach_why_and_link(make_record):
    text = render(make_record())
    assert "[CRITICAL] Acme: X post from @angrycustomer (84k followers, verified)" in text
    assert '"@acme still waiting for my refund after 3 weeks. Talking to my lawyer."' in text
    assert "Why: legal threat: 'my lawyer'; 84k followers; complaint (p=0.93)" in text
    assert "intents: legal, billing" in text
    assert "Link: https://x.com/angrycustomer/status/1849" in text


def test_subject_is_one_ascii_line_under_100_chars(make_record):
    s = subject(make_record(text="é" * 500))
    assert len(s) < 100 and "\n" not in s
    s.encode("ascii")


def test_sms_fits_one_message(make_record):
    sms = render_sms(make_record(text="so angry " * 100))
    assert len(sms) <= 160
    assert sms.startswith("CRITICAL Acme @angrycustomer")


@pytest.mark.parametrize(
    ("n", "text"), [(950, "950"), (84_000, "84k"), (1_250, "1.2k"), (2_000_000, "2M")]
)
def test_compact_numbers(n, text):
    assert compact_number(n) == text


def test_alerts_and_triage_reasons_write_reach_the_same_way(make_record):
    quoted = make_record()
    quoted.mention.author.followers = 84_312
    assert f"({followers_text(84_312)}, verified)" in subject(quoted)
    assert "(84k followers, verified)" in subject(quoted)


def test_unknown_reach_is_not_shown_as_zero_followers(make_record):
    quiet = make_record()
    quiet.mention.author.followers = 0
    quiet.mention.author.verified = False
    assert "followers" not in subject(quiet)
    assert subject(quiet, first_words=False).endswith("from @angrycustomer")
    assert 'from @angrycustomer: "@acme still waiting' in subject(quiet)


def test_subject_survives_hostile_handles(make_record):
    hostile = make_record()
    hostile.mention.author.handle = "jo\nBcc: x\r\t\x00"
    s = subject(hostile)
    assert "\n" not in s and "\r" not in s and "\t" not in s and "\x00" not in s
    assert all(32 <= ord(c) < 127 for c in s)


def test_fit_cuts_on_a_character_boundary_with_an_ellipsis():
    assert fit("short", 100) == "short"
    cut = fit("😡" * 100, 50)
    assert len(cut.encode()) <= 50
    assert cut.endswith(ELLIPSIS) and set(cut[:-1]) == {"😡"}


def test_a_capped_quote_keeps_the_reasons_link_and_mention_id(make_record):
    text = render(make_record(text="😡" * 50_000), quote_bytes=1000)
    assert len(text.encode()) < 2000
    assert f'{ELLIPSIS}"' in text
    assert "Why: legal threat: 'my lawyer'" in text
    assert "Link: https://x.com/angrycustomer/status/1849" in text
    assert "Mention: x:1849 at 2026-11-22T09:30:00+00:00" in text
