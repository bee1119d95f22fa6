"""The inbox on an in-memory store: parameters, filters, pages, refusals and what a client sees."""

from __future__ import annotations

import base64
import inspect
import json

import pytest
from fakes import FakeMentionStore
from fakes.records import T0, record

from heard.api.errors import ApiError
from heard.api.inbox import LIST_PARAMETERS, Inbox, MentionReader
from heard.api.responses import CaseView, MentionView
from heard.models import (
    AlertState,
    MentionRecord,
    Priority,
    Status,
)
from heard.store import MentionStore


@pytest.fixture
def store() -> FakeMentionStore:
    return FakeMentionStore(
        [
            *(record(n) for n in range(1, 6)),
            record(6, priority=Priority.HIGH),
            record(7, priority=Priority.HIGH),
            record(8, status=Status.RESOLVED, priority=Priority.HIGH),
            record(9, brand="Globex", priority=Priority.CRITICAL),
        ]
    )


@pytest.fixture
def inbox(store) -> Inbox:
    return Inbox(store)


def ids(inbox: Inbox, **params: str) -> list[str]:
    return [item.id for item in inbox.list(params).items]


def refusal(inbox: Inbox, **params: str) -> ApiError:
    with pytest.raises(ApiError) as caught:
        inbox.list(params)
    assert caught.value.status == 400
    return caught.value


def everything(inbox: Inbox, **params: str) -> list[str]:
    """Every page of a listing, following ``next_cursor``."""
    seen: list[str] = []
    cursor = ""
    while True:
        page = inbox.list({**params, "cursor": cursor})
        seen += [item.id for item in page.items]
        if not page.next_cursor:
            return seen
        cursor = page.next_cursor


def forge(cursor: str, **changes) -> str:
    """``cursor`` with its key changed (``None`` drops an attribute), re-encoded."""
    data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    for name, value in changes.items():
        if value is None:
            data["k"].pop(name)
        else:
            data["k"][name] = value
    raw = json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "name", ["put_new", "get_any", "get", "mark_deleted", "apply_edit", "list"]
)
def test_the_fake_has_the_stores_public_methods(name):
    real = inspect.signature(getattr(MentionStore, name))
    fake = inspect.signature(getattr(FakeMentionStore, name))
    assert list(fake.parameters) == list(real.parameters)
    assert [p.default for p in fake.parameters.values()] == [
        p.default for p in real.parameters.values()
    ]


def test_the_fake_and_the_store_offer_what_the_inbox_needs():
    assert isinstance(FakeMentionStore(), MentionReader)
    assert issubclass(MentionStore, MentionReader)


# --- filters ------------------------------------------------------------------------------


def test_lists_every_brand_newest_first(inbox):
    assert ids(inbox) == [f"x:{n}" for n in range(9, 0, -1)]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"brand": "Acme"}, [8, 7, 6, 5, 4, 3, 2, 1]),
        ({"brand": "Acme", "status": "resolved"}, [8]),
        ({"brand": "Acme", "priority": "high"}, [8, 7, 6]),
        ({"brand": "Acme", "status": "new", "priority": "high"}, [7, 6]),
        ({"status": "new", "priority": "high"}, [7, 6]),
        ({"priority": "critical"}, [9]),
        ({"brand": "Globex"}, [9]),
        ({"brand": "Initech"}, []),
    ],
)
def test_filters_combine(inbox, params, expected):
    assert ids(inbox, **params) == [f"x:{n}" for n in expected]


@pytest.mark.parametrize("brand", ["acme", "ACME", "aCmE"])
def test_brand_matches_in_any_case_and_shows_as_configured(inbox, brand):
    page = inbox.list({"brand": brand, "status": "resolved"})
    assert [item.id for item in page.items] == ["x:8"]
    assert page.items[0].brand == "Acme"
    assert ids(inbox, brand=brand, priority="high") == ["x:8", "x:7", "x:6"]


def test_status_and_priority_match_in_any_case(inbox):
    assert ids(inbox, brand="Acme", status="RESOLVED", priority="High") == ["x:8"]


def test_empty_parameters_count_as_absent(inbox):
    empty = dict.fromkeys(LIST_PARAMETERS, "")
    assert ids(inbox, **empty) == ids(inbox)


# --- pages --------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", ["1", "2", "3", "100"])
def test_pages_follow_the_cursor_to_the_end(inbox, limit):
    assert everything(inbox, brand="Acme", limit=limit) == [f"x:{n}" for n in range(8, 0, -1)]
    assert everything(inbox, brand="acme", priority="high", limit=limit) == ["x:8", "x:7", "x:6"]


def test_a_page_is_at_most_limit_long_and_25_by_default(store):
    for n in range(100, 140):
        store.put_new(record(n))
    inbox = Inbox(store)
    assert len(inbox.list({}).items) == 25
    assert len(inbox.list({"limit": "2"}).items) == 2
    assert inbox.list({"limit": "100"}).next_cursor is None


