"""The pipeline on in-memory fakes: match, triage, store once, alert once, removals and edits.

No moto, no model: the store and claims share one dict (as they share one table), the channel
records what it sends, and the triager decides priority from a word in the text.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from fakes import RecordingChannel, fake_table

from heard.alerts import AlertDispatcher
from heard.config import Brand, HeardConfig
from heard.models import (
    AlertState,
    Author,
    DeletionMessage,
    Mention,
    MentionMessage,
    Platform,
    Priority,
    Sentiment,
    Status,
    Triage,
    utcnow,
)
from heard.pipeline import Outcome, Pipeline
from heard.store.claims import CLAIM_TIMEOUT

CONFIG = HeardConfig(
    brands=[
        Brand(name="Acme", keywords=["acme"], account_ids={Platform.FACEBOOK: ["2000000001"]}),
        Brand(name="Globex", keywords=["globex"]),
    ]
)


class WordTriager:
    """Priority from the text: 'lawyer' is critical, 'broken' high, anything else low."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def triage_mention(self, mention: Mention, brand: Brand | None = None) -> Triage:
        self.seen.append(mention.text)
        text = mention.text.lower()
        priority = (
            Priority.CRITICAL
            if "lawyer" in text
            else Priority.HIGH
            if "broken" in text
            else Priority.LOW
        )
        negative = priority is not Priority.LOW
        return Triage(
            sentiment=Sentiment.NEGATIVE if negative else Sentiment.POSITIVE,
            complaint=negative,
            priority=priority,
            reasons=[f"word rule: {priority.value}"],
        )


@pytest.fixture
def world():
    store, claims = fake_table()
    channel = RecordingChannel()
    triager = WordTriager()
    pipeline = Pipeline(
        store=store,
        alerts=AlertDispatcher(claims, channel),
        triager=triager,
        config=CONFIG,
    )
    return pipeline, store, claims, channel, triager


def said(native_id: str, text: str, **fields) -> MentionMessage:
    mention = Mention(platform=Platform.X, native_id=native_id, text=text, **fields)
    return MentionMessage(mention=mention)


def test_an_alert_worthy_mention_is_stored_and_alerted_once(world) -> None:
    pipeline, store, _, channel, _ = world
    result = pipeline.handle(said("1", "acme, my lawyer will hear about this"))
    assert (result.outcome, result.alerted) == (Outcome.STORED, True)
    record = store.get("x:1")
    assert (record.brand, record.matched, record.alert_state) == ("Acme", "acme", AlertState.SENT)
    assert [a.record.id for a in channel.sent] == ["x:1"]

    again = pipeline.handle(said("1", "acme, my lawyer will hear about this"))
    assert (again.outcome, again.alerted) == (Outcome.DUPLICATE, False)
    assert len(channel.sent) == 1


def test_below_the_threshold_is_stored_for_the_inbox_without_an_alert(world) -> None:
    pipeline, store, _, channel, _ = world
    result = pipeline.handle(said("2", "love my new acme kettle"))
    assert (result.outcome, result.alerted) == (Outcome.STORED, False)
    assert store.get("x:2").alert_state is AlertState.NONE
    assert channel.attempts == 0


def test_a_mention_of_no_brand_is_neither_triaged_nor_stored(world) -> None:
    pipeline, store, _, channel, triager = world
    assert pipeline.handle(said("3", "my lawyer says hi")).outcome is Outcome.UNMATCHED
    assert store.get_any("x:3") is None
    assert triager.seen == [] and channel.attempts == 0


def test_the_brand_named_by_the_sender_or_the_account_wins(world) -> None:
    pipeline, store, *_ = world
    message = said("4", "broken again")
    pipeline.handle(message.model_copy(update={"brand": "globex"}))
    assert (store.get("x:4").brand, store.get("x:4").matched) == ("Globex", "brand Globex")
    comment = Mention(
        platform=Platform.FACEBOOK, native_id="p_1", text="it is broken", account_id="2000000001"
    )
    pipeline.handle(MentionMessage(mention=comment))
    assert store.get("facebook:p_1").matched == "account 2000000001"


