"""Opaque pagination cursors: the last key a query read, bound to the listing that issued it.

A ``Listing`` is one inbox query: the index it reads and every filter it applies, whether the
filter is the index's key or a filter expression. A cursor carries the listing's canonical
filters and is refused by any other listing, and its key must be exactly the key DynamoDB
returns for that index (``pk``, ``sort_key`` and the index's hash key, for this partition), so a
forged or altered cursor is a ``CursorError`` (400), never a DynamoDB validation error.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from heard.models import Priority, Status
from heard.store.table import FEED, brand_key, from_dynamo


class CursorError(ValueError):
    """A pagination cursor that this API did not issue, or issued for another listing."""


@dataclass(frozen=True)
class Listing:
    """One inbox listing: the index that serves it and every filter it applies."""

    index: str
    hash_attribute: str
    hash_value: str
    brand: str | None = None  # case-folded
    status: Status | None = None
    priority: Priority | None = None

    @classmethod
    def of(
        cls,
        brand: str | None = None,
        status: Status | None = None,
        priority: Priority | None = None,
    ) -> Listing:
        """The listing for these filters, on the narrowest index that serves them: an open
        status has its own (sparse) index; any other filter reads the brand's cases (ByBrand)
        or every brand's (Feed) through a filter on their projected summary."""
        folded = brand_key(brand) if brand else None
        if folded and status and status.open:  # the sparse index holds open cases only
            index, name, value = "ByBrandStatus", "brand_status", f"{folded}#{status.value}"
        elif folded:  # a closed status or a priority: a filter on the brand's cases
            index, name, value = "ByBrand", "brand", folded
        else:
            index, name, value = "Feed", "feed", FEED
        return cls(index, name, value, folded, status, priority)

    @property
    def key_attributes(self) -> frozenset[str]:
        """The attributes of a key this listing's query returns (``LastEvaluatedKey``)."""
        return frozenset({"pk", "sort_key", self.hash_attribute})

    @property
    def bound(self) -> dict[str, str]:
        """What a cursor is bound to: the index and every filter, in canonical form."""
        filters = {"brand": self.brand, "status": self.status, "priority": self.priority}
        return {"index": self.index, **{k: str(v) for k, v in filters.items() if v}}


def encode_cursor(listing: Listing, key: dict[str, Any]) -> str:
    """An opaque cursor: the last key read, bound to the listing (index and filters) it ends."""
    data = {"q": listing.bound, "k": from_dynamo(key)}
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, listing: Listing) -> dict[str, Any]:
    """The start key for ``listing``; a cursor from another listing, or a forged one, is refused."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise CursorError("cursor is not one this API issued") from exc
    key = data.get("k") if isinstance(data, dict) else None
    if not isinstance(key, dict) or not all(isinstance(v, str) for v in key.values()):
        raise CursorError("cursor is not one this API issued")
    if data.get("q") != listing.bound:
        raise CursorError("cursor belongs to a listing with other filters")
    if set(key) != listing.key_attributes or key[listing.hash_attribute] != listing.hash_value:
        raise CursorError("cursor is not one this API issued")
    return key
