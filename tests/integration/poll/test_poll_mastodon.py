"""Mastodon hashtag timelines and status search: fake instances on loopback, the real store."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from heard_local.fakes.mastodon import TOKEN, FakeMastodon

from heard.platforms._keys import activitypub_key

NOW = time.time()
CONFIG = """
sources:
  mastodon: {}
brands:
  - name: Acme
    hashtags: [acme]
    keywords: [acme]
    exclusions: ["acme acres"]
"""


@pytest.fixture
def masto(poll, monkeypatch):
    monkeypatch.delenv("HEARD_MASTODON_TOKEN", raising=False)  # no token: hashtags only
    with FakeMastodon() as fake:
        yield fake


def seed(fake: FakeMastodon, n: int, start: float, text: str = "Acme support is slow") -> list:
    return [fake.add_status(f"<p>{text} {i} #acme</p>", created_at=start + i) for i in range(n)]


def run(poll, fake, **kwargs):
    return poll.run("mastodon", fake.base_url, config=kwargs.pop("config", CONFIG), **kwargs)


def key(status: dict) -> str:
    """The mention key of a status: ``mastodon:<host>:<id>`` (its URI, path-safe)."""
    return f"mastodon:{activitypub_key(status['uri'])}"


def test_first_run_stores_every_status_once_as_text_and_a_second_run_stores_nothing(poll, masto):
    angry = masto.add_status(
        '<p>Two weeks waiting on an <a href="https://m.example/tags/acme" class="hashtag">'
        "#<span>acme</span></a> refund &amp; <b>nothing</b>.<br>"
        '<a href="https://example.org/proof">proof</a></p><script>alert(1)</script>',
        acct="riverbank@fosstodon.example",
        name="River",
        followers=2300,
        created_at=NOW - 3000,
        tags=("acme",),
        favourites=5,
        reblogs=2,
        replies=1,
    )
    reply = masto.add_status(
        "<p>Same here #acme</p>", acct="mo", created_at=NOW - 2000, in_reply_to_id=angry["id"]
    )
    masto.add_status("<p>Cats #caturday</p>", created_at=NOW - 1000)

    report = run(poll, masto)
    assert (report.stopped, report.queued, report.error) == ("done", 2, None)
    assert poll.deliver() == 2
    assert poll.stored("mastodon") == sorted([key(angry), key(reply)])
    assert key(angry) == f"mastodon:mastodon.example:{angry['id']}"
    first = poll.record(key(angry))["mention"]
    assert first["text"] == "Two weeks waiting on an #acme refund & nothing.\nproof"
    assert first["url"] == angry["url"]
    assert first["author"]["handle"] == "riverbank@fosstodon.example"
    assert first["author"]["followers"] == 2300 and first["engagement"] == 8
    second = poll.record(key(reply))["mention"]
    assert second["kind"] == "reply" and second["in_reply_to"] == angry["id"]

    again = run(poll, masto)
    assert (again.stopped, again.queued, again.requests) == ("done", 0, 1)
    assert poll.deliver() == 0
    assert all(r["headers"]["user-agent"].startswith("Heard/") for r in masto.requests)
    assert masto.requests[-1]["query"]["min_id"] == reply["id"]
    assert not masto.received("/api/v2/search")  # no token: no status search
    assert all("authorization" not in r["headers"] for r in masto.requests)


def test_scripts_never_survive_and_a_content_warning_is_kept(poll, masto):
    status = masto.add_status(
        '<p>Acme <img src=x onerror="alert(1)">refund &lt;b&gt;never&lt;/b&gt; came</p>'
        "<script>document.cookie</script><p>#acme</p>",
        spoiler_text="money rant",
        created_at=NOW - 60,
    )
    run(poll, masto)
    poll.deliver()
    text = poll.record(key(status))["mention"]["text"]
    assert text == "money rant\n\nAcme refund <b>never</b> came\n#acme"


def test_new_statuses_are_picked_up_across_pages_and_a_reblog_is_one_mention(poll, masto):
    seed(masto, 1, NOW - 5000)
    assert run(poll, masto).queued == 1
    poll.drain()
    added = seed(masto, 95, NOW - 4000)
    # A boost of a status already served on the first page, served again on the third.
    masto.add_status("", reblog_of=added[3], created_at=NOW - 10)
    report = run(poll, masto)
    assert report.stopped == "done" and report.pages == 3  # 40, 40, 16
    keys = poll.drain()
    assert sorted(set(keys)) == sorted(key(s) for s in added)
    assert len(keys) == 95  # the boost was not queued again in the same walk
    min_ids = [r["query"].get("min_id") for r in masto.received("/timelines/tag/")]
    assert len(min_ids) == 4 and min_ids[0] is None and all(min_ids[1:])
    assert run(poll, masto).queued == 0


def test_a_500_mid_walk_loses_nothing_and_the_next_run_finishes(poll, masto):
    seed(masto, 1, NOW - 5000)
    run(poll, masto)
    poll.drain()
    added = seed(masto, 95, NOW - 4000)
    masto.fail(500, skip=1)
    report = run(poll, masto)
    assert report.stopped == "error" and "500" in report.error
    assert report.backoff_until is not None
    done = run(poll, masto)
    assert done.stopped == "done"
    assert sorted(set(poll.drain())) == sorted(key(s) for s in added)


def test_a_429_ends_the_run_politely_and_the_source_backs_off_as_asked(poll, masto):
    seed(masto, 3, NOW - 500)
    masto.fail(429, retry_after=120)
    report = run(poll, masto)
    assert report.stopped == "rate-limited" and report.requests == 1
    wait = report.backoff_until.timestamp() - time.time()
    assert 100 < wait <= 121
    skipped = run(poll, masto, ignore_backoff=False)
    assert skipped.stopped == "backing-off" and skipped.requests == 0
    assert len(masto.requests) == 1


def test_the_iso_rate_limit_reset_is_honoured_when_the_window_is_spent(poll, masto):
    seed(masto, 3, NOW - 500)
    masto.remaining = 1  # the next answer says 0 are left, reset in five minutes (ISO 8601)
    report = run(poll, masto)
    assert report.stopped == "rate-limit-window" and report.queued == 3
    # X-RateLimit-Reset is an ISO 8601 time: the source waits until it.
    wait = report.backoff_until - datetime.now(UTC)
    assert 250 < wait.total_seconds() <= 300


def test_status_search_runs_with_a_token_and_a_refused_token_ends_as_auth_failed(
    poll, masto, monkeypatch
):
    monkeypatch.setenv("HEARD_MASTODON_TOKEN", TOKEN)
    untagged = masto.add_status("<p>acme billing charged me twice</p>", created_at=NOW - 50)
    report = run(poll, masto)
    assert report.stopped == "done" and report.queries == 3  # #acme, search acme and #acme
    searches = masto.received("/api/v2/search")
    assert searches and all(r["headers"]["authorization"] == "Bearer …oken" for r in searches)
    assert {r["query"]["type"] for r in searches} == {"statuses"}
    assert key(untagged) in poll.drain()

    masto.token = "rotated-on-the-instance"
    refused = run(poll, masto)
    assert refused.stopped == "auth-failed" and "401" in refused.error


def test_each_instance_has_its_own_cursor(poll, masto):
    with FakeMastodon() as other:
        other.domain = "other.example"
        here = seed(masto, 2, NOW - 500)
        there = seed(other, 2, NOW - 400)
        config = (
            CONFIG + f"    listen:\n      mastodon: {{instances: [{masto.url}, {other.url}]}}\n"
        )
        report = poll.run("mastodon", None, config=config)
        # A tag timeline on each instance; the search queries wait for a token.
        assert report.stopped == "done" and report.queries == 4 and report.queued == 4
        assert sorted(poll.drain()) == sorted(key(s) for s in here + there)
        assert len(masto.requests) == len(other.requests) == 1
        again = poll.run("mastodon", None, config=config)
        assert again.queued == 0
        assert masto.requests[-1]["query"]["min_id"] == here[-1]["id"]
        assert other.requests[-1]["query"]["min_id"] == there[-1]["id"]


def test_the_budget_is_never_exceeded_and_is_reported(poll, masto):
    seed(masto, 1, NOW - 5000)
    run(poll, masto)
    poll.drain()
    seed(masto, 120, NOW - 4000)
    config = CONFIG.replace("mastodon: {}", "mastodon: {budget_per_day: 3}")
    report = run(poll, masto, config=config)
    assert report.stopped == "budget"
    assert report.spent == 2 and report.spent_today == 3 and report.budget == 3
    assert len(masto.requests) == 1 + 2  # the first run's page, then two of this run
    again = run(poll, masto, config=config)
    assert again.stopped == "budget" and again.requests == 0


def test_the_demo_seed_is_heard(poll, masto):
    masto.seed_demo()
    report = poll.run("mastodon", masto.base_url)
    assert report.stopped == "done" and report.queued == 2
    assert len(set(poll.drain())) == 2
