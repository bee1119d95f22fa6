"""The case workflow: what a person's update, a follow-up and a reopening do to a case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fakes.records import record

from heard.cases.workflow import CaseError, CaseUpdate, apply_update, join
from heard.models import Priority, Sentiment, Status, Triage

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def update(**fields) -> CaseUpdate:
    return CaseUpdate.model_validate(fields)


def test_acknowledging_records_when_and_who() -> None:
    case = apply_update(record(1), update(status="acknowledged"), "alice", NOW)
    assert case.status is Status.ACKNOWLEDGED and case.acknowledged_at == NOW
    (entry,) = case.history
    assert (entry.by, entry.action, entry.detail) == (
        "alice",
        "status",
        {"from": Status.NEW, "to": Status.ACKNOWLEDGED},
    )


def test_replied_is_the_first_response_and_stops_the_wait() -> None:
    waiting = record(1).model_copy(update={"waiting_since": NOW - timedelta(hours=1)})
    case = apply_update(waiting, update(status="replied"), "alice", NOW)
    assert case.first_response_at == NOW and case.waiting_since is None
    again = apply_update(case, update(status="new"), "alice", NOW + timedelta(hours=1))
    later = apply_update(again, update(status="replied"), "alice", NOW + timedelta(hours=2))
    assert later.first_response_at == NOW  # the first response stays the first


@pytest.mark.parametrize("closing", [Status.RESOLVED, Status.IGNORED, Status.SPAM])
def test_closing_and_reopening(closing: Status) -> None:
    closed = apply_update(record(1), update(status=closing), "alice", NOW)
    assert closed.resolved_at == NOW and not closed.status.open
    reopened = apply_update(closed, update(status="new"), "bob", NOW + timedelta(days=1))
    assert reopened.resolved_at is None
    assert reopened.waiting_since == NOW + timedelta(days=1)
    assert [h.by for h in reopened.history] == ["alice", "bob"]


def test_assign_unassign_override_priority_tags_and_notes() -> None:
    case = apply_update(
        record(1),
        update(assignee="alice", priority="critical", tags=["billing", "vip"], note="called her"),
        "bob",
        NOW,
    )
    assert (case.assignee, case.priority, case.priority_override) == (
        "alice",
        Priority.CRITICAL,
        Priority.CRITICAL,
    )
    assert case.tags == ["billing", "vip"]
    assert [(n.by, n.text) for n in case.notes] == [("bob", "called her")]
    assert [h.action for h in case.history] == ["assign", "priority", "tags", "note"]
    back = apply_update(
        case,
        update(assignee=None, priority=None, remove_tags=["vip"], add_tags=["refund"]),
        "bob",
        NOW,
    )
    assert back.assignee is None and back.priority is Priority.NORMAL  # the triage's again
    assert back.tags == ["billing", "refund"]


def test_an_update_that_changes_nothing_leaves_the_case_as_it_was() -> None:
    case = record(1)
    assert apply_update(case, update(status="new", tags=[]), "alice", NOW) is case


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "closed"},
        {"status": None},
        {"colour": "red"},
        {"tags": ["ok", ""]},
        {"tags": [f"t{i}" for i in range(21)]},
        {"note": ""},
        {"priority": "urgent"},
        {"version": 0},
    ],
)
def test_bad_updates_are_refused_with_the_field(fields) -> None:
    with pytest.raises(ValueError):
        CaseUpdate.model_validate(fields)


def test_a_follow_up_cannot_be_updated_on_its_own() -> None:
    follow_up = record(2).model_copy(update={"case_id": "x:1"})
    with pytest.raises(CaseError) as caught:
        apply_update(follow_up, update(status="resolved"), "alice", NOW)
    assert caught.value.field == "id" and "x:1" in caught.value.message


def test_a_follow_up_puts_a_replied_case_back_to_the_team() -> None:
    replied = apply_update(record(1), update(status="replied"), "alice", NOW)
    follow_up = record(5).model_copy(update={"case_id": "x:1"})
    joined = join(replied, follow_up, NOW + timedelta(hours=1))
    assert joined.status is Status.NEW
    assert joined.waiting_since == follow_up.mention.created_at
    assert joined.message_keys == ["x:5"]
    assert joined.history[-1].action == "message" and joined.history[-1].by == "heard"
    assert join(joined, follow_up, NOW) is joined  # joining twice changes nothing


def test_a_follow_up_raises_the_case_priority_but_not_a_persons_override() -> None:
    angry = record(6).model_copy(
        update={
            "case_id": "x:1",
            "triage": Triage(sentiment=Sentiment.NEGATIVE, priority=Priority.CRITICAL),
        }
    )
    joined = join(record(1), angry, NOW)
    assert joined.priority is Priority.CRITICAL and joined.conversation_priority is not None
    calm = apply_update(record(1), update(priority="low"), "alice", NOW)
    assert join(calm, angry, NOW).priority is Priority.LOW
