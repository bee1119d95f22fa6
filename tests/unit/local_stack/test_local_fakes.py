"""The fake X API and Meta Graph: validation in the platforms' shapes, rate-limit and usage
headers, the request record, failure injection over HTTP, and the console callback."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import httpx
import pytest
from heard_local.fakes import FakeMetaGraph, FakeSlack, FakeTeams, FakeXApi, PlatformFakes
from heard_local.fakes.slack import BOT_TOKEN, CHANNEL_ID

from heard import platforms

AUTH = {"Authorization": "Bearer token-1234"}


@pytest.fixture
def lines() -> list[tuple[str, str]]:
    return []


@pytest.fixture
def x(lines) -> Iterator[FakeXApi]:
    with FakeXApi(on_reply=lambda label, line: lines.append((label, line))) as fake:
        yield fake  # type: ignore[misc]


@pytest.fixture
def meta(lines) -> Iterator[FakeMetaGraph]:
    with FakeMetaGraph(on_reply=lambda label, line: lines.append((label, line))) as fake:
        yield fake  # type: ignore[misc]


REPLY = {"text": "On it!", "reply": {"in_reply_to_tweet_id": "1849"}}


def test_x_reply_is_created_with_rate_limit_headers_and_printed(x, lines):
    response = httpx.post(f"{x.url}/2/tweets", json=REPLY, headers=AUTH)
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["text"] == "On it!" and data["edit_history_tweet_ids"] == [data["id"]]
    assert response.headers["x-rate-limit-limit"] == "100"
    assert response.headers["x-rate-limit-remaining"] == "99"
    assert int(response.headers["x-rate-limit-reset"]) > 0
    assert lines == [("X", f"reply {data['id']} to post 1849: 'On it!'")]


def test_x_validates_like_x(x, lines):
    no_auth = httpx.post(f"{x.url}/2/tweets", json=REPLY)
    assert no_auth.status_code == 401
    assert no_auth.json() == {
        "title": "Unauthorized",
        "detail": "Unauthorized",
        "type": "about:blank",
        "status": 401,
    }
    not_a_reply = httpx.post(f"{x.url}/2/tweets", json={"text": "hello"}, headers=AUTH)
    assert not_a_reply.status_code == 400
    body = not_a_reply.json()
    assert body["type"] == "https://api.twitter.com/2/problems/invalid-request"
    assert "reply.in_reply_to_tweet_id" in body["errors"][0]["parameters"]
    empty_dm = httpx.post(f"{x.url}/2/dm_conversations/with/42/messages", json={}, headers=AUTH)
    assert empty_dm.status_code == 400
    assert lines == []  # nothing was accepted


def test_every_request_is_recorded_and_served(x):
    httpx.post(f"{x.url}/2/tweets", json=REPLY, headers=AUTH)
    httpx.post(f"{x.url}/2/tweets", json={"text": "no target"}, headers=AUTH)
    record = httpx.get(f"{x.url}/_heard/requests").json()["requests"]
    assert [(r["path"], r["status"]) for r in record] == [("/2/tweets", 201), ("/2/tweets", 400)]
    assert record[0]["body"] == REPLY
    assert record[0]["headers"]["authorization"] == "Bearer …1234"  # the token is not kept
    assert httpx.delete(f"{x.url}/_heard/requests").status_code == 200
    assert httpx.get(f"{x.url}/_heard/requests").json()["requests"] == []


def test_failures_injected_over_http_hit_the_next_requests_only(x):
    spec = {"status": 429, "times": 2, "retry_after": 30}
    assert httpx.post(f"{x.url}/_heard/fail", json=spec).status_code == 200
    first = httpx.post(f"{x.url}/2/tweets", json=REPLY, headers=AUTH)
    second = httpx.post(f"{x.url}/2/tweets", json=REPLY, headers=AUTH)
    third = httpx.post(f"{x.url}/2/tweets", json=REPLY, headers=AUTH)
    assert [first.status_code, second.status_code, third.status_code] == [429, 429, 201]
    assert first.headers["retry-after"] == "30"
    assert first.headers["x-rate-limit-remaining"] == "0"
    assert first.json()["title"] == "Too Many Requests"
    assert [r["injected"] for r in x.received()] == [True, True, False]


def test_a_malformed_failure_is_refused(x):
    assert httpx.post(f"{x.url}/_heard/fail", json={"times": 2}).status_code == 400
    assert httpx.post(f"{x.url}/_heard/fail", json={"status": 200}).status_code == 400


def test_x_token_refresh_rotates_the_refresh_token(x):
    form = {"grant_type": "refresh_token", "refresh_token": "r-1", "client_id": "c"}
    first = httpx.post(f"{x.url}/2/oauth2/token", data=form)
    assert first.status_code == 200
    assert first.json()["expires_in"] == 7200 and "dm.write" in first.json()["scope"]
    assert httpx.post(f"{x.url}/2/oauth2/token", data=form).status_code == 400


def test_meta_comment_reply_with_usage_headers_and_any_version(meta, lines):
    response = httpx.post(
        f"{meta.url}/v25.0/111_222/comments", json={"message": "Hi"}, headers=AUTH
    )
    assert response.status_code == 200
    assert response.json()["id"].startswith("111_222_")
    assert json.loads(response.headers["X-App-Usage"])["call_count"] >= 1
    usage = json.loads(response.headers["X-Business-Use-Case-Usage"])
    assert usage["2000000001"][0]["type"] == "pages"
    unversioned = httpx.post(f"{meta.url}/17890/replies", data={"message": "Hi"}, headers=AUTH)
    assert unversioned.status_code == 200
    assert [label for label, _ in lines] == ["Meta", "Meta"]


def test_meta_validates_like_graph(meta):
    no_token = httpx.post(f"{meta.url}/v25.0/111_222/comments", json={"message": "Hi"})
    assert no_token.status_code == 400
    assert no_token.json()["error"]["code"] == 190
    assert no_token.json()["error"]["fbtrace_id"]
    no_type = httpx.post(
        f"{meta.url}/v25.0/2000000001/messages",
        json={"recipient": {"id": "7"}, "message": {"text": "Hi"}},
        headers=AUTH,
    )
    assert no_type.status_code == 400
    assert "messaging_type" in no_type.json()["error"]["message"]
    token_in_query = httpx.post(
        f"{meta.url}/v25.0/me/messages",
        params={"access_token": "t"},
        data={
            "recipient": json.dumps({"id": "7"}),
            "messaging_type": "RESPONSE",
            "message": json.dumps({"text": "Hi"}),
        },
    )
    assert token_in_query.status_code == 200
    assert token_in_query.json()["recipient_id"] == "7"


def test_meta_injected_rate_limit_carries_the_wait_in_usage(meta):
    httpx.post(f"{meta.url}/_heard/fail", json={"status": 429, "retry_after": 120, "code": 32})
    response = httpx.post(f"{meta.url}/v25.0/1_2/comments", json={"message": "Hi"}, headers=AUTH)
    assert response.status_code == 429
    assert response.json()["error"]["code"] == 32
    usage = json.loads(response.headers["X-Business-Use-Case-Usage"])
    assert usage["2000000001"][0]["estimated_time_to_regain_access"] == 2


def test_platform_fakes_print_replies_and_name_their_urls():
    out = io.StringIO()
    fakes = PlatformFakes(out=out).start()
    try:
        sources = {name: fake.url for name, fake in fakes.sources.items()}
        assert fakes.urls() == {
            "x": fakes.x.url,
            "meta": fakes.meta.url,
            "slack": fakes.slack.url,
            "teams": fakes.teams.url,
            **sources,
        }
        # The alert channels' secrets point the notifier at the fake Slack and Teams.
        secret = json.loads(fakes.environment()["HEARD_ALERTS_SECRET"])
        assert secret["slack_care_webhook"] == fakes.slack.webhook_url
        assert secret["teams_crisis_webhook"] == fakes.teams.webhook_url
        assert fakes.environment()["HEARD_SLACK_API_URL"] == fakes.slack.api_url
        assert set(sources) == set(platforms.SOURCES) - {"x"}  # X search: the X fake
        assert fakes.environment()["HEARD_X_API_URL"] == fakes.x.url
        poll_urls = json.loads(fakes.environment()["HEARD_POLL_URLS"])
        assert poll_urls["x"] == fakes.x.base_url
        assert poll_urls["hackernews"] == fakes.sources["hackernews"].base_url
        # Each fake serves its demo posts: Hacker News answers a search with Acme's.
        found = httpx.get(
            f"{poll_urls['hackernews']}/search_by_date", params={"query": "acme"}
        ).json()
        assert found["nbHits"] == 3
        httpx.post(f"{fakes.x.url}/2/tweets", json=REPLY, headers=AUTH)
    finally:
        fakes.stop()
    assert "reply  X     reply " in out.getvalue()
    with pytest.raises(httpx.ConnectError):
        httpx.post(f"{fakes.x.url}/2/tweets", json=REPLY, headers=AUTH)


def test_the_fake_slack_answers_as_slack_does():
    with FakeSlack() as slack:
        good = {
            "text": "hi",
            "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}],
        }
        assert httpx.post(slack.webhook_url, json={"text": "hi"}).text == "ok"
        refused = httpx.post(slack.webhook_url, json=good)
        assert (refused.status_code, refused.text) == (400, "invalid_payload")
        unknown = httpx.post(f"{slack.url}/services/T1/B1/nope", json={"text": "hi"})
        assert (unknown.status_code, unknown.text) == (404, "no_service")
        api = f"{slack.api_url}/chat.postMessage"
        token = {"Authorization": f"Bearer {BOT_TOKEN}"}
        posted = httpx.post(api, json={"channel": CHANNEL_ID, "text": "hi"}, headers=token).json()
        assert posted["ok"] is True and posted["ts"]
        lost = httpx.post(api, json={"channel": "C404", "text": "hi"}, headers=token)
        assert lost.status_code == 200 and lost.json() == {
            "ok": False,
            "error": "channel_not_found",
        }
        httpx.post(f"{slack.url}/_heard/fail", json={"status": 429, "retry_after": 7})
        limited = httpx.post(api, json={"channel": CHANNEL_ID, "text": "hi"}, headers=token)
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "7"
        assert limited.json() == {"ok": False, "error": "ratelimited"}


def test_the_fake_teams_takes_adaptive_cards_with_202():
    with FakeTeams() as teams:
        card = {
            "type": "message",
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "content": {"type": "AdaptiveCard", "version": "1.4", "body": []},
                }
            ],
        }
        assert httpx.post(teams.webhook_url, json=card).status_code == 202
        assert httpx.post(teams.webhook_url, json={"text": "hi"}).status_code == 400
        assert len(teams.cards()) == 1
