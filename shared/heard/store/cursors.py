"""Opaque pagination cursors: the last key a query read, bound to the listing that issued it."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from heard.store.table import from_dynamo


class CursorError(ValueError):
    """A pagination cursor that this API did not issue, or issued for another listing."""


def encode_cursor(query: str, key: dict[str, Any]) -> str:
    """An opaque cursor: the last key read, bound to the query (index and filters) it ends."""
    data = {"q": query, "k": from_dynamo(key)}
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, query: str) -> dict[str, Any]:
    """The start key for ``query``; a cursor from another query or filter is refused."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise CursorError("cursor is not one this API issued") from exc
    key = data.get("k") if isinstance(data, dict) else None
    if not isinstance(key, dict) or not all(isinstance(v, str) for v in key.values()):
        raise CursorError("cursor is not one this API issued")
    if data.get("q") != query:
        raise CursorError("cursor belongs to a listing with other filters")
    return key
