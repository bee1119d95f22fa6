"""The triage handler against a stack from template.yaml: store once, alert once, fail alone."""

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from heard_local.signing import generic_headers, x_headers

from heard.ingest import IngestQueue
from heard.models import (
    AlertState,
    Author,
    DeletionMessage,
    Mention,
    MentionMessage,
    Platform,
    Status,
)
from heard.store import AlertClaims, MentionStore, MentionTable

ANGRY = (
    "@acme three weeks and still no refund for the blender that caught fire. "
    "My lawyer will be in touch. Worst service ever."
)


def mention(native_id="1849", text=ANGRY, followers=84_000, author="", **extra) -> Mention:
    """A mention whose author is its own (same handle, another account id); ``author`` names a
    shared account id, which makes mentions one conversation."""
    who = author or f"user{native_id}"
    return Mention(
        platform=extra.pop("platform", Platform.X),
        native_id=native_id,
        text=text,
        author=Author(id=who, handle="dana_reviews", followers=followers, verified=True),
        url=f"https://x.com/dana_reviews/status/{native_id}",
        created_at=extra.pop("created_at", datetime(2026, 11, 22, 9, 0, tzinfo=UTC)),
        account_id=extra.pop("account_id", "1000000001"),
        **extra,
    )


@pytest.fixture
def queue(stack):
    return IngestQueue(stack.client("sqs"), stack.queue_url("IngestQueue"))


@pytest.fixture
def store(stack):
    resource = boto3.resource("dynamodb", endpoint_url=stack.endpoint_url, region_name=stack.region)
    return MentionStore(MentionTable(resource.Table(stack.table_name("MentionsTable"))))


def test_a_mention_delivered_three_times_is_stored_once_and_alerted_once(
    queue, store, run_triage, capture_topic
):
    alerts = capture_topic("AlertsTopic")
    message = MentionMessage(mention=mention())
    queue.send([message, message])
    first = run_triage()
    assert first == {"batchItemFailures": []}
    queue.send([message])
    assert run_triage() == {"batchItemFailures": []}

    record = store.get("x:1849")
    assert record.brand == "Acme"
    assert record.alert_state is AlertState.SENT
    assert record.triage.priority.value in ("high", "critical")
    assert record.triage.reasons  # the why travels with the mention
    deliveries = alerts.drain(quiet_s=1.5)
    assert len(deliveries) == 1
    alert = deliveries[0]
    assert alert.attributes["severity"] == record.triage.priority.value
    assert alert.attributes["platform"] == "x"
    assert alert.attributes["brand"] == "Acme"
    assert "@dana_reviews (84k followers, verified)" in alert.message
    assert "https://x.com/dana_reviews/status/1849" in alert.message
    assert store.list(brand="Acme").items == [record]


def test_a_poison_message_fails_alone(queue, store, run_triage):
    queue.send([MentionMessage(mention=mention("1")), MentionMessage(mention=mention("2"))])
    response = run_triage(extra_bodies=['{"type": "mention", "mention": {"platform": "myspace"}}'])
    failures = response["batchItemFailures"]
    assert len(failures) == 1
    assert store.get("x:1") and store.get("x:2")


def test_chatter_is_stored_for_the_inbox_without_waking_anyone(
    queue, store, run_triage, capture_topic
):
    alerts = capture_topic("AlertsTopic")
    quiet = mention("77", text="just picked up an acme toaster at the mall", followers=12)
    queue.send([MentionMessage(mention=quiet)])
    run_triage()
    record = store.get("x:77")
    assert record.alert_state is AlertState.NONE
    assert record.triage.priority.value in ("low", "normal")
    assert alerts.drain(quiet_s=1.0) == []


def test_mentions_of_no_tracked_brand_are_not_stored(queue, store, run_triage):
    other = mention("88", text="@globex your app is broken", account_id=None)
    queue.send([MentionMessage(mention=other)])
    assert run_triage() == {"batchItemFailures": []}
    assert store.get_any("x:88") is None


def test_a_crash_between_storing_and_alerting_is_finished_by_the_retry(
    queue, store, run_triage, capture_topic, stack
):
    alerts = capture_topic("AlertsTopic")
    message = MentionMessage(mention=mention("99"))
    queue.send([message])
    run_triage()
    # Simulate the first invocation dying after the put, before the publish, a minute ago.
    client = stack.client("dynamodb")
    client.update_item(
        TableName=stack.table_name("MentionsTable"),
        Key={"pk": {"S": "x:99"}},
        UpdateExpression="SET alert_state = :p, alert_claimed_at = :t",
        ExpressionAttributeValues={
            ":p": {"S": "publishing"},
            ":t": {"S": (datetime.now(UTC) - timedelta(seconds=61)).isoformat()},
        },
    )
    alerts.drain(quiet_s=1.0)
    queue.send([message])  # the redelivery
    run_triage()
    assert len(alerts.drain(quiet_s=1.5)) == 1
    assert store.get("x:99").alert_state is AlertState.SENT