def test_a_cursor_survives_a_change_of_brand_case(inbox):
    first = inbox.list({"brand": "Acme", "limit": "3"})
    rest = inbox.list({"brand": "ACME", "limit": "10", "cursor": first.next_cursor})
    assert [i.id for i in rest.items] == ["x:5", "x:4", "x:3", "x:2", "x:1"]


@pytest.mark.parametrize(
    "other",
    [
        {"brand": "Acme", "status": "new", "priority": "high"},  # a filter expression added
        {"brand": "Acme"},  # a filter dropped
        {"brand": "Acme", "status": "resolved"},  # a filter changed
        {"brand": "Globex", "status": "new"},
        {"status": "new"},  # same filter, another index
    ],
)
def test_a_cursor_is_refused_by_a_listing_with_other_filters(inbox, other):
    cursor = inbox.list({"brand": "Acme", "status": "new", "limit": "2"}).next_cursor
    assert cursor
    error = refusal(inbox, **other, cursor=cursor)
    assert error.field == "cursor" and "other filters" in error.message


def test_a_cursor_with_the_priority_filter_is_refused_without_it(inbox):
    params = {"brand": "Acme", "status": "new", "priority": "high", "limit": "1"}
    cursor = inbox.list(params).next_cursor
    assert cursor
    error = refusal(inbox, brand="Acme", status="new", cursor=cursor)
    assert error.field == "cursor"


@pytest.mark.parametrize(
    "changes",
    [
        {"brand_status": None},  # the index's hash key missing
        {"sort_key": None},
        {"pk": None},
        {"brand": "acme"},  # an attribute no key of this index has
        {"brand_status": "globex#new"},  # another partition
    ],
)
def test_a_cursor_with_a_forged_key_is_refused(inbox, changes):
    cursor = inbox.list({"brand": "Acme", "status": "new", "limit": "2"}).next_cursor
    error = refusal(inbox, brand="Acme", status="new", cursor=forge(cursor, **changes))
    assert error.field == "cursor" and error.code == "invalid_parameter"


# --- refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "closed"}, "status"),
        ({"status": "open,closed"}, "status"),
        ({"status": ","}, "status"),
        ({"priority": "urgent"}, "priority"),
        ({"priority": "high,urgent"}, "priority"),
        ({"platform": "myspace"}, "platform"),
        ({"intent": "gossip"}, "intent"),
        ({"overdue": "yes"}, "overdue"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-13-01"}, "since"),
        ({"sort": "oldest"}, "sort"),
        ({"assignee": "x" * 400}, "assignee"),
        ({"sort": "sla", "status": "resolved"}, "status"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"limit": "²"}, "limit"),  # str.isdigit() says yes, int() says no
        ({"limit": "٣"}, "limit"),  # an Arabic-Indic three: a digit, not ASCII
        ({"limit": "1" * 5000}, "limit"),
        ({"limit": " 5"}, "limit"),
        ({"cursor": "garbage!"}, "cursor"),
        ({"cursor": base64.urlsafe_b64encode(b'{"q": 1}').decode()}, "cursor"),
    ],
)
def test_bad_parameters_are_refused_naming_the_field(inbox, params, field):
    error = refusal(inbox, **params)
    assert error.field == field
    assert error.code == "invalid_parameter"


def test_unknown_parameters_are_refused_naming_the_allowed(inbox):
    error = refusal(inbox, brand="Acme", channel="x")
    assert error.code == "unknown_parameter" and error.field == "channel"
    assert "'channel'" in error.message
    for name in LIST_PARAMETERS:
        assert name in error.message
    error = refusal(inbox, order="new", Brand="Acme")
    assert "'Brand'" in error.message and "'order'" in error.message


def test_unknown_mentions_are_404(inbox):
    with pytest.raises(ApiError) as caught:
        inbox.get("x:404")
    assert caught.value.status == 404 and caught.value.code == "not_found"
    assert "x:404" in caught.value.message


def test_a_tombstone_is_404(store, inbox):
    assert store.mark_deleted("x", "77", T0) is False
    with pytest.raises(ApiError):
        inbox.get("x:77")
    assert store.put_new(record(77)) is False


def test_an_error_body_names_the_field_only_when_there_is_one():
    assert ApiError.invalid("limit", "bad").body() == {
        "error": "invalid_parameter",
        "message": "bad",
        "field": "limit",
    }
    assert ApiError.not_found("none").body() == {"error": "not_found", "message": "none"}


# --- what a client sees -------------------------------------------------------------------

VIEW_KEYS = {
    "id",
    "brand",
    "status",
    "mention",
    "triage",
    "matched",
    "received_at",
    "deleted",
    "deleted_at",
    "alert_state",
    "alerted_at",
    "escalated_at",
    "priority",
    "priority_override",
    "conversation_priority",
    "assignee",
    "tags",
    "case_id",
    "message_keys",
    "waiting_since",
    "acknowledged_at",
    "first_response_at",
    "resolved_at",
    "sla_events",
    "edited_at",
    "version",
    "sla",
}


