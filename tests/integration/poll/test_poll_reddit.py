"""Reddit through the Data API: a fake www/oauth.reddit.com on loopback, the real store."""

from __future__ import annotations

import time

import pytest
from heard_local.fakes.reddit import CLIENT_ID, CLIENT_SECRET, FakeReddit

from heard.platforms.reddit import poll as reddit

NOW = time.time()
USER_AGENT = "linux:heard-demo:1.0 (by /u/acme_care)"
# One search term and no subreddit: one request a page, easy to count.
ONE_QUERY = """
sources:
  reddit: {options: {app_id: heard-demo, username: acme_care%s}}
brands:
  - name: Acme
    keywords: [acme]
    exclusions: ["acme acres"]
"""


def one_query(extra: str = "") -> str:
    return ONE_QUERY % extra


@pytest.fixture(autouse=True)
def credentials(monkeypatch):
    monkeypatch.setenv("HEARD_REDDIT_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("HEARD_REDDIT_CLIENT_SECRET", CLIENT_SECRET)
    reddit.forget_tokens()
    yield
    reddit.forget_tokens()


@pytest.fixture
def rd():
    with FakeReddit() as fake:
        yield fake


def seed(fake: FakeReddit, n: int, start: float, text: str = "Acme support is slow") -> None:
    for i in range(n):
        fake.add_post(f"{text} #{i}", created_at=start + i, post_id=f"p{i:04d}")


def api(fake: FakeReddit) -> list[dict]:
    return [r for r in fake.requests if not r["path"].endswith("access_token")]


def test_first_run_stores_posts_and_comments_once_and_a_second_run_stores_nothing(poll, rd):
    rd.add_post(
        "Acme & the <missing> refund",
        selftext="Ordered 3 weeks ago &amp; still nothing. <script>alert(1)</script>",
        created_at=NOW - 3600,
        post_id="aa1",
        author="fuming_fran",
        score=40,
        num_comments=2,
    )
    rd.add_post("Nothing about the brand", created_at=NOW - 3000, post_id="aa2")
    rd.add_comment(
        "Their app is fine for me", link_id="t3_aa1", created_at=NOW - 1800, comment_id="cc1"
    )
    rd.add_comment("Elsewhere", subreddit="other", created_at=NOW - 1700, comment_id="cc2")

    report = poll.run("reddit", rd.base_url)  # the demo config: acme, acmefail, r/acme
    assert (report.stopped, report.error, report.queries) == ("done", None, 3)
    assert report.queued == 2
    assert poll.deliver() == 2
    assert poll.stored("reddit") == ["reddit:t1_cc1", "reddit:t3_aa1"]
    post = poll.record("reddit:t3_aa1")["mention"]
    # raw_json=1: the text as written; entities a writer typed are decoded like markdown does.
    assert post["text"] == (
        "Acme & the <missing> refund\n\nOrdered 3 weeks ago & still nothing. "
        "<script>alert(1)</script>"
    )
    assert post["url"] == "https://www.reddit.com/r/acme/comments/aa1/acme_the_missing_refund/"
    assert post["author"]["handle"] == "fuming_fran"
    assert post["engagement"] == 42 and post.get("kind", "post") == "post"
    comment = poll.record("reddit:t1_cc1")["mention"]
    assert comment["kind"] == "comment" and comment["in_reply_to"] == "t3_aa1"
    assert comment["url"] == "https://www.reddit.com/r/acme/comments/aa1/comment/cc1/"

    again = poll.run("reddit", rd.base_url)
    assert (again.stopped, again.queued) == ("done", 0)
    assert poll.deliver() == 0
    # One token for both runs (kept in memory), then bearer calls with Reddit's User-Agent.
    assert len(rd.received("access_token")) == 1
    assert all(r["headers"]["user-agent"] == USER_AGENT for r in rd.requests)
    assert all(r["headers"]["authorization"].startswith("bearer ") for r in api(rd))
    assert all(r["query"]["raw_json"] == "1" and r["query"]["limit"] == "100" for r in api(rd))
    searches = [r["query"] for r in rd.received("/search")]
    assert {q["q"] for q in searches} == {"acme", "acmefail"}
    assert all(q["sort"] == "new" and q["restrict_sr"] == "false" for q in searches)


def test_new_posts_after_a_run_are_heard_by_the_next_run_even_in_the_same_second(poll, rd):
    rd.add_post("Acme one", created_at=NOW - 100, post_id="n1")
    first = poll.run("reddit", rd.base_url, config=one_query())
    assert first.queued == 1
    rd.add_post("Acme two, same second", created_at=NOW - 100, post_id="n2")
    rd.add_post("Acme three", created_at=NOW - 10, post_id="n3")
    second = poll.run("reddit", rd.base_url, config=one_query())
    assert (second.stopped, second.queued) == ("done", 2)
    assert sorted(poll.drain()) == ["reddit:t3_n1", "reddit:t3_n2", "reddit:t3_n3"]
    assert poll.run("reddit", rd.base_url, config=one_query()).queued == 0


def test_pages_are_walked_back_to_the_watermark_and_a_duplicate_across_pages_is_one(poll, rd):
    seed(rd, 250, NOW - 5000)
    rd.overlap = 3  # each page repeats the last three of the one before
    report = poll.run("reddit", rd.base_url, config=one_query())
    assert (report.stopped, report.pages, report.queued) == ("done", 3, 250)
    keys = poll.drain()
    assert len(keys) == len(set(keys)) == 250
    pages = api(rd)
    assert [r["query"].get("after") for r in pages] == [None, "t3_p0150", "t3_p0053"]

    rd.add_post("Acme is back", created_at=NOW - 1, post_id="z1")
    later = poll.run("reddit", rd.base_url, config=one_query())
    # Back to the watermark less the 10-minute overlap: every page again, one new post.
    assert later.queued == 1 and later.pages == 3
    rd.add_post("Acme again", created_at=NOW, post_id="z2")
    narrow = poll.run("reddit", rd.base_url, config=one_query(", overlap_minutes: 0"))
    assert narrow.queued == 1 and narrow.pages == 1  # no overlap: the first page reaches it


def test_a_post_search_indexes_late_is_heard_once_within_the_overlap(poll, rd):
    rd.add_post("Acme refund still pending", created_at=NOW - 60, post_id="new")
    assert poll.run("reddit", rd.base_url, config=one_query()).queued == 1
    # Indexed only now, though written five minutes before the newest post heard.
    rd.add_post("Acme charged me twice", created_at=NOW - 360, post_id="late")
    # And one older than the overlap, which the first run's walk had already passed.
    rd.add_post("Acme from long ago", created_at=NOW - 3600, post_id="old")
    again = poll.run("reddit", rd.base_url, config=one_query())
    assert again.queued == 1
    assert poll.run("reddit", rd.base_url, config=one_query()).queued == 0
    assert sorted(poll.drain()) == ["reddit:t3_late", "reddit:t3_new"]


def test_a_walk_cut_short_by_max_pages_resumes_where_it_stopped(poll, rd):
    seed(rd, 250, NOW - 5000)
    config = one_query(", max_pages: 2")
    first = poll.run("reddit", rd.base_url, config=config)
    assert (first.stopped, first.queued) == ("done", 200)
    rd.add_post("Acme posted meanwhile", created_at=NOW - 5, post_id="mid")
    rest = poll.run("reddit", rd.base_url, config=config)
    assert rest.queued == 50  # the old walk finished first (its after: t3_p0050)
    assert api(rd)[-1]["query"]["after"] == "t3_p0050"
    newest = poll.run("reddit", rd.base_url, config=config)
    assert newest.queued == 1
    assert poll.run("reddit", rd.base_url, config=config).queued == 0
    assert len(set(poll.drain())) == 251


def test_a_500_mid_walk_loses_nothing_and_the_next_run_finishes(poll, rd):
    seed(rd, 250, NOW - 5000)
    rd.fail(500, skip=2)  # the token, the first page: then the second page fails
    report = poll.run("reddit", rd.base_url, config=one_query())
    assert report.stopped == "error" and "500" in report.error
    assert report.backoff_until is not None
    assert report.queued == 100  # the first page, queued; the watermark did not move

    done = poll.run("reddit", rd.base_url, config=one_query())
    assert done.stopped == "done" and done.queued == 150
    assert len(set(poll.drain())) == 250
    assert poll.run("reddit", rd.base_url, config=one_query()).queued == 0


def test_a_429_ends_the_run_politely_and_the_source_backs_off_as_asked(poll, rd):
    seed(rd, 10, NOW - 5000)
    rd.fail(429, retry_after=120, skip=1)  # the token is granted, the search is refused
    report = poll.run("reddit", rd.base_url, config=one_query())
    assert report.stopped == "rate-limited"
    assert report.requests == 2
    wait = report.backoff_until.timestamp() - time.time()
    assert 100 < wait <= 121

    skipped = poll.run("reddit", rd.base_url, config=one_query(), ignore_backoff=False)
    assert skipped.stopped == "backing-off" and skipped.requests == 0
    assert len(rd.requests) == 2
    assert poll.run("reddit", rd.base_url, config=one_query()).queued == 10


def test_an_expired_token_is_renewed_once_and_the_run_succeeds(poll, rd):
    rd.add_post("Acme one", created_at=NOW - 100, post_id="t1")
    assert poll.run("reddit", rd.base_url, config=one_query()).queued == 1
    rd.expire_tokens()
    rd.add_post("Acme two", created_at=NOW - 50, post_id="t2")
    report = poll.run("reddit", rd.base_url, config=one_query())
    assert (report.stopped, report.queued, report.requests) == ("done", 1, 3)
    assert [r["status"] for r in rd.requests[-3:]] == [401, 200, 200]
    assert rd.requests[-2]["path"] == "/api/v1/access_token"
    assert len(rd.received("access_token")) == 2


def test_refused_or_missing_credentials_end_the_run_as_auth_failed(poll, rd, monkeypatch):
    rd.add_post("Acme one", created_at=NOW - 100, post_id="r1")
    rd.clients = {CLIENT_ID: "rotated"}
    report = poll.run("reddit", rd.base_url, config=one_query())
    assert report.stopped == "auth-failed" and "401" in report.error
    assert report.queued == 0 and len(rd.requests) == 1

    # A token Reddit keeps refusing, even just renewed: auth-failed, not a loop.
    rd.clients = {CLIENT_ID: CLIENT_SECRET}
    assert poll.run("reddit", rd.base_url, config=one_query()).stopped == "done"
    rd.fail(401, times=2)
    refused = poll.run("reddit", rd.base_url, config=one_query())
    assert refused.stopped == "auth-failed" and refused.requests == 2

    monkeypatch.delenv("HEARD_REDDIT_CLIENT_SECRET")
    monkeypatch.delenv("LISTEN_SECRET_NAME", raising=False)
    reddit.forget_tokens()
    before = len(rd.requests)
    missing = poll.run("reddit", rd.base_url, config=one_query())
    assert missing.stopped == "auth-failed" and "credentials" in missing.error
    assert len(rd.requests) == before


def test_the_user_agent_options_are_required(poll, rd):
    config = """
sources:
  reddit: {options: {app_id: heard-demo}}
brands:
  - name: Acme
    keywords: [acme]
"""
    report = poll.run("reddit", rd.base_url, config=config)
    assert report.stopped == "misconfigured" and "username" in report.error
    assert rd.requests == []


def test_the_budget_is_never_exceeded_and_is_reported(poll, rd):
    seed(rd, 10, NOW - 5000)
    config = """
sources:
  reddit: {budget_per_day: 3, options: {app_id: heard-demo, username: acme_care}}
brands:
  - name: Acme
    keywords: [acme, "acme support", "acme router", "acme billing"]
"""
    report = poll.run("reddit", rd.base_url, config=config)
    assert report.stopped == "budget"
    assert report.spent == 3 and report.spent_today == 3 and report.budget == 3
    assert len(rd.requests) == 3  # the token and two searches
    again = poll.run("reddit", rd.base_url, config=config)
    assert again.stopped == "budget" and again.requests == 0
    assert len(rd.requests) == 3


def test_exclusions_drop_what_is_about_something_else(poll, rd):
    rd.add_post("Weekend at Acme Acres farm, lovely", created_at=NOW - 900, post_id="x1")
    rd.add_post("Acme router died", created_at=NOW - 800, post_id="x2")
    report = poll.run("reddit", rd.base_url, config=one_query())
    assert report.excluded == 1
    poll.deliver()
    assert poll.stored("reddit") == ["reddit:t3_x2"]


def test_a_timeout_stops_between_pages_and_the_next_run_resumes(poll, rd):
    seed(rd, 150, NOW - 8000)
    first = poll.run(
        "reddit", rd.base_url, config=one_query(), deadline=1014.0, monotonic=lambda: 1000.0
    )
    assert (first.stopped, first.queued) == ("deadline", 100)
    rest = poll.run("reddit", rd.base_url, config=one_query())
    assert (rest.stopped, rest.queued) == ("done", 50)
    assert len(set(poll.drain())) == 150


def test_the_rate_limit_window_stops_the_run_after_the_page(poll, rd):
    seed(rd, 150, NOW - 8000)
    rd.rate_limit = 1  # one page (the token endpoint is not counted): Remaining reaches 0
    report = poll.run("reddit", rd.base_url, config=one_query())
    assert report.stopped == "rate-limit-window" and report.queued == 100
    assert report.backoff_until is not None


def test_the_demo_seed_is_heard(poll, rd):
    rd.seed_demo()
    report = poll.run("reddit", rd.base_url)  # the demo config: acme, acmefail, r/acme
    assert (report.stopped, report.queries) == ("done", 3)
    keys = poll.drain()
    assert len(keys) == len(set(keys)) == 3
    assert sum(k.startswith("reddit:t1_") for k in keys) == 1
