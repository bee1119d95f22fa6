"""The inbox: list and read mentions, update cases, queue replies.

The inbox validates a request's parameters, asks a ``MentionReader`` (``MentionStore`` in
production, an in-memory fake in tests) and answers with the models of ``responses``. Every
refusal is an ``ApiError``.

``GET /mentions`` takes ``brand`` (any case), ``status`` and ``priority`` (several,
comma-separated; ``status=open`` is new, acknowledged and replied), ``platform``, ``intent``,
``assignee`` (``me``, ``none`` or a person's handle), ``overdue`` (true/false), ``since`` (an
ISO date or datetime), ``sort`` (``newest`` or ``sla``), ``limit`` (1..100, ASCII digits) and
``cursor``; an empty parameter counts as absent and any other parameter is refused, so a
misspelt filter never silently widens a listing. Every bad value is a 400 naming its parameter.

Every case shown carries its SLA summary, computed with its brand's policy at the request
(``sla``; the case view has both clocks in full).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Protocol, TypeVar, runtime_checkable
from urllib.parse import unquote

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from heard.api.errors import ApiError
from heard.api.responses import (
    BrandList,
    BrandView,
    CaseView,
    MentionPage,
    MentionView,
    ReplyAccepted,
    ReplyView,
)
from heard.api.stats import parse_instant
from heard.cases import deadlines, outbox, workflow
from heard.cases.drafts import drafts_for
from heard.cases.sla import SlaState
from heard.config import HeardConfig, SlaPolicy
from heard.models import (
    CaseSummary,
    Intent,
    MentionRecord,
    OutboxState,
    Platform,
    Priority,
    Reply,
    ReplyMessage,
    Status,
    Visibility,
    utcnow,
)
from heard.store.cursors import OPEN_STATUSES, UNASSIGNED, CursorError, Filters, Sort
from heard.store.mentions import NotFound, Page, SlaOrder, VersionConflict

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
MAX_ASSIGNEE = 320  # an email address's longest
LIST_PARAMETERS = (
    "brand",
    "status",
    "priority",
    "platform",
    "intent",
    "assignee",
    "overdue",
    "since",
    "sort",
    "limit",
    "cursor",
)

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
        filters: Filters | None = None,
        sla: SlaOrder | None = None,
    ) -> Page:
        """One page of the listing ``filters`` (else brand, status, priority) asks for;
        raises ``CursorError`` for a cursor another listing issued."""
        ...


def _enum(enum: type[E], field: str, value: str | None) -> E | None:
    if value is None:
        return None
    try:
        return enum(value.lower())
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise ApiError.invalid(field, f"{field} must be one of: {allowed}") from None


def _enums(enum: type[E], field: str, value: str | None) -> frozenset[E]:
    """A comma-separated list of ``enum`` values (any case); empty items are ignored."""
    if value is None:
        return frozenset()
    names = [v.strip() for v in value.split(",") if v.strip()]
    if not names:
        raise ApiError.invalid(field, f"{field} names no value")
    return frozenset(e for name in names if (e := _enum(enum, field, name)) is not None)


def _statuses(value: str | None) -> frozenset[Status]:
    """``status``: several, comma-separated; ``open`` is new, acknowledged and replied."""
    if value is None:
        return frozenset()
    names = [v.strip().lower() for v in value.split(",") if v.strip()]
    opened = frozenset(OPEN_STATUSES) if "open" in names else frozenset()
    rest = ",".join(n for n in names if n != "open")
    if not rest:
        if not opened:
            raise ApiError.invalid("status", "status names no value")
        return opened
    try:
        return opened | _enums(Status, "status", rest)
    except ApiError:
        allowed = ", ".join(["open", *(s.value for s in Status)])
        raise ApiError.invalid("status", f"status must be one or more of: {allowed}") from None


def _assignee(value: str | None, actor: str | None) -> str | None:
    """``me`` (the person asking), ``none`` (nobody), or a person's handle as cases store it."""
    if value is None:
        return None
    text = value.strip()
    if text.lower() == "me":
        if not actor:
            raise ApiError.invalid("assignee", "assignee=me needs a signed-in person")
        return actor
    if text.lower() == UNASSIGNED:
        return UNASSIGNED
    if not text or len(text) > MAX_ASSIGNEE or not text.isprintable():
        raise ApiError.invalid(
            "assignee",
            f"assignee must be me, none or a person's email (at most {MAX_ASSIGNEE} characters)",
        )
    return text


