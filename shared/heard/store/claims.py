"""The alert claim protocol: exactly one invocation publishes each alert, and none is lost.

The invocation that stores an alert-worthy mention claims its alert in the same put
(``alert_state = publishing``). It marks the alert sent after publishing, or releases the claim
when the publish fails so that the redelivery takes it at once. If it dies in between, a later
delivery may take the claim once it is ``CLAIM_TIMEOUT`` old. An alert the channel refuses for
good (a permanent error) is recorded ``failed`` with the error instead of staying claimed.
Escalations are recorded once, and so is an escalation the channel refused.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

from heard.models import AlertState, MentionRecord, Priority, Status, utcnow
from heard.store.table import MentionTable, brand_key, iso

# How long an alert claim protects an invocation that may still be publishing. Longer than the
# triage function's timeout (a live invocation cannot hold it longer), shorter than the ingest
# queue's visibility timeout (so the first redelivery after a crash can take it over).
# tests/unit/test_template.py checks both against template.yaml.
CLAIM_TIMEOUT = timedelta(seconds=45)
ERROR_LIMIT = 1000  # characters of a channel's error kept on the record


class AlertClaims:
    """Claims, publications and escalations of alerts, on the mentions table."""

    def __init__(self, table: MentionTable):
        self._t = table
        self._table = table.table

    def claim_alert(self, key: str, now: datetime | None = None) -> bool:
        """Take over publishing an alert whose first claim was never completed.

        The invocation that stores an alert-worthy mention claims its alert in the same put
        (``alert_state = publishing``). If it dies before marking the alert sent, a later
        delivery of the same mention may take the claim once it is ``CLAIM_TIMEOUT`` old: an
        alert is delayed by a crash, never lost, and concurrent duplicates never both publish.
        """
        now = now or utcnow()
        try:
            self._table.update_item(
                Key={"pk": key},
                UpdateExpression="SET alert_state = :publishing, alert_claimed_at = :now",
                ConditionExpression="alert_state = :publishing AND alert_claimed_at < :stale",
                ExpressionAttributeValues={
                    ":publishing": AlertState.PUBLISHING.value,
                    ":now": iso(now),
                    ":stale": iso(now - CLAIM_TIMEOUT),
                },
            )
        except self._t.conflict:
            return False
        return True

    def release_claim(self, key: str) -> None:
        """Give up a claim after a failed publish, so the redelivery can take it at once."""
        self._table.update_item(
            Key={"pk": key},
            UpdateExpression="SET alert_claimed_at = :released",
            ConditionExpression="alert_state = :publishing",
            ExpressionAttributeValues={
                ":released": iso(datetime(1970, 1, 1, tzinfo=UTC)),
                ":publishing": AlertState.PUBLISHING.value,
            },
        )

    def mark_alerted(self, key: str, now: datetime | None = None) -> None:
        self._table.update_item(
            Key={"pk": key},
            UpdateExpression="SET alert_state = :sent, alerted_at = :now",
            ExpressionAttributeValues={
                ":sent": AlertState.SENT.value,
                ":now": iso(now or utcnow()),
            },
        )

    def mark_failed(self, key: str, error: str, now: datetime | None = None) -> None:
        """The channel refused the alert for good: record it ``failed`` with the error, so the
        claim is not left ``publishing``. An alert sent meanwhile stays ``sent``."""
        with contextlib.suppress(self._t.conflict):
            self._table.update_item(
                Key={"pk": key},
                UpdateExpression="SET alert_state = :failed, alert_error = :error, "
                "alert_failed_at = :now",
                ConditionExpression="alert_state = :publishing",
                ExpressionAttributeValues={
                    ":failed": AlertState.FAILED.value,
                    ":error": error[:ERROR_LIMIT],
                    ":now": iso(now or utcnow()),
                    ":publishing": AlertState.PUBLISHING.value,
                },
            )

    def mark_escalated(self, key: str, now: datetime | None = None) -> bool:
        """Record an SLA escalation once. False if it was escalated or handled meanwhile."""
        try:
            self._table.update_item(
                Key={"pk": key},
                UpdateExpression="SET escalated_at = :now",
                ConditionExpression="attribute_not_exists(escalated_at) AND #s = :new",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":now": iso(now or utcnow()), ":new": Status.NEW.value},
            )
        except self._t.conflict:
            return False
        return True

    def mark_escalation_failed(self, key: str, error: str, now: datetime | None = None) -> None:
        """The channel refused the escalation for good: record the error, so later runs do
        not repeat it (``overdue`` leaves such mentions out)."""
        self._table.update_item(
            Key={"pk": key},
            UpdateExpression="SET escalation_error = :error, escalation_failed_at = :now",
            ExpressionAttributeValues={":error": error[:ERROR_LIMIT], ":now": iso(now or utcnow())},
        )

    def overdue(
        self, brand: str, priority: Priority, *, alerted_before: datetime, limit: int = 100
    ) -> list[MentionRecord]:
        """Alerted mentions of one brand and priority, still new, not yet escalated (nor refused
        an escalation), whose alert went out before ``alerted_before``. Reads the brand's new
        cases (the small, sparse ByBrandStatus partition), then their items by key."""
        kwargs: dict[str, Any] = {
            "IndexName": "ByBrandStatus",
            "KeyConditionExpression": "brand_status = :bs",
            "FilterExpression": (
                "priority = :priority AND alert_state = :sent AND alerted_at < :cutoff "
                "AND attribute_not_exists(escalated_at) "
                "AND attribute_not_exists(escalation_failed_at) AND deleted = :false"
            ),
            "ExpressionAttributeValues": {
                ":bs": brand_key(brand, Status.NEW.value),
                ":priority": priority.value,
                ":sent": AlertState.SENT.value,
                ":cutoff": iso(alerted_before),
                ":false": False,
            },
            "ScanIndexForward": False,
        }
        found: list[MentionRecord] = []
        while len(found) < limit:
            response = self._table.query(**kwargs)
            # The index is eventually consistent: what the items say now decides.
            found += [
                r
                for r in self._t.records(response.get("Items", []))
                if r.status is Status.NEW and r.escalated_at is None and not r.deleted
            ]
            if "LastEvaluatedKey" not in response:
                break
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return found[:limit]