def test_removals_mark_stored_mentions_and_block_late_ones(queue, store, run_triage):
    comment = mention(
        "2000000001_55",
        text="acme lost my parcel",
        platform=Platform.FACEBOOK,
        account_id="2000000001",
    )
    queue.send([MentionMessage(mention=comment)])
    run_triage()
    queue.send([DeletionMessage(platform=Platform.FACEBOOK, native_id="2000000001_55")])
    run_triage()
    assert store.get("facebook:2000000001_55").deleted is True

    # The removal arrives before the comment it removes.
    queue.send([DeletionMessage(platform=Platform.FACEBOOK, native_id="2000000001_66")])
    run_triage()
    late = comment.model_copy(update={"native_id": "2000000001_66"})
    queue.send([MentionMessage(mention=late)])
    run_triage()
    assert store.get_any("facebook:2000000001_66") is None


def test_the_webhook_and_triage_together(call_api, run_triage, store, capture_topic, event_json):
    alerts = capture_topic("AlertsTopic")
    body = json.dumps(event_json("webhooks/x-tweet-create.json")).encode()
    for _ in range(3):
        assert call_api("POST", "/webhooks/x", body, x_headers(body)).status == 200
    while (response := run_triage()) is not None:  # drain the queue batch by batch
        assert response == {"batchItemFailures": []}
    keys = [r.id for r in store.list(limit=100).items]
    assert len(keys) == len(set(keys))
    assert any(r.alert_state is AlertState.SENT for r in store.list(limit=100).items)
    deliveries = alerts.drain(quiet_s=1.5)
    alerted = [r for r in store.list(limit=100).items if r.alert_state is AlertState.SENT]
    assert len(deliveries) == len(alerted)


def test_a_case_past_its_first_response_target_escalates_once_per_level(
    queue, store, run_triage, load, lambda_context, capture_topic, stack
):
    alerts = capture_topic("AlertsTopic")
    queue.send([MentionMessage(mention=mention("500")), MentionMessage(mention=mention("501"))])
    run_triage()
    assert len(alerts.drain(quiet_s=1.0)) == 2
    case = store.get("x:500")
    assert case.priority.value == "critical" and case.sla_due is not None
    escalate = load("EscalateFunction")
    fresh = escalate({"source": "aws.scheduler"}, lambda_context("EscalateFunction"))
    assert fresh["events"] == []  # stored a moment ago: nothing is due

    # Both arrived 20 minutes ago (critical: first response within 15); x:501 was answered.
    ago = datetime.now(UTC) - timedelta(minutes=20)
    for key, replied in (("x:500", False), ("x:501", True)):
        record = store.get(key)
        moved = record.model_copy(
            update={
                "received_at": ago,
                "sla_due": ago,
                "first_response_at": ago + timedelta(minutes=5) if replied else None,
                "status": Status.REPLIED if replied else Status.NEW,
            }
        )
        store.save_case(record, moved)
    first = escalate({"source": "aws.scheduler"}, lambda_context("EscalateFunction"))
    assert first["events"] == ["x:500:first_response:level0"]
    second = escalate({"source": "aws.scheduler"}, lambda_context("EscalateFunction"))
    assert second["events"] == []
    (delivery,) = alerts.drain(quiet_s=1.5)
    assert delivery.subject.startswith("SLA breach (team):")
    assert delivery.attributes["route"] == "team"
    stored = store.get("x:500")
    assert stored.escalated_at is not None and stored.sla_events == ["first_response:level0"]
    assert stored.sla_due is not None and stored.sla_due > datetime.now(UTC)  # level 2 next


def test_a_fresh_claim_by_a_concurrent_invocation_is_not_taken(
    queue, store, run_triage, capture_topic, stack
):
    alerts = capture_topic("AlertsTopic")
    message = MentionMessage(mention=mention("98"))
    queue.send([message])
    run_triage()
    alerts.drain(quiet_s=1.0)
    # Another invocation stored it a moment ago and is publishing right now.
    stack.client("dynamodb").update_item(
        TableName=stack.table_name("MentionsTable"),
        Key={"pk": {"S": "x:98"}},
        UpdateExpression="SET alert_state = :p, alert_claimed_at = :t",
        ExpressionAttributeValues={
            ":p": {"S": "publishing"},
            ":t": {"S": datetime.now(UTC).isoformat()},
        },
    )
    queue.send([message])
    run_triage()
    assert alerts.drain(quiet_s=1.5) == []


