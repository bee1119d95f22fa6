"""What the pollers remember between runs, in the poll state table (key ``pk``).

- ``cursor#<source>#<brand>#<query>``: where a query's next run starts (``state``, the source's
  own JSON) and its ``version``. A run advances it with a conditional write on the version it
  read, only after the mentions before it are on the ingest queue: a crash repeats work (the
  mentions table keeps each mention once), never skips it; a run that finds the cursor moved
  by another stops that query.
- ``budget#<source>#<day>``: what a source spent on a UTC day, in its own unit. A request
  reserves its cost first with a conditional add, so concurrent runs together never pass the
  limit. Expires (TTL) a few days later.
- ``health#<source>``: consecutive failed runs, the last error, when the source may be asked
  again (a 429's ``Retry-After``, a 5xx's backoff).
- ``due#<source>#<brand>``: when the source is next due for the brand; the schedule's tick
  claims it with a conditional write, so one tick starts one run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Attr

from heard.store.table import brand_key, iso

BUDGET_KEEP = timedelta(days=7)
ERROR_LIMIT = 500


class StaleCursor(Exception):
    """Another run advanced the cursor since this one read it."""


@dataclass(frozen=True)
class Cursor:
    state: dict[str, Any] = field(default_factory=dict)
    version: int = 0  # 0: never stored


@dataclass(frozen=True)
class Health:
    failures: int = 0  # consecutive failed runs
    last_error: str | None = None
    backoff_until: datetime | None = None
    last_success: datetime | None = None


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


class PollState:
    """The poll state table (a boto3 ``Table``)."""

    def __init__(self, table: Any):
        self.table = table
        self._conflict = table.meta.client.exceptions.ConditionalCheckFailedException

    # --- cursors --------------------------------------------------------------------------

    @staticmethod
    def cursor_key(source: str, brand: str, query: str) -> str:
        return f"cursor#{source}#{brand_key(brand)}#{query}"

    def cursor(self, source: str, brand: str, query: str) -> Cursor:
        item = self.table.get_item(
            Key={"pk": self.cursor_key(source, brand, query)}, ConsistentRead=True
        ).get("Item")
        if not item:
            return Cursor()
        return Cursor(json.loads(str(item["state"])), int(item["version"]))

    def advance(
        self,
        source: str,
        brand: str,
        query: str,
        read: Cursor,
        state: dict[str, Any],
        now: datetime,
    ) -> Cursor:
        """Store ``state`` if the cursor is still the one ``read``; ``StaleCursor`` if not."""
        version = read.version + 1
        condition = (
            Attr("pk").not_exists() if read.version == 0 else Attr("version").eq(read.version)
        )
        try:
            self.table.put_item(
                Item={
                    "pk": self.cursor_key(source, brand, query),
                    "state": json.dumps(state, separators=(",", ":"), sort_keys=True),
                    "version": version,
                    "updated_at": iso(now),
                },
                ConditionExpression=condition,
            )
        except self._conflict:
            raise StaleCursor(f"{source}/{brand}/{query}: moved by another run") from None
        return Cursor(state, version)

    # --- budgets --------------------------------------------------------------------------

    @staticmethod
    def _budget_key(source: str, day: date) -> str:
        return f"budget#{source}#{day.isoformat()}"

    def reserve(self, source: str, day: date, cost: int, limit: int) -> bool:
        """Add ``cost`` to the day's spend unless that would pass ``limit``."""
        if cost > limit:
            return False
        expires = datetime.combine(day, datetime.min.time(), UTC) + BUDGET_KEEP
        try:
            self.table.update_item(
                Key={"pk": self._budget_key(source, day)},
                UpdateExpression="ADD used :cost SET #limit = :limit, expires_at = :expires",
                ConditionExpression=Attr("used").not_exists() | Attr("used").lte(limit - cost),
                ExpressionAttributeNames={"#limit": "limit"},
                ExpressionAttributeValues={
                    ":cost": cost,
                    ":limit": limit,
                    ":expires": int(expires.timestamp()),
                },
            )
        except self._conflict:
            return False
        return True

    def refund(self, source: str, day: date, amount: int) -> None:
        """Give back what a reservation did not use (X: fewer posts than asked for)."""
        if amount > 0:
            self.table.update_item(
                Key={"pk": self._budget_key(source, day)},
                UpdateExpression="ADD used :minus",
                ConditionExpression=Attr("used").gte(amount),
                ExpressionAttributeValues={":minus": -amount},
            )

    def spent(self, source: str, day: date) -> int:
        item = self.table.get_item(
            Key={"pk": self._budget_key(source, day)}, ConsistentRead=True
        ).get("Item")
        return int(item.get("used", 0)) if item else 0

    # --- health ---------------------------------------------------------------------------

    def health(self, source: str) -> Health:
        key = {"pk": f"health#{source}"}
        return self._health(self.table.get_item(Key=key, ConsistentRead=True).get("Item"))

    def record_success(self, source: str, now: datetime, backoff_until: datetime | None) -> Health:
        """A run that ended well (``backoff_until``: the platform's rate limit says wait);
        returns the health before it."""
        values: dict[str, Any] = {":zero": 0, ":now": iso(now)}
        update = "SET failures = :zero, last_success = :now"
        if backoff_until is not None:
            update += ", backoff_until = :until"
            values[":until"] = iso(backoff_until)
        else:
            update += " REMOVE backoff_until, last_error"
        old = self.table.update_item(
            Key={"pk": f"health#{source}"},
            UpdateExpression=update,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_OLD",
        ).get("Attributes")
        return self._health(old)

    def record_failure(
        self, source: str, now: datetime, error: str, backoff_until: datetime | None, failed: bool
    ) -> Health:
        """A run ended by an error; ``failed`` counts it toward the operational alert (a 429 is
        the platform asking to wait, not a failure). Returns the health after it."""
        values: dict[str, Any] = {
            ":error": error[:ERROR_LIMIT],
            ":at": iso(now),
            ":one": 1 if failed else 0,
        }
        sets = ["last_error = :error", "last_error_at = :at"]
        if backoff_until is not None:
            sets.append("backoff_until = :until")
            values[":until"] = iso(backoff_until)
        update = f"SET {', '.join(sets)} ADD failures :one"
        new = self.table.update_item(
            Key={"pk": f"health#{source}"},
            UpdateExpression=update,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        ).get("Attributes")
        return self._health(new)

    @staticmethod
    def _health(item: dict[str, Any] | None) -> Health:
        if not item:
            return Health()
        return Health(
            failures=int(item.get("failures", 0)),
            last_error=item.get("last_error"),
            backoff_until=_when(item.get("backoff_until")),
            last_success=_when(item.get("last_success")),
        )

    # --- schedule -------------------------------------------------------------------------

    def claim_due(self, source: str, brand: str, now: datetime, every: timedelta) -> bool:
        """Take the run that is due for (source, brand), if it is; the next falls ``every``
        later (less a little slack, so a tick a few seconds early still runs it)."""
        slack = min(timedelta(seconds=15), every / 4)
        try:
            self.table.put_item(
                Item={
                    "pk": f"due#{source}#{brand_key(brand)}",
                    "next_due": iso(now + every - slack),
                    "claimed_at": iso(now),
                },
                ConditionExpression=Attr("pk").not_exists() | Attr("next_due").lte(iso(now)),
            )
        except self._conflict:
            return False
        return True


__all__ = ["Cursor", "Health", "PollState", "StaleCursor"]
