"""GET /mentions' filters and sla order on DynamoDB (moto) agree with the in-memory fake."""

from __future__ import annotations

import json
from datetime import timedelta

import boto3
import pytest
from fakes import FakeMentionStore
from fakes.records import T0, record
from heard_local.authorizer import local_admin_claims

from heard.api.identity import principal_from_claims
from heard.api.inbox import Inbox
from heard.config import load_config_file
from heard.models import Intent, MentionRecord, Platform, Priority, Status
from heard.store import MentionStore, MentionTable

AUTH = {"authorization": "Bearer local-api-token"}
ADMIN = principal_from_claims(local_admin_claims())


def case(n: int, **changes) -> MentionRecord:
    keys = ("brand", "status", "priority")
    base = record(n, **{k: changes.pop(k) for k in keys if k in changes})
    base = base.model_copy(update={"received_at": base.mention.created_at})
    if "platform" in changes:
        mention = base.mention.model_copy(update={"platform": changes.pop("platform")})
        base = base.model_copy(update={"mention": mention, "id": mention.key})
    if "intents" in changes:
        triage = base.triage.model_copy(update={"intents": changes.pop("intents")})
        base = base.model_copy(update={"triage": triage})
    return base.model_copy(update=changes)


CASES = [
    case(1, priority=Priority.CRITICAL),
    case(2, status=Status.ACKNOWLEDGED, assignee=ADMIN.handle if ADMIN else "admin"),
    case(3, status=Status.REPLIED, first_response_at=T0 + timedelta(minutes=30)),
    case(4, status=Status.RESOLVED, resolved_at=T0 + timedelta(minutes=40)),
    case(5, priority=Priority.HIGH, platform=Platform.FACEBOOK, intents=[Intent.BILLING]),
    case(6, priority=Priority.LOW, intents=[Intent.BILLING, Intent.CANCEL]),
    case(7, brand="Globex", priority=Priority.HIGH, sla_events=["first_response:level0"]),
    case(8, sla_events=["first_response:level0"], first_response_at=T0 + timedelta(hours=1)),
    case(9, status=Status.REPLIED, sla_events=["resolution:level0"]),
    case(10, status=Status.SPAM),
    case(11, priority=Priority.HIGH, assignee="bob@acme.example"),
]


@pytest.fixture
def seeded(stack):
    resource = boto3.resource("dynamodb", endpoint_url=stack.endpoint_url, region_name=stack.region)
    store = MentionStore(MentionTable(resource.Table(stack.table_name("MentionsTable"))))
    for c in CASES:
        store.put_new(c)
    return store


def api_ids(call_api, query: str) -> list[str]:
    seen, cursor = [], ""
    while True:
        response = call_api("GET", f"/mentions?{query}&limit=2&cursor={cursor}", headers=AUTH)
        body = json.loads(response.body)
        assert response.status == 200, body
        seen += [item["id"] for item in body["items"]]
        if not body["next_cursor"]:
            return seen
        cursor = body["next_cursor"]


def fake_ids(query: str) -> list[str]:
    import os

    config = load_config_file(os.environ["HEARD_CONFIG"])
    inbox = Inbox(FakeMentionStore(CASES), config=lambda: config)
    params = dict(p.split("=", 1) for p in query.split("&") if p)
    page = inbox.list({**params, "limit": "100"}, ADMIN.handle if ADMIN else None)
    return [item.id for item in page.items]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "status=new,acknowledged",
        "status=open",
        "brand=acme&status=open",
        "brand=Acme&status=new",
        "brand=Acme&status=new&priority=high,critical",
        "priority=high,critical",
        "platform=facebook",
        "brand=Acme&platform=x&priority=high",
        "intent=billing",
        "brand=ACME&intent=cancel",
        "assignee=me",
        "assignee=bob@acme.example",
        "assignee=none&brand=Acme&status=new",
        "since=2026-11-22T08:05:00Z",
        "since=2026-11-22T09:05:00%2B01:00&brand=Acme",
        "overdue=true",
        "brand=Acme&status=new&overdue=true",
        "overdue=false&status=open",
        "sort=sla",
        "sort=sla&brand=Acme&priority=normal",
        "sort=sla&status=new&overdue=false",
        "sort=sla&intent=billing",
    ],
)
def test_each_listing_matches_the_fake(call_api, seeded, query):
    expected = fake_ids(query.replace("%2B", "+"))
    assert api_ids(call_api, query) == expected


def test_the_sla_order_reads_no_closed_case_and_shows_the_summary(call_api, seeded):
    response = call_api("GET", "/mentions?sort=sla", headers=AUTH)
    body = json.loads(response.body)
    ids = [item["id"] for item in body["items"]]
    assert ids[0] == "x:1" and "x:4" not in ids and "x:10" not in ids
    first = body["items"][0]["sla"]
    assert first["clock"] == "first_response" and first["state"] == "breached"
    assert first["deadline"] == "2026-11-22T08:16:00Z"


def test_a_case_shows_its_sla_clocks(call_api, seeded):
    response = call_api("GET", "/mentions/x:1", headers=AUTH)
    sla = json.loads(response.body)["sla"]
    assert sla["first_response"]["target"] == "15m" and sla["resolution"]["target"] == "4h"
    assert sla["first_response"]["state"] == "breached" and sla["events"] == []
    assert sla["first_response"]["overdue_by_s"] > 0
