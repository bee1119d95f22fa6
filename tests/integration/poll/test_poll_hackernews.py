"""Hacker News through the Algolia API: a fake hn.algolia.com on loopback, the real store."""

from __future__ import annotations

import time

import pytest
from heard_local.fakes.hackernews import FakeHackerNews

from heard.ingest.polling import FAILURES_BEFORE_ALERT

NOW = time.time()


@pytest.fixture
def hn():
    with FakeHackerNews() as fake:
        yield fake


def seed(
    fake: FakeHackerNews, n: int, start: float, text: str = "Acme support is slow", first: int = 0
) -> None:
    for i in range(n):
        oid = 50_000_000 + first + i
        fake.add_comment(f"<p>{text} #{i}</p>", created_at=start + i, object_id=oid)


def test_first_run_stores_every_hit_once_and_a_second_run_stores_nothing(poll, hn):
    hn.add_story("Acme ships a router that bricks itself", created_at=NOW - 3600, object_id=1)
    hn.add_comment(
        "<p>Acme&#x27;s support &amp; returns: <b>awful</b>.<br>"
        '<a href="https://example.org/x">proof</a></p><script>alert(1)</script>',
        created_at=NOW - 1800,
        object_id=2,
    )
    hn.add_comment("Nothing about the brand here", created_at=NOW - 1700, object_id=3)

    report = poll.run("hackernews", hn.base_url)
    assert (report.stopped, report.queued, report.error) == ("done", 2, None)
    assert poll.deliver() == 2
    assert poll.stored("hackernews") == ["hackernews:1", "hackernews:2"]
    comment = poll.record("hackernews:2")["mention"]
    assert comment["text"] == "Acme's support & returns: awful.\nproof"  # the script: gone
    assert comment["url"] == "https://news.ycombinator.com/item?id=2"
    assert comment["kind"] == "comment"

    again = poll.run("hackernews", hn.base_url)
    assert (again.stopped, again.queued) == ("done", 0)
    assert poll.deliver() == 0
    assert poll.stored("hackernews") == ["hackernews:1", "hackernews:2"]
    # Every request said who it was.
    assert all(r["headers"]["user-agent"].startswith("Heard/") for r in hn.requests)


def test_html_is_sanitised_to_text_and_scripts_never_survive(poll, hn):
    hn.add_comment(
        '<p>Acme <img src=x onerror="alert(1)">refund &lt;b&gt;never&lt;/b&gt; came</p>'
        "<script>document.cookie</script><p>second</p>",
        created_at=NOW - 600,
        object_id=7,
    )
    poll.run("hackernews", hn.base_url)
    poll.deliver()
    text = poll.record("hackernews:7")["mention"]["text"]
    assert text == "Acme refund <b>never</b> came\nsecond"  # entities decoded once, as text


def test_a_window_over_the_paging_limit_is_narrowed_and_nothing_is_lost(poll, hn):
    hn.paging_limit = 200  # Algolia's is 1,000: the same logic with fewer messages
    seed(hn, 450, NOW - 20_000)
    report = poll.run("hackernews", hn.base_url)
    assert report.queued == 450 and report.stopped == "done"
    searches = [r for r in hn.requests if r["path"].endswith("search_by_date")]
    assert all(int(r["query"]["page"]) * 100 < 200 for r in searches)
    assert len(searches) > 5  # the window was narrowed
    assert len(set(poll.drain())) == 450


def test_a_500_mid_run_loses_nothing_and_the_next_run_finishes(poll, hn):
    seed(hn, 250, NOW - 5000)
    hn.fail(500, skip=1)  # the second page of the first window
    report = poll.run("hackernews", hn.base_url)
    assert report.stopped == "error" and "500" in report.error
    assert report.backoff_until is not None
    assert poll.drain() == []  # the window was not finished: cursor kept

    done = poll.run("hackernews", hn.base_url)
    assert done.stopped == "done" and done.queued == 250
    assert len(set(poll.drain())) == 250


