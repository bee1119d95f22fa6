"""X recent search: a fake X API v2 on loopback, the real store (and the webhook, for a Post
heard both ways)."""

from __future__ import annotations

import json
import time

import pytest
from heard_local import signing
from heard_local.fakes import x as fake_x
from heard_local.fakes.x import APP_TOKEN, FakeXApi

from heard.ingest.runs import load_source
from heard.platforms.x.poll import BEARER_TOKEN

NOW = time.time()
SEARCH = "/2/tweets/search/recent"

SMALL_PAGES = """
sources:
  x: {options: {max_results: 10}}
brands:
  - name: Acme
    keywords: [acme]
    platforms: [x]
"""


@pytest.fixture(autouse=True)
def bearer_token(monkeypatch):
    monkeypatch.setenv(BEARER_TOKEN.env_var, APP_TOKEN)


@pytest.fixture
def x():
    with FakeXApi() as fake:
        yield fake


def searches(fake: FakeXApi) -> list[dict]:
    return fake.received(SEARCH)


def seed(fake: FakeXApi, n: int, start: float, text: str = "Acme support is slow") -> list[str]:
    return [
        fake.add_post(f"{text} #{i}", f"user_{i}", 10 + i, created_at=start + i)["id"]
        for i in range(n)
    ]


def query_key(poll, config: str | None = None) -> str:
    heard = poll.config(config)
    brand = heard.brand("Acme")
    [query] = load_source("x").queries(brand, heard.source("x"))
    return query.key


def cursor(poll, config: str | None = None) -> dict:
    return dict(poll.state.cursor("x", "Acme", query_key(poll, config)).state)


def test_first_run_stores_every_post_once_and_a_second_run_stores_nothing(poll, x):
    angry = x.add_post(
        "@acme third blender this month, it trips the breaker. Refund me. #acmefail",
        "blender_bex",
        84_000,
        created_at=NOW - 3000,
        name="Bex Hale",
        verified=True,
        reply_to="2000000000000000001",
        likes=40,
        retweets=7,
        replies=3,
        quotes=1,
    )
    calm = x.add_post("The Acme kettle is quiet & quick", "tea_tom", 310, created_at=NOW - 2000)
    x.add_post("Lovely day at Acme Acres farm", "farm_fan", 12, created_at=NOW - 1900)
    x.add_post("RT @blender_bex: Acme refund me", "echo", 5, created_at=NOW - 1800, retweet_of="1")
    x.add_post("Nothing about the brand", "someone", 5, created_at=NOW - 1700)

    report = poll.run("x", x.base_url)
    assert (report.stopped, report.queued, report.error) == ("done", 2, None)
    assert poll.deliver() == 2
    assert poll.stored("x") == sorted([f"x:{angry['id']}", f"x:{calm['id']}"])
    mention = poll.record(f"x:{angry['id']}")["mention"]
    assert mention["url"] == f"https://x.com/blender_bex/status/{angry['id']}"
    assert mention["author"]["followers"] == 84_000
    assert mention["author"]["handle"] == "blender_bex"
    assert mention["author"]["name"] == "Bex Hale"
    assert mention["kind"] == "reply" and mention["in_reply_to"] == "2000000000000000001"
    assert mention["engagement"] == 51
    assert mention["lang"] == "en"
    assert mention["source"] == "x"
    assert poll.record(f"x:{calm['id']}")["mention"]["text"] == "The Acme kettle is quiet & quick"

    [first] = searches(x)
    sent = first["query"]
    assert sent["query"].endswith("-is:retweet") and '"acme"' in sent["query"]
    assert "since_id" not in sent and "start_time" in sent
    assert "public_metrics" in sent["tweet.fields"] and sent["expansions"] == "author_id"
    assert "public_metrics" in sent["user.fields"]
    assert first["headers"]["authorization"].startswith("Bearer ")
    assert cursor(poll) == {"since_id": calm["id"]}

    again = poll.run("x", x.base_url)
    assert (again.stopped, again.queued) == ("done", 0)
    assert searches(x)[-1]["query"]["since_id"] == calm["id"]
    assert poll.deliver() == 0
    assert len(poll.stored("x")) == 2
    assert all(r["headers"]["user-agent"].startswith("Heard/") for r in x.requests)


def test_new_posts_after_a_run_are_picked_up_by_the_next_run(poll, x):
    old = seed(x, 3, NOW - 4000)
    assert poll.run("x", x.base_url).queued == 3
    new = x.add_post("Acme delivery never arrived", "late_lou", 900, created_at=NOW - 10)
    report = poll.run("x", x.base_url)
    assert (report.stopped, report.queued) == ("done", 1)
    assert searches(x)[-1]["query"]["since_id"] == old[-1]
    assert poll.drain()[-1] == f"x:{new['id']}"
    assert cursor(poll) == {"since_id": new["id"]}


