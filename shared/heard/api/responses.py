"""The JSON a client sees: explicit response models, not a dump of the stored record.

A field is here because a client may rely on it. Internal bookkeeping (the alert claim's
``alert_claimed_at``, index keys, TTL) never leaves the store: a view is built from a record's
attributes by name, so a field added to ``MentionRecord`` stays private until it is added here.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
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
    from heard.cases.sla import Clock, SlaState


class SlaStatusName(StrEnum):
    """``heard.cases.sla.SlaStatus``, as a client sees it."""

    OK = "ok"  # running, before the warning
    WARNING = "warning"  # running, past the brand's warn_at share of the target
    BREACHED = "breached"  # running, past the deadline
    MET = "met"  # stopped at or before the deadline
    MISSED = "missed"  # stopped after the deadline
    NONE = "none"  # no target for the case's priority


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
    rating: int | None = None
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


def _seconds(value: Any) -> int | None:
    return None if value is None else int(value.total_seconds())


class SlaSummaryView(View):
    """Where a case stands against its brand's SLA, in brief: the running clock whose
    deadline comes first (``clock``, its ``state`` and ``deadline``). With no such clock,
    ``clock`` and ``deadline`` are None and ``state`` is the worse of the stopped clocks
    (missed, then met), or none when no target applies."""

    clock: str | None = None
    state: SlaStatusName
    deadline: datetime | None = None

    @classmethod
    def of(cls, current: SlaState) -> SlaSummaryView:
        return cls.model_validate(_summary(current))


def _summary(current: SlaState) -> dict[str, Any]:
    from heard.cases.deadlines import first_running

    clock = first_running(current)
    if clock is not None:
        return {"clock": clock.kind.value, "state": clock.status.value, "deadline": clock.deadline}
    statuses = {c.status.value for c in current.clocks}
    state = next((s for s in ("missed", "met") if s in statuses), "none")
    return {"clock": None, "state": state, "deadline": None}


class SlaClockView(View):
    """One SLA clock of a case, at the time of the request. ``target`` as the brand writes it
    (``1h``, ``8bh``; None: no target), ``target_s`` in seconds of the time it counts
    (business time for ``business_time``); ``left_s`` is the time left (for a met clock, the
    time it had to spare), ``overdue_by_s`` how late it is (or was); both count like the
    target."""

    state: SlaStatusName
    target: str | None = None
    target_s: int | None = None
    business_time: bool = False
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    warn_at: datetime | None = None
    deadline: datetime | None = None
    left_s: int | None = None
    overdue_by_s: int | None = None

    @classmethod
    def of(cls, clock: Clock) -> SlaClockView:
        target = clock.target
        return cls(
            state=SlaStatusName(clock.status.value),
            target=str(target) if target else None,
            target_s=_seconds(target.length) if target else None,
            business_time=bool(target and target.business),
            started_at=clock.started_at,
            stopped_at=clock.stopped_at,
            warn_at=clock.warn_at,
            deadline=clock.deadline,
            left_s=_seconds(clock.left),
            overdue_by_s=_seconds(clock.overdue_by),
        )


class CaseSlaView(SlaSummaryView):
    """``GET /mentions/{id}``'s ``sla``: the summary, both clocks computed with the brand's
    policy at ``computed_at`` (the request), and the notices sent (``events``:
    ``first_response:warning``, ``resolution:level0``, ...)."""

    computed_at: datetime
    first_response: SlaClockView
    resolution: SlaClockView
    events: list[str]

    @classmethod
    def of_case(cls, current: SlaState, events: list[str]) -> CaseSlaView:
        return cls.model_validate(
            {
                **_summary(current),
                "computed_at": current.now,
                "first_response": SlaClockView.of(current.first_response),
                "resolution": SlaClockView.of(current.resolution),
                "events": list(events),
            }
        )


class MentionView(View):
    """One case in the inbox: its first mention, triage and where the case stands. ``id`` is the
    mention's key (``x:1849``); ``version`` (also the ``ETag``) counts the case's changes;
    ``priority`` is the case's (a person's override, else the highest the conversation had);
    ``sla`` where it stands against its brand's SLA now (None when the brand configuration
    cannot be read)."""

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
    sla: SlaSummaryView | None = None

    @classmethod
    def of(cls, record: MentionRecord, sla: SlaState | None = None) -> MentionView:
        view = cls.model_validate(record, from_attributes=True)
        if sla is not None:
            view.sla = SlaSummaryView.of(sla)
        return view


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
    replies asked for, drafts for the next one and its SLA clocks in full."""

    messages: list[MessageView]
    notes: list[NoteView]
    history: list[HistoryView]
    replies: list[ReplyView]
    drafts: list[DraftView]
    sla: CaseSlaView | None = None

    @classmethod
    def of_case(
        cls,
        case: MentionRecord,
        messages: list[MentionRecord],
        drafts: list[Draft] | tuple[Draft, ...] = (),
        sla: SlaState | None = None,
    ) -> CaseView:
        data = MentionView.of(case).model_dump()
        return cls.model_validate(
            {
                **data,
                "sla": CaseSlaView.of_case(sla, case.sla_events) if sla is not None else None,
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


class BrandView(View):
    """A configured brand: its name and, when its form is enabled, the form's slug."""

    name: str
    feedback_slug: str | None = None


class BrandList(View):
    """``GET /brands``: the brands Heard tracks, in the configuration's order."""

    brands: list[BrandView]


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