def _flag(field: str, value: str | None) -> bool | None:
    if value is None:
        return None
    lowered = value.strip().lower()
    if lowered not in ("true", "false"):
        raise ApiError.invalid(field, f"{field} must be true or false")
    return lowered == "true"


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


class ReplyQueue(Protocol):
    """Where a queued reply goes for the reply function (SQS in AWS)."""

    def send(self, message: ReplyMessage) -> None: ...


MAX_IDEMPOTENCY_KEY = 200
MAX_REPLY_TEXT = 10_000


class ReplyBody(BaseModel):
    """``POST /mentions/{id}/replies``."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    text: Annotated[str, Field(min_length=1, max_length=MAX_REPLY_TEXT)]
    visibility: Visibility = Visibility.PUBLIC


class Inbox:
    """``on_change(old, new)``, when given, hears of every case change ``update`` stored (the
    handler publishes metrics from it; the domain publishes nothing). ``config`` gives the
    brands' reply templates for the drafts; ``replies`` is the queue replies go out through."""

    def __init__(
        self,
        store: MentionReader,
        on_change: Callable[[MentionRecord, MentionRecord], None] | None = None,
        *,
        config: Callable[[], HeardConfig | None] | None = None,
        replies: ReplyQueue | None = None,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    ):
        self._store = store
        self._on_change = on_change
        self._config = config
        self._replies = replies
        self._new_id = new_id

    def list(
        self,
        params: Mapping[str, str],
        actor: str | None = None,
        *,
        now: datetime | None = None,
    ) -> MentionPage:
        """``GET /mentions``: one page of a listing, newest first or by SLA deadline.

        ``actor`` is the handle of the person asking (what ``assignee=me`` means). The
        ``sla`` order lists open cases only, the running clock's deadline that comes first
        on top, computed with each brand's policy at ``now``; without a ``brand`` it reads
        every configured brand's open cases.
        """
        query = _known(params)
        now = now or utcnow()
        since = query.get("since")
        sort = _enum(Sort, "sort", query.get("sort")) or Sort.NEWEST
        filters = Filters(
            brand=query.get("brand"),
            statuses=_statuses(query.get("status")),
            priorities=_enums(Priority, "priority", query.get("priority")),
            platform=_enum(Platform, "platform", query.get("platform")),
            intent=_enum(Intent, "intent", query.get("intent")),
            assignee=_assignee(query.get("assignee"), actor),
            overdue=_flag("overdue", query.get("overdue")),
            since=parse_instant("since", since) if since is not None else None,
            sort=sort,
        )
        limit = _limit(query.get("limit"))
        config = self._config() if self._config is not None else None
        order = None
        if sort is Sort.SLA:
            closed = sorted(s.value for s in filters.statuses if not s.open)
            if closed:
                raise ApiError.invalid(
                    "status", f"sort=sla lists open cases only, not {', '.join(closed)}"
                )
            if config is None and not filters.brand:
                raise ApiError(
                    503, "config_unavailable", "sort=sla without a brand needs the brands"
                )
            brands = [b.name for b in config.brands] if config is not None else []
            order = SlaOrder(brands, lambda s: self._first_deadline(s, config, now))
        try:
            page = self._store.list(
                filters=filters, limit=limit, cursor=query.get("cursor"), sla=order
            )
        except CursorError as exc:
            raise ApiError.invalid("cursor", str(exc)) from exc
        items = [MentionView.of(r, self._sla(r, config, now)) for r in page.items]
        return MentionPage(items=items, next_cursor=page.cursor)

    @staticmethod
    def _policy(config: HeardConfig | None, brand: str) -> SlaPolicy | None:
        """The brand's SLA policy (the defaults for a brand no longer configured); None when
        the configuration cannot be read."""
        if config is None:
            return None
        known = config.brand(brand)
        return known.sla if known is not None else SlaPolicy()

    def _sla(
        self, case: MentionRecord, config: HeardConfig | None, now: datetime
    ) -> SlaState | None:
        policy = self._policy(config, case.brand)
        return deadlines.state(case, policy, now) if policy is not None else None

    def _first_deadline(
        self, case: CaseSummary, config: HeardConfig | None, now: datetime
    ) -> datetime | None:
        policy = self._policy(config, case.brand) or SlaPolicy()
        clock = deadlines.first_running(deadlines.summary_state(case, policy, now))
        return clock.deadline if clock is not None else None

    def brands(self) -> BrandList:
        """``GET /brands``: the configured brands (none when the configuration is unreadable)."""
        config = self._config() if self._config is not None else None
        return BrandList(
            brands=[
                BrandView(
                    name=b.name, feedback_slug=b.feedback_slug if b.feedback.enabled else None
                )
                for b in (config.brands if config is not None else [])
            ]
        )

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

    def request_reply(
        self,
        mention_id: str,
        body: Any,
        actor: str,
        *,
        idempotency_key: str | None,
        now: datetime | None = None,
    ) -> tuple[ReplyAccepted, bool]:
        """``POST /mentions/{id}/replies``: check the platform's rules, store the reply on the
        case and queue it. Returns the reply and whether this request created it: the same
        ``Idempotency-Key`` again answers with the reply it created (queued again while it
        is still queued, in case the first request stopped before queueing it)."""
        key = _idempotency_key(idempotency_key)
        request = _reply_body(body)
        if self._replies is None:
            raise ApiError(503, "replies_unavailable", "replies are not configured here")
        now = now or utcnow()
        for _ in range(outbox.SAVE_ATTEMPTS):
            case = self._case(mention_id)
            existing = outbox.find_by_key(case, key)
            if existing is not None:
                if existing.text != request.text or existing.visibility != request.visibility:
                    raise ApiError(
                        422,
                        "idempotency_key_reused",
                        "this Idempotency-Key was used for a different reply: use a new key",
                        "Idempotency-Key",
                    )
                if existing.state is OutboxState.QUEUED:
                    self._replies.send(ReplyMessage(case_id=case.id, reply_id=existing.id))
                return self._accepted(case, existing), False
            try:
                changed = outbox.queue_reply(
                    case,
                    reply_id=self._new_id(),
                    text=request.text,
                    visibility=request.visibility,
                    idempotency_key=key,
                    by=actor,
                    now=now,
                )
            except outbox.ReplyRefused as exc:
                code = "reply_forbidden" if exc.status == 422 else "reply_refused"
                raise ApiError(exc.status, code, exc.reason) from None
            try:
                saved = self._store.save_case(case, changed)
            except VersionConflict:
                continue  # read again: a request with the same key may have stored it
            reply = saved.replies[-1]
            self._replies.send(ReplyMessage(case_id=saved.id, reply_id=reply.id))
            return self._accepted(saved, reply), True
        raise ApiError(409, "version_conflict", "the case kept changing: try again")

    @staticmethod
    def _accepted(case: MentionRecord, reply: Reply) -> ReplyAccepted:
        return ReplyAccepted(
            case_id=case.id, reply=ReplyView.model_validate(reply, from_attributes=True)
        )

    def _view(self, case: MentionRecord) -> CaseView:
        config = self._config() if self._config is not None else None
        brand = config.brand(case.brand) if config is not None else None
        now = utcnow()
        drafts = drafts_for(case, brand, now, agent=None)
        messages = self._store.get_many(case.message_keys)
        return CaseView.of_case(case, messages, drafts, self._sla(case, config, now))


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


def _idempotency_key(value: str | None) -> str:
    key = (value or "").strip()
    if not key:
        raise ApiError.invalid(
            "Idempotency-Key",
            "the Idempotency-Key header is required: a unique value per reply (a UUID), sent "
            "again unchanged when the request is retried",
            code="missing_header",
        )
    if len(key) > MAX_IDEMPOTENCY_KEY or not key.isascii() or not key.isprintable():
        raise ApiError.invalid(
            "Idempotency-Key",
            f"Idempotency-Key must be printable ASCII, at most {MAX_IDEMPOTENCY_KEY}",
        )
    return key


def _reply_body(body: Any) -> ReplyBody:
    if not isinstance(body, dict):
        raise ApiError.invalid("body", "expected a JSON object: {text, visibility}")
    try:
        return ReplyBody.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "body"
        raise ApiError.invalid(field, f"{field}: {first['msg']}") from None


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
