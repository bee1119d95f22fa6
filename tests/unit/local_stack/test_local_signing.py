"""The client-side signatures are accepted by the platforms' own verifiers (and not forged ones)."""

from __future__ import annotations

import pytest
from heard_local import defaults
from heard_local.signing import generic_headers, meta_headers, sign_for, x_headers

from heard.platforms import generic, meta, x
from heard.platforms.errors import SignatureError

BODY = b'{"for_user_id": "1000000001", "tweet_create_events": []}'


def test_x_signature_verifies() -> None:
    headers = x_headers(BODY, "s3cret")
    x.verify_signature("s3cret", BODY, headers["x-twitter-webhooks-signature"])
    with pytest.raises(SignatureError):
        x.verify_signature("other", BODY, headers["x-twitter-webhooks-signature"])


def test_meta_signature_verifies() -> None:
    headers = meta_headers(BODY, "app")
    meta.verify_signature("app", BODY, headers["x-hub-signature-256"])
    with pytest.raises(SignatureError):
        meta.verify_signature("app", BODY + b" ", headers["x-hub-signature-256"])


def test_generic_signature_verifies() -> None:
    headers = generic_headers(BODY, "hook", timestamp=1_763_631_000)
    generic.verify_signature(
        "hook",
        BODY,
        headers[generic.TIMESTAMP_HEADER],
        headers[generic.SIGNATURE_HEADER],
        now=1_763_631_010,
    )


def test_sign_for_uses_the_local_defaults() -> None:
    headers = sign_for("/webhooks/x", BODY, defaults.LOCAL_SECRETS)
    x.verify_signature(
        defaults.LOCAL_SECRETS["HEARD_X_CONSUMER_SECRET"],
        BODY,
        headers["x-twitter-webhooks-signature"],
    )
    with pytest.raises(ValueError, match="no webhook signer"):
        sign_for("/mentions", BODY)
