"""The client side of each webhook protocol: the headers a platform sends with a delivery.

The demo, the end-to-end test and the bench sign their requests exactly as X, Meta and a generic
sender would, so they exercise the same verification code the deployed system runs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping

from heard.platforms import generic
from heard_local import defaults


def x_headers(raw_body: bytes, consumer_secret: str | None = None) -> dict[str, str]:
    """``x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256(consumer secret, body)>``."""
    secret = consumer_secret or defaults.secret("HEARD_X_CONSUMER_SECRET")
    digest = hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()
    return {
        "content-type": "application/json",
        "x-twitter-webhooks-signature": "sha256=" + base64.b64encode(digest).decode(),
    }


def meta_headers(raw_body: bytes, app_secret: str | None = None) -> dict[str, str]:
    """``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, body)>``."""
    secret = app_secret or defaults.secret("HEARD_META_APP_SECRET")
    digest = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return {"content-type": "application/json", "x-hub-signature-256": "sha256=" + digest}


def generic_headers(
    raw_body: bytes, secret: str | None = None, timestamp: int | None = None
) -> dict[str, str]:
    """``X-Heard-Timestamp`` and ``X-Heard-Signature: v1=<hex HMAC(secret, ts + "." + body)>``."""
    secret = secret or defaults.secret("HEARD_WEBHOOK_SECRET")
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "content-type": "application/json",
        generic.TIMESTAMP_HEADER: stamp,
        generic.SIGNATURE_HEADER: generic.sign(secret, stamp, raw_body),
    }


def sign_for(path: str, raw_body: bytes, secrets: Mapping[str, str] | None = None) -> dict:
    """Headers for a POST of ``raw_body`` to the webhook at ``path``."""
    secrets = secrets or defaults.secrets()
    if path == "/webhooks/x":
        return x_headers(raw_body, secrets["HEARD_X_CONSUMER_SECRET"])
    if path == "/webhooks/meta":
        return meta_headers(raw_body, secrets["HEARD_META_APP_SECRET"])
    if path == "/webhooks/generic":
        return generic_headers(raw_body, secrets["HEARD_WEBHOOK_SECRET"])
    raise ValueError(f"no webhook signer for {path}")
