"""The inbox: the management API's domain (list and read now; the workflow extends it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from heard.models import Priority, Status
from heard.store import CursorError, MentionStore, NotFound

MAX_LIMIT = 100


class InboxError(Exception):
    """A request the inbox cannot serve; ``status`` is the HTTP status it maps to."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.code, self.field = status, code, field


def _enum(enum: type, field: str, value: str | None):
    if value is None:
        return None
    try:
        return enum(value.lower())
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        message = f"{field} must be one of: {allowed}"
        raise InboxError(400, "invalid_parameter", message, field) from None


def _limit(value: str | None) -> int:
    if value is None:
        return 25
    if not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise InboxError(400, "invalid_parameter", f"limit must be 1..{MAX_LIMIT}", "limit")
    return int(value)


class Inbox:
    def __init__(self, store: MentionStore):
        self._store = store

    def list(self, params: Mapping[str, str]) -> dict[str, Any]:
        try:
            page = self._store.list(
                brand=params.get("brand") or None,
                status=_enum(Status, "status", params.get("status")),
                priority=_enum(Priority, "priority", params.get("priority")),
                limit=_limit(params.get("limit")),
                cursor=params.get("cursor") or None,
            )
        except CursorError as exc:
            raise InboxError(400, "invalid_parameter", str(exc), "cursor") from exc
        return {
            "items": [r.model_dump(mode="json") for r in page.items],
            "next_cursor": page.cursor,
        }

    def get(self, mention_id: str) -> dict[str, Any]:
        try:
            return self._store.get(unquote(mention_id)).model_dump(mode="json")
        except NotFound:
            raise InboxError(404, "not_found", f"no mention {unquote(mention_id)!r}") from None
