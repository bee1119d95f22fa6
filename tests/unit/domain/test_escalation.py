"""SLA escalation on in-memory claims and channel: once per mention, sent then recorded."""

from datetime import UTC, datetime, timedelta

import pytest
from fakes.channels import RecordingChannel
from fakes.claims import InMemoryClaims

from heard.alerts import AlertDispatcher
from heard.config import parse_config
from heard.escalation import escalate_overdue
from heard.models import (
    AlertState,
    Author,
    Mention,
    MentionRecord,
    Platform,
    Priority,
    Sentiment,
    Status,
    Triage,
)

CONFIG = parse_config("brands:\n  - name: Acme\n    keywords: [acme]\n")
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
SLA = timedelta(minutes=30)


def alerted(native_id, *, ago=timedelta(hours=2), priority=Priority.CRITICAL, **update):
    mention = Mention(
        platform=Platform.X,
        native_id=native_id,
        text="@acme my parcel never arrived and nobody answers",
        author=Author(handle="dana", followers=120_000),
        created_at=NOW - ago,
    )
    record = MentionRecord(
        id=mention.key,
        brand="Acme",
        mention=mention,
        triage=Triage(sentiment=Sentiment.NEGATIVE, priority=priority, reasons=["complaint"]),
        alert_state=AlertState.SENT,
        alerted_at=NOW - ago,
    )
    return record.model_copy(update=update)


@pytest.fixture
def claims():
    return InMemoryClaims()


@pytest.fixture
def channel():
    return RecordingChannel()


def run(claims, channel, now=NOW):
    return escalate_overdue(AlertDispatcher(claims, channel), CONFIG, sla=SLA, now=now)


def test_an_overdue_mention_is_escalated_once(claims, channel):
    claims.put(alerted("1"))
    assert run(claims, channel) == ["x:1"]
    assert run(claims, channel, NOW + timedelta(minutes=5)) == []
    (alert,) = channel.sent
    assert alert.escalation and alert.record.id == "x:1" and alert.brand.name == "Acme"
    assert claims.get("x:1").escalated_at == NOW


def test_it_is_sent_first_then_recorded(claims):
    claims.put(alerted("1"))
    seen = []
    channel = RecordingChannel(on_send=lambda a: seen.append(claims.get(a.record.id)))
    run(claims, channel)
    assert seen[0].escalated_at is None  # not recorded before the send
    assert claims.calls[-1] == "mark_escalated"


def test_only_alerted_high_and_critical_mentions_still_new_past_the_sla(claims, channel):
    claims.put(alerted("due"))
    claims.put(alerted("high", priority=Priority.HIGH))
    claims.put(alerted("recent", ago=timedelta(minutes=10)))
    claims.put(alerted("normal", priority=Priority.NORMAL))
    claims.put(alerted("handled", status=Status.ACKNOWLEDGED))
    claims.put(alerted("quiet", alert_state=AlertState.NONE, alerted_at=None))
    claims.put(alerted("refused", alert_state=AlertState.FAILED))
    claims.put(alerted("deleted", deleted=True))
    assert sorted(run(claims, channel)) == ["x:due", "x:high"]


def test_a_failed_send_is_retried_on_the_next_run(claims, channel):
    claims.put(alerted("1"))
    channel.fail_transiently()
    assert run(claims, channel) == []
    assert claims.get("x:1").escalated_at is None
    assert run(claims, channel, NOW + timedelta(minutes=5)) == ["x:1"]
    assert len(channel.sent) == 1


def test_one_bad_record_does_not_stop_the_others(claims, channel):
    claims.put(alerted("1", ago=timedelta(hours=1)))
    claims.put(alerted("2", ago=timedelta(hours=3)))
    channel.fail_transiently()  # the first one sent (the newest, x:1) fails
    assert run(claims, channel) == ["x:2"]
    assert run(claims, channel, NOW + timedelta(minutes=5)) == ["x:1"]


def test_an_escalation_refused_for_good_is_recorded_and_not_repeated(claims, channel):
    claims.put(alerted("1"))
    channel.fail_permanently()
    assert run(claims, channel) == []
    assert "Message too long" in claims.escalation_errors["x:1"]
    assert claims.get("x:1").escalated_at is None
    channel.recover()
    assert run(claims, channel, NOW + timedelta(minutes=5)) == []
    assert channel.attempts == 1
