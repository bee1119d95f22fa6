"""The error types the webhook handler maps to HTTP statuses."""

from __future__ import annotations

import pickle

import pytest

from heard import platforms
from heard.platforms import PayloadError, SignatureError, VerificationError


def test_payload_error_carries_field_and_message():
    error = PayloadError("tweet_create_events[0].id_str", "field required")
    assert error.field == "tweet_create_events[0].id_str"
    assert error.message == "field required"
    assert str(error) == "tweet_create_events[0].id_str: field required"


def test_payload_error_is_a_value_error_and_survives_pickling():
    error = PayloadError("author.handle", "field required")
    assert isinstance(error, ValueError)
    again = pickle.loads(pickle.dumps(error))
    assert (again.field, again.message) == (error.field, error.message)


@pytest.mark.parametrize("kind", [SignatureError, VerificationError])
def test_refusals_are_not_value_errors(kind):
    # A handler catching PayloadError (a ValueError) for 400 must never swallow a 401/403.
    assert not issubclass(kind, ValueError)


def test_package_reexports_the_errors():
    assert {"PayloadError", "SignatureError", "VerificationError"} <= set(platforms.__all__)
