"""Platforms: one package per platform, each exposing one adapter, registered here once.

``x``, ``meta`` (Facebook Pages, Messenger, Instagram) and ``generic`` (signed JSON) each hold
everything Heard knows about that platform: its secrets, the subscription check, how a webhook
delivery is verified and parsed into queue messages, and how the platform signs one (for the
local stack and the tests). Polling and replying will live beside them. The webhook function,
the alerts, the local stack and the tests find a platform through this registry, so adding a
platform is adding its package and one line to ``PACKAGES``.

Adapters are pure: no AWS, no HTTP framework. A handler maps the errors to HTTP in one place:
``SignatureError`` → 401, ``PayloadError`` → 400 (its ``field`` names the culprit),
``VerificationError`` → 403.
"""

from __future__ import annotations

import importlib
from functools import cache

from heard.models import Platform
from heard.platforms.base import (
    Challenge,
    Forbidden,
    NoChallenge,
    PlatformAdapter,
    SecretReader,
    WebhookRequest,
)
from heard.platforms.errors import PayloadError, SignatureError, VerificationError

# Adapter name (its webhook route /webhooks/<name>) -> package under heard.platforms.
PACKAGES = ("x", "meta", "generic")

# Scheduled sources (``heard poll SOURCE``, the poll function's schedule input) -> package under
# heard.platforms whose ``poll`` module holds ``SOURCE`` (a ``heard.ingest.polling.Source``).
SOURCES = ("reddit", "bluesky", "mastodon", "hackernews", "rss", "youtube", "x")

# How people write the platforms that only a poller hears (the others: their adapter's labels).
POLLED_LABELS = {
    Platform.REDDIT: "Reddit",
    Platform.BLUESKY: "Bluesky",
    Platform.MASTODON: "Mastodon",
    Platform.HACKERNEWS: "Hacker News",
    Platform.RSS: "Web feed",
    Platform.YOUTUBE: "YouTube",
}


class UnknownPlatform(LookupError):
    def __init__(self, name: str, known: tuple[str, ...] = PACKAGES, what: str = "platform"):
        super().__init__(f"no {what} {name!r}; known: {', '.join(known)}")


class NoAdapter(Forbidden, LookupError):
    """The platform is only polled: no webhook, and Heard cannot reply there (a reply is
    refused as the platform's rules refuse one: ``Forbidden``)."""

    def __init__(self, platform: Platform | str):
        self.platform = Platform(platform)
        super().__init__(
            f"Heard hears {label(self.platform)} by polling and cannot reply there: "
            "answer on the platform itself"
        )

    def __reduce__(self):
        return (type(self), (self.platform.value,))


@cache
def adapter(name: str) -> PlatformAdapter:
    """The adapter named ``name`` (imported on first use: a webhook loads only its own)."""
    if name not in PACKAGES:
        raise UnknownPlatform(name)
    found: PlatformAdapter = importlib.import_module(f"heard.platforms.{name}").ADAPTER
    return found


def adapters() -> list[PlatformAdapter]:
    return [adapter(name) for name in PACKAGES]


@cache
def _by_platform() -> dict[Platform, PlatformAdapter]:
    return {platform: a for a in adapters() for platform in a.labels}


def adapter_for(platform: Platform | str) -> PlatformAdapter:
    """The adapter that delivers mentions of ``platform`` (Instagram: Meta's); ``NoAdapter``
    for a platform that is only polled."""
    found = _by_platform().get(Platform(platform))
    if found is None:
        raise NoAdapter(Platform(platform))
    return found


def label(platform: Platform | str) -> str:
    """The platform's name as people write it ("X", "Facebook", "Reddit")."""
    platform = Platform(platform)
    if platform in POLLED_LABELS:
        return POLLED_LABELS[platform]
    return adapter_for(platform).labels[platform]


def source_module(name: str) -> str:
    """The module holding the poller ``name`` (``UnknownPlatform`` if there is none)."""
    if name not in SOURCES:
        raise UnknownPlatform(name, SOURCES, "source")
    return f"heard.platforms.{name}.poll"


__all__ = [
    "PACKAGES",
    "POLLED_LABELS",
    "SOURCES",
    "Challenge",
    "NoAdapter",
    "NoChallenge",
    "PayloadError",
    "PlatformAdapter",
    "SecretReader",
    "SignatureError",
    "UnknownPlatform",
    "VerificationError",
    "WebhookRequest",
    "adapter",
    "adapter_for",
    "adapters",
    "label",
    "source_module",
]
