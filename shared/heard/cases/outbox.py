"""The reply outbox: a person asks for a reply on a case, the reply function sends it.

Nothing is ever sent automatically: a reply exists only because someone asked for it
(``POST /mentions/{id}/replies``, ``queue_reply``), and the reply function sends only replies
stored on the case (``Outbox.process``).

A reply's life: ``queued`` (stored on the case, a message on the reply queue) → ``sending``
(about to be handed to the platform) → ``sent``, or ``retrying`` (the platform said later;
the queue delivers it again after the wait) and at last ``failed`` with the reason in words.
A reply found ``sending`` by a later delivery may have been posted (the attempt died before
its outcome was stored): it is marked failed, asking a person to look, and never posted
twice. ``sent`` and ``failed`` are final.

A token the platform refuses is renewed where the platform allows it (X's refresh token) and
the reply sent again; otherwise the reply fails saying what to do, and one operational alert
per platform goes out until a reply on that platform succeeds again.

The store, the sender, the tokens and the alarm are Protocols: the domain is tested on fakes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from heard.cases import workflow
from heard.models import (
    HistoryEntry,
    MentionRecord,
    OutboxState,
    Reply,
    ReplyMessage,
    Status,
    Visibility,
    utcnow,
)
from heard.platforms import adapter_for, label
from heard.platforms.base import (
    Credentials,
    Forbidden,
    PlatformAdapter,
    ReplyOutcome,
    ReplyRequest,
    ReplyState,
)
from heard.store.mentions import NotFound, VersionConflict

log = logging.getLogger(__name__)

# How often a write of the outcome is tried again when the case changed in between (a person
# updating it meanwhile): each try reads the case afresh and applies the change again.
SAVE_ATTEMPTS = 5
MAX_REPLIES = 50  # per case: a case with this many replies takes no more


class CaseStore(Protocol):
    def get(self, key: str) -> MentionRecord: ...

    def save_case(self, old: MentionRecord, new: MentionRecord) -> MentionRecord: ...


class TokenRenewalError(Exception):
    """The platform would not renew the token; ``retryable``: it was busy, try later."""

    def __init__(self, reason: str, *, retryable: bool):
        super().__init__(reason)
        self.reason, self.retryable = reason, retryable


class TokenVault(Protocol):
    """The credentials each platform adapter sends with (Secrets Manager in AWS)."""

    def credentials(self, adapter: str) -> Credentials: ...

    def renew(self, adapter: str) -> Credentials | None:
        """Fresh credentials after the platform refused the token, stored for the next time;
        None when Heard cannot renew this platform's token (a person must). Raises
        ``TokenRenewalError``."""
        ...


class OpsAlarm(Protocol):
    """One operational alert per condition until it clears."""

    def raise_once(self, key: str, subject: str, message: str) -> bool:
        """Publish unless ``key`` is already raised; True when this call published."""
        ...

    def clear(self, key: str) -> None: ...


# Sends one request with the adapter: ``adapter.reply(request, credentials, client, now)``.
Sender = Callable[[PlatformAdapter, ReplyRequest, Credentials], ReplyOutcome]


class ReplyRefused(Exception):
    """The reply cannot be queued: ``reason`` in words; ``status`` the HTTP status it maps to
    (422 the platform's rules, 409 the case cannot take it)."""

    def __init__(self, reason: str, status: int = 422):
        super().__init__(reason)
        self.reason, self.status = reason, status


class RetryLater(Exception):
    """The platform said later: deliver the message again after ``seconds``."""

    def __init__(self, seconds: float, reason: str):
        super().__init__(f"retry in {seconds:.0f} s: {reason}")
        self.seconds, self.reason = seconds, reason


class GaveUp(Exception):
    """The last attempt the queue allows also had to wait: the reply is marked failed and the
    message goes on to the dead-letter queue."""


# --- requests --------------------------------------------------------------------------------


def request_for(
    case: MentionRecord, text: str, visibility: Visibility, reply_id: str = "draft"
) -> ReplyRequest:
    """The platform request answering ``case``'s first message."""
    mention = case.mention
    return ReplyRequest(
        reply_id=reply_id,
        platform=mention.platform,
        kind=mention.kind,
        native_id=mention.native_id,
        text=text,
        visibility=visibility,
        account_id=mention.account_id,
        author_id=mention.author.id,
        author_handle=mention.author.handle,
        in_reply_to=_parent_comment(case),
        created_at=mention.created_at,
        private_reply_sent=any(
            r.visibility is Visibility.PRIVATE and r.state is OutboxState.SENT for r in case.replies
        ),
    )


def _parent_comment(case: MentionRecord) -> str | None:
    """The parent comment's id when the mention replies to a comment; None for a top-level
    comment (whose ``in_reply_to`` is the post or media), a post or a message."""
    parent = case.mention.in_reply_to
    if parent and case.mention.kind.value == "reply":
        return parent
    return None


def check(case: MentionRecord, text: str, visibility: Visibility, now: datetime) -> None:
    """Raise ``Forbidden`` unless the platform's rules allow this reply now."""
    adapter_for(case.mention.platform).check_reply(request_for(case, text, visibility), now)


# --- queueing (the API) ----------------------------------------------------------------------


def _entry(now: datetime, by: str, action: str, **detail: Any) -> HistoryEntry:
    return HistoryEntry(at=now, by=by, action=action, detail=detail)


def find_by_key(case: MentionRecord, idempotency_key: str) -> Reply | None:
    return next((r for r in case.replies if r.idempotency_key == idempotency_key), None)


def find(case: MentionRecord, reply_id: str) -> Reply | None:
    return next((r for r in case.replies if r.id == reply_id), None)


def queue_reply(
    case: MentionRecord,
    *,
    reply_id: str,
    text: str,
    visibility: Visibility,
    idempotency_key: str,
    by: str,
    now: datetime,
) -> MentionRecord:
    """The case with a new queued reply (and its history entry). Checks the platform's rules
    first: raises ``ReplyRefused`` with the platform's reason when they forbid it."""
    if not case.is_case:
        raise ReplyRefused(f"{case.id} is a message of case {case.case_id}: reply on the case", 409)
    if len(case.replies) >= MAX_REPLIES:
        raise ReplyRefused(f"a case takes at most {MAX_REPLIES} replies", 409)
    try:
        check(case, text, visibility, now)
    except Forbidden as exc:
        raise ReplyRefused(exc.reason) from None
    reply = Reply(
        id=reply_id,
        text=text,
        visibility=visibility,
        idempotency_key=idempotency_key,
        requested_by=by,
        requested_at=now,
        updated_at=now,
    )
    entry = _entry(now, by, "reply", id=reply_id, state=OutboxState.QUEUED, visibility=visibility)
    return case.model_copy(
        update={"replies": [*case.replies, reply], "history": [*case.history, entry]}
    )


# --- sending (the reply function) ------------------------------------------------------------


@dataclass(frozen=True)
class Processed:
    """What one delivery of a reply message did: the reply's state after it."""

    case_id: str
    reply_id: str
    state: OutboxState | None  # None: no such reply (the case or the reply is gone)
    sent_now: bool = False


class Outbox:
    def __init__(
        self,
        store: CaseStore,
        send: Sender,
        tokens: TokenVault,
        alarm: OpsAlarm,
        *,
        clock: Callable[[], datetime] = utcnow,
    ):
        self._store, self._send, self._tokens, self._alarm = store, send, tokens, alarm
        self._clock = clock

    def process(self, message: ReplyMessage, *, attempt: int, max_attempts: int) -> Processed:
        """Send the reply ``message`` names, once, and record the outcome on its case.

        ``attempt`` is this delivery's receive count, ``max_attempts`` the queue's
        maxReceiveCount. Raises ``RetryLater`` when the platform asked to wait (the reply is
        ``retrying``), ``GaveUp`` when that happens on the last attempt (it is ``failed``).
        """
        try:
            case = self._store.get(message.case_id)
        except NotFound:
            log.warning("reply %s: case %s is gone", message.reply_id, message.case_id)
            return Processed(message.case_id, message.reply_id, None)
        reply = find(case, message.reply_id)
        if reply is None:
            log.warning("reply %s is not on case %s", message.reply_id, message.case_id)
            return Processed(case.id, message.reply_id, None)
        if reply.state.final:
            return Processed(case.id, reply.id, reply.state)
        if reply.state is OutboxState.SENDING:
            failed = self._finish(
                case.id,
                reply.id,
                OutboxState.FAILED,
                error=(
                    f"an earlier attempt stopped while sending, so the reply may already be on "
                    f"{label(case.mention.platform)}: check the conversation there before "
                    "sending it again"
                ),
            )
            return Processed(case.id, reply.id, failed)
        request = request_for(case, reply.text, reply.visibility, reply.id)
        now = self._clock()
        try:
            adapter = adapter_for(case.mention.platform)  # NoAdapter: a polled platform
            adapter.check_reply(request, now)
        except Forbidden as exc:
            state = self._finish(case.id, reply.id, OutboxState.FAILED, error=exc.reason)
            return Processed(case.id, reply.id, state)

        self._update(case.id, reply.id, _mark_sending(now))
        outcome = self._attempt(adapter, request)
        return self._record(case.id, reply.id, adapter, outcome, attempt, max_attempts)

    def _attempt(self, adapter: PlatformAdapter, request: ReplyRequest) -> ReplyOutcome:
        try:
            outcome = self._send(adapter, request, self._tokens.credentials(adapter.name))
        except Forbidden as exc:
            return ReplyOutcome.failed(exc.reason)
        if outcome.state is not ReplyState.TOKEN_EXPIRED:
            return outcome
        try:
            renewed = self._tokens.renew(adapter.name)
        except TokenRenewalError as exc:
            if exc.retryable:
                return ReplyOutcome.retry(60.0, exc.reason)
            return ReplyOutcome.token_expired(exc.reason)
        if renewed is None:
            return outcome
        log.info("%s token renewed; sending again", adapter.name)
        try:
            return self._send(adapter, request, renewed)
        except Forbidden as exc:
            return ReplyOutcome.failed(exc.reason)

    def _record(
        self,
        case_id: str,
        reply_id: str,
        adapter: PlatformAdapter,
        outcome: ReplyOutcome,
        attempt: int,
        max_attempts: int,
    ) -> Processed:
        name = adapter.name
        if outcome.state is ReplyState.SENT:
            state = self._finish(
                case_id, reply_id, OutboxState.SENT, platform_id=outcome.platform_id
            )
            self._alarm.clear(f"token:{name}")
            return Processed(case_id, reply_id, state, sent_now=True)
        if outcome.state is ReplyState.TOKEN_EXPIRED:
            error = (
                f"{outcome.reason}. The reply was not sent: once the token is renewed, "
                "send it again"
            )
            self._finish(
                case_id, reply_id, OutboxState.FAILED, error=error, code=outcome.error_code
            )
            where = " and ".join(adapter.labels.values())
            self._alarm.raise_once(
                f"token:{name}",
                f"Heard cannot reply on {where}: the token needs renewing",
                f"Replies on {where} fail until the token is renewed: {outcome.reason}. "
                "Once it is, send the failed replies again from their cases.",
            )
            return Processed(case_id, reply_id, OutboxState.FAILED)
        if outcome.state is ReplyState.RETRY:
            wait = outcome.retry_after or 60.0
            if attempt >= max_attempts:
                error = f"gave up after {attempt} attempts: {outcome.reason}"
                self._finish(
                    case_id, reply_id, OutboxState.FAILED, error=error, code=outcome.error_code
                )
                raise GaveUp(error)
            self._update(
                case_id,
                reply_id,
                lambda r, now: r.model_copy(
                    update={
                        "state": OutboxState.RETRYING,
                        "error": f"{outcome.reason}; trying again in {wait:.0f} s",
                        "error_code": outcome.error_code,
                        "updated_at": now,
                    }
                ),
            )
            raise RetryLater(wait, outcome.reason)
        state = self._finish(
            case_id, reply_id, OutboxState.FAILED, error=outcome.reason, code=outcome.error_code
        )
        return Processed(case_id, reply_id, state)

    def _finish(
        self,
        case_id: str,
        reply_id: str,
        state: OutboxState,
        *,
        platform_id: str | None = None,
        error: str | None = None,
        code: str | None = None,
    ) -> OutboxState:
        def change(reply: Reply, now: datetime) -> Reply:
            return reply.model_copy(
                update={
                    "state": state,
                    "platform_id": platform_id,
                    "error": error,
                    "error_code": code,
                    "sent_at": now if state is OutboxState.SENT else None,
                    "updated_at": now,
                }
            )

        self._update(case_id, reply_id, change, final=True)
        return state

    def _update(
        self,
        case_id: str,
        reply_id: str,
        change: Callable[[Reply, datetime], Reply],
        *,
        final: bool = False,
    ) -> None:
        """Apply ``change`` to the reply and store the case, reading it afresh on a conflict.
        A final state also writes the history and, when sent, moves the case to replied."""
        for _ in range(SAVE_ATTEMPTS):
            case = self._store.get(case_id)
            reply = find(case, reply_id)
            if reply is None:
                return
            now = self._clock()
            changed = change(reply, now)
            replies = [changed if r.id == reply_id else r for r in case.replies]
            updates: dict[str, Any] = {"replies": replies}
            if final:
                updates |= _final_changes(case, changed, now)
            try:
                self._store.save_case(case, case.model_copy(update=updates))
                return
            except VersionConflict:
                continue
        raise RuntimeError(f"case {case_id} kept changing; reply {reply_id} not recorded")


def _mark_sending(now: datetime) -> Callable[[Reply, datetime], Reply]:
    def change(reply: Reply, at: datetime) -> Reply:
        return reply.model_copy(
            update={"state": OutboxState.SENDING, "attempts": reply.attempts + 1, "updated_at": at}
        )

    return change


def _final_changes(case: MentionRecord, reply: Reply, now: datetime) -> dict[str, Any]:
    detail: dict[str, Any] = {"id": reply.id, "state": reply.state}
    if reply.platform_id:
        detail["platform_id"] = reply.platform_id
    if reply.error:
        detail["error"] = reply.error[:300]
    history = [*case.history, _entry(now, workflow.SYSTEM, "reply", **detail)]
    changes: dict[str, Any] = {}
    if reply.state is OutboxState.SENT:
        if case.status.open:
            changes = workflow.set_status(case, Status.REPLIED, now)
            if changes.get("status") is Status.REPLIED:
                history.append(
                    _entry(
                        now,
                        workflow.SYSTEM,
                        "status",
                        **{"from": case.status, "to": Status.REPLIED},
                    )
                )
        elif case.first_response_at is None:  # answered after it was closed: still a response
            changes = {"first_response_at": now}
    return {**changes, "history": history}


__all__ = [
    "MAX_REPLIES",
    "CaseStore",
    "GaveUp",
    "OpsAlarm",
    "Outbox",
    "Processed",
    "ReplyRefused",
    "RetryLater",
    "Sender",
    "TokenRenewalError",
    "TokenVault",
    "check",
    "find",
    "find_by_key",
    "queue_reply",
    "request_for",
]
