"""RSS and Atom feeds: a fake feed host on loopback (as a fetching proxy serves them), the real
store."""

from __future__ import annotations

import time

import pytest
from heard_local.fakes.feeds import ALERTS_FEED, REVIEWS_FEED, FakeFeeds, google_alerts_link

from heard.platforms._keys import path_safe
from heard.platforms.rss.poll import SEEN_LIMIT

NOW = time.time()
BLOG = "https://blog.example/feed"
NEWS = "https://news.example/atom.xml?topic=acme"


def config(*feeds: str, budget: int | None = None, extra: str = "") -> str:
    budget_line = f", budget_per_day: {budget}" if budget else ""
    lines = "\n".join(f"          - {f}" for f in feeds)
    return f"""
sources:
  rss: {{every_minutes: 15{budget_line}{extra}}}
brands:
  - name: Acme
    keywords: [acme]
    exclusions: ["acme acres"]
    listen:
      rss:
        feeds:
{lines}
"""


@pytest.fixture
def feeds():
    with FakeFeeds() as fake:
        yield fake


def test_first_run_stores_every_entry_once_and_a_second_run_gets_a_304(poll, feeds):
    feeds.seed_demo(NOW)
    report = poll.run("rss", feeds.base_url)  # the demo config's two feeds
    assert (report.stopped, report.queued, report.error) == ("done", 4, None)
    assert report.requests == 2 and report.spent == 2
    assert poll.deliver() == 4
    stored = poll.stored("rss")
    assert len(stored) == 4
    # Entry ids that are URLs (or hold a "/") are keyed by their digest: a path keeps it.
    review = path_safe("https://reviews.example/acme/turbo-blender/review/8812")
    assert review.startswith("sha256-") and f"rss:{review}" in stored
    assert all("/" not in k for k in stored)
    # Google Alerts: the real link, no <b> in the text.
    alert_id = "tag:google.com,2013:googlealerts/feed:10000000000000000001"
    alert = poll.record(f"rss:{path_safe(alert_id)}")
    assert alert["mention"]["url"] == "https://news.example/business/acme-toaster-recall"
    assert alert["mention"]["text"].startswith("Acme recalls 20,000 toasters")
    assert "<b>" not in alert["mention"]["text"]
    # Both feeds were fetched through the base_url by host and path.
    paths = sorted(r["path"] for r in feeds.requests)
    assert paths == [
        "/reviews.example/acme/feed.xml",
        "/www.google.com/alerts/feeds/00000000000000000000/1111111111111111111",
    ]

    again = poll.run("rss", feeds.base_url)
    assert (again.stopped, again.queued) == ("done", 0)
    assert [r["status"] for r in feeds.requests[-2:]] == [304, 304]
    assert all("if-none-match" in r["headers"] for r in feeds.requests[-2:])
    assert all("if-modified-since" in r["headers"] for r in feeds.requests[-2:])
    assert poll.deliver() == 0
    assert all(r["headers"]["user-agent"].startswith("Heard/") for r in feeds.requests)


def test_new_entries_are_picked_up_and_old_ones_not_repeated(poll, feeds):
    feeds.add_feed(BLOG, "rss")
    feeds.add_entry(BLOG, "Acme kettle review", "<p>fine</p>", published=NOW - 600)
    assert poll.run("rss", feeds.base_url, config=config(BLOG)).queued == 1
    feeds.add_entry(BLOG, "Acme kettle recall", "<p>bad</p>", published=NOW - 60)
    report = poll.run("rss", feeds.base_url, config=config(BLOG))
    assert report.queued == 1 and feeds.requests[-1]["status"] == 200
    poll.deliver()
    assert len(poll.stored("rss")) == 2


def test_a_server_that_ignores_conditional_requests_still_repeats_nothing(poll, feeds):
    feeds.conditional = False
    feeds.add_feed(NEWS, "atom")
    for i in range(3):
        feeds.add_entry(NEWS, f"Acme story {i}", f"<p>body {i}</p>", published=NOW - 100 * i)
    assert poll.run("rss", feeds.base_url, config=config(NEWS)).queued == 3
    again = poll.run("rss", feeds.base_url, config=config(NEWS))
    assert again.queued == 0 and feeds.requests[-1]["status"] == 200
    # The query string is part of the feed's address.
    assert feeds.requests[-1]["query"] == {"topic": "acme"}


def test_several_feeds_in_one_run_and_an_entry_in_two_feeds_is_one_mention(poll, feeds):
    shared = "https://acme.example/press/recall-2026"
    for url in (BLOG, NEWS):
        feeds.add_feed(url, "rss" if url == BLOG else "atom")
        feeds.add_entry(url, "Acme recall notice", "<p>Recall</p>", entry_id=shared, link=shared)
        feeds.add_entry(url, f"Acme own story of {url}", "<p>own</p>")
    feeds.add_entry(BLOG, "Acme recall notice", "<p>again</p>", entry_id=shared, link=shared)
    report = poll.run("rss", feeds.base_url, config=config(BLOG, NEWS))
    assert report.requests == 2 and report.pages == 2
    assert report.queued == 4  # the shared one once per feed at most
    assert poll.deliver() == 4
    assert len(poll.stored("rss")) == 3
    assert f"rss:{path_safe(shared)}" in poll.stored("rss")