def test_pagination_walks_every_page_back_to_the_cursor(poll, x):
    ids = seed(x, 35, NOW - 5000)
    report = poll.run("x", x.base_url, config=SMALL_PAGES)
    assert (report.stopped, report.queued, report.pages) == ("done", 35, 4)
    sent = [r["query"] for r in searches(x)]
    assert [s.get("next_token") is not None for s in sent] == [False, True, True, True]
    assert all(s["max_results"] == "10" for s in sent)
    assert sorted(set(poll.drain())) == sorted(f"x:{i}" for i in ids)
    assert cursor(poll, SMALL_PAGES) == {"since_id": ids[-1]}


def test_an_edited_post_on_two_pages_is_one_mention(poll, x):
    original = x.add_post("Acme lost my parcel", "edit_ed", 50, created_at=NOW - 3000)
    seed(x, 9, NOW - 2000)
    x.add_post(
        "Acme lost my parcel (update: found, but damaged)",
        "edit_ed",
        50,
        created_at=NOW - 1000,
        edit_of=original["id"],
    )
    report = poll.run("x", x.base_url, config=SMALL_PAGES)
    assert (report.stopped, report.pages, report.queued) == ("done", 2, 11)
    assert poll.deliver() == 11
    stored = poll.stored("x")
    assert len(stored) == 10 and f"x:{original['id']}" in stored
    # The newest version came first and is the one kept.
    text = poll.record(f"x:{original['id']}")["mention"]["text"]
    assert text == "Acme lost my parcel (update: found, but damaged)"


def test_a_500_mid_walk_keeps_since_id_and_the_next_run_resumes(poll, x):
    first = seed(x, 3, NOW - 9000)
    assert poll.run("x", x.base_url, config=SMALL_PAGES).stopped == "done"
    assert poll.drain() and cursor(poll, SMALL_PAGES) == {"since_id": first[-1]}

    ids = seed(x, 25, NOW - 5000, text="Acme billing is wrong")
    x.fail(500, skip=1)  # the second page
    report = poll.run("x", x.base_url, config=SMALL_PAGES)
    assert report.stopped == "error" and "500" in report.error
    assert report.backoff_until is not None
    state = cursor(poll, SMALL_PAGES)
    assert state["since_id"] == first[-1]  # not moved by a walk that did not finish
    assert state["walk"]["newest_id"] == ids[-1]
    assert report.spent == 10  # the failed request is given back: X bills no Post for it

    done = poll.run("x", x.base_url, config=SMALL_PAGES)
    assert done.stopped == "done" and done.queued == 15
    resumed = searches(x)[-2]["query"]  # the first request of the run (two pages)
    assert resumed["since_id"] == first[-1] and resumed["until_id"] == ids[15]
    assert sorted(set(poll.drain())) == sorted(f"x:{i}" for i in ids)
    assert cursor(poll, SMALL_PAGES) == {"since_id": ids[-1]}
    assert poll.run("x", x.base_url, config=SMALL_PAGES).queued == 0


def test_an_exhausted_rate_limit_window_stops_after_the_page(poll, x, monkeypatch):
    monkeypatch.setitem(fake_x.LIMITS, "search", 2)
    ids = seed(x, 35, NOW - 5000)
    report = poll.run("x", x.base_url, config=SMALL_PAGES)
    assert (report.stopped, report.queued, report.requests) == ("rate-limit-window", 20, 2)
    assert 0 < report.backoff_until.timestamp() - time.time() <= 901
    assert cursor(poll, SMALL_PAGES)["walk"]["until_id"] == ids[15]
    monkeypatch.setitem(fake_x.LIMITS, "search", 450)
    rest = poll.run("x", x.base_url, config=SMALL_PAGES)
    assert (rest.stopped, rest.queued) == ("done", 15)
    assert sorted(set(poll.drain())) == sorted(f"x:{i}" for i in ids)


def test_a_429_ends_the_run_and_the_source_backs_off_as_asked(poll, x):
    seed(x, 5, NOW - 500)
    x.fail(429, retry_after=120)
    report = poll.run("x", x.base_url)
    assert report.stopped == "rate-limited" and report.requests == 1
    assert report.spent == 0
    wait = report.backoff_until.timestamp() - time.time()
    assert 100 < wait <= 121
    skipped = poll.run("x", x.base_url, ignore_backoff=False)
    assert skipped.stopped == "backing-off" and skipped.requests == 0
    assert len(x.requests) == 1
    assert poll.drain() == []


