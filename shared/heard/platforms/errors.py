"""The three ways an inbound webhook can be refused, each mapped to one HTTP status by the handler.

- ``SignatureError``: the request is not authentic (401, nothing enqueued).
- ``PayloadError``: the request is authentic but its body is not what the platform documents
  (400, with the offending field named so the sender can fix it).
- ``VerificationError``: a subscription check failed (403).
"""

from __future__ import annotations


class SignatureError(Exception):
    """The request is not authentic: missing or malformed header, mismatch, stale timestamp."""


class VerificationError(Exception):
    """A subscription check failed (Meta ``hub.verify_token`` mismatch, wrong ``hub.mode``)."""


class PayloadError(ValueError):
    """A payload is malformed; ``field`` is the path to the culprit.

    The path is dotted and indexed the way a reader would write it,
    e.g. ``tweet_create_events[0].user.screen_name``; ``str()`` reads
    ``"tweet_create_events[0].id_str: field required"``.
    """

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")

    def __reduce__(self):  # keep the two attributes across pickling (multiprocessing, logging)
        return (type(self), (self.field, self.message))


__all__ = ["PayloadError", "SignatureError", "VerificationError"]