def test_a_429_ends_the_run_politely_and_the_source_backs_off_as_asked(poll, hn):
    seed(hn, 10, NOW - 5000)
    hn.fail(429, retry_after=120)
    report = poll.run("hackernews", hn.base_url)
    assert report.stopped == "rate-limited"
    assert report.requests == 1
    wait = report.backoff_until.timestamp() - time.time()
    assert 100 < wait <= 121

    skipped = poll.run("hackernews", hn.base_url, ignore_backoff=False)
    assert skipped.stopped == "backing-off" and skipped.requests == 0
    assert len(hn.requests) == 1  # nothing was asked while backing off


def test_the_budget_is_never_exceeded_and_is_reported(poll, hn):
    seed(hn, 10, NOW - 50_000)
    config = """
sources:
  hackernews: {budget_per_day: 3, options: {lookback_hours: 24}}
brands:
  - name: Acme
    keywords: [acme, "acme support", "acme router", "acme billing"]
"""
    report = poll.run("hackernews", hn.base_url, config=config)
    assert report.stopped == "budget"
    assert report.spent == 3 and report.spent_today == 3 and report.budget == 3
    assert len(hn.requests) == 3
    again = poll.run("hackernews", hn.base_url, config=config)
    assert again.stopped == "budget" and again.requests == 0
    assert len(hn.requests) == 3


def test_exclusions_drop_what_is_about_something_else(poll, hn):
    hn.add_comment("Visited Acme Acres farm, lovely", created_at=NOW - 900, object_id=11)
    hn.add_comment("Acme router died", created_at=NOW - 800, object_id=12)
    report = poll.run("hackernews", hn.base_url)
    assert report.excluded == 1
    poll.deliver()
    assert poll.stored("hackernews") == ["hackernews:12"]


def test_a_source_that_keeps_failing_alerts_once_and_recovers_once(poll, hn, capture_topic):
    ops = capture_topic("OpsTopic")
    hn.fail(503, times=FAILURES_BEFORE_ALERT + 2)
    for _ in range(FAILURES_BEFORE_ALERT + 2):
        assert poll.run("hackernews", hn.base_url).stopped == "error"
    seed(hn, 1, NOW - 100)
    assert poll.run("hackernews", hn.base_url).stopped == "done"
    assert poll.run("hackernews", hn.base_url).stopped == "done"
    messages = [d.message for d in ops.drain(quiet_s=1.5)]
    assert len(messages) == 2
    assert "failed 3 run(s) in a row" in messages[0]
    assert "works again" in messages[1]


def test_a_timeout_stops_between_pages_and_the_next_run_resumes(poll, hn):
    seed(hn, 50, NOW - 80_000)
    seed(hn, 50, NOW - 10_000, text="Acme billing is wrong", first=1000)
    config = """
sources:
  hackernews: {options: {lookback_hours: 24}}
brands:
  - name: Acme
    keywords: ["acme support", "acme billing"]
"""
    # Two queries: the first one's page, then time is short: the second waits for the next run.
    poll_first = poll.run(
        "hackernews", hn.base_url, config=config, deadline=1014.0, monotonic=lambda: 1000.0
    )
    assert poll_first.stopped == "deadline"
    assert poll_first.queued == 50
    rest = poll.run("hackernews", hn.base_url, config=config)
    assert rest.stopped == "done" and rest.queued == 50
    assert len(set(poll.drain())) == 100


def test_no_request_is_sent_that_could_not_finish_before_the_deadline(poll, hn):
    seed(hn, 5, NOW - 600)
    report = poll.run("hackernews", hn.base_url, deadline=1011.0, monotonic=lambda: 1000.0)
    assert (report.stopped, report.requests, report.error is not None) == ("deadline", 0, True)
    assert hn.requests == []
    assert poll.run("hackernews", hn.base_url).queued == 5
