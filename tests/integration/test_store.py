"""The mention store against the table from template.yaml: versions, folded brands, counts."""

from datetime import UTC, datetime

import boto3
import pytest

from heard.models import (
    AlertState,
    Author,
    Mention,
    MentionRecord,
    Platform,
    Priority,
    Sentiment,
    Triage,
)
from heard.store import MentionStore, MentionTable

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


@pytest.fixture
def table(stack):
    resource = boto3.resource("dynamodb", endpoint_url=stack.endpoint_url, region_name=stack.region)
    return resource.Table(stack.table_name("MentionsTable"))


@pytest.fixture
def store(table):
    return MentionStore(MentionTable(table))


def record(native_id: str, text="the blender broke", priority=Priority.NORMAL) -> MentionRecord:
    mention = Mention(platform=Platform.FACEBOOK, native_id=native_id, text=text, created_at=T0)
    triage = Triage(sentiment=Sentiment.NEGATIVE, priority=priority)
    return MentionRecord(id=mention.key, brand="Acme", mention=mention, triage=triage)


def test_every_write_increments_the_version(store, table):
    assert store.put_new(record("1"))
    assert table.get_item(Key={"pk": "facebook:1"})["Item"]["version"] == 1
    assert store.get("facebook:1").version == 1

    edited = record("1", text="the blender caught fire", priority=Priority.HIGH)
    assert store.apply_edit(edited, alert=False) is False
    assert store.get("facebook:1").version == 2
    assert store.apply_edit(edited, alert=True) is True  # claims the alert too
    after = store.get("facebook:1")
    assert after.version == 3 and after.alert_state is AlertState.PUBLISHING

    assert store.mark_deleted("facebook", "1", T0) is True
    assert store.get("facebook:1").version == 4
    assert store.apply_edit(edited, alert=False) is False  # deleted: left alone
    assert store.get("facebook:1").version == 4


def test_a_record_stored_before_versions_counts_from_one(store, table):
    assert store.put_new(record("2"))
    table.update_item(Key={"pk": "facebook:2"}, UpdateExpression="REMOVE version")
    assert store.get("facebook:2").version == 1
    store.mark_deleted("facebook", "2", T0)
    assert store.get("facebook:2").version == 2


def test_index_keys_hold_the_folded_brand_and_the_record_its_name(store, table):
    store.put_new(record("3", priority=Priority.CRITICAL))
    item = table.get_item(Key={"pk": "facebook:3"})["Item"]
    assert item["brand"] == "acme" and item["brand_name"] == "Acme"
    assert item["brand_status"] == "acme#new" and item["priority"] == "critical"
    assert store.get("facebook:3").brand == "Acme"
    assert [r.id for r in store.list(brand="ACME", priority=Priority.CRITICAL).items] == [
        "facebook:3"
    ]


def test_an_item_written_before_brands_were_folded_reads_back(store, table):
    store.put_new(record("4"))
    table.update_item(
        Key={"pk": "facebook:4"},
        UpdateExpression="SET brand = :b REMOVE brand_name",
        ExpressionAttributeValues={":b": "Acme"},
    )
    assert store.get("facebook:4").brand == "Acme"


def test_counts_beyond_dynamodbs_precision_are_stored_clamped(store):
    mention = Mention(
        platform=Platform.X,
        native_id="5",
        text="acme",
        author=Author(handle="big", followers=10**40),
        engagement=10**45,
    )
    triage = Triage(sentiment=Sentiment.NEUTRAL)
    assert store.put_new(
        MentionRecord(id=mention.key, brand="Acme", mention=mention, triage=triage)
    )
    stored = store.get("x:5")
    assert stored.mention.author.followers == 10**15
    assert stored.mention.engagement == 10**15
