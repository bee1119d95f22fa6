"""Pydantic models at every boundary: mentions in, triage out, records stored, alerts sent.

A mention is identified by ``(platform, native_id)``; its ``key`` (``x:1234``) is the id the
API shows, the DynamoDB partition key and the correlation id in the logs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator


class Platform(StrEnum):
    X = "x"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    GENERIC = "generic"
    # Heard polls these on a schedule (heard.ingest.polling); X is polled too (recent search).
    REDDIT = "reddit"
    BLUESKY = "bluesky"
    MASTODON = "mastodon"
    HACKERNEWS = "hackernews"
    RSS = "rss"  # RSS and Atom feeds: blogs, review sites, Google Alerts
    YOUTUBE = "youtube"


class MentionKind(StrEnum):
    POST = "post"  # a public post/tweet that names the brand
    REPLY = "reply"  # a reply in a thread
    COMMENT = "comment"  # a comment on the brand's page/post
    MESSAGE = "message"  # a direct/private message
    TAG = "tag"  # a tag/@mention known only by id (Instagram mentions)


class Sentiment(StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.CRITICAL: 3}


class Intent(StrEnum):
    CANCEL = "cancel"  # cancel / churn threat
    LEGAL = "legal"  # legal threat
    SAFETY = "safety"  # safety or health hazard
    OUTAGE = "outage"  # outage or bug
    BILLING = "billing"  # billing or refund
    DELIVERY = "delivery"  # delivery or order
    ACCOUNT = "account"  # account access or security
    PRIVACY = "privacy"  # privacy or data breach
    QUESTION = "question"
    PRAISE = "praise"
    PURCHASE = "purchase"  # purchase intent
    CRISIS = "crisis"  # a brand's own crisis word
    PUBLIC = "public"  # a threat to go public: the press, a video of the call, "going viral"


class Status(StrEnum):
    """Where a case stands. Open cases wait on the team (new, acknowledged) or on the customer
    (replied); a follow-up message joins an open case and puts it back to ``new``."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    REPLIED = "replied"
    RESOLVED = "resolved"
    IGNORED = "ignored"
    SPAM = "spam"

    @property
    def open(self) -> bool:
        return self in _OPEN


_OPEN = frozenset({Status.NEW, Status.ACKNOWLEDGED, Status.REPLIED})


class Visibility(StrEnum):
    """Where a reply is seen: in the thread for everyone, or by the author alone."""

    PUBLIC = "public"  # in the thread, for everyone to see (a reply tweet, a comment reply)
    PRIVATE = "private"  # to the author alone (a direct message, a private reply to a comment)


class HeardModel(BaseModel):
    # Schemas are built on first use, not at import: a handler pays only for what it touches.
    model_config = ConfigDict(defer_build=True)


# How far this process's clock runs ahead of the wall clock: zero in AWS, where nothing moves
# it. The local stack moves it forward to replay hours in seconds (``heard_local``'s clock).
_clock_ahead = timedelta(0)


def utcnow() -> datetime:
    """Now, in UTC: the clock every part of Heard reads."""
    return datetime.now(UTC) + _clock_ahead


def clock_ahead() -> timedelta:
    return _clock_ahead


def set_clock_ahead(ahead: timedelta) -> None:
    """Run ``utcnow`` ``ahead`` of the wall clock (the local stack's clock; never backwards)."""
    global _clock_ahead
    if ahead < _clock_ahead:
        raise ValueError("the clock never goes back")
    _clock_ahead = ahead


# The most a count (followers, engagement) is stored as. DynamoDB numbers hold 38 significant
# digits, and a platform or a generic sender may report more (a 41-digit follower count): such
# a mention would be acknowledged by the webhook and then fail to store. 10**15 is far above
# any real audience, ranks a mention just like the reported number would, and is still exact
# as a JSON number in JavaScript (below 2**53).
COUNT_CEILING = 10**15


def _clamp_count(value: Any) -> Any:
    """A count above ``COUNT_CEILING`` (a number, or a string of ASCII digits) as the ceiling;
    anything else is left for the field's own validation."""
    if isinstance(value, str) and value.isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int | float) and not isinstance(value, bool) and value > COUNT_CEILING:
        return COUNT_CEILING
    return value


Count = Annotated[int, BeforeValidator(_clamp_count), Field(ge=0)]


