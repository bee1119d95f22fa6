"""The mentions table's indexes: what template.yaml projects is what the store reads, no index
projects the whole item, and the case indexes hold open cases only."""

from __future__ import annotations

from fakes.records import record
from test_template import load_template

from heard.models import Status
from heard.store.table import CASE_FILTERS, SUMMARY, MentionTable


def _indexes() -> dict[str, dict]:
    table = load_template()["Resources"]["MentionsTable"]["Properties"]
    return {i["IndexName"]: i for i in table["GlobalSecondaryIndexes"]}


def test_no_index_projects_everything():
    indexes = _indexes()
    assert set(indexes) == {"Feed", "ByBrandStatus", "ByOpenAuthor", "BySlaDue"}
    assert all(i["Projection"]["ProjectionType"] != "ALL" for i in indexes.values())


def test_the_store_reads_what_the_indexes_project():
    indexes = _indexes()
    assert tuple(indexes["Feed"]["Projection"]["NonKeyAttributes"]) == SUMMARY
    assert tuple(indexes["ByBrandStatus"]["Projection"]["NonKeyAttributes"]) == CASE_FILTERS
    for name in ("ByOpenAuthor", "BySlaDue"):
        assert indexes[name]["Projection"]["ProjectionType"] == "KEYS_ONLY"


class _Table:
    class meta:
        class client:
            class exceptions:
                ConditionalCheckFailedException = RuntimeError


def test_only_open_cases_carry_the_case_index_keys():
    table = MentionTable(_Table())
    for status in Status:
        keys = table.index_keys(record(1, status=status))
        assert ("brand_status" in keys) is status.open
        assert ("open_author" in keys) is status.open
        assert {"feed", "sort_key", "priority"} <= set(keys)