def _pipeline(stack, store, channel):
    from heard.alerts import AlertDispatcher
    from heard.config import ConfigSource
    from heard.pipeline import Pipeline
    from heard.triage import get_triager

    return Pipeline(
        store=store,
        alerts=AlertDispatcher(AlertClaims(store._t), channel),
        triager=get_triager(),
        config=ConfigSource().get(),
    )


def test_a_failed_publish_is_retried_by_the_redelivery(stack, store, capture_topic):
    """SNS refuses the first publish: the record fails, and its redelivery alerts at once."""
    from heard.alerts import SnsChannel
    from heard.pipeline import Outcome

    alerts = capture_topic("AlertsTopic")
    real = SnsChannel(stack.client("sns"), stack.topic_arn("AlertsTopic"))

    class FlakySns:
        calls = 0

        def send(self, alert):
            FlakySns.calls += 1
            if FlakySns.calls == 1:
                raise ConnectionError("SNS unavailable")
            return real.send(alert)

    pipeline = _pipeline(stack, store, FlakySns())
    message = MentionMessage(mention=mention("97"))
    with pytest.raises(ConnectionError):
        pipeline.handle(message)
    assert store.get("x:97").alert_state is AlertState.PUBLISHING
    result = pipeline.handle(message)  # the redelivery, a second later
    assert result.outcome is Outcome.DUPLICATE and result.alerted
    assert store.get("x:97").alert_state is AlertState.SENT
    assert len(alerts.drain(quiet_s=1.5)) == 1


def test_a_long_emoji_heavy_mention_is_alerted_within_the_sns_limit(
    queue, store, run_triage, capture_topic
):
    """200 KB of emoji: stored and alerted, the quote cut to fit SNS's 256 KiB."""
    alerts = capture_topic("AlertsTopic")
    long_text = ANGRY + " " + "🔥😡" * 25_000
    queue.send([MentionMessage(mention=mention("96", text=long_text))])
    assert run_triage() == {"batchItemFailures": []}
    record = store.get("x:96")
    assert record.alert_state is AlertState.SENT
    (delivery,) = alerts.drain(quiet_s=1.5)
    assert "Link: https://x.com/dana_reviews/status/96" in delivery.message
    assert "Mention: x:96 at " in delivery.message
    assert '…"' in delivery.message


def test_an_alert_refused_for_good_is_recorded_failed_not_left_claimed(stack, store):
    """A permanent refusal is not retried: the record says ``failed`` and why."""
    from fakes.channels import RecordingChannel

    from heard.pipeline import Outcome

    channel = RecordingChannel()
    channel.fail_permanently("InvalidParameter")
    pipeline = _pipeline(stack, store, channel)
    message = MentionMessage(mention=mention("95"))
    result = pipeline.handle(message)  # does not raise: a redelivery could not help
    assert result.outcome is Outcome.STORED and not result.alerted
    assert store.get("x:95").alert_state is AlertState.FAILED
    item = stack.client("dynamodb").get_item(
        TableName=stack.table_name("MentionsTable"), Key={"pk": {"S": "x:95"}}
    )["Item"]
    assert "Message too long" in item["alert_error"]["S"]
    again = pipeline.handle(message)  # a duplicate delivery does not try again
    assert not again.alerted and channel.attempts == 1


def test_an_edit_is_retriaged_and_alerts_once_if_it_turns_angry(
    queue, store, run_triage, capture_topic
):
    alerts = capture_topic("AlertsTopic")
    calm = mention(
        "2000000001_77",
        text="love my acme kettle",
        followers=0,
        platform=Platform.FACEBOOK,
        account_id="2000000001",
    )
    queue.send([MentionMessage(mention=calm)])
    run_triage()
    assert store.get("facebook:2000000001_77").alert_state is AlertState.NONE
    angry = calm.model_copy(
        update={
            "text": "UPDATE: my acme kettle exploded and burned my "
            "hand. fire hazard. my lawyer will be in touch"
        }
    )
    queue.send([MentionMessage(mention=angry, edited=True)])
    run_triage()
    record = store.get("facebook:2000000001_77")
    assert "exploded" in record.mention.text and record.edited_at is not None
    assert record.triage.priority.value in ("high", "critical")
    assert record.alert_state is AlertState.SENT
    queue.send([MentionMessage(mention=angry, edited=True)])  # edited again / redelivered
    run_triage()
    assert len(alerts.drain(quiet_s=1.5)) == 1


