"""The webhook handler against a stack from template.yaml: verify, parse, queue (or refuse)."""

import base64
import hashlib
import hmac
import json
import time

import pytest
from heard_local import signing
from heard_local.defaults import secret

from heard.ingest import parse_message
from heard.models import DeletionMessage, MentionMessage, Platform


@pytest.fixture
def body_of(event_json):
    return lambda name: json.dumps(event_json(name)).encode()


def queued(sqs_messages) -> list:
    return [parse_message(m["Body"]) for m in sqs_messages("IngestQueue", max=50)]


def test_x_crc_answers_with_the_hmac_of_the_token(call_api):
    response = call_api("GET", "/webhooks/x?crc_token=challenge-123")
    assert response.status == 200
    expected = base64.b64encode(
        hmac.new(
            secret("HEARD_X_CONSUMER_SECRET").encode(), b"challenge-123", hashlib.sha256
        ).digest()
    ).decode()
    assert json.loads(response.body) == {"response_token": f"sha256={expected}"}


def test_x_crc_without_token_is_400(call_api):
    response = call_api("GET", "/webhooks/x")
    assert response.status == 400
    assert json.loads(response.body)["field"] == "crc_token"


def test_signed_x_delivery_is_queued_with_its_account(call_api, sqs_messages, body_of):
    body = body_of("webhooks/x-tweet-create.json")
    response = call_api("POST", "/webhooks/x", body, signing.x_headers(body))
    assert response.status == 200
    messages = queued(sqs_messages)
    assert json.loads(response.body) == {"accepted": len(messages)}
    assert messages and all(isinstance(m, MentionMessage) for m in messages)
    assert {m.mention.account_id for m in messages} == {"1000000001"}
    authors = {m.mention.author.id for m in messages}
    assert "1000000001" not in authors  # the brand's own tweets are not mentions


def test_forged_x_signature_is_401_and_nothing_is_queued(call_api, sqs_messages, body_of):
    body = body_of("webhooks/x-tweet-create.json")
    forged = signing.x_headers(body, consumer_secret="not-the-secret")
    response = call_api("POST", "/webhooks/x", body, forged)
    assert response.status == 401
    assert json.loads(response.body)["error"] == "invalid_signature"
    unsigned = call_api("POST", "/webhooks/x", body, {"content-type": "application/json"})
    assert unsigned.status == 401
    tampered = body.replace(b"refund", b"rebate")
    assert call_api("POST", "/webhooks/x", tampered, signing.x_headers(body)).status == 401
    assert queued(sqs_messages) == []


def test_malformed_payloads_are_400_naming_the_field(call_api, sqs_messages, event_json):
    bad_json = b'{"for_user_id": "1000000001", "tweet_create_events": ['
    response = call_api("POST", "/webhooks/x", bad_json, signing.x_headers(bad_json))
    assert response.status == 400
    assert json.loads(response.body)["field"] == "body"

    payload = event_json("webhooks/x-tweet-create.json")
    del payload["tweet_create_events"][0]["id_str"]
    del payload["tweet_create_events"][0]["id"]
    body = json.dumps(payload).encode()
    response = call_api("POST", "/webhooks/x", body, signing.x_headers(body))
    assert response.status == 400
    assert json.loads(response.body)["field"].startswith("tweet_create_events[0].id")
    assert queued(sqs_messages) == []  # nothing half-written: the valid tweets stay out too


def test_body_over_256_kib_is_413(call_api, sqs_messages):
    body = json.dumps({"for_user_id": "1", "padding": "x" * (256 * 1024)}).encode()
    response = call_api("POST", "/webhooks/x", body, signing.x_headers(body))
    assert response.status == 413
    assert queued(sqs_messages) == []


def test_base64_encoded_bodies_are_verified_on_the_raw_bytes(call_api, sqs_messages, body_of):
    body = body_of("webhooks/x-tweet-create.json")
    headers = {**signing.x_headers(body), "content-type": "application/octet-stream"}
    response = call_api("POST", "/webhooks/x", body, headers)  # API Gateway base64-encodes it
    assert response.status == 200
    assert queued(sqs_messages)


