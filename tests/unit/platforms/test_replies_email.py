"""Email replies to generic mentions: the rules, and what SES's answers become."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError

from heard.models import MentionKind, Platform, Visibility
from heard.platforms import adapter
from heard.platforms.base import Forbidden, ReplyRequest, ReplyState
from heard.platforms.generic.email import SesMailer

NOW = datetime(2026, 11, 30, tzinfo=UTC)


def request(handle: str | None = "jo@example.com", visibility=Visibility.PRIVATE) -> ReplyRequest:
    return ReplyRequest(
        reply_id="r-1",
        platform=Platform.GENERIC,
        kind=MentionKind.POST,
        native_id="feedback-form:8812",
        text="Hi Jo, we have refunded the second charge.",
        visibility=visibility,
        author_handle=handle,
    )


class Ses:
    def __init__(self, error: ClientError | None = None):
        self.sent: list[dict] = []
        self.error = error

    def send_email(self, **kwargs):
        if self.error is not None:
            raise self.error
        self.sent.append(kwargs)
        return {"MessageId": "0100018c-abc"}


def client_error(code: str, message: str = "no") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "SendEmail")


def test_a_generic_mention_is_answered_privately_and_only_to_an_email_address() -> None:
    generic = adapter("generic")
    generic.check_reply(request(), NOW)
    with pytest.raises(Forbidden, match="no channel back"):
        generic.check_reply(request(handle="jo"), NOW)
    with pytest.raises(Forbidden, match="reply privately, by email"):
        generic.check_reply(request(visibility=Visibility.PUBLIC), NOW)


def test_the_email_goes_to_the_customer_from_the_brands_sender() -> None:
    ses = Ses()
    outcome = SesMailer(ses, "support@acme.example").send(request())
    assert (outcome.state, outcome.platform_id) == (ReplyState.SENT, "0100018c-abc")
    (sent,) = ses.sent
    assert sent["Source"] == "support@acme.example"
    assert sent["Destination"] == {"ToAddresses": ["jo@example.com"]}
    assert sent["Message"]["Body"]["Text"]["Data"].startswith("Hi Jo")


def test_without_a_sender_address_the_reply_fails_saying_what_to_set() -> None:
    outcome = SesMailer(Ses(), None).send(request())
    assert outcome.state is ReplyState.FAILED and "ReplyFromAddress" in (outcome.reason or "")


@pytest.mark.parametrize(
    ("error", "state", "words"),
    [
        (client_error("Throttling"), ReplyState.RETRY, "not taking email"),
        (
            client_error("MessageRejected", "Email address is not verified."),
            ReplyState.FAILED,
            "not verified in SES",
        ),
        (client_error("AccountSendingPausedException"), ReplyState.FAILED, "paused"),
        (client_error("SomethingNew"), ReplyState.FAILED, "SomethingNew"),
    ],
)
def test_ses_errors_become_outcomes_a_person_understands(error, state, words) -> None:
    outcome = SesMailer(Ses(error), "support@acme.example").send(request())
    assert outcome.state is state and words in (outcome.reason or "")