HUGE = 12345678901234567890123456789012345678901  # 41 digits: more than DynamoDB numbers hold


def test_a_count_beyond_dynamodbs_precision_is_stored_clamped(run_triage, store):
    body = json.dumps(
        {
            "type": "mention",
            "mention": {
                "platform": "x",
                "native_id": "4141",
                "text": "@acme my order never arrived",
                "author": {"handle": "bot", "followers": HUGE},
                "engagement": HUGE * 10,
                "account_id": "1000000001",
            },
        }
    )
    assert run_triage(extra_bodies=[body]) == {"batchItemFailures": []}
    record = store.get("x:4141")
    assert record.mention.author.followers == 10**15
    assert record.mention.engagement == 10**15


def test_a_delivery_acknowledged_with_a_huge_count_is_stored(call_api, run_triage, store):
    body = json.dumps(
        {
            "id": "huge-1",
            "source": "feedback-form",
            "text": "Acme charged me twice and support never answered.",
            "author": {"handle": "jane@example.com", "followers": HUGE},
        }
    ).encode()
    assert call_api("POST", "/webhooks/generic", body, generic_headers(body)).status == 200
    while (response := run_triage()) is not None:
        assert response == {"batchItemFailures": []}
    assert store.get("generic:feedback-form:huge-1").mention.author.followers == 10**15


def test_a_conversation_is_one_case_with_one_alert(queue, store, run_triage, capture_topic):
    """Three messages from one author: the later two join the first's case, silently."""
    alerts = capture_topic("AlertsTopic")
    first = mention("700", author="dana")
    queue.send([MentionMessage(mention=first)])
    run_triage()
    later = [
        mention("701", text="@acme any news on my refund?", author="dana"),
        mention("702", text="@acme hello??", author="dana"),
    ]
    queue.send([MentionMessage(mention=m) for m in later])
    assert run_triage() == {"batchItemFailures": []}
    case = store.get("x:700")
    assert sorted(case.message_keys) == ["x:701", "x:702"] and case.version == 3
    assert {store.get(k).case_id for k in case.message_keys} == {"x:700"}
    assert [r.id for r in store.list(brand="Acme").items] == ["x:700"]
    assert len(alerts.drain(quiet_s=1.5)) == 1


def test_an_edited_filtered_stream_post_replaces_the_first_version(
    call_api, run_triage, store, event_json
):
    edited = event_json("webhooks/x-filtered-stream.json")
    first = json.loads(json.dumps(edited))
    first["data"].update(
        id="1861000000000000210",
        edit_history_tweet_ids=["1861000000000000210"],
        text="@acme the replacement blender trips the breaker too.",
    )
    del first["data"]["note_tweet"]
    for payload in (first, edited):
        body = json.dumps(payload).encode()
        assert call_api("POST", "/webhooks/x", body, x_headers(body)).status == 200
        while (response := run_triage()) is not None:
            assert response == {"batchItemFailures": []}
    record = store.get_any("x:1861000000000000210")
    assert record is not None and record.brand == "Acme"
    assert record.mention.text.endswith("Is anyone at Acme actually reading these?")
    assert record.edited_at is not None
    assert store.get_any("x:1861000000000000212") is None


def test_filtered_stream_and_activity_api_deliveries_are_stored_and_alerted_like_any_other(
    call_api, run_triage, store, event_json, capture_topic
):
    alerts = capture_topic("AlertsTopic")
    for name in ("webhooks/x-filtered-stream.json", "webhooks/x-activity-post-create.json"):
        body = json.dumps(event_json(name)).encode()
        assert call_api("POST", "/webhooks/x", body, x_headers(body)).status == 200
    while (response := run_triage()) is not None:
        assert response == {"batchItemFailures": []}
    stream = store.get("x:1861000000000000210")  # the first id of its edit history
    activity = store.get("x:1861000000000000301")
    assert stream.brand == activity.brand == "Acme"
    assert stream.triage.complaint and stream.triage.priority.value in ("high", "critical")
    assert activity.triage.priority.value in ("low", "normal")  # a question: inbox, no alert
    [alert] = alerts.drain(quiet_s=1.5)
    assert alert.attributes["platform"] == "x"
    assert "x.com" in alert.message and "1861000000000000210" in alert.message
