"""The notify function against fake Slack and Teams servers on loopback, with the stack's
queue and idempotency table in moto; and a mention through triage to the fake Slack."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from fakes.records import angry_record
from heard_local.defaults import DEMO_CONFIG, local_environment
from heard_local.fakes import FakeSlack, FakeTeams, alerts_secret
from heard_local.runtime import load_handler
from heard_local.sqs_source import lambda_record

from heard.alerts.channels import NotifyQueue, notify_message
from heard.alerts.notice import from_record
from heard.config import load_config_file
from heard.ingest import IngestQueue
from heard.models import Author, Mention, MentionMessage, Platform

INBOX = "http://127.0.0.1:3000/app/"


@pytest.fixture
def fakes() -> Iterator[tuple[FakeSlack, FakeTeams]]:
    with FakeSlack() as slack, FakeTeams() as teams:
        yield slack, teams


@pytest.fixture
def notify(stack, moto_server, fakes, monkeypatch):
    slack, teams = fakes
    extra = {
        "HEARD_ALERTS_SECRET": json.dumps(alerts_secret(slack, teams)),
        "HEARD_SLACK_API_URL": slack.api_url,
        "HEARD_INBOX_URL": INBOX,
    }
    for name, value in extra.items():
        monkeypatch.setenv(name, value)
    return load_handler(
        stack.functions["NotifyFunction"], {**local_environment(moto_server, stack.region), **extra}
    )


@pytest.fixture
def enqueue(stack):
    """``enqueue(channel)``: the demo alert of a critical legal mention, for one channel."""
    brand = load_config_file(DEMO_CONFIG).brand("Acme")
    assert brand is not None and brand.alerts is not None
    queue = NotifyQueue(stack.client("sqs"), stack.queue_url("NotifyQueue"))

    def _enqueue(channel: str, native_id: str = "1849") -> dict:
        notice = from_record(angry_record(native_id=native_id), brand, inbox_url=INBOX)
        message = notify_message(notice, channel, brand.alerts.channels[channel])
        queue.put([message])
        return message

    return _enqueue


@pytest.fixture
def deliver(stack, notify, lambda_context, sqs_messages):
    """Hand what is on the notify queue to the function (one batch); returns the response and
    the messages, whose receipt handles let a test make them visible again."""

    def _deliver(wait_s: int = 0) -> tuple[dict, list[dict]]:
        messages = sqs_messages("NotifyQueue", max=5, wait_s=wait_s)
        if not messages:
            return {}, []
        arn = stack.queue_arn("NotifyQueue")
        event = {"Records": [lambda_record(m, arn, stack.region) for m in messages]}
        response = notify(event, lambda_context("NotifyFunction"))
        # As the event source mapping does: what did not fail is deleted.
        failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
        sqs = stack.client("sqs")
        for message in messages:
            if message["MessageId"] not in failed:
                sqs.delete_message(
                    QueueUrl=stack.queue_url("NotifyQueue"), ReceiptHandle=message["ReceiptHandle"]
                )
        return response, messages

    return _deliver


def again(stack, messages: list[dict]) -> None:
    """Make received messages visible now (what the queue does after their wait)."""
    sqs = stack.client("sqs")
    for message in messages:
        sqs.change_message_visibility(
            QueueUrl=stack.queue_url("NotifyQueue"),
            ReceiptHandle=message["ReceiptHandle"],
            VisibilityTimeout=0,
        )


def test_a_slack_webhook_alert_is_posted_once_even_when_redelivered(stack, fakes, enqueue, deliver):
    slack, _ = fakes
    message = enqueue("care-slack")
    response, _ = deliver()
    assert response == {"batchItemFailures": []}
    (posted,) = slack.messages()
    assert posted["blocks"][0]["type"] == "header"
    assert posted["blocks"][-1]["elements"][0]["url"] == f"{INBOX}#/cases/x:1849"
    # The same message again (SQS at-least-once): not posted twice.
    NotifyQueue(stack.client("sqs"), stack.queue_url("NotifyQueue")).put([message])
    assert deliver()[0] == {"batchItemFailures": []}
    assert len(slack.received("/services/")) == 1


def test_a_rate_limited_alert_comes_back_after_retry_after(stack, fakes, enqueue, deliver):
    slack, _ = fakes
    slack.fail(429, retry_after=2)
    enqueue("care-slack")
    response, _ = deliver()
    assert len(response["batchItemFailures"]) == 1
    assert deliver()[1] == []  # invisible for its Retry-After, not the queue's 540 s...
    time.sleep(2.5)
    response, _ = deliver(wait_s=1)  # ...and back after it
    assert response == {"batchItemFailures": []}
    assert len(slack.messages()) == 1


def test_a_server_error_is_retried_and_a_refused_payload_dropped(stack, fakes, enqueue, deliver):
    slack, _ = fakes
    slack.fail(500)
    enqueue("care-slack")
    response, received = deliver()
    assert len(response["batchItemFailures"]) == 1
    again(stack, received)
    assert deliver()[0] == {"batchItemFailures": []}
    assert len(slack.messages()) == 1

    slack.fail(400)  # invalid_payload: the same message can never succeed
    enqueue("care-slack", native_id="1850")
    response, _ = deliver()
    assert response == {"batchItemFailures": []}  # dropped, not retried
    assert deliver()[1] == []
    assert slack.received("/services/")[-1]["response"] == "invalid_payload"


def test_chat_post_message_ok_false_is_read_from_the_body(stack, fakes, enqueue, deliver):
    slack, _ = fakes
    enqueue("legal-slack")
    assert deliver()[0] == {"batchItemFailures": []}
    (posted,) = slack.received("/api/chat.postMessage")
    assert posted["body"]["channel"] == "C0HEARD0001" and posted["response"]["ok"] is True
    assert posted["headers"]["authorization"].startswith("Bearer ")

    slack.fail(400, message="ratelimited")  # HTTP 200, ok: false, ratelimited: retry
    enqueue("legal-slack", native_id="1851")
    response, received = deliver()
    assert len(response["batchItemFailures"]) == 1
    assert slack.received("/api/")[-1]["status"] == 200
    again(stack, received)
    slack.fail(400, message="channel_not_found")  # ok: false for good: dropped
    response, _ = deliver()
    assert response == {"batchItemFailures": []}
    assert deliver()[1] == []


def test_teams_takes_the_card_with_202_and_a_400_is_dropped(stack, fakes, enqueue, deliver):
    _, teams = fakes
    enqueue("crisis-teams")
    assert deliver()[0] == {"batchItemFailures": []}
    (card,) = teams.cards()
    content = card["attachments"][0]["content"]
    assert content["actions"][0]["type"] == "Action.OpenUrl"
    teams.fail(400)
    enqueue("crisis-teams", native_id="1852")
    assert deliver()[0] == {"batchItemFailures": []}
    assert len(teams.cards()) == 1


def test_a_failing_channel_raises_one_ops_alert_and_its_recovery_resolves_it(
    stack, fakes, enqueue, deliver, capture_topic
):
    slack, _ = fakes
    ops = capture_topic("OpsTopic")
    slack.fail(500, times=7)
    enqueue("care-slack")
    for _ in range(7):
        response, received = deliver()
        assert len(response["batchItemFailures"]) == 1
        again(stack, received)
    assert deliver()[0] == {"batchItemFailures": []}
    deliveries = ops.drain(quiet_s=1.5)
    subjects = [d.subject for d in deliveries]
    assert subjects == [
        "Heard: alerts to care-slack (Acme) keep failing",
        "Heard: alerts to care-slack (Acme) are delivered again",
    ]


def test_a_critical_mention_through_triage_reaches_the_fake_slack(
    stack, fakes, deliver, run_triage
):
    slack, teams = fakes
    mention = Mention(
        platform=Platform.X,
        native_id="1900",
        text="@acme my lawyer will hear about this: your heater caught fire. Recall it!",
        author=Author(id="77", handle="dana_reviews", followers=84_000, verified=True),
        url="https://x.com/dana_reviews/status/1900",
        created_at="2026-11-22T09:00:00Z",
        account_id="1000000001",
    )
    IngestQueue(stack.client("sqs"), stack.queue_url("IngestQueue")).send(
        [MentionMessage(mention=mention)]
    )
    assert run_triage() == {"batchItemFailures": []}
    response, received = deliver()
    channels = sorted(json.loads(m["Body"])["channel"] for m in received)
    assert "care-slack" in channels and "crisis-teams" in channels
    assert response == {"batchItemFailures": []}
    texts = [m["text"] for m in slack.messages()]
    assert any("[CRITICAL] Acme: X post from @dana_reviews" in t for t in texts)
    assert teams.cards()


def test_a_digest_reaches_the_routed_slack_and_teams_as_tables(stack, fakes, deliver):
    """The demo brand routes ``kind: digest`` to care-slack and crisis-teams: the digest goes
    there through the notify queue, as Block Kit sections and an Adaptive Card's FactSets."""
    from fakes.digest import NOW, config, records
    from fakes.store import FakeMentionStore
    from heard_local.fakes.slack import block_problems
    from heard_local.fakes.teams import card_problems

    from heard.alerts.channels import RoutedChannel, SnsChannel
    from heard.digest import Cadence, compute, latest
    from heard.digest.run import ChatDigests

    slack, teams = fakes
    seeded = config().brands[0]
    digest = compute(
        FakeMentionStore(records()), seeded, latest(seeded.digest, Cadence.DAILY, NOW), now=NOW
    )
    demo = load_config_file(DEMO_CONFIG).brand("Acme")
    assert demo is not None
    routed = RoutedChannel(
        SnsChannel(stack.client("sns"), stack.topic_arn("AlertsTopic")),
        NotifyQueue(stack.client("sqs"), stack.queue_url("NotifyQueue")),
    )
    assert ChatDigests(routed)(digest, demo) == ["care-slack", "crisis-teams"]
    assert deliver()[0] == {"batchItemFailures": []}
    (posted,) = slack.messages()
    assert block_problems(posted) == []
    assert posted["blocks"][0]["text"]["text"] == "Heard: Acme daily digest, Mon 23 Nov"
    sections = [
        b["text"]["text"] for b in posted["blocks"] if b["type"] == "section" and "text" in b
    ]
    assert any(
        s.startswith("*SLA met") and "*overall*: first response 3 of 5" in s for s in sections
    )
    (card,) = teams.cards()
    assert card_problems(card) == []
    body = card["attachments"][0]["content"]["body"]
    facts = {f["title"]: f["value"] for b in body if b["type"] == "FactSet" for f in b["facts"]}
    assert facts["Mentions"] == "10 (+6 (+150.0%) vs 4)"
    assert facts["negative"] == "4 (40.0%; -10.0 pts vs 50.0%)"
    # Delivered once: the same digest queued again (a retried run) is not posted twice.
    ChatDigests(routed)(digest, demo)
    deliver()
    assert len(slack.messages()) == 1 and len(teams.cards()) == 1


