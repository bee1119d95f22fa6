"""The inbox: list and read mentions (the workflow extends it).

The inbox validates a request's parameters, asks a ``MentionReader`` (``MentionStore`` in
production, an in-memory fake in tests) and answers with the models of ``responses``. Every
refusal is an ``ApiError``.

``GET /mentions`` takes ``brand`` (any case), ``status``, ``priority``, ``limit`` (1..100,
ASCII digits) and ``cursor``; an empty parameter counts as absent and any other parameter is
refused, so a misspelt filter never silently widens a listing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, TypeVar, runtime_checkable
from urllib.parse import unquote

from pydantic import ValidationError

from heard.api.errors import ApiError
from heard.api.responses import CaseView, MentionPage, MentionView
from heard.cases import workflow
from heard.models import MentionRecord, Priority, Status, utcnow
from heard.store.cursors import CursorError
from heard.store.mentions import NotFound, Page, VersionConflict

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

    def get_many(self, keys: list[str]) -> list[MentionRecord]:
        """The records of ``keys`` that exist, in order."""
        ...

    def save_case(self, old: MentionRecord, new: MentionRecord) -> MentionRecord:
        """Store ``new`` if the case is still at ``old.version``; else ``VersionConflict``."""
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
    """``on_change(old, new)``, when given, hears of every case change ``update`` stored (the
    handler publishes metrics from it; the domain publishes nothing)."""

    def __init__(
        self,
        store: MentionReader,
        on_change: Callable[[MentionRecord, MentionRecord], None] | None = None,
    ):
        self._store = store
        self._on_change = on_change

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

    def get(self, mention_id: str) -> CaseView:
        """``GET /mentions/{id}``: the case with its conversation (the id may arrive
        percent-encoded; a follow-up's id answers with the case it joined)."""
        return self._view(self._case(mention_id))

    def update(
        self,
        mention_id: str,
        body: Any,
        actor: str,
        *,
        if_match: str | None = None,
        now: datetime | None = None,
    ) -> CaseView:
        """``PATCH /mentions/{id}``: change status, assignee, priority, tags, or add a note.

        Optimistic concurrency: an ``If-Match`` ETag that is not the current one is refused
        with 412, a stale ``version`` in the body with 409; either way nothing changes.
        ``assignee: "me"`` means the person making the request.
        """
        update = _case_update(body)
        if update.assignee == "me":
            update = update.model_copy(update={"assignee": actor})
        case = self._case(mention_id)
        expected = _etag_version(if_match) if if_match is not None else None
        if expected is not None and expected != case.version:
            raise ApiError(412, "precondition_failed", _stale(case, expected, "If-Match"))
        if update.version is not None and update.version != case.version:
            raise ApiError(409, "version_conflict", _stale(case, update.version, "version"))
        try:
            changed = workflow.apply_update(case, update, actor, now or utcnow())
        except workflow.CaseError as exc:
            raise ApiError.invalid(exc.field, exc.message) from None
        if changed is case:
            return self._view(case)
        try:
            saved = self._store.save_case(case, changed)
        except VersionConflict as exc:
            status, code = (412, "precondition_failed") if if_match else (409, "version_conflict")
            raise ApiError(status, code, f"the case changed meanwhile: {exc}") from None
        if self._on_change is not None:
            self._on_change(case, saved)
        return self._view(saved)

    def _case(self, mention_id: str) -> MentionRecord:
        key = unquote(mention_id)
        try:
            record = self._store.get(key)
            if not record.is_case and record.case_id is not None:
                record = self._store.get(record.case_id)
        except NotFound:
            raise ApiError.not_found(f"no mention {key!r}") from None
        return record

    def _view(self, case: MentionRecord) -> CaseView:
        return CaseView.of_case(case, self._store.get_many(case.message_keys))


def etag(version: int) -> str:
    """The ``ETag`` of a case at ``version``."""
    return f'"{version}"'


def _etag_version(value: str) -> int:
    tag = value.strip().removeprefix("W/").strip('"')
    if not (tag.isascii() and tag.isdigit() and len(tag) <= 12):
        raise ApiError(412, "precondition_failed", "If-Match must be an ETag this API issued")
    return int(tag)


def _stale(case: MentionRecord, given: int, what: str) -> str:
    return (
        f"{what} names version {given} but the case is at version {case.version}: "
        "read it again and reapply your change"
    )


def _case_update(body: Any) -> workflow.CaseUpdate:
    if not isinstance(body, dict):
        raise ApiError.invalid("body", "expected a JSON object")
    try:
        update = workflow.CaseUpdate.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "body"
        raise ApiError.invalid(field, f"{field}: {first['msg']}") from None
    if not update.changes_anything():
        fields = ", ".join(sorted(workflow.CaseUpdate.model_fields))
        raise ApiError.invalid("body", f"nothing to change; fields: {fields}")
    return update
