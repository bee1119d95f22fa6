"""What a platform adapter is: everything Heard knows about one platform, behind one object.

An adapter has a ``name`` (its webhook route, ``/webhooks/<name>``), the ``labels`` of the
mention platforms it delivers (Meta's adapter delivers Facebook and Instagram mentions), the
``secrets`` it needs, and for webhooks: the subscription ``challenge`` (GET), ``verify`` and
``parse`` of a delivery (POST), and ``sign``, the sender's side of ``verify``, which the local
stack, the demo and the tests use to deliver exactly as the platform does. Polling will be
added here as further methods.

Replying: ``check_reply`` applies the platform's rules to a ``ReplyRequest`` before anything is
sent and raises ``Forbidden`` with the reason in plain words; ``reply`` checks, sends with the
``httpx.Client`` and ``Credentials`` it is given, and says what happened in a ``ReplyOutcome``
(sent, retry after N seconds, failed, or the token needs renewing). Reading and storing tokens,
queueing and retrying are the caller's business.

Adapters are pure: no AWS, no HTTP framework. Secrets arrive through a ``SecretReader`` (the
webhook function reads Secrets Manager; the local stack reads its environment).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from heard.models import MentionKind, Platform, QueueMessage, Visibility
from heard.secrets import SecretRef

if TYPE_CHECKING:  # httpx is imported by the modules that send, not by every webhook
    import httpx

SecretReader = Callable[[SecretRef], str]


class NoChallenge(LookupError):
    """The platform has no subscription check (GET) on its webhook."""


@dataclass(frozen=True)
class WebhookRequest:
    """One delivery as it arrived: the raw body, header names lower-cased, the query."""

    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class Challenge:
    """The answer to a subscription check: a JSON object or plain text."""

    body: dict[str, str] | str

    @property
    def content_type(self) -> str:
        return "application/json" if isinstance(self.body, dict) else "text/plain"


# --- replies ----------------------------------------------------------------------------------


class ReplyState(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # the platform is busy or rate-limited: send again after ``retry_after``
    FAILED = "failed"  # the platform refused this reply for good; ``reason`` says why
    TOKEN_EXPIRED = "token_expired"  # renew the token (``reason`` says how), then send again


class Forbidden(Exception):
    """The platform's rules do not allow this reply; ``reason`` says why, for a person."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)

    def __reduce__(self):  # keep the reason across pickling
        return (type(self), (self.reason,))


@dataclass(frozen=True)
class ReplyRequest:
    """One reply to send: what it answers, who to, what it says.

    ``reply_id`` is Heard's id for the reply and its idempotency key. ``native_id``, ``kind``,
    ``account_id`` (the brand's account or Page id), ``created_at`` and the author come from the
    mention answered. ``in_reply_to`` is the parent comment's id when the mention is itself a
    reply to a comment, and None otherwise (a top-level comment, a post, a message): note that
    a stored Instagram or Facebook comment keeps the post's or media's id in
    ``Mention.in_reply_to`` when it is top-level. ``private_reply_sent`` says whether a private
    reply already went to this comment (Meta allows one).
    """

    reply_id: str
    platform: Platform
    kind: MentionKind
    native_id: str
    text: str
    visibility: Visibility = Visibility.PUBLIC
    account_id: str | None = None
    author_id: str | None = None
    author_handle: str | None = None
    in_reply_to: str | None = None
    created_at: datetime | None = None
    private_reply_sent: bool = False


@dataclass(frozen=True)
class ReplyOutcome:
    """What became of a reply. ``platform_id`` is the platform's id for what was sent;
    ``retry_after`` the seconds to wait before sending again; ``reason`` explains any state but
    ``sent`` in words a person understands; ``error_code`` is the platform's own code, if any."""

    state: ReplyState
    platform_id: str | None = None
    retry_after: float | None = None
    reason: str = ""
    error_code: str | None = None

    @classmethod
    def sent(cls, platform_id: str) -> ReplyOutcome:
        return cls(ReplyState.SENT, platform_id=platform_id)

    @classmethod
    def retry(cls, retry_after: float, reason: str, error_code: str | None = None) -> ReplyOutcome:
        return cls(ReplyState.RETRY, retry_after=retry_after, reason=reason, error_code=error_code)

    @classmethod
    def failed(cls, reason: str, error_code: str | None = None) -> ReplyOutcome:
        return cls(ReplyState.FAILED, reason=reason, error_code=error_code)

    @classmethod
    def token_expired(cls, reason: str, error_code: str | None = None) -> ReplyOutcome:
        return cls(ReplyState.TOKEN_EXPIRED, reason=reason, error_code=error_code)


@dataclass(frozen=True)
class Credentials:
    """What an adapter sends with: the token (X: an OAuth 2.0 user token; Meta: the Page
    token), when it expires if known, and the platform API's base URL (None: the platform's
    own; the tests and the local stack point it at their fakes). The token is kept out of
    ``repr``, so it never reaches a log line."""

    access_token: str = field(repr=False)
    expires_at: datetime | None = None
    api_url: str | None = None


class PlatformAdapter(ABC):
    name: ClassVar[str]
    labels: ClassVar[Mapping[Platform, str]]
    secrets: ClassVar[tuple[SecretRef, ...]]
    # What replying needs besides (tokens, app credentials): read by the reply function only.
    reply_secrets: ClassVar[tuple[SecretRef, ...]] = ()

    def challenge(self, query: Mapping[str, str], secret: SecretReader) -> Challenge:
        """Answer the platform's subscription check (GET on the webhook)."""
        raise NoChallenge(f"{self.name} has no subscription check; deliveries are POSTed")

    def challenge_query(self, secret: SecretReader) -> dict[str, str]:
        """The query a platform sends when it checks the subscription (for the local stack)."""
        raise NoChallenge(f"{self.name} has no subscription check")

    @abstractmethod
    def verify(self, request: WebhookRequest, secret: SecretReader) -> None:
        """Raise ``SignatureError`` unless the delivery is authentic."""

    @abstractmethod
    def parse(self, payload: Any) -> list[QueueMessage]:
        """The queue messages in a verified delivery's JSON; ``PayloadError`` if malformed."""

    @abstractmethod
    def sign(
        self, body: bytes, secret: SecretReader, *, now: float | None = None
    ) -> dict[str, str]:
        """The headers the platform sends with ``body`` (``content-type`` included)."""

    def check_reply(self, request: ReplyRequest, now: datetime) -> None:
        """Raise ``Forbidden`` unless the platform's rules allow ``request`` at ``now``."""
        raise Forbidden(f"replies are not supported for {self._label(request)}")

    def reply(
        self,
        request: ReplyRequest,
        credentials: Credentials,
        client: httpx.Client,
        now: datetime,
    ) -> ReplyOutcome:
        """Check ``request`` (``Forbidden`` if the rules forbid it), send it, say what happened."""
        raise Forbidden(f"replies are not supported for {self._label(request)}")

    def _label(self, request: ReplyRequest) -> str:
        return self.labels.get(request.platform, str(request.platform))
