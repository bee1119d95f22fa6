"""The inbox API handler against a stack from template.yaml."""

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from heard.models import (
    Author,
    Mention,
    MentionRecord,
    Platform,
    Priority,
    Sentiment,
    Status,
    Triage,
)
from heard.store import MentionStore, MentionTable

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


@pytest.fixture
def store(stack):
    resource = boto3.resource("dynamodb", endpoint_url=stack.endpoint_url, region_name=stack.region)
    return MentionStore(MentionTable(resource.Table(stack.table_name("MentionsTable"))))


def record(n: int, brand="Acme", status=Status.NEW, priority=Priority.NORMAL) -> MentionRecord:
    mention = Mention(
        platform=Platform.X,
        native_id=str(n),
        text=f"mention {n}",
        author=Author(handle=f"user{n}", followers=n),
        created_at=T0 + timedelta(minutes=n),
    )
    triage = Triage(sentiment=Sentiment.NEUTRAL, priority=priority)
    return MentionRecord(id=mention.key, brand=brand, status=status, mention=mention, triage=triage)


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
        ("status=open", "status"),
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
