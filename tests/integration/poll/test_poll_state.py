"""The poll state table on moto: conditional cursors, budgets that concurrent runs share, due
claims that one tick wins."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from heard.store.pollstate import Cursor, StaleCursor

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
DAY = date(2026, 11, 30)


def test_a_cursor_advances_only_from_the_version_read(poll):
    state = poll.state
    read = state.cursor("reddit", "Acme", "search:acme")
    assert read == Cursor()
    first = state.advance("reddit", "Acme", "search:acme", read, {"after": "t3_1"}, NOW)
    assert state.cursor("reddit", "ACME", "search:acme") == first == Cursor({"after": "t3_1"}, 1)
    with pytest.raises(StaleCursor):  # another run read the same version and got there first
        state.advance("reddit", "Acme", "search:acme", read, {"after": "t3_0"}, NOW)
    assert state.cursor("reddit", "Acme", "search:acme").state == {"after": "t3_1"}


def test_reservations_never_pass_the_daily_budget(poll):
    state = poll.state
    assert [state.reserve("x", DAY, 40, 100) for _ in range(3)] == [True, True, False]
    assert state.spent("x", DAY) == 80
    assert state.reserve("x", DAY, 20, 100)
    assert not state.reserve("x", DAY, 1, 100)
    state.refund("x", DAY, 30)
    assert state.spent("x", DAY) == 70
    assert state.reserve("x", DAY + timedelta(days=1), 100, 100)  # a new day, a new budget
    assert not state.reserve("x", DAY, 101, 100)


def test_one_tick_claims_a_due_run_and_the_next_waits_for_the_period(poll):
    state = poll.state
    every = timedelta(minutes=5)
    assert state.claim_due("hackernews", "Acme", NOW, every)
    assert not state.claim_due("hackernews", "Acme", NOW, every)
    assert not state.claim_due("hackernews", "Acme", NOW + timedelta(minutes=4), every)
    # A tick a few seconds early still runs it: five minutes on, less the slack.
    assert state.claim_due("hackernews", "Acme", NOW + timedelta(minutes=4, seconds=50), every)
    assert state.claim_due("hackernews", "Globex", NOW, every)  # each brand on its own


def test_health_counts_failures_and_a_success_resets_them(poll):
    state = poll.state
    until = NOW + timedelta(minutes=2)
    assert state.record_failure("bluesky", NOW, "503", until, failed=True).failures == 1
    assert state.record_failure("bluesky", NOW, "429", until, failed=False).failures == 1
    after = state.record_failure("bluesky", NOW, "503", None, failed=True)
    assert after.failures == 2 and after.backoff_until == until and after.last_error == "503"
    before = state.record_success("bluesky", NOW, None)
    assert before.failures == 2
    assert state.health("bluesky").failures == 0
    assert state.health("bluesky").backoff_until is None
