"""The JSON a client sees: explicit response models, not a dump of the stored record.

A field is here because a client may rely on it. Internal bookkeeping (the alert claim's
``alert_claimed_at``, index keys, TTL) never leaves the store: a view is built from a record's
attributes by name, so a field added to ``MentionRecord`` stays private until it is added here.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from heard.api.identity import Principal, PrincipalKind
from heard.models import (
    AlertState,
    Intent,
    MentionKind,
    MentionRecord,
    OutboxState,
    Platform,
    Priority,
    Sentiment,
    Status,
    Visibility,
)

if TYPE_CHECKING:
    from heard.cases.drafts import Draft


class View(BaseModel):
    model_config = ConfigDict(defer_build=True, from_attributes=True, extra="forbid")


class AuthorView(View):
    id: str | None = None
    handle: str | None = None
    name: str | None = None
    followers: int = 0
    verified: bool = False


class MentionContentView(View):
    """What was said, where and by whom."""

    platform: Platform
    native_id: str
    kind: MentionKind
    text: str
    author: AuthorView
    url: str | None = None
    created_at: datetime
    lang: str | None = None
    in_reply_to: str | None = None
    account_id: str | None = None
    source: str | None = None
    engagement: int = 0
    needs_enrichment: bool = False


class TriageView(View):
    """What triage decided, and why."""

    sentiment: Sentiment
    sentiment_score: float
    complaint: bool
    complaint_probability: float
    intents: list[Intent]
    priority: Priority
    reasons: list[str]
    lang: str
    lang_supported: bool
    backend: str
    model_version: str


class MentionView(View):
    """One case in the inbox: its first mention, triage and where the case stands. ``id`` is the
    mention's key (``x:1849``); ``version`` (also the ``ETag``) counts the case's changes;
    ``priority`` is the case's (a person's override, else the highest the conversation had)."""

    id: str
    brand: str
    status: Status
    priority: Priority
    priority_override: Priority | None = None
    conversation_priority: Priority | None = None
    assignee: str | None = None
    tags: list[str]
    case_id: str | None = None
    message_keys: list[str]
    waiting_since: datetime | None = None
    acknowledged_at: datetime | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    sla_events: list[str]
    mention: MentionContentView
    triage: TriageView
    matched: str | None = None
    received_at: datetime
    deleted: bool = False
    deleted_at: datetime | None = None
    alert_state: AlertState
    alerted_at: datetime | None = None
    escalated_at: datetime | None = None
    edited_at: datetime | None = None
    version: int

    @classmethod
    def of(cls, record: MentionRecord) -> MentionView:
        return cls.model_validate(record, from_attributes=True)


class MessageView(View):
    """A later message of the conversation, as it joined the case."""

    id: str
    mention: MentionContentView
    triage: TriageView
    received_at: datetime
    deleted: bool = False
    edited_at: datetime | None = None
    alert_state: AlertState


class NoteView(View):
    at: datetime
    by: str
    text: str


class HistoryView(View):
    at: datetime
    by: str
    action: str
    detail: dict[str, Any]


class ReplyView(View):
    """A reply the team asked to send, and where it stands (``error`` says why it is retrying
    or failed, and what to do)."""

    id: str
    text: str
    visibility: Visibility
    state: OutboxState
    platform_id: str | None = None
    error: str | None = None
    attempts: int
    requested_by: str
    requested_at: datetime
    sent_at: datetime | None = None


class DraftView(View):
    """A suggested reply from the brand's templates: edit it, then POST it to ``replies``.
    ``visibility`` is the recommendation (None: the platform allows no reply now, see
    ``note``), ``reason`` why, ``allowed`` what the platform accepts now."""

    key: str
    lang: str
    text: str
    visibility: Visibility | None = None
    reason: str
    allowed: list[Visibility]
    note: str | None = None


class ReplyAccepted(View):
    """``POST /mentions/{id}/replies`` (202): the reply queued, or the one this
    Idempotency-Key already queued."""

    case_id: str
    reply: ReplyView


class CaseView(MentionView):
    """``GET /mentions/{id}``: the case with its whole conversation, notes, history, the
    replies asked for and drafts for the next one."""

    messages: list[MessageView]
    notes: list[NoteView]
    history: list[HistoryView]
    replies: list[ReplyView]
    drafts: list[DraftView]

    @classmethod
    def of_case(
        cls,
        case: MentionRecord,
        messages: list[MentionRecord],
        drafts: list[Draft] | tuple[Draft, ...] = (),
    ) -> CaseView:
        data = MentionView.of(case).model_dump()
        return cls.model_validate(
            {
                **data,
                "messages": [MessageView.model_validate(m, from_attributes=True) for m in messages],
                "notes": [NoteView.model_validate(n, from_attributes=True) for n in case.notes],
                "history": [
                    HistoryView.model_validate(h, from_attributes=True) for h in case.history
                ],
                "replies": [
                    ReplyView.model_validate(r, from_attributes=True) for r in case.replies
                ],
                "drafts": [DraftView.model_validate(d, from_attributes=True) for d in drafts],
            }
        )


class MentionPage(View):
    """One page of a listing, newest first; ``next_cursor`` continues it (None: no more)."""

    items: list[MentionView]
    next_cursor: str | None = None


class PrincipalView(View):
    """``GET /me``: who the API takes the caller to be."""

    id: str
    username: str
    email: str | None = None
    display_name: str
    groups: list[str]
    kind: PrincipalKind

    @classmethod
    def of(cls, principal: Principal) -> PrincipalView:
        return cls.model_validate(principal, from_attributes=True)
