"""The inbox: list and read mentions (the workflow extends it).

The inbox validates a request's parameters, asks a ``MentionReader`` (``MentionStore`` in
production, an in-memory fake in tests) and answers with the models of ``responses``. Every
refusal is an ``ApiError``.

``GET /mentions`` takes ``brand`` (any case), ``status``, ``priority``, ``limit`` (1..100,
ASCII digits) and ``cursor``; an empty parameter counts as absent and any other parameter is
refused, so a misspelt filter never silently widens a listing.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Protocol, TypeVar, runtime_checkable
from urllib.parse import unquote

from heard.api.errors import ApiError
from heard.api.responses import MentionPage, MentionView
from heard.models import MentionRecord, Priority, Status
from heard.store.cursors import CursorError
from heard.store.mentions import NotFound, Page

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
LIST_PARAMETERS = ("brand", "status", "priority", "limit", "cursor")

E = TypeVar("E", bound=StrEnum)


@runtime_checkable
class MentionReader(Protocol):
    """What the inbox needs from the store."""

    def get(self, key: str) -> MentionRecord:
        """The record; raises ``NotFound`` when absent or only a tombstone."""
        ...

    def list(
        self,
        *,
        brand: str | None = None,
        status: Status | None = None,
        priority: Priority | None = None,
        limit: int = DEFAULT_LIMIT,
        cursor: str | None = None,
    ) -> Page:
        """Newest first; raises ``CursorError`` for a cursor another listing issued."""
        ...


def _enum(enum: type[E], field: str, value: str | None) -> E | None:
    if value is None:
        return None
    try:
        return enum(value.lower())
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise ApiError.invalid(field, f"{field} must be one of: {allowed}") from None


def _limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    digits = value.isascii() and value.isdigit() and len(value) <= 6
    if not digits or not 1 <= int(value) <= MAX_LIMIT:
        raise ApiError.invalid("limit", f"limit must be an integer 1..{MAX_LIMIT}")
    return int(value)


def _known(params: Mapping[str, str]) -> dict[str, str]:
    """The parameters, empty ones dropped; an unknown one is refused, naming the allowed."""
    unknown = sorted(set(params) - set(LIST_PARAMETERS))
    if unknown:
        names = ", ".join(repr(u) for u in unknown)
        allowed = ", ".join(LIST_PARAMETERS)
        raise ApiError.invalid(
            unknown[0],
            f"unknown parameter {names}; allowed: {allowed}",
            code="unknown_parameter",
        )
    return {k: v for k, v in params.items() if v != ""}


class Inbox:
    def __init__(self, store: MentionReader):
        self._store = store

    def list(self, params: Mapping[str, str]) -> MentionPage:
        """``GET /mentions``: one page of a listing, newest first."""
        query = _known(params)
        status = _enum(Status, "status", query.get("status"))
        priority = _enum(Priority, "priority", query.get("priority"))
        limit = _limit(query.get("limit"))
        try:
            page = self._store.list(
                brand=query.get("brand"),
                status=status,
                priority=priority,
                limit=limit,
                cursor=query.get("cursor"),
            )
        except CursorError as exc:
            raise ApiError.invalid("cursor", str(exc)) from exc
        return MentionPage(items=[MentionView.of(r) for r in page.items], next_cursor=page.cursor)

    def get(self, mention_id: str) -> MentionView:
        """``GET /mentions/{id}``: one mention (the id may arrive percent-encoded)."""
        key = unquote(mention_id)
        try:
            return MentionView.of(self._store.get(key))
        except NotFound:
            raise ApiError.not_found(f"no mention {key!r}") from None
