"""What happens to one queued message: match a brand, triage, store once, alert once.

The triage Lambda handler wires the adapters (store, alert dispatcher, triager, config) once per
cold start and calls ``Pipeline.handle`` for every SQS record; an exception fails that record alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from heard.alerts import AlertDispatcher
from heard.cases import deadlines, workflow
from heard.config import Brand, BrandMatcher, HeardConfig
from heard.models import (
    AlertState,
    DeletionMessage,
    Mention,
    MentionMessage,
    MentionRecord,
    Triage,
    utcnow,
)
from heard.store.mentions import VersionConflict

_JOIN_ATTEMPTS = 5


class Outcome(StrEnum):
    STORED = "stored"  # new mention stored (maybe alerted)
    DUPLICATE = "duplicate"  # seen before: nothing new stored, nobody alerted again
    UNMATCHED = "unmatched"  # concerns no tracked brand
    DELETED = "deleted"  # a removal was recorded
    EDITED = "edited"  # the author edited it: new text and triage stored


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    key: str
    alerted: bool = False
    record: MentionRecord | None = None


class TriagerLike(Protocol):
    def triage_mention(self, mention: Mention, brand: Brand | None = None) -> Triage: ...


class MentionWriter(Protocol):
    """What the pipeline needs of the store (``heard.store.MentionStore``)."""

    def put_new(self, record: MentionRecord) -> bool: ...

    def get_any(self, key: str) -> MentionRecord | None: ...

    def mark_deleted(self, platform: str, native_id: str, when: datetime) -> bool: ...

    def apply_edit(self, record: MentionRecord, alert: bool) -> bool: ...

    def find_open_case(self, record: MentionRecord) -> str | None: ...

    def save_case(self, old: MentionRecord, new: MentionRecord) -> MentionRecord: ...


class Pipeline:
    def __init__(
        self,
        *,
        store: MentionWriter,
        alerts: AlertDispatcher,
        triager: TriagerLike,
        config: HeardConfig,
    ):
        self.store = store
        self.alerts = alerts
        self.triager = triager
        self.use_config(config)

    def use_config(self, config: HeardConfig) -> None:
        """Swap in a new configuration (the SSM parameter changed) without a cold start."""
        if getattr(self, "config", None) is not config:
            self.config = config
            self.matcher = BrandMatcher(config)

    def handle(self, message: MentionMessage | DeletionMessage) -> Result:
        if isinstance(message, DeletionMessage):
            self.store.mark_deleted(message.platform, message.native_id, message.deleted_at)
            return Result(Outcome.DELETED, f"{message.platform.value}:{message.native_id}")
        return self._mention(message)

    def _brand_for(self, message: MentionMessage) -> tuple[Brand, str] | None:
        mention = message.mention
        if message.brand and (brand := self.config.brand(message.brand)):
            return brand, f"brand {brand.name}"
        match = self.matcher.match(
            mention.text, platform=mention.platform, account_id=mention.account_id
        )
        return (match.brand, match.matched) if match else None

    def _mention(self, message: MentionMessage) -> Result:
        mention = message.mention
        found = self._brand_for(message)
        if found is None:
            return Result(Outcome.UNMATCHED, mention.key)
        brand, matched = found
        record = MentionRecord(
            id=mention.key,
            brand=brand.name,
            mention=mention,
            triage=self.triager.triage_mention(mention, brand),
            matched=matched,
            received_at=utcnow(),
        )
        case = None if message.edited else self._open_case(record)
        if case is not None:
            # A later message of an open conversation joins its case and alerts only when it
            # raises the case's priority: one alert per conversation, not per message.
            record.case_id = case.id
            worthy = workflow.raises_priority(case, record)
        else:
            record.waiting_since = mention.created_at
            record.sla_due = deadlines.next_look(record, brand.sla, record.received_at)
            worthy = True
        if worthy and self.alerts.wants_alert(record, brand):
            # Stored already claimed: this invocation alone publishes it.
            record.alert_state = AlertState.PUBLISHING
            record.alert_claimed_at = record.received_at
        if self.store.put_new(record):
            if record.case_id is not None:
                self._join(record, brand)
            claimed = record.alert_state is AlertState.PUBLISHING
            alerted = claimed and self.alerts.alert_new(record, brand)
            return Result(Outcome.STORED, record.id, alerted, record)
        # Seen before. If the invocation that stored it died before joining or alerting,
        # finish that.
        existing = self.store.get_any(record.id)
        if message.edited and existing is not None and not existing.deleted:
            return self._edit(existing, record, brand)
        if existing is not None and not existing.is_case and existing.case_id is not None:
            self._join(existing, brand)
        alerted = (
            existing is not None
            and existing.alert_state is AlertState.PUBLISHING
            and not existing.deleted
            and self.alerts.take_over(existing, brand)
        )
        return Result(Outcome.DUPLICATE, record.id, alerted, existing)

    def _open_case(self, record: MentionRecord) -> MentionRecord | None:
        key = self.store.find_open_case(record)
        if key is None or key == record.id:
            return None
        return self.store.get_any(key)

    def _join(self, follow_up: MentionRecord, brand: Brand) -> None:
        """Add a stored follow-up to its case (idempotent; retried on a concurrent change)."""
        assert follow_up.case_id is not None
        for _ in range(_JOIN_ATTEMPTS):
            case = self.store.get_any(follow_up.case_id)
            if case is None:
                return  # the case is gone (retention): the message stands on its own
            now = utcnow()
            joined = workflow.join(case, follow_up, now)
            if joined is case:
                return
            joined = deadlines.with_next_look(joined, brand.sla, now)
            try:
                self.store.save_case(case, joined)
                return
            except VersionConflict:
                continue
        raise RuntimeError(f"could not join {follow_up.id} to case {follow_up.case_id}")

    def _edit(self, existing: MentionRecord, edited: MentionRecord, brand: Brand) -> Result:
        """The author edited it: keep the new text and triage; alert if it now deserves one
        and never had one (an edit from 'love it' to 'my lawyer will hear about this')."""
        updated = existing.model_copy(
            update={"mention": edited.mention, "triage": edited.triage, "matched": edited.matched}
        )
        alert = edited.alert_state is AlertState.PUBLISHING
        claimed = self.store.apply_edit(updated, alert)
        alerted = claimed and self.alerts.alert_edit(updated, brand)
        return Result(Outcome.EDITED, updated.id, alerted, updated)