def test_gets_one_by_its_id_even_percent_encoded(inbox):
    assert inbox.get("x:3").mention.text == "mention 3"
    assert inbox.get("x%3A3").id == "x:3"


def test_a_mention_shows_what_a_client_needs_and_nothing_internal(store, inbox):
    claimed = record(50).model_copy(
        update={"alert_state": AlertState.PUBLISHING, "alert_claimed_at": T0}
    )
    store.put_new(claimed)
    body = inbox.get("x:50").model_dump(mode="json")
    assert set(body) == VIEW_KEYS | {"messages", "notes", "history", "replies", "drafts"}
    assert "alert_claimed_at" not in json.dumps(body)
    assert body["alert_state"] == "publishing" and body["version"] == 1
    assert body["mention"]["author"] == {
        "id": None,
        "handle": "user50",
        "name": None,
        "followers": 50,
        "verified": False,
    }
    assert body["mention"]["created_at"] == "2026-11-22T08:50:00Z"
    assert body["triage"]["priority"] == "normal"
    page = inbox.list({"brand": "Acme", "limit": "1"}).model_dump(mode="json")
    assert set(page) == {"items", "next_cursor"}
    assert set(page["items"][0]) == VIEW_KEYS


def test_every_record_field_is_either_shown_or_known_to_be_internal():
    internal = {"alert_claimed_at", "sla_due"}
    in_the_case_view = {"notes", "history", "replies"}
    shown = set(MentionView.model_fields) | in_the_case_view
    assert set(MentionRecord.model_fields) - internal == shown - {"priority", "sla"}
    assert {"notes", "history", "messages", "replies", "drafts"} <= set(CaseView.model_fields)


# --- the fake keeps the store's write contract --------------------------------------------


def test_removals_and_edits_count_versions(store):
    assert store.get("x:1").version == 1
    assert store.mark_deleted("x", "1", T0) is True
    assert store.get("x:1").version == 2 and store.get("x:1").deleted
    edited = record(2).model_copy(deep=True)
    edited.mention.text = "edited"
    assert store.apply_edit(edited, alert=True) is True  # claims the alert it never had
    assert store.apply_edit(edited, alert=True) is False  # only once
    after = store.get("x:2")
    assert after.version == 3 and after.mention.text == "edited"
    assert after.alert_state is AlertState.PUBLISHING
    assert store.apply_edit(record(1), alert=False) is False  # a deleted mention stays
    assert store.get("x:1").version == 2


# --- updating a case ----------------------------------------------------------------------


def test_an_update_moves_the_version_and_records_who(store, inbox):
    view = inbox.update("x:1", {"status": "acknowledged", "assignee": "me"}, "alice@acme.example")
    assert (view.status, view.assignee, view.version) == (
        "acknowledged",
        "alice@acme.example",
        2,
    )
    assert [h.by for h in view.history] == ["alice@acme.example", "alice@acme.example"]
    assert store.get("x:1").version == 2


def test_a_stale_if_match_is_412_and_a_stale_version_409_and_nothing_changes(store, inbox):
    inbox.update("x:1", {"tags": ["a"]}, "alice")
    with pytest.raises(ApiError) as stale_etag:
        inbox.update("x:1", {"status": "resolved"}, "bob", if_match='"1"')
    assert stale_etag.value.status == 412
    with pytest.raises(ApiError) as stale_body:
        inbox.update("x:1", {"status": "resolved", "version": 1}, "bob")
    assert stale_body.value.status == 409 and "version 2" in stale_body.value.message
    assert store.get("x:1").status.value == "new" and store.get("x:1").version == 2
    assert inbox.update("x:1", {"status": "resolved"}, "bob", if_match='"2"').version == 3
    assert inbox.update("x:1", {"status": "new", "version": 3}, "bob").version == 4


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        ({"version": 1}, "body"),
        ([], "body"),
        ({"status": "closed"}, "status"),
        ({"owner": "me"}, "owner"),
        ({"tags": "billing"}, "tags"),
    ],
)
def test_bad_updates_are_400_naming_the_field(inbox, body, field):
    with pytest.raises(ApiError) as refused:
        inbox.update("x:1", body, "alice")
    assert (refused.value.status, refused.value.field) == (400, field)


def test_a_malformed_if_match_and_an_unknown_case(inbox):
    with pytest.raises(ApiError) as malformed:
        inbox.update("x:1", {"status": "resolved"}, "bob", if_match="yesterday")
    assert malformed.value.status == 412
    with pytest.raises(ApiError) as missing:
        inbox.update("x:404", {"status": "resolved"}, "bob")
    assert missing.value.status == 404


def test_a_follow_ups_id_shows_its_case_with_the_conversation(store, inbox):
    case = store.get("x:1")
    follow_up = record(60).model_copy(update={"case_id": "x:1"})
    store.put_new(follow_up)
    store.save_case(case, case.model_copy(update={"message_keys": ["x:60"]}))
    view = inbox.get("x:60")
    assert view.id == "x:1" and [m.id for m in view.messages] == ["x:60"]
    assert "x:60" not in ids(inbox, limit="100")
