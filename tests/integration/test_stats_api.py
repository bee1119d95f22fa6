"""GET /stats, the listings over the slimmer indexes, and the case metrics, against a stack
from template.yaml."""

import json
from datetime import timedelta

import boto3
import pytest
from fakes.records import record

from heard.models import Priority, Status
from heard.store import MentionStore, MentionTable

AUTH = {"authorization": "Bearer local-api-token"}


@pytest.fixture
def store(stack):
    resource = boto3.resource("dynamodb", endpoint_url=stack.endpoint_url, region_name=stack.region)
    return MentionStore(MentionTable(resource.Table(stack.table_name("MentionsTable"))))


def get(call_api, target):
    response = call_api("GET", target, headers=AUTH)
    return response.status, json.loads(response.body)


def test_stats_count_the_cases_created_in_the_window(call_api, store):
    for n in range(1, 6):
        store.put_new(record(n, priority=Priority.CRITICAL if n == 1 else Priority.NORMAL))
    store.put_new(record(7, brand="Globex"))
    store.put_new(record(60 * 24 * 3, status=Status.RESOLVED))  # three days later: outside
    status, body = get(call_api, "/stats?brand=acme&from=2026-11-22&to=2026-11-23")
    assert status == 200, body
    assert body["brand"] == "Acme" and body["cases"] == 5
    assert body["by_platform"] == {"x": 5} and body["by_sentiment"] == {"neutral": 5}
    assert body["window_from"] == "2026-11-22T00:00:00Z"
    # Created on 22 November 2026 and never answered: every clock has run out by now.
    assert body["sla"]["critical"]["first_response"]["missed"] == 1
    assert body["sla"]["normal"]["resolution"]["missed"] == 4
    _, every = get(call_api, "/stats?from=2026-11-22&to=2026-11-23")
    assert every["brand"] is None and every["cases"] == 6
    _, later = get(call_api, "/stats?brand=Acme&from=2026-11-23&to=2026-11-26")
    assert later["cases"] == 1 and later["sla"]["normal"]["resolution"]["met"] == 0
    # The series: one bucket per UTC hour of the day asked for; the spikes from SignalsTable.
    assert body["series"]["bucket"] == "hour" and len(body["series"]["starts"]) == 24
    assert body["series"]["cases"][8] == 5 and sum(body["series"]["cases"]) == 5
    assert body["spikes"] == []
    _, daily = get(call_api, "/stats?from=2026-11-20&to=2026-11-27&bucket=day")
    assert daily["series"]["cases"] == [0, 0, 6, 0, 0, 1, 0]


def test_brands_lists_the_configured_brands(call_api):
    status, body = get(call_api, "/brands")
    assert status == 200, body
    names = [b["name"] for b in body["brands"]]
    assert "Acme" in names
    assert all(set(b) == {"name", "feedback_slug"} for b in body["brands"])
    assert call_api("GET", "/brands").status == 401


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=tomorrow", "from"),
        ("from=2026-11-22&to=2026-11-21", "from"),
        ("from=2026-01-01&to=2026-11-01", "from"),
        ("to=2026-02-30", "to"),
        ("brand=nobody", "brand"),
        ("status=new", "status"),
        ("bucket=week", "bucket"),
        ("from=2026-11-01&to=2026-11-20&bucket=hour", "bucket"),
    ],
)
def test_stats_refuse_bad_parameters_naming_them(call_api, query, field):
    status, body = get(call_api, f"/stats?{query}")
    assert status == 400 and body["field"] == field


def test_listings_read_full_items_through_the_slim_indexes(call_api, store):
    for n in range(1, 5):
        store.put_new(record(n))
    store.put_new(record(5, status=Status.RESOLVED, priority=Priority.HIGH))
    store.put_new(record(6, priority=Priority.HIGH))
    _, body = get(call_api, "/mentions?brand=Acme&status=new&limit=2")
    assert [i["id"] for i in body["items"]] == ["x:6", "x:4"]
    assert body["items"][0]["mention"]["text"] == "mention 6"
    _, body = get(call_api, f"/mentions?brand=Acme&status=new&cursor={body['next_cursor']}")
    assert [i["id"] for i in body["items"]] == ["x:3", "x:2", "x:1"]
    _, body = get(call_api, "/mentions?brand=Acme&status=resolved")
    assert [i["id"] for i in body["items"]] == ["x:5"]
    _, body = get(call_api, "/mentions?brand=acme&priority=high")
    assert [i["id"] for i in body["items"]] == ["x:6", "x:5"]
    _, body = get(call_api, "/mentions?brand=Acme&status=new&priority=high")
    assert [i["id"] for i in body["items"]] == ["x:6"]


def test_a_closed_case_leaves_the_open_indexes(stack, store):
    store.put_new(record(1))
    case = store.get("x:1")
    store.save_case(case, case.model_copy(update={"status": Status.RESOLVED}))
    item = stack.client("dynamodb").get_item(
        TableName=stack.table_name("MentionsTable"), Key={"pk": {"S": "x:1"}}
    )["Item"]
    assert "brand_status" not in item and "open_author" not in item
    assert item["sort_key"]["S"].endswith("#x:1")


def test_first_response_and_resolution_publish_metrics(call_api, store, capsys, monkeypatch):
    store.put_new(record(1, priority=Priority.HIGH))
    get(call_api, "/mentions/x:1")  # loads the handler, with the local stack's environment
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")  # which disables metrics
    capsys.readouterr()

    def patch(body):
        response = call_api(
            "PATCH",
            "/mentions/x:1",
            json.dumps(body).encode(),
            {**AUTH, "content-type": "application/json"},
        )
        assert response.status == 200, response.body

    patch({"status": "replied"})
    patch({"status": "resolved"})
    patch({"note": "closed for good"})
    blobs = [
        json.loads(line)
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("{") and "_aws" in line
    ]
    names = [m["Name"] for b in blobs for m in b["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
    assert names == ["FirstResponseTime", "ResolutionTime"]
    first = blobs[0]
    assert first["brand"] == "Acme" and first["priority"] == "high"
    # Seconds since the case's first message (T0 plus a minute), long before now.
    assert first["FirstResponseTime"][0] > timedelta(days=1).total_seconds()
    assert blobs[1]["ResolutionTime"][0] >= first["FirstResponseTime"][0]
