"""The one dispatch path: claim → gate → channel → record, on in-memory claims and channel."""

from datetime import UTC, datetime, timedelta

import pytest
from fakes.channels import RecordingChannel
from fakes.claims import RELEASED, InMemoryClaims

from heard.alerts import AlertDispatcher
from heard.models import AlertState, Priority
from heard.store import CLAIM_TIMEOUT

NOW = datetime(2026, 11, 22, 9, 31, tzinfo=UTC)


@pytest.fixture
def claims():
    return InMemoryClaims()


@pytest.fixture
def channel():
    return RecordingChannel()


@pytest.fixture
def alerts(claims, channel):
    return AlertDispatcher(claims, channel)


@pytest.fixture
def claimed(claims, make_record):
    """A record stored already claimed by this invocation, a moment ago."""

    def _claimed(claimed_at=NOW, **kwargs):
        record = make_record(**kwargs)
        record.alert_state = AlertState.PUBLISHING
        record.alert_claimed_at = claimed_at
        return claims.put(record)

    return _claimed


def test_the_gate_is_the_brands_threshold(alerts, make_record, brand):
    assert alerts.wants_alert(make_record(Priority.HIGH), brand("Acme"))
    assert not alerts.wants_alert(make_record(Priority.NORMAL), brand("Acme"))


def test_a_new_alert_is_sent_once_then_marked_sent(alerts, claims, channel, claimed, brand):
    record = claimed()
    assert alerts.alert_new(record, brand("Acme")) is True
    (alert,) = channel.sent
    assert alert.record.id == record.id and alert.brand.name == "Acme" and alert.sla is None
    assert claims.get(record.id).alert_state is AlertState.SENT
    assert claims.get(record.id).alerted_at is not None
    assert claims.calls == ["mark_alerted"]  # sent first, recorded after


def test_an_edit_that_claimed_an_alert_sends_it(alerts, claims, channel, claimed):
    record = claimed()
    assert alerts.alert_edit(record) is True
    assert len(channel.sent) == 1
    assert claims.get(record.id).alert_state is AlertState.SENT


def test_a_fresh_claim_is_not_taken_over(alerts, claims, channel, claimed):
    record = claimed(claimed_at=NOW)
    assert alerts.take_over(record, now=NOW + CLAIM_TIMEOUT - timedelta(seconds=1)) is False
    assert channel.sent == []
    assert claims.get(record.id).alert_state is AlertState.PUBLISHING


def test_a_stale_claim_is_taken_over_by_one_redelivery_only(alerts, claims, channel, claimed):
    record = claimed(claimed_at=NOW)
    later = NOW + CLAIM_TIMEOUT + timedelta(seconds=1)
    # Two redeliveries race on the same stale claim.
    first = alerts.take_over(record, now=later)
    second = alerts.take_over(record, now=later)
    assert (first, second) == (True, False)
    assert len(channel.sent) == 1
    assert claims.get(record.id).alert_state is AlertState.SENT


def test_a_sent_alert_is_never_taken_over(alerts, channel, claimed):
    record = claimed(claimed_at=NOW)
    alerts.alert_new(record)
    assert alerts.take_over(record, now=NOW + timedelta(hours=1)) is False
    assert len(channel.sent) == 1


def test_a_transient_failure_releases_the_claim_and_raises(alerts, claims, channel, claimed):
    record = claimed()
    channel.fail_transiently()
    with pytest.raises(ConnectionError):
        alerts.alert_new(record)
    stored = claims.get(record.id)
    assert stored.alert_state is AlertState.PUBLISHING
    assert stored.alert_claimed_at == RELEASED
    # The redelivery, a second later, takes the released claim at once.
    assert alerts.take_over(stored, now=NOW + timedelta(seconds=1)) is True
    assert len(channel.sent) == 1
    assert claims.get(record.id).alert_state is AlertState.SENT


def test_a_transient_failure_on_take_over_releases_it_too(alerts, claims, channel, claimed):
    record = claimed(claimed_at=NOW - timedelta(minutes=5))
    channel.fail_transiently(error=TimeoutError("read timed out"))
    with pytest.raises(TimeoutError):
        alerts.take_over(record, now=NOW)
    assert claims.get(record.id).alert_claimed_at == RELEASED


def test_a_permanent_failure_is_recorded_failed_and_not_raised(alerts, claims, channel, claimed):
    record = claimed()
    channel.fail_permanently("InvalidParameterValue")
    assert alerts.alert_new(record) is False
    assert claims.get(record.id).alert_state is AlertState.FAILED
    assert "InvalidParameterValue" in claims.alert_errors[record.id]
    assert "release_claim" not in claims.calls
    # Nothing left claimed: no later delivery tries again.
    assert alerts.take_over(record, now=NOW + timedelta(hours=1)) is False
    assert channel.attempts == 1 and channel.sent == []