def test_a_429_without_retry_after_waits_for_x_rate_limit_reset(poll, x):
    x.fail(429)  # the fake's reset: 15 minutes from now, as X's window
    report = poll.run("x", x.base_url)
    assert report.stopped == "rate-limited"
    wait = report.backoff_until.timestamp() - time.time()
    assert 800 < wait <= 901


def test_a_refused_bearer_token_ends_as_auth_failed_and_alerts(poll, x, capture_topic, monkeypatch):
    ops = capture_topic("OpsTopic")
    monkeypatch.setenv(BEARER_TOKEN.env_var, "revoked-token")
    report = poll.run("x", x.base_url)
    assert report.stopped == "auth-failed" and "401" in report.error
    assert report.spent == 0
    [message] = [d.message for d in ops.drain(quiet_s=1.0)]
    assert "Polling x has failed 1 run(s)" in message


def test_a_missing_bearer_token_ends_as_auth_failed_without_a_request(poll, x, monkeypatch):
    monkeypatch.delenv(BEARER_TOKEN.env_var)
    monkeypatch.delenv(BEARER_TOKEN.name_env_var, raising=False)
    report = poll.run("x", x.base_url)
    assert report.stopped == "auth-failed" and BEARER_TOKEN.env_var in report.error
    assert report.requests == 0 and x.requests == []


def test_the_budget_in_post_reads_is_never_exceeded(poll, x):
    seed(x, 60, NOW - 5000)
    config = """
sources:
  x: {budget_per_day: 25}
brands:
  - name: Acme
    keywords: [acme]
    platforms: [x]
"""
    report = poll.run("x", x.base_url, config=config)
    assert report.stopped == "budget"
    assert report.spent == 25 and report.spent_today == 25 and report.budget == 25
    [sent] = searches(x)
    assert sent["query"]["max_results"] == "25"  # never more than the budget has left
    assert report.queued == 25
    again = poll.run("x", x.base_url, config=config)
    assert again.stopped == "budget" and again.requests == 0
    assert len(searches(x)) == 1


def test_unread_reservations_are_given_back(poll, x):
    seed(x, 5, NOW - 500)
    config = """
sources:
  x: {budget_per_day: 40}
brands:
  - name: Acme
    keywords: [acme]
    platforms: [x]
"""
    report = poll.run("x", x.base_url, config=config)
    assert (report.stopped, report.spent, report.spent_today) == ("done", 5, 5)
    assert searches(x)[0]["query"]["max_results"] == "40"
    again = poll.run("x", x.base_url, config=config)
    assert (again.stopped, again.spent, again.spent_today) == ("done", 0, 5)
    assert searches(x)[1]["query"]["max_results"] == "35"


def test_a_brand_whose_terms_outgrow_one_query_gets_several(poll, x):
    keywords = [f"acme product line {i:02d}" for i in range(30)]
    config = json.dumps(
        {
            "sources": {"x": {"options": {"max_query_length": 512}}},
            "brands": [{"name": "Acme", "keywords": keywords, "platforms": ["x"]}],
        }
    )
    x.add_post("My acme product line 07 arrived broken", "owner", 10, created_at=NOW - 60)
    x.add_post("acme product line 29 is brilliant", "fan", 10, created_at=NOW - 50)
    report = poll.run("x", x.base_url, config=config)
    assert report.queries > 1 and report.stopped == "done" and report.queued == 2
    assert all(len(r["query"]["query"]) <= 512 for r in searches(x))


def test_a_post_heard_by_the_webhook_and_by_search_is_one_mention(poll, x, call_api):
    post = x.add_post(
        "@acme the replacement blender trips the breaker too. Full refund please.",
        "dana_reviews",
        84_000,
        created_at=NOW - 600,
        name="Dana Whitfield",
        verified=True,
        likes=57,
        retweets=12,
    )
    author = x.users[post["author_id"]]
    delivery = {
        "data": post,
        "includes": {"users": [author]},
        "matching_rules": [{"id": "1862000000000000001", "tag": "heard:Acme"}],
    }
    body = json.dumps(delivery).encode()
    response = call_api("POST", "/webhooks/x", body, signing.x_headers(body))
    assert response.status == 200 and json.loads(response.body) == {"accepted": 1}
    assert poll.deliver() == 1

    report = poll.run("x", x.base_url)
    assert report.queued == 1
    assert poll.deliver() == 1
    assert poll.stored("x") == [f"x:{post['id']}"]
    mention = poll.record(f"x:{post['id']}")["mention"]
    assert mention["author"]["followers"] == 84_000
    assert mention["url"] == f"https://x.com/dana_reviews/status/{post['id']}"
