"""Storm control's state in DynamoDB (moto over HTTP): the cap under concurrency, held lines,
windows handed out once, and a hold that races the summary."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from heard_local.defaults import REGION

from heard.alerts.storm import (
    ChannelRules,
    Decision,
    DynamoStormState,
    Held,
    StormControl,
    Window,
)
from heard.models import Priority

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


@pytest.fixture
def table(moto_server):
    ddb = boto3.resource(
        "dynamodb",
        endpoint_url=moto_server,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    name = f"signals-{uuid.uuid4().hex[:8]}"
    created = ddb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
    )
    yield created
    created.delete()


def held(n: int, priority: Priority = Priority.HIGH) -> Held:
    return Held(f"x:{n}", priority, "mention", f"@user{n}: refund still missing", T0)


def test_concurrent_senders_never_pass_the_cap_together(table):
    storm = StormControl(DynamoStormState(table))
    sms = ChannelRules("Acme", "sms", max_per_hour=5)
    with ThreadPoolExecutor(8) as pool:
        decisions = list(pool.map(lambda i: storm.admit(sms, held(i), T0), range(40)))
    assert decisions.count(Decision.SEND) == 5
    assert decisions.count(Decision.CAPPED) == 35
    (summary,) = storm.summaries(T0 + timedelta(hours=1))
    assert summary.count == 35
    held_ids = {h.id for h in summary.held}
    assert len(held_ids) == 35 and held_ids <= {f"x:{i}" for i in range(40)}


def test_each_closed_window_is_summarised_once_across_overlapping_runs(table):
    state = DynamoStormState(table)
    storm = StormControl(state)
    sms = ChannelRules("Acme", "sms", max_per_hour=0)
    slack = ChannelRules("Acme", "slack", max_per_hour=0)
    for i in range(6):
        storm.admit(sms, held(i), T0)
        storm.admit(slack, held(i), T0)
    assert storm.summaries(T0 + timedelta(minutes=59)) == []
    later = T0 + timedelta(hours=1)
    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(lambda _: storm.summaries(later), range(4)))
    got = [s for run in runs for s in run]
    assert sorted(s.window.channel for s in got) == ["slack", "sms"]
    assert [s.count for s in got] == [6, 6], [s.held for s in got]
    assert storm.summaries(later + timedelta(hours=5)) == []


def test_a_redelivered_hold_is_one_line(table):
    storm = StormControl(DynamoStormState(table))
    sms = ChannelRules("Acme", "sms", max_per_hour=0)
    for _ in range(3):
        storm.admit(sms, held(1), T0)
    (summary,) = storm.summaries(T0 + timedelta(hours=1))
    assert [h.id for h in summary.held] == ["x:1"]
    assert summary.held[0] == held(1)  # the line round-trips


def test_a_hold_after_the_summary_goes_to_a_late_window(table):
    state = DynamoStormState(table)
    storm = StormControl(state)
    storm.admit(ChannelRules("Acme", "sms", max_per_hour=0), held(1), T0)
    storm.summaries(T0 + timedelta(hours=1))
    window = Window("Acme", "sms", Decision.CAPPED, T0, T0 + timedelta(hours=1))
    state.hold(window, held(2))
    (late,) = storm.summaries(T0 + timedelta(hours=1))
    assert [h.id for h in late.held] == ["x:2"]
