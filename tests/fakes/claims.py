"""An in-memory ``AlertClaims``: the claim protocol of ``heard.store.claims`` on a dict.

Same semantics as the DynamoDB one: a claim is taken over only once it is ``CLAIM_TIMEOUT``
old, a release needs the alert still ``publishing``, an alert sent meanwhile is not marked
failed, an escalation is recorded once and only while the mention is new, and ``overdue``
lists what the scheduled run would escalate, newest first.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from heard.models import AlertState, MentionRecord, utcnow
from heard.store.claims import CLAIM_TIMEOUT, ERROR_LIMIT

RELEASED = datetime(1970, 1, 1, tzinfo=UTC)


class ConditionFailed(Exception):
    """What a conditional write whose condition fails raises (ConditionalCheckFailed)."""


class InMemoryClaims:
    def __init__(self, records: Iterable[MentionRecord] = ()):
        self.records: dict[str, MentionRecord] = {}
        self.alert_errors: dict[str, str] = {}
        self.escalation_errors: dict[str, str] = {}
        self.calls: list[str] = []  # method names, in order, for asserting the protocol
        for record in records:
            self.put(record)

    # --- test helpers ---------------------------------------------------------------------

    def put(self, record: MentionRecord) -> MentionRecord:
        """Store a copy of ``record`` as the table would hold it."""
        self.records[record.id] = record.model_copy(deep=True)
        return self.get(record.id)

    def get(self, key: str) -> MentionRecord:
        return self.records[key].model_copy(deep=True)

    # --- the claim protocol ---------------------------------------------------------------

    def claim_alert(self, key: str, now: datetime | None = None) -> bool:
        self.calls.append("claim_alert")
        now = now or utcnow()
        record = self.records.get(key)
        if (
            record is None
            or record.alert_state is not AlertState.PUBLISHING
            or record.alert_claimed_at is None
            or not record.alert_claimed_at < now - CLAIM_TIMEOUT
        ):
            return False
        record.alert_claimed_at = now
        return True

    def release_claim(self, key: str) -> None:
        self.calls.append("release_claim")
        record = self._existing(key)
        if record.alert_state is not AlertState.PUBLISHING:
            raise ConditionFailed(key)
        record.alert_claimed_at = RELEASED

    def mark_alerted(self, key: str, now: datetime | None = None) -> None:
        self.calls.append("mark_alerted")
        record = self._existing(key)
        record.alert_state = AlertState.SENT
        record.alerted_at = now or utcnow()

    def mark_failed(self, key: str, error: str, now: datetime | None = None) -> None:
        self.calls.append("mark_failed")
        record = self._existing(key)
        if record.alert_state is AlertState.PUBLISHING:
            record.alert_state = AlertState.FAILED
            self.alert_errors[key] = error[:ERROR_LIMIT]

    def _existing(self, key: str) -> MentionRecord:
        if key not in self.records:
            raise KeyError(f"no stored mention {key}")
        return self.records[key]