def test_a_transient_channel_failure_releases_the_claim_for_the_redelivery(world) -> None:
    pipeline, store, _, channel, _ = world
    channel.fail_transiently()
    with pytest.raises(ConnectionError):
        pipeline.handle(said("5", "acme support is broken"))
    assert store.get("x:5").alert_state is AlertState.PUBLISHING
    result = pipeline.handle(said("5", "acme support is broken"))  # redelivered at once
    assert (result.outcome, result.alerted) == (Outcome.DUPLICATE, True)
    assert store.get("x:5").alert_state is AlertState.SENT
    assert len(channel.sent) == 1


def test_a_refused_alert_is_recorded_failed_and_not_retried(world) -> None:
    pipeline, store, _, channel, _ = world
    channel.fail_permanently()
    result = pipeline.handle(said("6", "acme, my lawyer"))
    assert (result.outcome, result.alerted) == (Outcome.STORED, False)
    assert store.get("x:6").alert_state is AlertState.FAILED
    pipeline.handle(said("6", "acme, my lawyer"))
    assert channel.attempts == 1


def test_a_live_claim_is_left_alone_and_a_stale_one_is_taken_over(world) -> None:
    pipeline, store, claims, channel, _ = world
    message = said("7", "acme is broken")
    # An invocation stored it claimed and is still publishing (or died just now).
    channel.fail_transiently(error=RuntimeError("killed"))
    with pytest.raises(RuntimeError):
        pipeline.handle(message)
    claims.records["x:7"] = claims.records["x:7"].model_copy(
        update={"alert_claimed_at": utcnow()}  # claimed again by a live invocation
    )
    assert pipeline.handle(message).alerted is False
    claims.records["x:7"] = claims.records["x:7"].model_copy(
        update={"alert_claimed_at": utcnow() - CLAIM_TIMEOUT - timedelta(seconds=1)}
    )
    assert pipeline.handle(message).alerted is True
    assert store.get("x:7").alert_state is AlertState.SENT
    assert len(channel.sent) == 1


def test_a_removal_before_its_mention_keeps_the_late_mention_out(world) -> None:
    pipeline, store, _, channel, _ = world
    gone = DeletionMessage(platform=Platform.X, native_id="8")
    assert pipeline.handle(gone).outcome is Outcome.DELETED
    assert pipeline.handle(said("8", "acme lawyer")).outcome is Outcome.DUPLICATE
    assert store.get_any("x:8") is None and channel.attempts == 0


def test_a_removal_after_marks_the_mention_deleted(world) -> None:
    pipeline, store, *_ = world
    pipeline.handle(said("9", "acme is fine"))
    pipeline.handle(DeletionMessage(platform=Platform.X, native_id="9"))
    record = store.get("x:9")
    assert record.deleted and record.version == 2


def test_an_edit_that_makes_it_alert_worthy_alerts_once(world) -> None:
    pipeline, store, _, channel, _ = world
    pipeline.handle(said("10", "acme is lovely"))
    edited = said("10", "acme, talk to my lawyer").model_copy(update={"edited": True})
    result = pipeline.handle(edited)
    assert (result.outcome, result.alerted) == (Outcome.EDITED, True)
    record = store.get("x:10")
    assert "lawyer" in record.mention.text and record.triage.priority is Priority.CRITICAL
    assert record.alert_state is AlertState.SENT and record.edited_at is not None
    assert pipeline.handle(edited).alerted is False  # edited again or redelivered
    assert len(channel.sent) == 1


def test_a_new_config_takes_effect_without_rebuilding_the_pipeline(world) -> None:
    pipeline, store, *_ = world
    pipeline.use_config(HeardConfig(brands=[Brand(name="Initech", keywords=["initech"])]))
    assert pipeline.handle(said("11", "acme broken")).outcome is Outcome.UNMATCHED
    assert pipeline.handle(said("12", "initech broken")).outcome is Outcome.STORED
    assert store.get("x:12").brand == "Initech"


# --- conversations: later messages join the open case -------------------------------------


