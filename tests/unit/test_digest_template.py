"""The digest function in template.yaml: its schedule, dead letters, rights and the email
subscription's filter."""

from __future__ import annotations

import json

from test_template import load_template


def test_the_digest_schedule_ticks_every_15_minutes_with_dead_letters():
    resources = load_template()["Resources"]
    function = resources["DigestFunction"]["Properties"]
    tick = function["Events"]["Tick"]
    assert tick["Type"] == "ScheduleV2"
    assert tick["Properties"]["ScheduleExpression"] == "rate(15 minutes)"
    dlq = {"Fn::GetAtt": ["DigestDeadLetterQueue", "Arn"]}
    assert tick["Properties"]["DeadLetterConfig"]["Arn"] == dlq
    assert function["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]["Destination"] == dlq
    assert set(function["Environment"]["Variables"]) == {
        "MENTIONS_TABLE",
        "ALERTS_TOPIC_ARN",
        "IDEMPOTENCY_TABLE",
        "SIGNALS_TABLE",
        "NOTIFY_QUEUE_URL",  # digests to the brands' chat channels
        "HEARD_INBOX_URL",
    }


def test_the_digest_function_reads_mentions_and_writes_only_its_claims():
    function = load_template()["Resources"]["DigestFunction"]["Properties"]
    statements = [
        st
        for policy in function["Policies"]
        if isinstance(policy, dict) and "Statement" in policy
        for st in policy["Statement"]
    ]
    by_sid = {st["Sid"]: st for st in statements}
    assert by_sid["ReadMentions"]["Action"] == ["dynamodb:Query", "dynamodb:BatchGetItem"]
    assert by_sid["DigestClaims"]["Resource"] == {"Fn::GetAtt": ["IdempotencyTable", "Arn"]}
    text = json.dumps(function["Policies"])
    assert "MentionsTable" not in json.dumps(by_sid["DigestClaims"])
    assert "DynamoDBCrudPolicy" not in text and "DynamoDBWritePolicy" not in text
    # SES only from the senders the DigestSenders parameter allows.
    assert '"ses:FromAddress"' in text and "DigestSenders" in text
    # The chat channels through the notifier's queue, nothing more.
    sends = [p["SQSSendMessagePolicy"] for p in function["Policies"] if "SQSSendMessagePolicy" in p]
    assert sends == [{"QueueName": {"Fn::GetAtt": ["NotifyQueue", "QueueName"]}}]


def test_the_email_subscription_takes_digests_and_the_sms_one_does_not():
    resources = load_template()["Resources"]
    email = resources["AlertEmailSubscription"]["Properties"]["FilterPolicy"]
    assert email["$or"] == [{"severity": ["high", "critical"]}, {"kind": ["digest"]}]
    assert resources["AlertSmsSubscription"]["Properties"]["FilterPolicy"] == {
        "severity": ["critical"]
    }
