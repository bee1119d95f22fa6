"""Bluesky through searchPosts: a fake PDS on loopback, the real store and ListenSecret."""

from __future__ import annotations

import json
import time

import pytest
from heard_local.fakes.bluesky import IDENTIFIER, PASSWORD, FakeBluesky

from heard.platforms._keys import at_uri_key

NOW = time.time()
CONFIG = """
sources:
  bluesky: {options: {lookback_hours: 24}}
brands:
  - name: Acme
    keywords: [acme]
    exclusions: ["acme acres"]
"""


@pytest.fixture
def bsky(poll, monkeypatch):
    # The app password from the env (as locally); the session Heard keeps goes to the
    # stack's ListenSecret in (moto's) Secrets Manager, as in AWS.
    monkeypatch.setenv("HEARD_BLUESKY_IDENTIFIER", IDENTIFIER)
    monkeypatch.setenv("HEARD_BLUESKY_APP_PASSWORD", PASSWORD)
    monkeypatch.delenv("HEARD_BLUESKY_ACCESS_JWT", raising=False)
    monkeypatch.delenv("HEARD_BLUESKY_REFRESH_JWT", raising=False)
    with FakeBluesky() as fake:
        yield fake


def listen_secret(poll) -> dict:
    client = poll.stack.client("secretsmanager")
    arn = poll.stack.refs["ListenSecret"]
    return json.loads(client.get_secret_value(SecretId=arn)["SecretString"])


def seed(fake: FakeBluesky, n: int, start: float, text: str = "Acme support is slow") -> list:
    return [fake.add_post(f"{text} #{i}", created_at=start + i) for i in range(n)]


def run(poll, fake, **kwargs):
    return poll.run("bluesky", fake.base_url, config=kwargs.pop("config", CONFIG), **kwargs)


def key(post: dict) -> str:
    """The mention key of a post: ``bluesky:<did>:<rkey>`` (its at:// URI, path-safe)."""
    return f"bluesky:{at_uri_key(post['uri'])}"


def test_first_run_stores_every_post_once_and_keeps_the_session(poll, bsky):
    angry = bsky.add_post(
        "Acme's router update bricked my network <b>again</b> & support hung up",
        handle="dana.bsky.social",
        name="Dana",
        created_at=NOW - 3600,
        likes=5,
        reposts=2,
        replies=1,
    )
    reply = bsky.add_post(
        "Same with my Acme mesh",
        handle="mo.bsky.social",
        created_at=NOW - 1800,
        reply_to=angry["uri"],
        langs=("en", "de"),
    )
    bsky.add_post("Nothing about the brand", created_at=NOW - 1700)

    report = run(poll, bsky)
    assert (report.stopped, report.queued, report.error) == ("done", 2, None)
    assert poll.deliver() == 2
    assert poll.stored("bluesky") == sorted([key(angry), key(reply)])
    rkey = angry["uri"].rsplit("/", 1)[-1]
    assert key(angry) == f"bluesky:{angry['author']['did']}:{rkey}"
    first = poll.record(key(angry))["mention"]
    assert first["text"] == angry["record"]["text"]  # plain text, used as it is
    assert first["url"] == f"https://bsky.app/profile/dana.bsky.social/post/{rkey}"
    assert first["author"]["handle"] == "dana.bsky.social" and first["engagement"] == 8
    second = poll.record(key(reply))["mention"]
    assert second["kind"] == "reply" and second["in_reply_to"] == at_uri_key(angry["uri"])
    assert second["lang"] == "en"

    # Logged in once; the session is in the ListenSecret for the next run.
    assert bsky.logins == 1
    kept = listen_secret(poll)
    assert kept["bluesky_access_jwt"].startswith("fake-access-")
    assert kept["bluesky_refresh_jwt"].startswith("fake-refresh-")

    again = run(poll, bsky)
    assert (again.stopped, again.queued, again.requests) == ("done", 0, 1)
    assert bsky.logins == 1  # the kept session was reused
    assert poll.deliver() == 0
    assert all(r["headers"]["user-agent"].startswith("Heard/") for r in bsky.requests)
    searches = bsky.received("searchPosts")
    assert all(r["query"]["sort"] == "latest" and r["query"]["since"] for r in searches)
    assert all(r["headers"]["authorization"].startswith("Bearer") for r in searches)


def test_new_posts_and_late_indexed_ones_are_picked_up_by_the_next_run(poll, bsky):
    seed(bsky, 3, NOW - 600)
    assert run(poll, bsky).queued == 3
    poll.drain()
    newer = bsky.add_post("Acme refund finally arrived", created_at=NOW - 60)
    # Created before the watermark, indexed only now: inside the overlap, still heard.
    late = bsky.add_post("Acme late one", created_at=NOW - 598.5, indexed_at=NOW)
    report = run(poll, bsky)
    assert (report.stopped, report.queued) == ("done", 2)
    keys = poll.drain()
    assert sorted(keys) == sorted([key(newer), key(late)])
    assert run(poll, bsky).queued == 0