def test_a_crisis_end_replies_in_the_crisis_alerts_slack_thread(stack, fakes, deliver):
    """chat.postMessage answers the crisis alert's ts, kept with the crisis in SignalsTable;
    the end is posted in that thread. An incoming webhook answers no ts: no thread there."""
    from datetime import UTC, datetime

    from heard.alerts.channels import RoutedChannel, SnsChannel
    from heard.spikes.report import CrisisEnd, CrisisReport

    slack, _ = fakes
    demo = load_config_file(DEMO_CONFIG).brand("Acme")
    assert demo is not None and demo.alerts is not None
    routed = RoutedChannel(
        SnsChannel(stack.client("sns"), stack.topic_arn("AlertsTopic")),
        NotifyQueue(stack.client("sqs"), stack.queue_url("NotifyQueue")),
    )
    opened = datetime(2026, 11, 30, 10, 5, tzinfo=UTC)
    report = CrisisReport("acme-2026-11-30T10:00Z", "Acme", opened, 30, 2841, 62.0)
    end = CrisisEnd(report.crisis_id, "Acme", opened, opened.replace(hour=12), 6120, 5402, 1410, 7)
    for notice in (report.notice(), end.notice()):
        # The bot channel and the webhook channel, as if the routes gave crises both.
        routed.broadcast(notice, demo, only="legal-slack", topic=False)
        routed.broadcast(notice, demo, only="care-slack", topic=False)
        assert deliver()[0] == {"batchItemFailures": []}
    posted = [
        (r["path"], r["body"], r["response"])
        for r in slack.received()
        if r["status"] == 200 and r["path"] != "/_heard/requests"
    ]
    api = [(body, answer) for path, body, answer in posted if path.endswith("chat.postMessage")]
    hooks = [body for path, body, _ in posted if path.startswith("/services/")]
    (alert, alert_answer), (over, _) = api
    assert "thread_ts" not in alert and over["thread_ts"] == alert_answer["ts"]
    assert over["blocks"][0]["text"]["text"].startswith("Crisis over")
    assert [("thread_ts" in body) for body in hooks] == [False, False]
    item = stack.client("dynamodb").get_item(
        TableName=stack.table_name("SignalsTable"),
        Key={
            "pk": {"S": "crisis#acme"},
            "sk": {"S": f"thread#crisis:{report.crisis_id}#legal-slack"},
        },
    )["Item"]
    assert item["ts"]["S"] == alert_answer["ts"]
