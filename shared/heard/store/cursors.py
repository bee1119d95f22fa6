"""Inbox listings and their opaque pagination cursors.

``Filters`` is what a listing asks for; a ``Listing`` is how it is read: the index, the
partitions of it, and every filter it applies, whether the filter is the index's key or a
filter expression. A cursor carries the listing's canonical filters and sort and is refused by
any other listing. For a newest-first listing its key must be exactly the key DynamoDB returns
for that index (``pk``, ``sort_key`` and the index's hash key, for this partition); for the
``sla`` order it is the position of the last case (its deadline, ``sort_key`` and ``pk``). A
forged or altered cursor is a ``CursorError`` (400), never a DynamoDB validation error.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from heard.models import Intent, Platform, Priority, Status
from heard.store.table import FEED, brand_key, from_dynamo, iso

OPEN_STATUSES = (Status.NEW, Status.ACKNOWLEDGED, Status.REPLIED)
# ``assignee=none``: cases nobody is assigned to.
UNASSIGNED = "none"


class CursorError(ValueError):
    """A pagination cursor that this API did not issue, or issued for another listing."""


class Sort(StrEnum):
    NEWEST = "newest"  # by the case's first message, newest first
    SLA = "sla"  # open cases, the first running SLA deadline first


def _frozen(values: Any, kind: type[Any]) -> frozenset[Any]:
    if values is None:
        return frozenset()
    if isinstance(values, str):
        return frozenset({kind(values)})
    if isinstance(values, Iterable):
        return frozenset(kind(v) for v in values)
    return frozenset({kind(values)})


@dataclass(frozen=True)
class Filters:
    """What an inbox listing asks for. Sets mean any of; empty means no filter.

    ``assignee`` is a person's handle as the case stores it, or ``UNASSIGNED``; ``overdue``
    (True/False) keeps the cases with (without) a recorded breach of a running SLA clock (see
    ``MentionStore.list``); ``since`` keeps cases whose first message is at or after it."""

    brand: str | None = None
    statuses: frozenset[Status] = field(default_factory=frozenset)
    priorities: frozenset[Priority] = field(default_factory=frozenset)
    platform: Platform | None = None
    intent: Intent | None = None
    assignee: str | None = None
    overdue: bool | None = None
    since: datetime | None = None
    sort: Sort = Sort.NEWEST

    @classmethod
    def of(
        cls,
        brand: str | None = None,
        status: Status | Iterable[Status] | None = None,
        priority: Priority | Iterable[Priority] | None = None,
        **others: Any,
    ) -> Filters:
        return cls(
            brand=brand or None,
            statuses=_frozen(status, Status),
            priorities=_frozen(priority, Priority),
            **others,
        )

    @property
    def bound(self) -> dict[str, str]:
        """Every filter and the sort, canonical: what a cursor is bound to."""
        values: dict[str, Any] = {
            "brand": brand_key(self.brand) if self.brand else None,
            "status": ",".join(sorted(s.value for s in self.statuses)),
            "priority": ",".join(sorted(p.value for p in self.priorities)),
            "platform": self.platform,
            "intent": self.intent,
            "assignee": self.assignee,
            "overdue": None if self.overdue is None else str(self.overdue).lower(),
            "since": iso(self.since) if self.since else None,
            "sort": None if self.sort is Sort.NEWEST else self.sort,
        }
        return {k: str(v) for k, v in values.items() if v}


@dataclass(frozen=True)
class Listing:
    """One inbox listing: the index that serves it, its partitions and every filter."""

    index: str
    hash_attribute: str
    hash_value: str
    filters: Filters = field(default_factory=Filters)
    # The sla order reads several ByBrandStatus partitions (brand x open status).
    partitions: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        brand: str | Filters | None = None,
        status: Status | Iterable[Status] | None = None,
        priority: Priority | Iterable[Priority] | None = None,
        *,
        brands: Iterable[str] = (),
    ) -> Listing:
        """The listing for these filters, on the narrowest index that serves them.

        Newest first: a brand's single open status has its own (sparse) index; anything else
        reads every case newest first (Feed) through a filter on the projected summary, the
        brand included (one company has a handful of brands: a brand's own index would cost a
        write unit on every mention to save a few reads on some listings). The sla order reads
        the open cases of the sparse ByBrandStatus index, one partition per brand (``brand``,
        else every one of ``brands``) and open status asked for."""
        filters = brand if isinstance(brand, Filters) else Filters.of(brand, status, priority)
        folded = brand_key(filters.brand) if filters.brand else None
        if filters.sort is Sort.SLA:
            statuses = sorted(filters.statuses or OPEN_STATUSES)
            names = [folded] if folded else sorted({brand_key(b) for b in brands})
            parts = tuple(f"{b}#{s.value}" for b in names for s in statuses)
            return cls("ByBrandStatus", "brand_status", "", filters, parts)
        single = next(iter(filters.statuses)) if len(filters.statuses) == 1 else None
        if folded and single is not None and single.open:  # the sparse index: open cases only
            return cls("ByBrandStatus", "brand_status", f"{folded}#{single.value}", filters)
        return cls("Feed", "feed", FEED, filters)

    @property
    def brand(self) -> str | None:
        return brand_key(self.filters.brand) if self.filters.brand else None

    @property
    def status(self) -> Status | None:
        """The one status this listing filters on, if it filters on exactly one."""
        statuses = self.filters.statuses
        return next(iter(statuses)) if len(statuses) == 1 else None

    @property
    def by_sla(self) -> bool:
        return self.filters.sort is Sort.SLA

    @property
    def key_attributes(self) -> frozenset[str]:
        """The attributes of a cursor's key: what this listing's query returns
        (``LastEvaluatedKey``), or for the sla order the position of the last case."""
        if self.by_sla:
            return frozenset({"pk", "sort_key", "due"})
        return frozenset({"pk", "sort_key", self.hash_attribute})

    @property
    def bound(self) -> dict[str, str]:
        """What a cursor is bound to: the index and every filter, in canonical form."""
        return {"index": self.index, **self.filters.bound}


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
    if set(key) != listing.key_attributes:
        raise CursorError("cursor is not one this API issued")
    if not listing.by_sla and key[listing.hash_attribute] != listing.hash_value:
        raise CursorError("cursor is not one this API issued")
    if listing.by_sla and key["due"]:
        try:
            datetime.fromisoformat(key["due"])
        except ValueError:
            raise CursorError("cursor is not one this API issued") from None
    return key
