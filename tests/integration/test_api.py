"""The inbox API handler against a stack from template.yaml."""

import base64
import json

import boto3
import pytest
from fakes.records import T0, record

from heard.models import (
    AlertState,
    Priority,
    Status,
)
from heard.store import MentionStore, MentionTable


@pytest.fixture
def store(stack):
    resource = boto3.resource("dynamodb", endpoint_url=stack.endpoint_url, region_name=stack.region)
    return MentionStore(MentionTable(resource.Table(stack.table_name("MentionsTable"))))


@pytest.fixture
def seeded(store):
    for n in range(1, 8):
        store.put_new(record(n))
    store.put_new(record(8, status=Status.RESOLVED))
    store.put_new(record(9, brand="Globex", priority=Priority.CRITICAL))


AUTH = {"authorization": "Bearer local-api-token"}


def get(call_api, target):
    response = call_api("GET", target, headers=AUTH)
    return response.status, json.loads(response.body)


def test_lists_newest_first_with_filters(call_api, seeded):
    status, body = get(call_api, "/mentions?brand=Acme")
    assert status == 200
    assert [i["id"] for i in body["items"]] == [f"x:{n}" for n in range(8, 0, -1)]
    _, body = get(call_api, "/mentions?brand=Acme&status=resolved")
    assert [i["id"] for i in body["items"]] == ["x:8"]
    _, body = get(call_api, "/mentions?status=new")
    assert [i["id"] for i in body["items"]][:2] == ["x:9", "x:7"]
    _, body = get(call_api, "/mentions?brand=Globex&priority=critical")
    assert [i["id"] for i in body["items"]] == ["x:9"]
    assert body["items"][0]["triage"]["priority"] == "critical"


def test_paginates_with_a_cursor(call_api, seeded):
    seen = []
    target = "/mentions?brand=Acme&limit=3"
    while True:
        status, body = get(call_api, target)
        assert status == 200 and len(body["items"]) <= 3
        seen += [i["id"] for i in body["items"]]
        if not body["next_cursor"]:
            break
        target = f"/mentions?brand=Acme&limit=3&cursor={body['next_cursor']}"
    assert seen == [f"x:{n}" for n in range(8, 0, -1)]


def test_gets_one_and_404s_the_unknown(call_api, seeded):
    status, body = get(call_api, "/mentions/x:3")
    assert status == 200 and body["mention"]["text"] == "mention 3"
    status, body = get(call_api, "/mentions/x%3A3")
    assert status == 200 and body["id"] == "x:3"
    status, body = get(call_api, "/mentions/x:404")
    assert status == 404 and body["error"] == "not_found"


def test_a_cursor_is_refused_on_another_listing(call_api, seeded):
    _, body = get(call_api, "/mentions?brand=Acme&status=new&limit=2")
    cursor = body["next_cursor"]
    assert cursor
    status, body = get(call_api, f"/mentions?brand=Acme&limit=2&cursor={cursor}")
    assert status == 400
    assert body["field"] == "cursor" and "other filters" in body["message"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=closed", "status"),
        ("sort=oldest", "sort"),
        ("overdue=maybe", "overdue"),
        ("since=tomorrow", "since"),
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("cursor=garbage!", "cursor"),
        ("priority=urgent", "priority"),
    ],
)
def test_bad_parameters_are_400_naming_the_field(call_api, seeded, query, field):
    status, body = get(call_api, f"/mentions?{query}")
    assert status == 400
    assert body["field"] == field


def test_a_cursor_is_refused_when_a_filter_expression_is_added(call_api, seeded):
    _, body = get(call_api, "/mentions?brand=Acme&status=new&limit=2")
    cursor = body["next_cursor"]
    assert cursor
    status, body = get(call_api, f"/mentions?brand=Acme&status=new&priority=high&cursor={cursor}")
    assert status == 400
    assert body["field"] == "cursor" and "other filters" in body["message"]
    _, body = get(call_api, "/mentions?status=new&limit=2")
    status, body = get(call_api, f"/mentions?status=new&priority=high&cursor={body['next_cursor']}")
    assert status == 400 and body["field"] == "cursor"


def _forged(cursor: str, drop: str | None = None, **extra: str) -> str:
    data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    if drop:
        data["k"].pop(drop)
    data["k"].update(extra)
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "forge",
    [
        {"drop": "feed"},  # the index's hash key
        {"drop": "sort_key"},
        {"drop": "pk"},
        {"brand_status": "acme#new"},  # a key attribute of another index
        {"feed": "other"},  # another partition
    ],
)
def test_a_cursor_with_a_forged_key_is_400_not_500(call_api, seeded, forge):
    _, body = get(call_api, "/mentions?brand=Acme&limit=2")
    cursor = _forged(body["next_cursor"], **forge)
    status, body = get(call_api, f"/mentions?brand=Acme&limit=2&cursor={cursor}")
    assert status == 400
    assert body["field"] == "cursor"


@pytest.mark.parametrize("limit", ["%C2%B2", "%D9%A3", "1" * 5000])  # "²", Arabic-Indic three
def test_a_limit_of_non_ascii_digits_is_400(call_api, seeded, limit):
    status, body = get(call_api, f"/mentions?limit={limit}")
    assert status == 400
    assert body["field"] == "limit" and body["error"] == "invalid_parameter"


