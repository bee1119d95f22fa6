"""Replying on Facebook, Messenger and Instagram against the fake Graph API, and the generic
adapter's rule (an email address or no channel back)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from heard_local.fakes import FakeMetaGraph

from heard.models import MentionKind, Platform
from heard.platforms import adapter
from heard.platforms.base import (
    Credentials,
    Forbidden,
    PlatformAdapter,
    ReplyRequest,
    ReplyState,
    Visibility,
)
from heard.platforms.meta.reply import outcome

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
META = adapter("meta")
PAGE = "2000000001"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeMetaGraph]:
    with FakeMetaGraph() as fake:
        yield fake  # type: ignore[misc]


@pytest.fixture
def fake(server: FakeMetaGraph) -> FakeMetaGraph:
    server.reset()
    return server


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as c:
        yield c


def creds(fake: FakeMetaGraph) -> Credentials:
    return Credentials("page-token", api_url=f"{fake.url}/v25.0")


def comment(**kw) -> ReplyRequest:
    fields = {
        "reply_id": "rep-1",
        "platform": Platform.FACEBOOK,
        "kind": MentionKind.COMMENT,
        "native_id": "111_222",
        "text": "Sorry to hear that. We have sent you a message.",
        "account_id": PAGE,
        "author_id": "7000000001",
        "created_at": NOW - timedelta(hours=2),
    }
    return ReplyRequest(**{**fields, **kw})


def send(fake, client, request):
    return META.reply(request, creds(fake), client, NOW)


# --- Facebook ----------------------------------------------------------------------------------


def test_facebook_public_reply_comments_on_the_comment(fake, client):
    result = send(fake, client, comment())
    assert result.state is ReplyState.SENT
    [sent] = fake.received()
    assert sent["path"] == "/v25.0/111_222/comments"
    assert sent["body"] == {"message": "Sorry to hear that. We have sent you a message."}
    assert result.platform_id == sent["response"]["id"]


def test_facebook_private_reply_goes_to_the_comment_author(fake, client):
    result = send(fake, client, comment(native_id="111_333", visibility=Visibility.PRIVATE))
    assert result.state is ReplyState.SENT
    [sent] = fake.received()
    assert sent["path"] == f"/v25.0/{PAGE}/messages"
    assert sent["body"]["recipient"] == {"comment_id": "111_333"}
    assert result.platform_id.startswith("m_")


def test_facebook_private_reply_after_seven_days_is_forbidden(fake, client):
    old = comment(visibility=Visibility.PRIVATE, created_at=NOW - timedelta(days=9))
    with pytest.raises(Forbidden) as caught:
        send(fake, client, old)
    assert caught.value.reason == (
        "Facebook allows one private reply per comment, within 7 days of the comment; "
        "this comment is 9 days old"
    )
    assert fake.received() == []


def test_a_second_private_reply_is_forbidden_when_we_know(fake, client):
    with pytest.raises(Forbidden, match="one was already sent"):
        META.check_reply(comment(visibility=Visibility.PRIVATE, private_reply_sent=True), NOW)


def test_a_second_private_reply_is_refused_by_facebook_when_we_did_not_know(fake, client):
    first = comment(native_id="111_444", visibility=Visibility.PRIVATE)
    assert send(fake, client, first).state is ReplyState.SENT
    again = send(fake, client, first)
    assert (again.state, again.error_code) == (ReplyState.FAILED, "10900")
    assert "one private reply per comment" in again.reason


def test_messenger_reply_uses_the_send_api_within_24_hours(fake, client):
    message = comment(kind=MentionKind.MESSAGE, native_id="m_abc", visibility=Visibility.PRIVATE)
    result = send(fake, client, message)
    assert result.state is ReplyState.SENT
    [sent] = fake.received()
    assert sent["body"]["recipient"] == {"id": "7000000001"}
    assert sent["body"]["messaging_type"] == "RESPONSE"
    assert sent["body"]["message"] == {"text": message.text}


def test_messenger_reply_after_the_window_is_forbidden():
    late = comment(
        kind=MentionKind.MESSAGE,
        visibility=Visibility.PRIVATE,
        created_at=NOW - timedelta(hours=30),
    )
    with pytest.raises(Forbidden) as caught:
        META.check_reply(late, NOW)
    assert caught.value.reason == (
        "Messenger allows replies within 24 hours of the person's last message; "
        "this message is 30 hours old"
    )


def test_a_messenger_message_cannot_be_answered_publicly():
    with pytest.raises(Forbidden, match="can be answered only privately"):
        META.check_reply(comment(kind=MentionKind.MESSAGE), NOW)


def test_a_private_reply_to_a_page_mention_elsewhere_is_forbidden():
    with pytest.raises(Forbidden, match="only for posts and comments on the Page itself"):
        META.check_reply(comment(kind=MentionKind.TAG, visibility=Visibility.PRIVATE), NOW)


# --- Instagram ---------------------------------------------------------------------------------


def ig(**kw) -> ReplyRequest:
    return comment(
        platform=Platform.INSTAGRAM, native_id="17890000000000001", account_id="3000000001", **kw
    )


def test_instagram_public_reply_uses_replies(fake, client):
    result = send(fake, client, ig())
    assert result.state is ReplyState.SENT
    [sent] = fake.received()
    assert sent["path"] == "/v25.0/17890000000000001/replies"
    assert sent["body"] == {"message": ig().text}


def test_instagram_replies_answer_only_top_level_comments(fake, client):
    with pytest.raises(Forbidden, match="Instagram replies can answer only top-level comments"):
        send(fake, client, ig(in_reply_to="17890000000000000"))
    assert fake.received() == []


def test_instagram_private_reply_within_seven_days(fake, client):
    result = send(fake, client, ig(visibility=Visibility.PRIVATE))
    assert result.state is ReplyState.SENT
    [sent] = fake.received()
    assert sent["path"] == "/v25.0/me/messages"
    assert sent["body"]["recipient"] == {"comment_id": "17890000000000001"}


def test_instagram_private_reply_after_seven_days_is_forbidden():
    with pytest.raises(Forbidden, match="Instagram allows one private reply per comment, within 7"):
        META.check_reply(ig(visibility=Visibility.PRIVATE, created_at=NOW - timedelta(days=8)), NOW)


# --- what Graph answers ------------------------------------------------------------------------


def test_rate_limit_waits_for_the_time_meta_gives(fake, client):
    fake.fail(429, retry_after=120)
    result = send(fake, client, comment())
    assert (result.state, result.retry_after, result.error_code) == (ReplyState.RETRY, 120, "4")


@pytest.mark.parametrize("code", [17, 32, 613])
def test_every_rate_limit_code_is_retried(fake, client, code):
    fake.fail(400, code=code)
    result = send(fake, client, comment())
    assert (result.state, result.error_code) == (ReplyState.RETRY, str(code))


def test_retry_after_header_is_honoured():
    response = httpx.Response(
        400,
        json={"error": {"message": "(#4) Application request limit reached", "code": 4}},
        headers={"Retry-After": "45"},
    )
    assert outcome(response, NOW).retry_after == 45


def test_business_use_case_usage_gives_the_wait_in_minutes():
    usage = {PAGE: [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 7}]}
    response = httpx.Response(
        400,
        json={"error": {"message": "Too many calls", "code": 80001}},
        headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
    )
    assert outcome(response, NOW).retry_after == 7 * 60


def test_server_error_is_retried(fake, client):
    fake.fail(500)
    result = send(fake, client, comment())
    assert result.state is ReplyState.RETRY and result.retry_after


def test_expired_page_token_says_what_to_do(fake, client):
    fake.fail(401)
    result = send(fake, client, comment())
    assert (result.state, result.error_code) == (ReplyState.TOKEN_EXPIRED, "190")
    assert "put a new one in the Meta secret" in result.reason


def test_bad_request_fails_with_metas_words(fake, client):
    result = META.reply(comment(), Credentials("", api_url=fake.url), client, NOW)
    assert result.state is ReplyState.TOKEN_EXPIRED  # no token at all: nothing is sent
    fake.fail(400, message="(#100) Invalid parameter: message is too long")
    result = send(fake, client, comment())
    assert (result.state, result.error_code) == (ReplyState.FAILED, "100")
    assert result.reason == (
        "Facebook refused the reply as invalid: (#100) Invalid parameter: message is too long"
    )


@pytest.mark.parametrize(
    ("code", "subcode", "words"),
    [
        (10, 2018278, "the time to answer this privately has passed"),
        (551, None, "this person cannot be reached right now"),
        (368, None, "temporarily blocked the Page"),
        (200, None, "the app lacks a permission"),
    ],
)
def test_graph_error_codes_in_plain_words(code, subcode, words):
    error = {"message": "said by Meta", "type": "OAuthException", "code": code}
    if subcode:
        error["error_subcode"] = subcode
    result = outcome(httpx.Response(400, json={"error": error}), NOW)
    assert result.state is ReplyState.FAILED
    assert words in result.reason and "said by Meta" in result.reason


# --- generic and the default -------------------------------------------------------------------


def generic(**kw) -> ReplyRequest:
    fields = {
        "reply_id": "rep-g",
        "platform": Platform.GENERIC,
        "kind": MentionKind.POST,
        "native_id": "f-1",
        "text": "We have refunded the second charge.",
        "author_handle": "jo@example.com",
        "visibility": Visibility.PRIVATE,
    }
    return ReplyRequest(**{**fields, **kw})


def test_generic_needs_an_email_address():
    GENERIC = adapter("generic")
    GENERIC.check_reply(generic(), NOW)
    with pytest.raises(Forbidden) as caught:
        GENERIC.check_reply(generic(author_handle="jo"), NOW)
    assert caught.value.reason == "the mention carries no email address: there is no channel back"


def test_generic_email_goes_through_ses_not_an_http_api(client):
    with pytest.raises(Forbidden, match="email replies go through SES"):
        adapter("generic").reply(generic(), Credentials(""), client, NOW)


def test_an_adapter_without_replies_says_so(client):
    class Silent(PlatformAdapter):
        name = "silent"
        labels = {Platform.GENERIC: "Silent"}
        secrets = ()

        def verify(self, request, secret):
            pass

        def parse(self, payload):
            return []

        def sign(self, body, secret, *, now=None):
            return {}

    with pytest.raises(Forbidden, match="replies are not supported for Silent"):
        Silent().reply(generic(), Credentials("t"), client, NOW)