class Author(HeardModel):
    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    handle: str | None = None
    name: str | None = None
    followers: Count = 0
    verified: bool = False


class Mention(HeardModel):
    """One thing someone said that may concern a brand, normalised from any platform."""

    model_config = ConfigDict(extra="ignore")

    platform: Platform
    native_id: Annotated[str, Field(min_length=1, max_length=256)]
    kind: MentionKind = MentionKind.POST
    text: str = ""
    author: Author = Field(default_factory=Author)
    url: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    lang: str | None = None
    in_reply_to: str | None = None
    # The account the platform delivered this for (X for_user_id, Meta page/IG account id).
    account_id: str | None = None
    # Generic webhook: which integration sent it ("zapier", "feedback-form", ...).
    source: str | None = None
    # The feedback form's optional star rating, 1 (worst) to 5.
    rating: Annotated[int, Field(ge=1, le=5)] | None = None
    engagement: Count = 0
    # Known only by id (Instagram mentions): store what is known, enrich later.
    needs_enrichment: bool = False

    @field_validator("created_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    @property
    def key(self) -> str:
        return mention_key(self.platform, self.native_id)


def mention_key(platform: str | Platform, native_id: str) -> str:
    return f"{Platform(platform).value}:{native_id}"


class Triage(HeardModel):
    """What triage decided about one mention, and why."""

    sentiment: Sentiment
    sentiment_score: Annotated[float, Field(ge=-1.0, le=1.0)] = 0.0
    complaint: bool = False
    complaint_probability: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    intents: list[Intent] = Field(default_factory=list)
    priority: Priority = Priority.NORMAL
    reasons: list[str] = Field(default_factory=list)
    lang: str = "en"
    lang_supported: bool = True
    backend: str = "local"
    model_version: str = "baseline"


# ---------------------------------------------------------------------------------------------
# Messages on the ingest queue
# ---------------------------------------------------------------------------------------------


class MentionMessage(HeardModel):
    type: Literal["mention"] = "mention"
    mention: Mention
    brand: str | None = None  # set when the sender already knows (a poller for one brand)
    # The platform says the author edited it (Meta ``verb: edited``): same key, new text.
    edited: bool = False


class DeletionMessage(HeardModel):
    """The platform says the item was removed (Meta ``verb: remove``)."""

    type: Literal["deletion"] = "deletion"
    platform: Platform
    native_id: str
    deleted_at: datetime = Field(default_factory=utcnow)


QueueMessage = Annotated[MentionMessage | DeletionMessage, Field(discriminator="type")]


class ReplyMessage(HeardModel):
    """On the reply queue: send reply ``reply_id`` of case ``case_id``."""

    type: Literal["reply"] = "reply"
    case_id: str
    reply_id: str


# ---------------------------------------------------------------------------------------------
# What is stored: one record per mention
# ---------------------------------------------------------------------------------------------


class AlertState(StrEnum):
    NONE = "none"  # below the brand's alert threshold: inbox only
    PUBLISHING = "publishing"  # alert-worthy; claimed by the invocation that stored it
    SENT = "sent"
    FAILED = "failed"  # the channel refused it for good (see the item's ``alert_error``)


class HistoryEntry(HeardModel):
    """One change to a case: who did what, when (``detail`` holds the values changed)."""

    at: datetime
    by: str  # a person's id, "heard" for the system, or the local admin
    action: str  # "status", "assign", "priority", "tags", "note", "message", ...
    detail: dict[str, Any] = Field(default_factory=dict)


class Note(HeardModel):
    at: datetime
    by: str
    text: Annotated[str, Field(min_length=1, max_length=4000)]


class OutboxState(StrEnum):
    """Where a reply of the outbox stands."""

    QUEUED = "queued"  # accepted, waiting for the reply function
    SENDING = "sending"  # handed to the platform; the outcome is not known yet
    SENT = "sent"
    RETRYING = "retrying"  # the platform said later (rate limit, outage): it is sent again
    FAILED = "failed"  # will not be sent; ``error`` says why and what to do

    @property
    def final(self) -> bool:
        return self in (OutboxState.SENT, OutboxState.FAILED)


class Reply(HeardModel):
    """One reply the team asked to send on a case (the outbox). Nothing is sent unless a
    person asked for it: ``requested_by`` says who."""

    id: str
    text: Annotated[str, Field(min_length=1, max_length=10_000)]
    visibility: Visibility = Visibility.PUBLIC
    state: OutboxState = OutboxState.QUEUED
    idempotency_key: str | None = None
    platform_id: str | None = None  # the platform's id for what was sent
    error: str | None = None  # why it is retrying or failed, in words, with what to do
    error_code: str | None = None  # the platform's own code, if it gave one
    attempts: int = 0
    requested_by: str
    requested_at: datetime
    sent_at: datetime | None = None
    updated_at: datetime | None = None


class MentionRecord(HeardModel):
    """A triaged mention, and the case it opened. ``id`` is ``Mention.key``.

    Every stored mention belongs to a case. The first mention of a conversation is the case:
    its record holds the workflow (status, assignee, priority override, tags, notes, history)
    and lists the follow-ups that joined it (``message_keys``). A follow-up is stored as its own
    record with ``case_id`` naming the case, and takes no part in listings.
    """

    model_config = ConfigDict(extra="ignore")

    id: str
    brand: str
    status: Status = Status.NEW
    mention: Mention
    triage: Triage
    matched: str | None = None
    received_at: datetime = Field(default_factory=utcnow)
    deleted: bool = False
    deleted_at: datetime | None = None
    alert_state: AlertState = AlertState.NONE
    alert_claimed_at: datetime | None = None
    alerted_at: datetime | None = None
    escalated_at: datetime | None = None
    edited_at: datetime | None = None
    # Counts the changes to the mention and its case (1 when stored), for optimistic
    # concurrency: an update names the version it read and is refused if it moved on.
    version: int = 1
    # --- the case ----------------------------------------------------------------------------
    case_id: str | None = None  # on a follow-up: the case it joined
    message_keys: list[str] = Field(default_factory=list)  # follow-ups, oldest first
    assignee: str | None = None
    priority_override: Priority | None = None
    # The highest priority a follow-up brought into the conversation (above the first's).
    conversation_priority: Priority | None = None
    tags: list[str] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)
    history: list[HistoryEntry] = Field(default_factory=list)
    # The outbox: replies the team asked to send, oldest first.
    replies: list[Reply] = Field(default_factory=list)
    # Since when the customer has been waiting on the team (the first message, or the first
    # message after the team's last response); None while the case waits on the customer.
    waiting_since: datetime | None = None
    acknowledged_at: datetime | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    # When the case's SLA next needs a look (a warning or a level falls due); None when nothing
    # more happens by itself. The escalation run finds cases through it.
    sla_due: datetime | None = None
    # The SLA notices sent for this case, each once: "first_response:warning", "...:level0".
    sla_events: list[str] = Field(default_factory=list)

    @property
    def priority(self) -> Priority:
        """The case's priority: a person's override, else the highest the conversation had."""
        if self.priority_override is not None:
            return self.priority_override
        raised = self.conversation_priority
        if raised is not None and raised.rank > self.triage.priority.rank:
            return raised
        return self.triage.priority

    @property
    def is_case(self) -> bool:
        return self.case_id is None or self.case_id == self.id


