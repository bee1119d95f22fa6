"""The JSON a client sees: explicit response models, not a dump of the stored record.

A field is here because a client may rely on it. Internal bookkeeping (the alert claim's
``alert_claimed_at``, index keys, TTL) never leaves the store: a view is built from a record's
attributes by name, so a field added to ``MentionRecord`` stays private until it is added here.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from heard.api.identity import Principal, PrincipalKind
from heard.models import (
    AlertState,
    Intent,
    MentionKind,
    MentionRecord,
    Platform,
    Priority,
    Sentiment,
    Status,
)


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
    """One mention in the inbox. ``id`` is its key (``x:1849``); ``version`` counts its writes."""

    id: str
    brand: str
    status: Status
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
