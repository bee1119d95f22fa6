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
    NoChallenge,
    PlatformAdapter,
    SecretReader,
    WebhookRequest,
)
from heard.platforms.errors import PayloadError, SignatureError, VerificationError

# Adapter name (its webhook route /webhooks/<name>) -> package under heard.platforms.
PACKAGES = ("x", "meta", "generic")


class UnknownPlatform(LookupError):
    def __init__(self, name: str):
        super().__init__(f"no platform {name!r}; known: {', '.join(PACKAGES)}")


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
    """The adapter that delivers mentions of ``platform`` (Instagram: Meta's)."""
    return _by_platform()[Platform(platform)]


def label(platform: Platform | str) -> str:
    """The platform's name as people write it ("X", "Facebook")."""
    return adapter_for(platform).labels[Platform(platform)]


__all__ = [
    "PACKAGES",
    "Challenge",
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
]