class CaseSummary(HeardModel):
    """What /stats counts of a case: the summary ``Feed`` projects (with the
    platform and creation time their keys hold), or ``of`` a full record. ``created_at`` is the
    case's first message on its platform (the window selects on it); ``received_at`` is when
    Heard received it, where its SLA clocks and response times start (a late delivery is not
    late on arrival)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    brand: str
    platform: Platform
    created_at: datetime
    received_at: datetime | None = None  # items stored before it was projected have none
    status: Status
    priority: Priority
    sentiment: Sentiment
    complaint: bool = False
    intents: list[Intent] = Field(default_factory=list)
    assignee: str | None = None
    acknowledged_at: datetime | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    sla_events: list[str] = Field(default_factory=list)

    @property
    def clock_start(self) -> datetime:
        return self.received_at or self.created_at

    @classmethod
    def of(cls, record: MentionRecord) -> CaseSummary:
        return cls(
            id=record.id,
            brand=record.brand,
            platform=record.mention.platform,
            created_at=record.mention.created_at,
            received_at=record.received_at,
            status=record.status,
            priority=record.priority,
            sentiment=record.triage.sentiment,
            complaint=record.triage.complaint,
            intents=record.triage.intents,
            assignee=record.assignee,
            acknowledged_at=record.acknowledged_at,
            first_response_at=record.first_response_at,
            resolved_at=record.resolved_at,
            sla_events=record.sla_events,
        )
