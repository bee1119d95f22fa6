"""The alert claim protocol: exactly one invocation publishes each alert, and none is lost.

The invocation that stores an alert-worthy mention claims its alert in the same put
(``alert_state = publishing``). It marks the alert sent after publishing, or releases the claim
when the publish fails so that the redelivery takes it at once. If it dies in between, a later
delivery may take the claim once it is ``CLAIM_TIMEOUT`` old. An alert the channel refuses for
good (a permanent error) is recorded ``failed`` with the error instead of staying claimed.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

from heard.models import AlertState, utcnow
from heard.store.table import MentionTable, iso

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