def test_meta_subscription_check(call_api):
    token = secret("HEARD_META_VERIFY_TOKEN")
    ok = call_api(
        "GET",
        f"/webhooks/meta?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444",
    )
    assert ok.status == 200
    assert ok.body == b"1158201444"
    assert ("content-type", "text/plain") in [(k.lower(), v) for k, v in ok.headers]
    wrong = call_api(
        "GET", "/webhooks/meta?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1"
    )
    assert wrong.status == 403


def test_meta_feed_batch_queues_mentions_and_removals(call_api, sqs_messages, body_of):
    body = body_of("webhooks/meta-page-feed.json")
    response = call_api("POST", "/webhooks/meta", body, signing.meta_headers(body))
    assert response.status == 200
    messages = queued(sqs_messages)
    assert any(isinstance(m, DeletionMessage) for m in messages)
    assert any(isinstance(m, MentionMessage) for m in messages)
    forged = call_api("POST", "/webhooks/meta", body, signing.meta_headers(body, "wrong"))
    assert forged.status == 401


def test_generic_delivery_and_replay_window(call_api, sqs_messages, body_of):
    body = body_of("webhooks/generic-mention.json")
    response = call_api("POST", "/webhooks/generic", body, signing.generic_headers(body))
    assert response.status == 200
    (message,) = queued(sqs_messages)
    assert message.mention.platform is Platform.GENERIC

    stale = signing.generic_headers(body, timestamp=int(time.time()) - 301)
    assert call_api("POST", "/webhooks/generic", body, stale).status == 401

    missing = json.loads(body)
    del missing["author"]["handle"]
    raw = json.dumps(missing).encode()
    response = call_api("POST", "/webhooks/generic", raw, signing.generic_headers(raw))
    assert response.status == 400
    assert json.loads(response.body)["field"] == "author.handle"


def test_an_unreachable_queue_is_503_so_the_platform_redelivers(call_api, body_of, stack):
    stack.client("sqs").delete_queue(QueueUrl=stack.queue_url("IngestQueue"))
    body = body_of("webhooks/x-tweet-create.json")
    response = call_api("POST", "/webhooks/x", body, signing.x_headers(body))
    assert response.status == 503
    assert json.loads(response.body)["error"] == "unavailable"


@pytest.mark.parametrize(
    ("name", "native_id", "edited"),
    [
        ("webhooks/x-filtered-stream.json", "1861000000000000210", True),
        ("webhooks/x-activity-post-create.json", "1861000000000000301", False),
    ],
)
def test_signed_x_v2_delivery_is_queued_with_its_brand(
    call_api, sqs_messages, body_of, name, native_id, edited
):
    body = body_of(name)
    response = call_api("POST", "/webhooks/x", body, signing.x_headers(body))
    assert response.status == 200
    assert json.loads(response.body) == {"accepted": 1}
    [message] = queued(sqs_messages)
    assert isinstance(message, MentionMessage)
    assert message.mention.native_id == native_id
    assert message.edited is edited
    assert message.brand == "Acme"
    assert message.mention.account_id is None
    forged = signing.x_headers(body, consumer_secret="not-the-secret")
    assert call_api("POST", "/webhooks/x", body, forged).status == 401


def test_x_activity_event_that_is_no_post_is_accepted_and_queues_nothing(
    call_api, sqs_messages, body_of
):
    body = body_of("webhooks/x-activity-follow.json")
    response = call_api("POST", "/webhooks/x", body, signing.x_headers(body))
    assert response.status == 200
    assert json.loads(response.body) == {"accepted": 0}
    assert queued(sqs_messages) == []


def test_malformed_x_v2_delivery_is_400_naming_the_field(call_api, sqs_messages, event_json):
    payload = event_json("webhooks/x-filtered-stream.json")
    del payload["data"]["edit_history_tweet_ids"]
    payload["data"]["created_at"] = "not a date"
    body = json.dumps(payload).encode()
    response = call_api("POST", "/webhooks/x", body, signing.x_headers(body))
    assert response.status == 400
    assert json.loads(response.body)["field"] == "data.created_at"
    assert queued(sqs_messages) == []
