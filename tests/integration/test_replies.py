"""Replies end to end within AWS (moto): the API queues, the reply function sends to a fake X
or Meta API on loopback, and the case records the outcome."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import boto3
import pytest
from fakes.records import record
from heard_local.fakes import FakeMetaGraph, FakeXApi
from heard_local.sqs_source import lambda_record

from heard.models import MentionKind, Platform
from heard.store import MentionStore, MentionTable

AUTH = {"authorization": "Bearer local-api-token"}


@pytest.fixture
def x_api() -> Iterator[FakeXApi]:
    with FakeXApi() as fake:
        yield fake


@pytest.fixture
def meta_api() -> Iterator[FakeMetaGraph]:
    with FakeMetaGraph() as fake:
        yield fake


@pytest.fixture
def store(stack):
    resource = boto3.resource("dynamodb", endpoint_url=stack.endpoint_url, region_name=stack.region)
    store = MentionStore(MentionTable(resource.Table(stack.table_name("MentionsTable"))))
    store.put_new(record(1))
    return store


@pytest.fixture
def reply_handler(stack, load, x_api, meta_api, monkeypatch):
    monkeypatch.setenv("HEARD_X_API_URL", x_api.url)
    monkeypatch.setenv("HEARD_META_GRAPH_URL", meta_api.url)
    return load("ReplyFunction")


def post_reply(call_api, key: str | None, body: dict, target: str = "x:1"):
    headers = {**AUTH, "content-type": "application/json"}
    if key is not None:
        headers["idempotency-key"] = key
    response = call_api("POST", f"/mentions/{target}/replies", json.dumps(body).encode(), headers)
    return response.status, json.loads(response.body)


def deliver(stack, handler, lambda_context, sqs_messages):
    """Hand every message on the reply queue to the reply function, one per invocation."""
    results = []
    arn = stack.queue_arn("ReplyQueue")
    for message in sqs_messages("ReplyQueue", max=10, wait_s=0):
        event = {"Records": [lambda_record(message, arn, stack.region)]}
        results.append(handler(event, lambda_context("ReplyFunction")))
    return results


def test_a_reply_posted_twice_is_sent_once_and_the_case_is_replied(
    stack, store, call_api, reply_handler, lambda_context, sqs_messages, x_api
):
    body = {"text": "Hi @user1, sorry about that", "visibility": "public"}
    first = post_reply(call_api, "key-1", body)
    again = post_reply(call_api, "key-1", body)
    assert first[0] == again[0] == 202
    assert first[1]["reply"]["id"] == again[1]["reply"]["id"]
    assert first[1]["reply"]["state"] == "queued"

    results = deliver(stack, reply_handler, lambda_context, sqs_messages)
    assert all(r == {"batchItemFailures": []} for r in results) and results
    tweets = x_api.received("/2/tweets")
    assert len(tweets) == 1
    assert tweets[0]["body"]["reply"]["in_reply_to_tweet_id"] == "1"
    assert tweets[0]["body"]["text"] == body["text"]

    response = call_api("GET", "/mentions/x:1", headers=AUTH)
    case = json.loads(response.body)
    (reply,) = case["replies"]
    assert reply["state"] == "sent" and reply["platform_id"] == tweets[0]["response"]["data"]["id"]
    assert case["status"] == "replied" and case["first_response_at"]
    assert case["drafts"]  # the next reply is suggested


def test_the_api_refuses_what_cannot_be_sent(call_api, store):
    status, body = post_reply(call_api, None, {"text": "hi"})
    assert status == 400 and body["field"] == "Idempotency-Key"
    dm = record(2)
    dm.mention.kind = MentionKind.MESSAGE
    store.put_new(dm)
    status, body = post_reply(call_api, "k", {"text": "hi", "visibility": "public"}, "x:2")
    assert status == 422 and body["error"] == "reply_forbidden" and "privately" in body["message"]
    status, body = post_reply(call_api, "k", {"text": "hi"}, "x:404")
    assert status == 404


def test_a_rate_limited_reply_comes_back_after_retry_after(
    stack, store, call_api, reply_handler, lambda_context, sqs_messages, x_api
):
    x_api.fail(429, times=1, retry_after=30)
    post_reply(call_api, "key-1", {"text": "Hi"})
    (result,) = deliver(stack, reply_handler, lambda_context, sqs_messages)
    assert len(result["batchItemFailures"]) == 1
    assert sqs_messages("ReplyQueue", max=1, wait_s=0) == []  # invisible for the 30 s
    reply = store.get("x:1").replies[0]
    assert reply.state.value == "retrying" and "rate limit" in reply.error

    # Delivered again (here at once) it is sent, once.
    sqs = stack.client("sqs")
    sqs.send_message(
        QueueUrl=stack.queue_url("ReplyQueue"),
        MessageBody=json.dumps({"type": "reply", "case_id": "x:1", "reply_id": reply.id}),
    )
    deliver(stack, reply_handler, lambda_context, sqs_messages)
    assert store.get("x:1").replies[0].state.value == "sent"
    assert len([r for r in x_api.received("/2/tweets") if r["status"] == 201]) == 1


def test_an_expired_x_token_is_renewed_and_written_back(
    stack, store, call_api, reply_handler, lambda_context, sqs_messages, x_api
):
    old_refresh = os.environ["HEARD_X_USER_REFRESH_TOKEN"]
    x_api.fail(401, times=1)
    post_reply(call_api, "key-1", {"text": "Hi"})
    deliver(stack, reply_handler, lambda_context, sqs_messages)
    assert store.get("x:1").replies[0].state.value == "sent"
    assert [r["path"] for r in x_api.received()] == ["/2/tweets", "/2/oauth2/token", "/2/tweets"]
    assert os.environ["HEARD_X_USER_REFRESH_TOKEN"] != old_refresh  # the rotated one is kept
    assert os.environ["HEARD_X_USER_ACCESS_TOKEN"].startswith("fake-x-access-")


def test_a_dead_meta_token_fails_the_reply_and_alerts_ops_once(
    stack, store, call_api, reply_handler, lambda_context, sqs_messages, meta_api, capture_topic
):
    ops = capture_topic("OpsTopic")
    comment = record(3)
    comment.mention.platform = Platform.FACEBOOK
    comment.mention.kind = MentionKind.COMMENT
    comment.mention.account_id = "2000000001"
    comment.id = comment.mention.key
    store.put_new(comment)
    meta_api.fail(401, times=5, code=190)
    for key in ("k1", "k2"):
        status, _ = post_reply(call_api, key, {"text": "Hi"}, comment.id)
        assert status == 202
    deliver(stack, reply_handler, lambda_context, sqs_messages)
    replies = store.get(comment.id).replies
    assert [r.state.value for r in replies] == ["failed", "failed"]
    assert all("Meta secret" in r.error and "send it again" in r.error for r in replies)
    alerts = ops.wait_for(1, timeout_s=5)
    assert len(alerts) == 1 and "Facebook" in alerts[0].message
    assert ops.wait_for(1, timeout_s=1) == []  # one alert, however many replies failed


def test_a_renewed_x_token_is_written_back_to_the_secret(stack, x_api, monkeypatch):
    """In AWS the tokens live in the X secret: the renewal merges the new ones into its JSON."""
    import httpx

    from heard.platforms.tokens import SecretTokens
    from heard.settings import PlatformApiSettings

    for name in (
        "HEARD_X_CLIENT_ID",
        "HEARD_X_CLIENT_SECRET",
        "HEARD_X_USER_ACCESS_TOKEN",
        "HEARD_X_USER_REFRESH_TOKEN",
        "HEARD_X_USER_TOKEN_EXPIRES_AT",
    ):
        monkeypatch.delenv(name, raising=False)
    secrets = stack.client("secretsmanager")
    name = os.environ["X_SECRET_NAME"]
    secrets.put_secret_value(
        SecretId=name,
        SecretString=json.dumps(
            {
                "consumer_secret": "c",
                "client_id": "app",
                "user_access_token": "old",
                "user_refresh_token": "refresh-1",
                "user_token_expires_at": "2026-01-01T00:00:00+00:00",
            }
        ),
    )
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()
    with httpx.Client() as client:
        tokens = SecretTokens(client, PlatformApiSettings(x_api_url=x_api.url))
        assert tokens.credentials("x").access_token == "old"
        assert tokens.credentials("x").expires_at.year == 2026
        renewed = tokens.renew("x")
    stored = json.loads(secrets.get_secret_value(SecretId=name)["SecretString"])
    assert stored["consumer_secret"] == "c" and stored["client_id"] == "app"
    assert stored["user_access_token"] == renewed.access_token != "old"
    assert stored["user_refresh_token"] not in ("refresh-1", "")
    assert tokens.credentials("x").access_token == renewed.access_token
    assert tokens.credentials("meta").access_token  # the local Page token from the env


def test_a_feedback_form_mention_is_answered_by_email_through_ses(
    stack, store, call_api, reply_handler, lambda_context, sqs_messages
):
    """SES (moto's) sends from the verified sender to the address the form gave."""
    ses = stack.client("ses")
    ses.verify_email_identity(EmailAddress=os.environ["REPLY_FROM_ADDRESS"])
    form = record(40).model_copy(deep=True)
    form.mention.platform = Platform.GENERIC
    form.mention.native_id = "feedback-form:40"
    form.mention.author.handle = "jo@example.com"
    form = form.model_copy(update={"id": form.mention.key})
    store.put_new(form)
    public = post_reply(call_api, "mail-0", {"text": "Hi Jo", "visibility": "public"}, form.id)
    assert public[0] == 422 and "by email" in public[1]["message"]
    status, body = post_reply(
        call_api, "mail-1", {"text": "Hi Jo, refunded.", "visibility": "private"}, form.id
    )
    assert status == 202, body
    before = ses.get_send_quota()["SentLast24Hours"]
    results = deliver(stack, reply_handler, lambda_context, sqs_messages)
    assert results == [{"batchItemFailures": []}]
    assert ses.get_send_quota()["SentLast24Hours"] == before + 1
    case = json.loads(call_api("GET", f"/mentions/{form.id}", headers=AUTH).body)
    assert case["replies"][0]["state"] == "sent" and case["status"] == "replied"