def test_unknown_parameters_are_400_naming_them_and_the_allowed(call_api, seeded):
    status, body = get(call_api, "/mentions?brand=Acme&channel=x")
    assert status == 400
    assert body["error"] == "unknown_parameter" and body["field"] == "channel"
    assert "'channel'" in body["message"]
    assert all(p in body["message"] for p in ("brand", "status", "priority", "limit", "cursor"))


def test_empty_parameters_count_as_absent(call_api, seeded):
    _, everything = get(call_api, "/mentions")
    status, body = get(call_api, "/mentions?brand=&status=&priority=&limit=&cursor=")
    assert status == 200
    assert body["items"] == everything["items"]


@pytest.mark.parametrize("brand", ["acme", "ACME", "Acme"])
def test_brand_matches_in_any_case(call_api, seeded, brand):
    _, body = get(call_api, f"/mentions?brand={brand}")
    assert [i["id"] for i in body["items"]] == [f"x:{n}" for n in range(8, 0, -1)]
    assert {i["brand"] for i in body["items"]} == {"Acme"}
    _, body = get(call_api, f"/mentions?brand={brand}&status=resolved")
    assert [i["id"] for i in body["items"]] == ["x:8"]
    _, body = get(call_api, f"/mentions?brand={brand.swapcase()}&priority=normal&limit=2")
    assert [i["id"] for i in body["items"]] == ["x:8", "x:7"]


def test_a_mention_shows_its_version_and_no_internal_fields(call_api, store):
    claimed = record(60).model_copy(
        update={"alert_state": AlertState.PUBLISHING, "alert_claimed_at": T0}
    )
    store.put_new(claimed)
    status, body = get(call_api, "/mentions/x:60")
    assert status == 200
    assert body["version"] == 1 and body["alert_state"] == "publishing"
    assert "alert_claimed_at" not in body
    for internal in ("pk", "sort_key", "feed", "brand_status", "brand_priority", "expires_at"):
        assert internal not in body
    _, page = get(call_api, "/mentions?brand=Acme")
    assert "alert_claimed_at" not in page["items"][0]
    assert page["items"][0]["version"] == 1


# --- updating a case (PATCH) -------------------------------------------------------------------


def patch(call_api, target, body, **headers):
    response = call_api(
        "PATCH",
        target,
        json.dumps(body).encode(),
        {**AUTH, "content-type": "application/json", **headers},
    )
    return response.status, dict(response.headers), json.loads(response.body)


def test_a_case_update_answers_with_the_case_and_its_etag(call_api, seeded, store):
    status, headers, body = patch(
        call_api, "/mentions/x:3", {"status": "acknowledged", "tags": ["billing"], "note": "on it"}
    )
    assert status == 200, body
    assert body["status"] == "acknowledged" and body["version"] == 2
    assert headers["ETag"] == '"2"'
    assert [h["action"] for h in body["history"]] == ["status", "tags", "note"]
    assert body["notes"][0]["text"] == "on it"
    stored = store.get("x:3")
    assert stored.status.value == "acknowledged" and stored.acknowledged_at is not None
    _, got_headers, got = (lambda r: (r.status, dict(r.headers), json.loads(r.body)))(
        call_api("GET", "/mentions/x:3", headers=AUTH)
    )
    # The SLA clocks are computed at each request: only their deadlines must agree.
    got_sla, body_sla = got.pop("sla"), body.pop("sla")
    assert got_headers["ETag"] == '"2"' and got == body
    assert got_sla["first_response"]["deadline"] == body_sla["first_response"]["deadline"]
    # The status index follows the change.
    _, listing = get(call_api, "/mentions?brand=Acme&status=acknowledged")
    assert [m["id"] for m in listing["items"]] == ["x:3"]


def test_stale_updates_are_refused_and_change_nothing(call_api, seeded, store):
    patch(call_api, "/mentions/x:4", {"assignee": "alice"})
    status, _, body = patch(
        call_api, "/mentions/x:4", {"status": "resolved"}, **{"if-match": '"1"'}
    )
    assert (status, body["error"]) == (412, "precondition_failed")
    status, _, body = patch(call_api, "/mentions/x:4", {"status": "resolved", "version": 1})
    assert (status, body["error"]) == (409, "version_conflict")
    assert store.get("x:4").status.value == "new"
    status, _, body = patch(
        call_api, "/mentions/x:4", {"status": "resolved"}, **{"if-match": '"2"'}
    )
    assert status == 200 and body["version"] == 3


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"{", 400), (b"[]", 400), (b'{"status": "closed"}', 400), (b'{"owner": 1}', 400)],
)
def test_bad_case_updates_are_4xx(call_api, seeded, body, status):
    response = call_api(
        "PATCH", "/mentions/x:5", body, {**AUTH, "content-type": "application/json"}
    )
    assert response.status == status
    assert json.loads(response.body)["message"]


def test_updating_an_unknown_case_is_404(call_api, seeded):
    status, _, body = patch(call_api, "/mentions/x:404", {"status": "resolved"})
    assert (status, body["error"]) == (404, "not_found")


def test_the_store_refuses_a_save_over_a_newer_version(store, seeded):
    from heard.store.mentions import VersionConflict

    case = store.get("x:6")
    store.save_case(case, case.model_copy(update={"tags": ["a"]}))
    with pytest.raises(VersionConflict):
        store.save_case(case, case.model_copy(update={"tags": ["b"]}))
    assert store.get("x:6").tags == ["a"]
