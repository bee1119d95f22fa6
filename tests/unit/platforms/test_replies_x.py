"""Replying on X against the fake X API: the rules checked first, every answer X can give, and
the OAuth 2.0 token refresh."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from heard_local.fakes import FakeXApi

from heard.models import MentionKind, Platform
from heard.platforms import adapter
from heard.platforms.base import (
    Credentials,
    Forbidden,
    ReplyRequest,
    ReplyState,
    Visibility,
)
from heard.platforms.x.reply import TokenRefreshError, outcome, refresh_x_token

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
X = adapter("x")


@pytest.fixture(scope="module")
def server() -> Iterator[FakeXApi]:
    with FakeXApi() as fake:
        yield fake  # type: ignore[misc]


@pytest.fixture
def fake(server: FakeXApi) -> FakeXApi:
    server.reset()
    return server


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as c:
        yield c


def creds(fake: FakeXApi, **kw) -> Credentials:
    return Credentials("user-token", api_url=fake.url, **kw)


def request(**kw) -> ReplyRequest:
    fields = {
        "reply_id": "rep-1",
        "platform": Platform.X,
        "kind": MentionKind.POST,
        "native_id": "1849",
        "text": "Sorry about that, we are on it.",
        "account_id": "1000000001",
        "author_id": "2244994945",
        "author_handle": "jo",
        "created_at": NOW - timedelta(hours=1),
    }
    return ReplyRequest(**{**fields, **kw})


def test_public_reply_is_a_reply_post(fake, client):
    result = X.reply(request(), creds(fake), client, NOW)
    assert result.state is ReplyState.SENT
    [sent] = fake.received("/2/tweets")
    assert sent["body"] == {
        "text": "Sorry about that, we are on it.",
        "reply": {"in_reply_to_tweet_id": "1849"},
    }
    assert result.platform_id == sent["response"]["data"]["id"]
    assert sent["headers"]["authorization"].startswith("Bearer ")
    assert sent["headers"]["user-agent"].startswith("Heard/")


def test_private_reply_is_a_direct_message_to_the_author(fake, client):
    result = X.reply(request(visibility=Visibility.PRIVATE), creds(fake), client, NOW)
    assert result.state is ReplyState.SENT
    [sent] = fake.received("/dm_conversations/")
    assert sent["path"] == "/2/dm_conversations/with/2244994945/messages"
    assert result.platform_id == sent["response"]["data"]["dm_event_id"]


def test_private_reply_without_author_id_is_forbidden_before_sending(fake, client):
    with pytest.raises(
        Forbidden,
        match="X private replies need a direct message conversation: this mention has no author id",
    ):
        X.reply(request(visibility=Visibility.PRIVATE, author_id=None), creds(fake), client, NOW)
    assert fake.received() == []


def test_a_direct_message_cannot_be_answered_publicly(fake):
    with pytest.raises(Forbidden, match="direct message on X: answer it privately"):
        X.check_reply(request(kind=MentionKind.MESSAGE), NOW)


def test_an_empty_reply_is_forbidden():
    with pytest.raises(Forbidden, match="the reply is empty"):
        X.check_reply(request(text="  "), NOW)


def test_rate_limited_with_retry_after_waits_that_long(fake, client):
    fake.fail(429, retry_after=17)
    result = X.reply(request(), creds(fake), client, NOW)
    assert (result.state, result.retry_after) == (ReplyState.RETRY, 17.0)
    assert "rate limit" in result.reason


def test_rate_limited_without_retry_after_waits_for_the_reset():
    reset = int(NOW.timestamp()) + 300
    response = httpx.Response(
        429,
        json={"errors": [{"code": 88, "message": "Rate limit exceeded"}]},
        headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)},
    )
    result = outcome(response, NOW)
    assert (result.state, result.retry_after, result.error_code) == (ReplyState.RETRY, 300, "88")


def test_server_error_is_retried(fake, client):
    fake.fail(500)
    result = X.reply(request(), creds(fake), client, NOW)
    assert result.state is ReplyState.RETRY and result.retry_after
    assert "X had a problem on its side (500" in result.reason


def test_refused_token_asks_for_renewal(fake, client):
    fake.fail(401)
    result = X.reply(request(), creds(fake), client, NOW)
    assert result.state is ReplyState.TOKEN_EXPIRED
    assert "renew it with the refresh token" in result.reason


def test_token_known_to_have_expired_is_not_even_sent(fake, client):
    result = X.reply(request(), creds(fake, expires_at=NOW - timedelta(minutes=5)), client, NOW)
    assert result.state is ReplyState.TOKEN_EXPIRED
    assert "expired 5 minutes ago" in result.reason
    assert fake.received() == []


def test_restricted_conversation_fails_with_the_reason(fake, client):
    fake.restrict("1849")
    result = X.reply(request(), creds(fake), client, NOW)
    assert result.state is ReplyState.FAILED
    assert result.reason.startswith("the author limited who can reply to this post")
    fake.restricted.clear()


def test_bad_request_fails_with_xs_words(fake, client):
    result = X.reply(request(native_id="not-a-post"), creds(fake), client, NOW)
    assert result.state is ReplyState.FAILED
    assert "reply.in_reply_to_tweet_id is required" in result.reason
    assert result.error_code == "https://api.twitter.com/2/problems/invalid-request"


def test_unreachable_x_is_retried(client):
    closed = Credentials("t", api_url="http://127.0.0.1:9")  # the discard port: nothing listens
    result = X.reply(request(), closed, client, NOW)
    assert result.state is ReplyState.RETRY and "could not be reached" in result.reason


def test_credentials_never_show_the_token():
    assert "user-token" not in repr(Credentials("user-token"))


# --- token refresh -----------------------------------------------------------------------------


def test_refresh_returns_the_new_pair_and_its_expiry(fake, client):
    access, refresh, expires_at = refresh_x_token(
        client, "client-id", "client-secret", "refresh-1", api_url=fake.url, now=NOW
    )
    assert access.startswith("fake-x-access-") and refresh.startswith("fake-x-refresh-")
    assert expires_at == NOW + timedelta(hours=2)
    [sent] = fake.received("/2/oauth2/token")
    assert sent["body"]["grant_type"] == "refresh_token"
    assert sent["body"]["refresh_token"] == "refresh-1"
    assert sent["headers"]["authorization"].startswith("Basic ")


def test_a_public_client_sends_its_id_in_the_form(fake, client):
    refresh_x_token(client, "client-id", None, "refresh-public", api_url=fake.url, now=NOW)
    [sent] = fake.received("/2/oauth2/token")
    assert sent["body"]["client_id"] == "client-id"
    assert "authorization" not in sent["headers"]


def test_a_spent_refresh_token_needs_a_new_sign_in(fake, client):
    refresh_x_token(client, "id", "secret", "refresh-once", api_url=fake.url)
    with pytest.raises(TokenRefreshError) as caught:
        refresh_x_token(client, "id", "secret", "refresh-once", api_url=fake.url)
    assert not caught.value.retryable
    assert "sign in to the X account again" in caught.value.reason


def test_refresh_during_an_outage_can_be_retried(fake, client):
    fake.fail(503)
    with pytest.raises(TokenRefreshError) as caught:
        refresh_x_token(client, "id", "secret", "refresh-2", api_url=fake.url)
    assert caught.value.retryable
