"""The inbox's filters, its sla order and the SLA figures it shows, on an in-memory store."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fakes import FakeMentionStore
from fakes.records import T0, record

from heard.api.errors import ApiError
from heard.api.inbox import Inbox
from heard.config import parse_config
from heard.models import Intent, MentionRecord, Platform, Priority, Status

CONFIG = """
brands:
  - name: Acme
    keywords: [acme]
    sla:
      targets:
        critical: {first_response: 15m, resolution: 4h}
        high: {first_response: 1h, resolution: 1d}
        normal: {first_response: 4h, resolution: 2d}
        low: none
  - name: Globex
    keywords: [globex]
"""
NOW = T0 + timedelta(hours=2)


def case(n: int, **changes) -> MentionRecord:
    """``record(n)``, received when it was created, with ``changes``."""
    base = record(n, **{k: changes.pop(k) for k in ("brand", "status", "priority") if k in changes})
    base = base.model_copy(update={"received_at": base.mention.created_at})
    if "platform" in changes:
        mention = base.mention.model_copy(update={"platform": changes.pop("platform")})
        base = base.model_copy(update={"mention": mention, "id": mention.key})
    if "intents" in changes:
        triage = base.triage.model_copy(update={"intents": changes.pop("intents")})
        base = base.model_copy(update={"triage": triage})
    return base.model_copy(update=changes)


@pytest.fixture
def store() -> FakeMentionStore:
    return FakeMentionStore(
        [
            case(1, priority=Priority.CRITICAL),  # first response due T0+16m: breached
            case(2, status=Status.ACKNOWLEDGED, assignee="alice@acme.example"),
            case(3, status=Status.REPLIED, first_response_at=T0 + timedelta(minutes=30)),
            case(4, status=Status.RESOLVED, resolved_at=T0 + timedelta(minutes=40)),
            case(5, priority=Priority.HIGH, platform=Platform.FACEBOOK, intents=[Intent.BILLING]),
            case(6, priority=Priority.LOW, intents=[Intent.BILLING, Intent.CANCEL]),
            case(7, brand="Globex", priority=Priority.HIGH, sla_events=["first_response:level0"]),
            case(
                8, sla_events=["first_response:level0"], first_response_at=T0 + timedelta(hours=1)
            ),
            case(9, status=Status.REPLIED, sla_events=["resolution:level0"]),
        ]
    )


@pytest.fixture
def inbox(store) -> Inbox:
    return Inbox(store, config=lambda: parse_config(CONFIG))


def ids(inbox: Inbox, actor: str | None = None, **params: str) -> list[int]:
    page = inbox.list(params, actor, now=NOW)
    return [int(item.id.removeprefix("x:").removeprefix("facebook:")) for item in page.items]


def every(inbox: Inbox, **params: str) -> list[int]:
    seen, cursor = [], ""
    while True:
        page = inbox.list({**params, "cursor": cursor, "limit": "2"}, now=NOW)
        seen += [int(i.id.partition(":")[2]) for i in page.items]
        if not page.next_cursor:
            return seen
        cursor = page.next_cursor


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "new,acknowledged"}, [8, 7, 6, 5, 2, 1]),
        ({"status": "open"}, [9, 8, 7, 6, 5, 3, 2, 1]),
        ({"status": "Open,resolved"}, [9, 8, 7, 6, 5, 4, 3, 2, 1]),
        ({"brand": "acme", "status": "open"}, [9, 8, 6, 5, 3, 2, 1]),
        ({"priority": "high,critical"}, [7, 5, 1]),
        ({"platform": "facebook"}, [5]),
        ({"brand": "Acme", "platform": "x", "priority": "high"}, []),
        ({"intent": "billing"}, [6, 5]),
        ({"intent": "cancel", "brand": "ACME"}, [6]),
        ({"assignee": "alice@acme.example"}, [2]),
        ({"assignee": "none", "status": "acknowledged"}, []),
        ({"since": "2026-11-22T08:05:00Z"}, [9, 8, 7, 6, 5]),
        ({"since": "2026-11-22T09:05:00+01:00", "brand": "Acme"}, [9, 8, 6, 5]),
        ({"since": "2026-11-23"}, []),
        ({"overdue": "true"}, [9, 7]),
        ({"overdue": "false", "status": "open"}, [8, 6, 5, 3, 2, 1]),
    ],
)
def test_filters(inbox, params, expected):
    assert ids(inbox, **params) == expected
    assert every(inbox, **params) == expected


def test_assignee_me_is_the_person_asking(inbox):
    assert ids(inbox, "alice@acme.example", assignee="me") == [2]
    assert ids(inbox, "bob@acme.example", assignee="ME") == []
    assert ids(inbox, assignee="none", brand="Acme", status="new") == [8, 6, 5, 1]
    with pytest.raises(ApiError) as refused:
        ids(inbox, assignee="me")
    assert refused.value.field == "assignee"


def test_the_sla_order_puts_the_first_deadline_first(inbox):
    # 1: critical, first response due 08:16; 5: high, 09:05; 7: Globex's (default) high, 09:07;
    # 2, 9: normal, 12:02 and 12:09; 3, 8 responded: resolution in 2 days; 6 is low (no
    # target) and comes last; 4 is resolved: not listed.
    order = ids(inbox, sort="sla")
    assert order == [1, 5, 7, 2, 9, 3, 8, 6]
    assert every(inbox, sort="sla") == order
    # 2 and 9 wait for a first response (4h); 3 and 8 had one and wait for resolution (2d).
    assert ids(inbox, sort="sla", brand="Acme", priority="normal") == [2, 9, 3, 8]


def test_a_cursor_is_bound_to_the_sort_and_every_filter(inbox):
    cursor = inbox.list({"sort": "sla", "limit": "2"}, now=NOW).next_cursor
    assert cursor
    for other in ({}, {"sort": "sla", "overdue": "true"}, {"sort": "sla", "status": "new"}):
        with pytest.raises(ApiError) as refused:
            inbox.list({**other, "cursor": cursor}, now=NOW)
        assert refused.value.field == "cursor"
    newest = inbox.list({"status": "open", "limit": "2"}, now=NOW).next_cursor
    for other in ({"status": "open", "sort": "sla"}, {"status": "open", "intent": "billing"}):
        with pytest.raises(ApiError):
            inbox.list({**other, "cursor": newest}, now=NOW)


def test_sort_sla_refuses_closed_statuses_and_needs_the_brands(store):
    inbox = Inbox(store, config=lambda: parse_config(CONFIG))
    with pytest.raises(ApiError) as refused:
        inbox.list({"sort": "sla", "status": "open,spam"})
    assert refused.value.field == "status" and "spam" in refused.value.message
    without = Inbox(store)
    with pytest.raises(ApiError) as unavailable:
        without.list({"sort": "sla"})
    assert unavailable.value.status == 503
    assert [i.id for i in without.list({"sort": "sla", "brand": "Globex"}).items] == ["x:7"]


def test_list_items_carry_their_sla_summary(inbox):
    items = {i.id: i for i in inbox.list({"limit": "100"}, now=NOW).items}
    assert items["x:1"].sla is not None
    assert (items["x:1"].sla.clock, items["x:1"].sla.state) == ("first_response", "breached")
    assert items["x:1"].sla.deadline == T0 + timedelta(minutes=16)
    assert items["x:3"].sla.clock == "resolution"  # first response met, resolution running
    assert (items["x:4"].sla.clock, items["x:4"].sla.state) == (None, "met")
    assert (items["x:6"].sla.clock, items["x:6"].sla.state) == (None, "none")


def test_without_the_configuration_there_are_no_sla_figures(store):
    page = Inbox(store).list({})
    assert all(item.sla is None for item in page.items)
    assert Inbox(store).get("x:1").sla is None


def test_the_case_view_has_both_clocks_and_the_notices(store, inbox):
    view = inbox.get("x:8").model_dump(mode="json")
    sla = view["sla"]
    assert sla["events"] == ["first_response:level0"]
    first, resolution = sla["first_response"], sla["resolution"]
    assert first["target"] == "4h" and first["target_s"] == 4 * 3600
    assert first["state"] == "met" and first["stopped_at"] == "2026-11-22T09:00:00Z"
    assert first["deadline"] == "2026-11-22T12:08:00Z"
    assert first["left_s"] == 3 * 3600 + 8 * 60 and first["overdue_by_s"] == 0
    assert resolution["target"] == "2d" and resolution["state"] in ("ok", "warning", "breached")
    assert resolution["stopped_at"] is None
    assert (sla["clock"], sla["deadline"]) == ("resolution", resolution["deadline"])
    critical = inbox.get("x:1").sla
    assert critical is not None and critical.first_response.state == "breached"
    assert critical.first_response.overdue_by_s > 0 and critical.first_response.left_s == 0
    low = inbox.get("x:6").sla
    assert low is not None and low.first_response.state == "none"
    assert low.first_response.target is None and low.first_response.deadline is None
