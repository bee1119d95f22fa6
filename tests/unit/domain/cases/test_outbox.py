"""The reply outbox on fakes: queueing with an Idempotency-Key, sending once, every outcome."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fakes import FakeMentionStore
from fakes.records import T0, record

from heard.api.errors import ApiError
from heard.api.inbox import Inbox
from heard.cases.outbox import GaveUp, Outbox, RetryLater, TokenRenewalError, queue_reply
from heard.models import MentionKind, OutboxState, ReplyMessage, Status, Visibility
from heard.platforms.base import Credentials, ReplyOutcome

NOW = T0 + timedelta(hours=1)


class Queue:
    def __init__(self):
        self.sent: list[ReplyMessage] = []

    def send(self, message: ReplyMessage) -> None:
        self.sent.append(message)


class Platform:
    """Answers each send with the next outcome (the last one repeats)."""

    def __init__(self, *outcomes: ReplyOutcome):
        self.outcomes = list(outcomes) or [ReplyOutcome.sent("900")]
        self.calls: list[tuple[str, str]] = []

    def __call__(self, adapter, request, credentials):
        self.calls.append((request.text, credentials.access_token))
        return self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]


class Tokens:
    def __init__(self, renewable: bool = True, error: TokenRenewalError | None = None):
        self.renewable, self.error, self.renewed = renewable, error, 0

    def credentials(self, adapter: str) -> Credentials:
        return Credentials(access_token="old")

    def renew(self, adapter: str) -> Credentials | None:
        if self.error:
            raise self.error
        if not self.renewable:
            return None
        self.renewed += 1
        return Credentials(access_token="new")


class Alarm:
    def __init__(self):
        self.raised: set[str] = set()
        self.published: list[str] = []

    def raise_once(self, key: str, subject: str, message: str) -> bool:
        if key in self.raised:
            return False
        self.raised.add(key)
        self.published.append(message)
        return True

    def clear(self, key: str) -> None:
        self.raised.discard(key)


@pytest.fixture
def store():
    return FakeMentionStore([record(1), record(2)])


@pytest.fixture
def queue():
    return Queue()


@pytest.fixture
def inbox(store, queue):
    ids = iter(f"r{n}" for n in range(1, 100))
    return Inbox(store, replies=queue, new_id=lambda: next(ids))


def post(inbox, key="k1", text="Hi, sorry about that", visibility="public", target="x:1"):
    return inbox.request_reply(
        target, {"text": text, "visibility": visibility}, "ana", idempotency_key=key, now=NOW
    )


def outbox(store, platform=None, tokens=None, alarm=None):
    return Outbox(
        store, platform or Platform(), tokens or Tokens(), alarm or Alarm(), clock=lambda: NOW
    )


# --- queueing --------------------------------------------------------------------------------


def test_a_reply_is_stored_queued_with_history_and_put_on_the_queue(inbox, store, queue):
    accepted, created = post(inbox)
    assert created and accepted.reply.state is OutboxState.QUEUED and accepted.reply.id == "r1"
    case = store.get("x:1")
    assert [r.id for r in case.replies] == ["r1"] and case.version == 2
    assert case.replies[0].requested_by == "ana" and case.replies[0].requested_at == NOW
    assert case.history[-1].action == "reply" and case.history[-1].detail["state"] == "queued"
    assert queue.sent == [ReplyMessage(case_id="x:1", reply_id="r1")]
    assert case.status is Status.NEW  # nothing is sent yet


def test_the_same_idempotency_key_twice_makes_one_reply(inbox, store):
    first, created = post(inbox)
    again, created_again = post(inbox)
    assert created and not created_again
    assert again.reply.id == first.reply.id
    assert len(store.get("x:1").replies) == 1
    other, _ = post(inbox, key="k2")
    assert other.reply.id != first.reply.id and len(store.get("x:1").replies) == 2


def test_a_key_reused_for_another_text_is_refused(inbox):
    post(inbox)
    with pytest.raises(ApiError) as refused:
        post(inbox, text="something else")
    assert refused.value.status == 422 and refused.value.code == "idempotency_key_reused"


@pytest.mark.parametrize("key", [None, "", "  "])
def test_the_idempotency_key_is_required(inbox, key):
    with pytest.raises(ApiError) as refused:
        post(inbox, key=key)
    assert refused.value.status == 400 and refused.value.field == "Idempotency-Key"


def test_the_platform_rules_are_checked_before_anything_is_stored(inbox, store, queue):
    dm = record(3)
    dm.mention.kind = MentionKind.MESSAGE
    dm.mention.author.id = "42"
    store.put_new(dm)
    with pytest.raises(ApiError) as refused:
        post(inbox, target="x:3")
    assert refused.value.status == 422 and "privately" in refused.value.message
    assert store.get("x:3").replies == [] and queue.sent == []
    accepted, _ = post(inbox, target="x:3", visibility="private")
    assert accepted.reply.visibility is Visibility.PRIVATE


def test_a_reply_on_a_platform_heard_only_by_polling_is_refused_with_the_reason(
    inbox, store, queue
):
    from heard.models import Platform as Platforms

    polled = record(5)
    polled.mention.platform = Platforms.REDDIT
    polled.mention.native_id = "t3_abc"
    polled.id = "reddit:t3_abc"
    store.put_new(polled)
    with pytest.raises(ApiError) as refused:
        post(inbox, target="reddit:t3_abc")
    assert refused.value.status == 422
    assert refused.value.message == (
        "Heard hears Reddit by polling and cannot reply there: answer on the platform itself"
    )
    assert store.get("reddit:t3_abc").replies == [] and queue.sent == []


@pytest.mark.parametrize(
    "body", [{"text": ""}, {"text": "hi", "visibility": "secret"}, {"text": "hi", "x": 1}, []]
)
def test_a_malformed_body_is_a_400(inbox, body):
    with pytest.raises(ApiError) as refused:
        inbox.request_reply("x:1", body, "ana", idempotency_key="k", now=NOW)
    assert refused.value.status == 400


def test_an_unknown_case_is_a_404(inbox):
    with pytest.raises(ApiError) as refused:
        post(inbox, target="x:404")
    assert refused.value.status == 404


# --- sending ---------------------------------------------------------------------------------


def queued(store, inbox, **kwargs) -> ReplyMessage:
    accepted, _ = post(inbox, **kwargs)
    return ReplyMessage(case_id=accepted.case_id, reply_id=accepted.reply.id)


def test_a_sent_reply_moves_the_case_to_replied(store, inbox):
    message = queued(store, inbox)
    platform = Platform(ReplyOutcome.sent("1900"))
    result = outbox(store, platform).process(message, attempt=1, max_attempts=5)
    assert result.state is OutboxState.SENT and result.sent_now
    case = store.get("x:1")
    reply = case.replies[0]
    assert (reply.state, reply.platform_id, reply.sent_at, reply.attempts) == (
        OutboxState.SENT,
        "1900",
        NOW,
        1,
    )
    assert case.status is Status.REPLIED and case.first_response_at == NOW
    assert case.waiting_since is None
    assert [h.action for h in case.history][-2:] == ["reply", "status"]


def test_a_redelivered_message_never_posts_twice(store, inbox):
    message = queued(store, inbox)
    platform = Platform()
    box = outbox(store, platform)
    box.process(message, attempt=1, max_attempts=5)
    again = box.process(message, attempt=2, max_attempts=5)
    assert again.state is OutboxState.SENT and not again.sent_now
    assert len(platform.calls) == 1


def test_a_reply_found_sending_is_failed_not_sent_again(store, inbox):
    message = queued(store, inbox)
    case = store.get("x:1")
    sending = case.replies[0].model_copy(update={"state": OutboxState.SENDING})
    store.save_case(case, case.model_copy(update={"replies": [sending]}))
    platform = Platform()
    result = outbox(store, platform).process(message, attempt=2, max_attempts=5)
    assert result.state is OutboxState.FAILED and platform.calls == []
    assert "check the conversation" in store.get("x:1").replies[0].error


def test_a_wait_raises_retry_later_then_the_last_attempt_gives_up(store, inbox):
    message = queued(store, inbox)
    wait = ReplyOutcome.retry(30, "rate limited", "429")
    box = outbox(store, Platform(wait))
    with pytest.raises(RetryLater) as later:
        box.process(message, attempt=1, max_attempts=3)
    assert later.value.seconds == 30
    reply = store.get("x:1").replies[0]
    assert reply.state is OutboxState.RETRYING and "rate limited" in reply.error
    with pytest.raises(GaveUp):
        box.process(message, attempt=3, max_attempts=3)
    reply = store.get("x:1").replies[0]
    assert reply.state is OutboxState.FAILED and reply.error.startswith("gave up after 3")
    assert reply.attempts == 2 and store.get("x:1").status is Status.NEW


def test_a_retry_then_success(store, inbox):
    message = queued(store, inbox)
    box = outbox(store, Platform(ReplyOutcome.retry(5, "busy"), ReplyOutcome.sent("7")))
    with pytest.raises(RetryLater):
        box.process(message, attempt=1, max_attempts=5)
    assert box.process(message, attempt=2, max_attempts=5).state is OutboxState.SENT
    assert store.get("x:1").replies[0].error is None


def test_a_refused_reply_fails_with_the_reason(store, inbox):
    message = queued(store, inbox)
    box = outbox(store, Platform(ReplyOutcome.failed("the author limited who can reply", "403")))
    assert box.process(message, attempt=1, max_attempts=5).state is OutboxState.FAILED
    reply = store.get("x:1").replies[0]
    assert reply.error == "the author limited who can reply" and reply.error_code == "403"
    assert store.get("x:1").history[-1].detail["error"] == reply.error


def test_an_expired_token_is_renewed_and_the_reply_sent_again(store, inbox):
    message = queued(store, inbox)
    platform = Platform(ReplyOutcome.token_expired("expired"), ReplyOutcome.sent("8"))
    tokens = Tokens()
    result = outbox(store, platform, tokens).process(message, attempt=1, max_attempts=5)
    assert result.state is OutboxState.SENT and tokens.renewed == 1
    assert [token for _, token in platform.calls] == ["old", "new"]


def test_a_token_that_cannot_be_renewed_fails_and_alerts_once_until_it_recovers(store, inbox):
    alarm = Alarm()
    expired = ReplyOutcome.token_expired("the Facebook Page token expired")
    refused = TokenRenewalError("sign in again", retryable=False)
    for key in ("k1", "k2"):
        message = queued(store, inbox, key=key)
        box = outbox(store, Platform(expired), Tokens(error=refused), alarm)
        assert box.process(message, attempt=1, max_attempts=5).state is OutboxState.FAILED
    assert len(alarm.published) == 1
    errors = [r.error for r in store.get("x:1").replies]
    assert all("send it again" in e for e in errors)
    outbox(store, Platform(), alarm=alarm).process(
        queued(store, inbox, key="k3"), attempt=1, max_attempts=5
    )
    assert alarm.raised == set()  # recovered: the next failure alerts again


def test_a_busy_token_endpoint_waits(store, inbox):
    message = queued(store, inbox)
    box = outbox(
        store,
        Platform(ReplyOutcome.token_expired("expired")),
        Tokens(error=TokenRenewalError("X is busy", retryable=True)),
    )
    with pytest.raises(RetryLater):
        box.process(message, attempt=1, max_attempts=5)


def test_a_change_to_the_case_meanwhile_is_kept(store, inbox):
    message = queued(store, inbox)

    class Meddling(Platform):
        def __call__(self, adapter, request, credentials):
            case = store.get("x:1")
            store.save_case(case, case.model_copy(update={"assignee": "bo"}))
            return super().__call__(adapter, request, credentials)

    outbox(store, Meddling()).process(message, attempt=1, max_attempts=5)
    case = store.get("x:1")
    assert case.assignee == "bo" and case.replies[0].state is OutboxState.SENT


def test_a_resolved_case_stays_resolved_when_its_reply_is_sent(store):
    case = store.get("x:2")
    closed = case.model_copy(update={"status": Status.RESOLVED, "resolved_at": NOW})
    store.save_case(case, closed)
    closed = store.get("x:2")
    changed = queue_reply(
        closed,
        reply_id="r9",
        text="hi",
        visibility=Visibility.PUBLIC,
        idempotency_key="k",
        by="ana",
        now=NOW,
    )
    store.save_case(closed, changed)
    outbox(store).process(ReplyMessage(case_id="x:2", reply_id="r9"), attempt=1, max_attempts=5)
    after = store.get("x:2")
    assert after.status is Status.RESOLVED and after.first_response_at == NOW


def test_a_missing_case_or_reply_is_nothing_to_send(store):
    box = outbox(store)
    assert (
        box.process(ReplyMessage(case_id="x:404", reply_id="r"), attempt=1, max_attempts=5).state
        is None
    )
    assert (
        box.process(ReplyMessage(case_id="x:1", reply_id="r"), attempt=1, max_attempts=5).state
        is None
    )