def test_html_is_sanitised_to_text_and_scripts_never_survive(poll, feeds):
    feeds.add_feed(BLOG, "rss")
    feeds.add_entry(
        BLOG,
        "Acme &amp; <i>friends</i>",
        '<p>Acme <img src=x onerror="alert(1)">refund &lt;b&gt;never&lt;/b&gt; came</p>'
        "<script>document.cookie</script><p>second</p>",
        entry_id="https://blog.example/p/1",
        link="https://blog.example/p/1",
    )
    poll.run("rss", feeds.base_url, config=config(BLOG))
    poll.deliver()
    text = poll.record(f"rss:{path_safe('https://blog.example/p/1')}")["mention"]["text"]
    assert "script" not in text and "document.cookie" not in text and "onerror" not in text
    assert text.startswith("Acme & friends\n\nAcme refund")
    assert text.endswith("second")


def test_the_seen_ids_are_bounded_and_nothing_old_comes_back(poll, feeds):
    feeds.conditional = False
    feeds.add_feed(BLOG, "rss")
    for i in range(SEEN_LIMIT + 20):
        feeds.add_entry(BLOG, f"Acme post {i}", "<p>x</p>", published=NOW - 10_000 + i)
    first = poll.run("rss", feeds.base_url, config=config(BLOG))
    assert first.queued == SEEN_LIMIT + 20
    assert len(set(poll.drain())) == SEEN_LIMIT + 20
    cursor = poll.state.cursor("rss", "Acme", f"feed:{BLOG}").state
    assert len(cursor["seen"]) == SEEN_LIMIT and cursor["floor"] is not None
    assert poll.run("rss", feeds.base_url, config=config(BLOG)).queued == 0
    feeds.add_entry(BLOG, "Acme post new", "<p>x</p>", published=NOW)
    assert poll.run("rss", feeds.base_url, config=config(BLOG)).queued == 1
    assert len(poll.drain()) == 1


def test_a_500_on_the_second_feed_loses_nothing(poll, feeds):
    for url in (BLOG, NEWS):
        feeds.add_feed(url)
        feeds.add_entry(url, "Acme is late again", "<p>late</p>")
    feeds.fail(500, skip=1)
    report = poll.run("rss", feeds.base_url, config=config(BLOG, NEWS))
    assert report.stopped == "error" and "500" in report.error
    assert report.queued == 1 and report.backoff_until is not None
    done = poll.run("rss", feeds.base_url, config=config(BLOG, NEWS))
    assert done.stopped == "done" and done.queued == 1
    assert len(set(poll.drain())) == 2


def test_a_429_ends_the_run_politely_and_the_source_backs_off_as_asked(poll, feeds):
    feeds.seed_demo(NOW)
    feeds.fail(429, retry_after=120)
    report = poll.run("rss", feeds.base_url)
    assert report.stopped == "rate-limited" and report.requests == 1
    wait = report.backoff_until.timestamp() - time.time()
    assert 100 < wait <= 121
    skipped = poll.run("rss", feeds.base_url, ignore_backoff=False)
    assert skipped.stopped == "backing-off" and skipped.requests == 0
    assert len(feeds.requests) == 1


def test_a_503_with_retry_after_is_honoured(poll, feeds):
    feeds.seed_demo(NOW)
    feeds.fail(503, retry_after=300)
    report = poll.run("rss", feeds.base_url)
    assert report.stopped == "error"
    wait = report.backoff_until.timestamp() - time.time()
    assert 280 < wait <= 301


def test_a_feed_that_refuses_credentials_ends_as_auth_failed(poll, feeds, capture_topic):
    ops = capture_topic("OpsTopic")
    feeds.seed_demo(NOW)
    feeds.fail(401)
    report = poll.run("rss", feeds.base_url)
    assert report.stopped == "auth-failed"
    assert any("rss is failing" in d.subject for d in ops.drain(quiet_s=1.0))


def test_a_gone_feed_is_skipped_and_the_others_are_heard(poll, feeds):
    feeds.add_feed(NEWS, "atom")
    feeds.add_entry(NEWS, "Acme story", "<p>x</p>")
    report = poll.run("rss", feeds.base_url, config=config(BLOG, NEWS))  # BLOG: 404
    assert (report.stopped, report.queued) == ("done", 1)


def test_the_budget_is_never_exceeded_and_is_reported(poll, feeds):
    feeds.seed_demo(NOW)
    report = poll.run("rss", feeds.base_url, config=config(REVIEWS_FEED, ALERTS_FEED, budget=1))
    assert report.stopped == "budget"
    assert (report.spent, report.spent_today, report.budget) == (1, 1, 1)
    assert len(feeds.requests) == 1
    again = poll.run("rss", feeds.base_url, config=config(REVIEWS_FEED, ALERTS_FEED, budget=1))
    assert again.stopped == "budget" and again.requests == 0
    assert len(feeds.requests) == 1


def test_exclusions_drop_what_is_about_something_else(poll, feeds):
    feeds.add_feed(ALERTS_FEED, "atom")
    feeds.add_entry(
        ALERTS_FEED,
        "Visit <b>Acme Acres</b> farm",
        "pumpkins",
        link=google_alerts_link("https://farm.example/"),
    )
    feeds.add_entry(ALERTS_FEED, "<b>Acme</b> router died", "sad", link="https://x.example/1")
    report = poll.run("rss", feeds.base_url, config=config(ALERTS_FEED))
    assert report.excluded == 1 and report.queued == 1
