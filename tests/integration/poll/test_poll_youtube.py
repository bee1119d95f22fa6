"""YouTube comment threads: a fake YouTube Data API v3 on loopback, the real store."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from heard_local.fakes.youtube import DEMO_CHANNEL, LOCAL_KEY, FakeYouTube

from heard.platforms.youtube.poll import until_pacific_midnight

NOW = time.time()
VIDEO = "vidBrandNew1"


def config(budget: int | None = None, videos: tuple[str, ...] = ()) -> str:
    budget_line = f", budget_per_day: {budget}" if budget else ""
    video_line = f"\n        video_ids: [{', '.join(videos)}]" if videos else ""
    return f"""
sources:
  youtube: {{every_minutes: 15{budget_line}}}
brands:
  - name: Acme
    keywords: [acme]
    exclusions: ["acme acres"]
    listen:
      youtube:
        channel_ids: [{DEMO_CHANNEL}]{video_line}
"""


@pytest.fixture
def yt(monkeypatch):
    monkeypatch.setenv("HEARD_YOUTUBE_API_KEY", LOCAL_KEY)
    with FakeYouTube() as fake:
        yield fake


def seed(fake: FakeYouTube, n: int, start: float, text: str = "Acme support is slow") -> None:
    for i in range(n):
        fake.add_comment(f"{text} #{i}", published=start + i, comment_id=f"Ugx{int(start)}{i:05d}")


def test_first_run_stores_every_comment_once_and_a_second_run_stores_nothing(poll, yt):
    yt.seed_demo(NOW)
    report = poll.run("youtube", yt.base_url)  # the demo config: the Acme channel
    assert (report.stopped, report.queued, report.error) == ("done", 3, None)
    assert report.requests == 1 and report.spent == 1 and report.unit == "quota units"
    assert poll.deliver() == 3
    stored = poll.stored("youtube")
    assert len(stored) == 3
    angry = next(
        t
        for t in yt.threads
        if "furious" in t["snippet"]["topLevelComment"]["snippet"]["textOriginal"]
    )
    mention = poll.record(f"youtube:{angry['id']}")["mention"]
    assert mention["url"] == f"https://www.youtube.com/watch?v=acmeX200rev&lc={angry['id']}"
    assert mention["kind"] == "comment" and int(mention["engagement"]) == 61
    assert mention["author"]["handle"] == "@gadget_greg"
    query = yt.requests[0]["query"]
    assert query["allThreadsRelatedToChannelId"] == DEMO_CHANNEL
    assert (query["order"], query["maxResults"], query["part"]) == ("time", "100", "snippet")
    assert query["key"] == LOCAL_KEY

    again = poll.run("youtube", yt.base_url)
    assert (again.stopped, again.queued) == ("done", 0)
    assert poll.deliver() == 0
    assert len(poll.stored("youtube")) == 3
    assert all(r["headers"]["user-agent"].startswith("Heard/") for r in yt.requests)


def test_new_comments_are_picked_up_by_the_next_run(poll, yt):
    seed(yt, 3, NOW - 3000)
    assert poll.run("youtube", yt.base_url, config=config()).queued == 3
    seed(yt, 2, NOW - 100, text="Acme refund finally came")
    report = poll.run("youtube", yt.base_url, config=config())
    assert report.queued == 2 and report.requests == 1
    assert len(set(poll.drain())) == 5


def test_pagination_walks_back_to_the_watermark_and_no_further(poll, yt):
    seed(yt, 250, NOW - 20_000)
    first = poll.run("youtube", yt.base_url, config=config())
    assert first.stopped == "done" and first.queued == 250 and first.requests == 3
    assert len(set(poll.drain())) == 250
    seed(yt, 120, NOW - 5000, text="Acme again")
    second = poll.run("youtube", yt.base_url, config=config())
    assert second.queued == 120 and second.requests == 2  # stops on the page with old ones
    assert len(set(poll.drain())) == 120


def test_a_comment_served_on_two_pages_is_one_mention(poll, yt):
    seed(yt, 150, NOW - 9000)
    original = yt.handle

    def shifting(request):
        # As an offset shifted by a new comment would: page two starts with one already served.
        answer = original(request)
        if request.query.get("pageToken") and isinstance(answer.body, dict):
            answer.body = {**answer.body, "items": [yt.threads[100], *answer.body["items"]]}
        return answer

    yt.handle = shifting  # type: ignore[method-assign]
    report = poll.run("youtube", yt.base_url, config=config())
    assert report.stopped == "done" and report.requests == 2
    assert len(yt.requests[1]["response"]["items"]) == 51  # one of them served before
    assert report.queued == 150
    keys = poll.drain()
    assert len(keys) == len(set(keys)) == 150


def test_comments_with_html_in_text_display_only_become_text(poll, yt):
    thread = yt.add_comment("placeholder", published=NOW - 60, comment_id="UgxHtml1")
    snippet = thread["snippet"]["topLevelComment"]["snippet"]
    snippet["textOriginal"] = ""
    snippet["textDisplay"] = (
        'Acme <b>broke</b><br><script>alert(1)</script><a href="https://x.example">x</a>'
    )
    poll.run("youtube", yt.base_url, config=config())
    poll.deliver()
    text = poll.record("youtube:UgxHtml1")["mention"]["text"]
    assert "<" not in text and "script" not in text and text.startswith("Acme broke")


def test_a_500_mid_walk_loses_nothing_and_the_next_run_finishes(poll, yt):
    seed(yt, 250, NOW - 20_000)
    yt.fail(500, skip=1)  # the second page
    report = poll.run("youtube", yt.base_url, config=config())
    assert report.stopped == "error" and "500" in report.error
    assert report.queued == 100
    cursor = poll.state.cursor("youtube", "Acme", f"channel:{DEMO_CHANNEL}").state
    assert cursor.get("mark") is None and cursor["walk"]["token"]  # watermark not moved
    done = poll.run("youtube", yt.base_url, config=config())
    assert done.stopped == "done" and done.queued == 150 and done.requests == 2
    assert len(set(poll.drain())) == 250
    assert poll.run("youtube", yt.base_url, config=config()).queued == 0


def test_a_stale_page_token_restarts_the_walk(poll, yt):
    seed(yt, 150, NOW - 9000)
    yt.fail(500, skip=1)
    poll.run("youtube", yt.base_url, config=config())
    yt.fail(400, message="invalidPageToken")
    done = poll.run("youtube", yt.base_url, config=config())
    assert done.stopped == "done"
    assert len(set(poll.drain())) == 150


def test_a_429_ends_the_run_politely_and_the_source_backs_off_as_asked(poll, yt):
    seed(yt, 10, NOW - 5000)
    yt.fail(429, retry_after=120)
    report = poll.run("youtube", yt.base_url, config=config())
    assert report.stopped == "rate-limited" and report.requests == 1
    wait = report.backoff_until.timestamp() - time.time()
    assert 100 < wait <= 121
    skipped = poll.run("youtube", yt.base_url, config=config(), ignore_backoff=False)
    assert skipped.stopped == "backing-off" and skipped.requests == 0
    assert len(yt.requests) == 1


def test_a_spent_quota_backs_off_until_midnight_pacific(poll, yt):
    seed(yt, 10, NOW - 5000)
    yt.fail(403, message="quotaExceeded")
    report = poll.run("youtube", yt.base_url, config=config())
    assert report.stopped == "rate-limited"
    expected = datetime.now(UTC) + until_pacific_midnight(datetime.now(UTC))
    assert abs((report.backoff_until - expected).total_seconds()) < 60


def test_a_refused_key_ends_as_auth_failed_and_alerts(poll, yt, monkeypatch, capture_topic):
    ops = capture_topic("OpsTopic")
    monkeypatch.setenv("HEARD_YOUTUBE_API_KEY", "not-the-key")
    seed(yt, 2, NOW - 500)
    report = poll.run("youtube", yt.base_url, config=config())
    assert report.stopped == "auth-failed" and "keyInvalid" in report.error
    assert any("youtube is failing" in d.subject for d in ops.drain(quiet_s=1.0))


def test_a_missing_key_ends_as_auth_failed(poll, yt, monkeypatch):
    monkeypatch.delenv("HEARD_YOUTUBE_API_KEY")
    monkeypatch.delenv("LISTEN_SECRET_NAME", raising=False)
    report = poll.run("youtube", yt.base_url, config=config())
    assert report.stopped == "auth-failed" and report.requests == 0


def test_a_video_with_comments_disabled_is_skipped(poll, yt):
    yt.comments_disabled.add("vidClosed")
    yt.add_comment("Acme on a new video", video_id=VIDEO, published=NOW - 60)
    report = poll.run("youtube", yt.base_url, config=config(videos=("vidClosed", VIDEO)))
    assert report.stopped == "done" and report.queries == 3
    assert report.queued == 2  # the channel's thread and the same one by its video: one key
    assert len(set(poll.drain())) == 1


def test_the_budget_is_never_exceeded_and_is_reported(poll, yt):
    seed(yt, 250, NOW - 20_000)
    report = poll.run("youtube", yt.base_url, config=config(budget=2))
    assert report.stopped == "budget"
    assert (report.spent, report.spent_today, report.budget) == (2, 2, 2)
    assert len(yt.requests) == 2
    again = poll.run("youtube", yt.base_url, config=config(budget=2))
    assert again.stopped == "budget" and again.requests == 0
    assert len(yt.requests) == 2