def test_pages_are_followed_and_a_post_served_twice_is_queued_once(poll, bsky):
    posts = seed(bsky, 250, NOW - 5000)
    # The same post again where page one ends and page two begins (a post indexed twice).
    bsky.posts.append(dict(posts[150]))
    report = run(poll, bsky)
    assert report.stopped == "done" and report.queued == 250
    assert len(bsky.received("searchPosts")) == 3
    keys = poll.drain()
    assert len(keys) == len(set(keys)) == 250
    assert run(poll, bsky).queued == 0


def test_a_500_mid_walk_keeps_the_watermark_and_the_next_run_gets_everything(poll, bsky):
    seed(bsky, 250, NOW - 5000)
    bsky.fail(500, skip=2)  # createSession and page one answer; page two fails
    report = run(poll, bsky)
    assert report.stopped == "error" and "500" in report.error
    assert report.backoff_until is not None
    done = run(poll, bsky)
    assert done.stopped == "done" and done.queued == 250
    assert len(set(poll.drain())) == 250
    assert run(poll, bsky).queued == 0


def test_a_429_ends_the_run_politely_and_the_source_backs_off_as_asked(poll, bsky):
    seed(bsky, 5, NOW - 500)
    bsky.fail(429, retry_after=120)
    report = run(poll, bsky)
    assert report.stopped == "rate-limited" and report.requests == 1
    wait = report.backoff_until.timestamp() - time.time()
    assert 100 < wait <= 121
    skipped = run(poll, bsky, ignore_backoff=False)
    assert skipped.stopped == "backing-off" and skipped.requests == 0
    assert len(bsky.requests) == 1


def test_an_expired_access_token_is_refreshed_and_the_run_succeeds(poll, bsky):
    seed(bsky, 2, NOW - 500)
    assert run(poll, bsky).queued == 2
    old = listen_secret(poll)["bluesky_access_jwt"]
    bsky.expire_access()
    bsky.add_post("Acme again", created_at=NOW - 30)
    report = run(poll, bsky)
    assert (report.stopped, report.queued) == ("done", 1)
    assert (bsky.logins, bsky.refreshes) == (1, 1)  # refreshed, not logged in again
    assert listen_secret(poll)["bluesky_access_jwt"] not in (old, "")
    assert [r["status"] for r in bsky.requests[-3:]] == [400, 200, 200]


def test_a_refused_refresh_logs_in_again_and_a_refused_password_ends_as_auth_failed(
    poll, bsky, monkeypatch
):
    seed(bsky, 1, NOW - 500)
    assert run(poll, bsky).stopped == "done"
    bsky.expire_access()
    bsky.expire_refresh()
    assert run(poll, bsky).stopped == "done"
    assert bsky.logins == 2

    bsky.expire_access()
    bsky.expire_refresh()
    bsky.password = "changed-on-bsky-app"
    report = run(poll, bsky)
    assert report.stopped == "auth-failed" and "createSession" in report.error

    monkeypatch.delenv("HEARD_BLUESKY_APP_PASSWORD")
    poll.stack.client("secretsmanager").put_secret_value(
        SecretId=poll.stack.refs["ListenSecret"], SecretString="{}"
    )
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()
    missing = run(poll, bsky)
    assert missing.stopped == "auth-failed" and "app password" in missing.error


def test_the_budget_is_never_exceeded_and_is_reported(poll, bsky):
    seed(bsky, 250, NOW - 5000)
    config = CONFIG.replace("{options:", "{budget_per_day: 3, options:")
    report = run(poll, bsky, config=config)
    assert report.stopped == "budget"
    assert report.spent == 3 and report.spent_today == 3 and report.budget == 3
    assert len(bsky.requests) == 3  # createSession and two pages
    again = run(poll, bsky, config=config)
    assert again.stopped == "budget" and again.requests == 0
    assert len(bsky.requests) == 3


def test_exclusions_drop_what_is_about_something_else(poll, bsky):
    bsky.add_post("Lovely day at Acme Acres farm", created_at=NOW - 900)
    kept = bsky.add_post("Acme router died", created_at=NOW - 800)
    report = run(poll, bsky)
    assert report.excluded == 1
    assert poll.drain() == [key(kept)]


def test_the_demo_seed_is_heard(poll, bsky):
    bsky.seed_demo()
    report = poll.run("bluesky", bsky.base_url)  # the demo config
    assert report.stopped == "done" and report.queries == 3  # acme, #acme, #acmefail
    assert len(set(poll.drain())) == 3
