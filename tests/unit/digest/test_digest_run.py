"""The digest run on fakes: once per (brand, period), SES or SNS, failures retried later."""

from __future__ import annotations

from datetime import datetime

from fakes.digest import NOW, config, records
from fakes.store import FakeMentionStore

from heard.digest.compute import Digest
from heard.digest.run import SesRefused, claim_key, run_digests


class Claims:
    def __init__(self):
        self.items: dict[str, str] = {}

    def claim(self, key: str, period_end: datetime, now: datetime) -> bool:
        if key in self.items:
            return False
        self.items[key] = "sending"
        return True

    def sent(self, key: str, how: str, message_id: str) -> None:
        self.items[key] = f"sent:{how}"

    def release(self, key: str) -> None:
        del self.items[key]


class Channels:
    def __init__(self, fail: Exception | None = None, refuse: bool = False):
        self.published: list[Digest] = []
        self.emailed: list[tuple[Digest, str, list[str]]] = []
        self.fail, self.refuse = fail, refuse

    def publish(self, digest: Digest) -> str:
        if self.fail:
            raise self.fail
        self.published.append(digest)
        return f"sns-{len(self.published)}"

    def email(self, digest: Digest, sender: str, to: list[str]) -> str:
        if self.refuse:
            raise SesRefused("MessageRejected: Email address is not verified")
        self.emailed.append((digest, sender, to))
        return "ses-1"


SES = """\
      email_from: digest@acme.example
      email_to: [lead@acme.example, care@acme.example]
"""


def test_sends_each_due_digest_once():
    store, claims, channels = FakeMentionStore(records()), Claims(), Channels()
    first = run_digests(config(), store, claims, channels, now=NOW)
    again = run_digests(config(), store, claims, channels, now=NOW)
    assert [(s.brand, s.period, s.via) for s in first] == [
        ("Acme", "daily#2026-11-23T08:00Z", "sns")
    ]
    assert again == [] and len(channels.published) == 1
    assert channels.published[0].volume.current == 10
    assert claims.items == {claim_key("Acme", channels.published[0].period): "sent:sns"}


def test_a_brand_with_a_sender_gets_html_by_ses():
    channels = Channels()
    sent = run_digests(config(SES), FakeMentionStore(records()), Claims(), channels, now=NOW)
    assert [s.via for s in sent] == ["ses"] and channels.published == []
    _, sender, to = channels.emailed[0]
    assert sender == "digest@acme.example" and to == ["lead@acme.example", "care@acme.example"]


def test_a_refused_sender_falls_back_to_the_topic():
    channels = Channels(refuse=True)
    sent = run_digests(config(SES), FakeMentionStore(records()), Claims(), channels, now=NOW)
    assert [s.via for s in sent] == ["sns (ses refused)"] and len(channels.published) == 1


def test_a_failed_send_releases_the_claim_for_the_next_tick():
    claims = Claims()
    failing = Channels(fail=ConnectionError("SNS unreachable"))
    assert run_digests(config(), FakeMentionStore(records()), claims, failing, now=NOW) == []
    assert claims.items == {}
    working = Channels()
    assert len(run_digests(config(), FakeMentionStore(records()), claims, working, now=NOW)) == 1


def test_nothing_is_due_before_the_time_or_when_disabled():
    store = FakeMentionStore(records())
    early = NOW.replace(hour=7, minute=55)  # Mon 07:55 London: Sunday's digest is long gone
    assert run_digests(config(), store, Claims(), Channels(), now=early) == []
    off = config("      enabled: false\n")
    assert run_digests(off, store, Claims(), Channels(), now=NOW) == []


def test_a_claim_that_cannot_be_marked_does_not_stop_the_other_brands():
    class Flaky(Claims):
        def sent(self, key: str, how: str, message_id: str) -> None:
            raise ConnectionError("DynamoDB unreachable")

    two = config().model_copy(
        update={
            "brands": [
                config().brands[0],
                config().brands[0].model_copy(update={"name": "Globex"}),
            ]
        }
    )
    channels = Channels()
    sent = run_digests(two, FakeMentionStore(records()), Flaky(), channels, now=NOW)
    assert [s.brand for s in sent] == ["Acme", "Globex"] and len(channels.published) == 2


def test_the_chat_channels_are_queued_first_and_again_with_the_same_id_after_a_failed_send():
    from heard.alerts.channels import RoutedChannel, SnsChannel
    from heard.digest.run import ChatDigests

    class Queue:
        def __init__(self) -> None:
            self.ids: list[str] = []

        def put(self, messages: list[dict]) -> None:
            self.ids += [m["id"] for m in messages]

    routes = """\
    alerts:
      channels:
        team-slack: {type: slack, secret: s}
        team-teams: {type: teams, secret: t}
        email: {type: email}
      routes:
        - {kinds: [digest], channels: [team-slack, team-teams, email]}
        - {min_priority: high, channels: [email]}
"""
    queue = Queue()
    chat = ChatDigests(RoutedChannel(SnsChannel(None, "arn"), queue))  # type: ignore[arg-type]
    store, claims = FakeMentionStore(records()), Claims()
    failed = run_digests(
        config(routes), store, claims, Channels(fail=RuntimeError("x")), now=NOW, chat=chat
    )
    assert failed == [] and len(queue.ids) == 2  # queued, then the email failed
    sent = run_digests(config(routes), store, claims, Channels(), now=NOW, chat=chat)
    assert [(s.via, s.chat) for s in sent] == [("sns", ("team-slack", "team-teams"))]
    # The retried run queues the same ids: the notifier posts each once.
    assert (
        queue.ids[:2]
        == queue.ids[2:]
        == [
            "digest:Acme:daily#2026-11-23T08:00Z#team-slack",
            "digest:Acme:daily#2026-11-23T08:00Z#team-teams",
        ]
    )
