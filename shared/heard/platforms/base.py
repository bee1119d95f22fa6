"""What a platform adapter is: everything Heard knows about one platform, behind one object.

An adapter has a ``name`` (its webhook route, ``/webhooks/<name>``), the ``labels`` of the
mention platforms it delivers (Meta's adapter delivers Facebook and Instagram mentions), the
``secrets`` it needs, and for webhooks: the subscription ``challenge`` (GET), ``verify`` and
``parse`` of a delivery (POST), and ``sign``, the sender's side of ``verify``, which the local
stack, the demo and the tests use to deliver exactly as the platform does. Polling and replying
will be added here as further methods.

Adapters are pure: no AWS, no HTTP framework. Secrets arrive through a ``SecretReader`` (the
webhook function reads Secrets Manager; the local stack reads its environment).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from heard.models import Platform, QueueMessage
from heard.secrets import SecretRef

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


class PlatformAdapter(ABC):
    name: ClassVar[str]
    labels: ClassVar[Mapping[Platform, str]]
    secrets: ClassVar[tuple[SecretRef, ...]]

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
