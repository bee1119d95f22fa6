"""``FakeMentionStore``: ``heard.store.MentionStore`` in memory, for unit tests of the domain.

It keeps MentionStore's public contract: put once (a tombstone refuses the late mention),
removals and edits that increment ``version``, reads that hide tombstones, and listings newest
first by ``sort_key`` with the same filters (brand in any case, statuses, priorities, platform,
intent, assignee, overdue, since), the sla order over the same partitions, the same ``limit``
and the same cursors: encoded and checked by ``heard.store.cursors``, so a cursor
from another listing or with a forged key raises ``CursorError`` here exactly as it does there.

Where DynamoDB may hand back a cursor for an empty last page, the fake gives one only when
more items match; clients handle both.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from heard.models import (
    AlertState,
    CaseSummary,
    MentionRecord,
    Priority,
    Status,
    mention_key,
    utcnow,
)
from heard.store.cursors import UNASSIGNED, Filters, Listing, Sort, decode_cursor, encode_cursor
from heard.store.mentions import (
    BREACHES,
    NotFound,
    Page,
    SlaOrder,
    VersionConflict,
    position_of,
    sla_page,
    sla_position,
)
from heard.store.table import author_key, brand_key, iso


class FakeMentionStore:
    """Mentions in a dict, keyed by ``Mention.key``."""

    def __init__(self, records: list[MentionRecord] = (), counts: Any = None):
        self.records: dict[str, MentionRecord] = {}
        self.tombstones: dict[str, datetime] = {}
        # A FakeSignals: a mention stored is counted in the same step, as the real store's
        # transaction does.
        self.counts = counts
        for record in records:
            self.put_new(record)

    # --- writes ---------------------------------------------------------------------------

    def put_new(self, record: MentionRecord) -> bool:
        if record.id in self.records or record.id in self.tombstones:
            return False
        self.records[record.id] = record.model_copy(deep=True)
        if self.counts is not None:
            self.counts.count(record)
        return True

    def mark_deleted(self, platform: str, native_id: str, when: datetime) -> bool:
        key = mention_key(platform, native_id)
        record = self.records.get(key)
        if record is None:
            self.tombstones.setdefault(key, when)
            return False
        self.records[key] = record.model_copy(
            update={"deleted": True, "deleted_at": when, "version": record.version + 1}
        )
        return True

    def apply_edit(self, record: MentionRecord, alert: bool) -> bool:
        stored = self.records.get(record.id)
        if stored is None or stored.deleted:
            return False
        now = utcnow()
        update: dict[str, Any] = {
            "mention": record.mention.model_copy(deep=True),
            "triage": record.triage.model_copy(deep=True),
            "edited_at": now,
            "version": stored.version + 1,
        }
        claimed = alert and stored.alert_state is AlertState.NONE
        if claimed:
            update |= {"alert_state": AlertState.PUBLISHING, "alert_claimed_at": now}
        self.records[record.id] = stored.model_copy(update=update)
        return claimed

    # --- reads ----------------------------------------------------------------------------

    def get_any(self, key: str) -> MentionRecord | None:
        record = self.records.get(key)
        return record.model_copy(deep=True) if record else None

    def get(self, key: str) -> MentionRecord:
        record = self.get_any(key)
        if record is None:
            raise NotFound(key)
        return record

    def find_open_case(self, record: MentionRecord) -> str | None:
        key = author_key(record)
        if key is None:
            return None
        cases = [
            r for r in self.records.values() if r.is_case and r.status.open and author_key(r) == key
        ]
        cases.sort(key=lambda r: f"{iso(r.mention.created_at)}#{r.id}", reverse=True)
        return cases[0].id if cases else None

    def save_case(self, old: MentionRecord, new: MentionRecord) -> MentionRecord:
        stored = self.records.get(old.id)
        if stored is None:
            raise NotFound(old.id)
        if stored.version != old.version:
            raise VersionConflict(old.id, old.version, stored.version)
        saved = new.model_copy(update={"version": old.version + 1}, deep=True)
        self.records[old.id] = saved
        return saved.model_copy(deep=True)

    def sla_due(self, now: datetime, limit: int = 500) -> list[str]:
        due = [
            (r.sla_due, r.id)
            for r in self.records.values()
            if r.is_case and r.status.open and r.sla_due is not None and r.sla_due <= now
        ]
        return [key for _, key in sorted(due)][:limit]

    def created_between(
        self, start: datetime, end: datetime, *, brand: str | None = None
    ) -> list[CaseSummary]:
        found = [
            r
            for r in self.records.values()
            if r.is_case
            and start <= r.mention.created_at < end
            and (brand is None or r.brand.casefold() == brand.casefold())
        ]
        found.sort(key=lambda r: (iso(r.mention.created_at), r.id))
        return [CaseSummary.of(r) for r in found]

    def open_cases(self, brand: str) -> list[CaseSummary]:
        return [
            CaseSummary.of(r)
            for r in self.records.values()
            if r.is_case and r.status.open and r.brand.casefold() == brand.casefold()
        ]

    def records_of(self, keys: list[str]) -> list[MentionRecord]:
        return [r.model_copy(deep=True) for r in (self.get_any(k) for k in keys) if r]

    def get_many(self, keys: list[str]) -> list[MentionRecord]:
        return [r for r in (self.get_any(k) for k in keys) if r is not None]

    def list(
        self,
        *,
        brand: str | None = None,
        status: Status | None = None,
        priority: Priority | None = None,
        limit: int = 25,
        cursor: str | None = None,
        filters: Filters | None = None,
        sla: SlaOrder | None = None,
    ) -> Page:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        filters = filters or Filters.of(brand, status, priority)
        if filters.sort is Sort.SLA:
            if sla is None:
                raise ValueError("the sla order needs an SlaOrder")
            return self._list_by_sla(filters, sla, limit, cursor)
        listing = Listing.of(filters)
        rows = [
            (self._index_key(r, listing), r)
            for r in self.records.values()
            if self._matches(r, listing)
        ]
        rows.sort(key=lambda row: row[0]["sort_key"], reverse=True)  # newest first
        if cursor:
            start = decode_cursor(cursor, listing)
            rows = [row for row in rows if row[0]["sort_key"] < start["sort_key"]]
        page, more = rows[:limit], len(rows) > limit
        last = page[-1][0] if more else None
        return Page(
            items=[r.model_copy(deep=True) for _, r in page],
            cursor=encode_cursor(listing, last) if last else None,
        )

    def _list_by_sla(self, filters: Filters, sla: SlaOrder, limit: int, cursor: str | None) -> Page:
        listing = Listing.of(filters, brands=sla.brands)
        start = sla_position(decode_cursor(cursor, listing)) if cursor else None
        rows = []
        for r in self.records.values():
            partition = brand_key(r.brand, r.status.value)
            if partition in listing.partitions and self._matches(r, listing):
                entry = self._index_key(r, listing)
                deadline = sla.deadline(CaseSummary.of(r))
                rows.append((position_of(deadline, entry), entry))
        return sla_page(listing, rows, start, limit, self._read)

    def _read(self, entries: list[dict[str, Any]]) -> list[MentionRecord]:
        return [self.records[e["pk"]].model_copy(deep=True) for e in entries]

    @staticmethod
    def _matches(record: MentionRecord, listing: Listing) -> bool:
        """What the index and the filter expression of ``MentionStore.list`` keep."""
        f = listing.filters
        since = f.since
        checks = (
            record.is_case,  # follow-ups carry no index keys
            listing.brand is None or brand_key(record.brand) == listing.brand,
            not f.statuses or record.status in f.statuses,
            not f.priorities or record.priority in f.priorities,
            f.platform is None or record.mention.platform is f.platform,
            f.intent is None or f.intent in record.triage.intents,
            f.assignee is None
            or (
                record.assignee is None
                if f.assignee == UNASSIGNED
                else record.assignee == f.assignee
            ),
            f.overdue is None or FakeMentionStore._overdue(record) is f.overdue,
            since is None or record.mention.created_at >= since,
        )
        return all(checks)

    @staticmethod
    def _overdue(record: MentionRecord) -> bool:
        first, resolution = BREACHES
        running_first = first in record.sla_events and record.first_response_at is None
        return record.status.open and (running_first or resolution in record.sla_events)

    @staticmethod
    def _index_key(record: MentionRecord, listing: Listing) -> dict[str, str]:
        """The key DynamoDB returns for this record on the listing's index."""
        sort_key = f"{iso(record.mention.created_at)}#{record.id}"
        return {"pk": record.id, "sort_key": sort_key, listing.hash_attribute: listing.hash_value}