def from_author(native_id: str, text: str, author: str = "42") -> MentionMessage:
    return said(native_id, text, author=Author(id=author, handle="dana"))


def test_a_later_message_joins_the_open_case_and_does_not_alert_again(world) -> None:
    pipeline, store, _, channel, _ = world
    pipeline.handle(from_author("20", "acme my order is broken"))
    result = pipeline.handle(from_author("21", "acme still broken, any news?"))
    assert (result.outcome, result.alerted) == (Outcome.STORED, False)
    case = store.get("x:20")
    assert case.message_keys == ["x:21"] and case.version == 2
    assert store.get("x:21").case_id == "x:20"
    assert [r.id for r in store.list().items] == ["x:20"]  # the inbox lists cases
    assert len(channel.sent) == 1
    pipeline.handle(from_author("21", "acme still broken, any news?"))  # redelivered
    assert store.get("x:20").message_keys == ["x:21"]


def test_a_message_that_raises_the_priority_alerts_once_more(world) -> None:
    pipeline, store, _, channel, _ = world
    pipeline.handle(from_author("22", "acme my order is broken"))
    result = pipeline.handle(from_author("23", "acme, my lawyer will call you"))
    assert result.alerted is True
    assert store.get("x:22").priority is Priority.CRITICAL
    assert [a.record.id for a in channel.sent] == ["x:22", "x:23"]
    pipeline.handle(from_author("24", "acme, my lawyer again"))  # no higher than critical
    assert len(channel.sent) == 2


def test_a_replied_case_waits_on_the_team_again(world) -> None:
    pipeline, store, *_ = world
    pipeline.handle(from_author("25", "acme my order is broken"))
    case = store.get("x:25")
    store.save_case(case, case.model_copy(update={"status": Status.REPLIED, "waiting_since": None}))
    pipeline.handle(from_author("26", "acme that did not help"))
    case = store.get("x:25")
    assert case.status is Status.NEW and case.waiting_since is not None


def test_after_a_case_is_closed_the_next_message_opens_a_new_one(world) -> None:
    pipeline, store, *_ = world
    pipeline.handle(from_author("27", "acme my order is broken"))
    case = store.get("x:27")
    store.save_case(case, case.model_copy(update={"status": Status.RESOLVED}))
    result = pipeline.handle(from_author("28", "acme broken again"))
    assert result.alerted is True and store.get("x:28").is_case
    assert {r.id for r in store.list().items} == {"x:27", "x:28"}


def test_other_authors_and_other_brands_open_their_own_cases(world) -> None:
    pipeline, store, *_ = world
    pipeline.handle(from_author("29", "acme broken", author="1"))
    pipeline.handle(from_author("30", "acme broken", author="2"))
    pipeline.handle(from_author("31", "globex broken", author="1"))
    assert all(store.get(k).is_case for k in ("x:29", "x:30", "x:31"))


def test_only_a_newly_stored_mention_is_counted_for_the_spike_check(world) -> None:
    from fakes import FakeSignals

    from heard.spikes.counts import bucket_start

    pipeline, store, *_ = world
    store.counts = FakeSignals()
    assert pipeline.handle(said("c1", "acme is broken")).outcome is Outcome.STORED
    assert pipeline.handle(said("c1", "acme is broken")).outcome is Outcome.DUPLICATE
    edited = said("c1", "acme is broken, my lawyer").model_copy(update={"edited": True})
    assert pipeline.handle(edited).outcome is Outcome.EDITED
    assert pipeline.handle(said("c2", "nothing to do with us")).outcome is Outcome.UNMATCHED
    assert pipeline.handle(said("c3", "globex is fine")).outcome is Outcome.STORED
    now = bucket_start(utcnow())
    acme = store.counts.counts("Acme", now - timedelta(hours=1), now)
    assert [(c.all, c.negative, c.complaint) for c in acme.values()] == [(1, 1, 1)]
    assert (
        sum(c.all for c in store.counts.counts("Globex", now - timedelta(hours=1), now).values())
        == 1
    )
