"""The client side of each webhook protocol: the headers a platform sends with a delivery.

The demo, the end-to-end test and the bench sign their requests exactly as X, Meta and a generic
sender would, through each platform adapter's ``sign``, so they exercise the same verification
code the deployed system runs.
"""

from __future__ import annotations

from collections.abc import Mapping

from heard import platforms
from heard.secrets import SecretRef
from heard_local import defaults

WEBHOOK_PREFIX = "/webhooks/"


def reader(secrets: Mapping[str, str] | None = None) -> platforms.SecretReader:
    """A secret reader over env-var-named values (the local stack's secrets)."""
    values = defaults.secrets() if secrets is None else secrets

    def _read(ref: SecretRef) -> str:
        return values.get(ref.env_var) or ref.local_default

    return _read


def headers_for(
    name: str,
    raw_body: bytes,
    secrets: Mapping[str, str] | None = None,
    *,
    now: float | None = None,
) -> dict[str, str]:
    """Headers the platform ``name`` (an adapter name: x, meta, generic) sends with a body."""
    return platforms.adapter(name).sign(raw_body, reader(secrets), now=now)


def x_headers(raw_body: bytes, consumer_secret: str | None = None) -> dict[str, str]:
    """``x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256(consumer secret, body)>``."""
    return _signed("x", raw_body, consumer_secret)


def meta_headers(raw_body: bytes, app_secret: str | None = None) -> dict[str, str]:
    """``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, body)>``."""
    return _signed("meta", raw_body, app_secret)


def generic_headers(
    raw_body: bytes, secret: str | None = None, timestamp: int | None = None
) -> dict[str, str]:
    """``X-Heard-Timestamp`` and ``X-Heard-Signature: v1=<hex HMAC(secret, ts + "." + body)>``."""
    return _signed("generic", raw_body, secret, now=timestamp)


def _signed(
    name: str, raw_body: bytes, secret: str | None, now: float | None = None
) -> dict[str, str]:
    """Sign with one explicit secret (the adapter's first) or the local defaults."""
    adapter = platforms.adapter(name)
    values = defaults.secrets()
    if secret is not None:
        values[adapter.secrets[0].env_var] = secret
    return adapter.sign(raw_body, reader(values), now=now)


def sign_for(path: str, raw_body: bytes, secrets: Mapping[str, str] | None = None) -> dict:
    """Headers for a POST of ``raw_body`` to the webhook at ``path`` (``/webhooks/<name>``)."""
    name = path.removeprefix(WEBHOOK_PREFIX) if path.startswith(WEBHOOK_PREFIX) else ""
    try:
        return headers_for(name, raw_body, secrets)
    except platforms.UnknownPlatform:
        raise ValueError(f"no webhook signer for {path}") from None
