"""X V2 webhooks: Filtered Stream deliveries and X Activity API events, told apart from Account
Activity by their shape, under the same CRC and signature."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from heard.models import MentionKind, Platform
from heard.platforms import PayloadError, SignatureError, x
from heard.platforms.base import WebhookRequest
from heard.platforms.x import v2

EVENTS = Path(__file__).resolve().parents[3] / "events" / "webhooks"
SECRET = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"


def load(name: str) -> dict:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


# --- telling the products apart --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("x-filtered-stream.json", "filtered_stream"),
        ("x-activity-post-create.json", "activity"),
        ("x-activity-follow.json", "activity"),
        ("x-tweet-create.json", "account_activity"),
        ("x-direct-message.json", "account_activity"),
    ],
)
def test_each_product_is_told_by_its_shape(name, kind):
    assert v2.kind(load(name)) == kind


def test_kind_of_anything_else_is_account_activity_which_refuses_it():
    assert v2.kind([]) == "account_activity"
    with pytest.raises(PayloadError):
        x.parse([])


# --- Filtered Stream -------------------------------------------------------------------------


def test_filtered_stream_post_becomes_one_mention_with_every_field():
    [message] = x.parse(load("x-filtered-stream.json"))
    mention = message.mention
    assert mention.platform is Platform.X
    # edited: the first id of the edit history is the mention, whichever version arrives
    assert mention.native_id == "1861000000000000210"
    assert message.edited is True
    assert mention.text.endswith("Is anyone at Acme actually reading these?")  # the note_tweet
    assert "https://t.co" not in mention.text
    assert mention.kind is MentionKind.REPLY
    assert mention.in_reply_to == "1861000000000000004"
    assert mention.author.id == "1450000000000000001"
    assert mention.author.handle == "dana_reviews"
    assert mention.author.name == "Dana Whitfield"
    assert mention.author.followers == 84_000
    assert mention.author.verified is True
    assert mention.created_at == datetime(2024, 11, 21, 16, 2, 11, tzinfo=UTC)
    assert mention.lang == "en"
    assert mention.engagement == 57 + 12 + 4 + 2  # likes, reposts, replies, quotes
    assert mention.url == "https://x.com/dana_reviews/status/1861000000000000212"
    assert mention.account_id is None  # a Filtered Stream delivery names no account
    assert message.brand == "Acme"  # from the rule tagged heard:Acme


def test_unedited_post_keeps_its_own_id_and_is_not_an_edit():
    payload = load("x-filtered-stream.json")
    payload["data"]["edit_history_tweet_ids"] = ["1861000000000000212"]
    [message] = x.parse(payload)
    assert message.mention.native_id == "1861000000000000212"
    assert message.edited is False
    del payload["data"]["edit_history_tweet_ids"]
    [message] = x.parse(payload)
    assert message.mention.native_id == "1861000000000000212"
    assert message.edited is False


def test_every_version_of_an_edited_post_is_the_same_mention():
    first = load("x-filtered-stream.json")
    first["data"]["id"] = "1861000000000000210"
    first["data"]["edit_history_tweet_ids"] = ["1861000000000000210"]
    later = load("x-filtered-stream.json")
    [original], [edit] = x.parse(first), x.parse(later)
    assert original.mention.key == edit.mention.key == "x:1861000000000000210"
    assert (original.edited, edit.edited) == (False, True)


def test_post_without_note_tweet_takes_text():
    payload = load("x-filtered-stream.json")
    del payload["data"]["note_tweet"]
    [message] = x.parse(payload)
    assert message.mention.text == payload["data"]["text"]


def test_retweets_are_skipped_and_quotes_kept():
    payload = load("x-filtered-stream.json")
    payload["data"]["referenced_tweets"] = [{"type": "retweeted", "id": "1861000000000000001"}]
    assert x.parse(payload) == []
    payload["data"]["referenced_tweets"] = [{"type": "quoted", "id": "1861000000000000001"}]
    [message] = x.parse(payload)
    assert message.mention.kind is MentionKind.POST
    assert message.mention.in_reply_to is None


def test_without_a_heard_tag_the_brand_is_left_to_the_brand_terms():
    payload = load("x-filtered-stream.json")
    payload["matching_rules"] = [{"id": "1", "tag": "kitchen appliances"}, {"id": "2"}]
    [message] = x.parse(payload)
    assert message.brand is None
    payload["matching_rules"] = [{"id": "1", "tag": "heard:Acme"}, {"id": "2", "tag": "heard:Zeta"}]
    assert x.parse(payload)[0].brand is None  # two brands: the terms decide
    payload["matching_rules"] = [{"id": "1", "tag": "heard:Acme"}, {"id": "2", "tag": "heard:Acme"}]
    assert x.parse(payload)[0].brand == "Acme"


def test_author_missing_from_includes_still_gives_a_mention():
    payload = load("x-filtered-stream.json")
    payload["includes"] = {}
    [message] = x.parse(payload)
    assert message.mention.author.id == "1450000000000000001"
    assert message.mention.author.handle is None
    assert message.mention.url == "https://x.com/i/web/status/1861000000000000212"


def test_undetermined_language_is_left_to_triage():
    payload = load("x-filtered-stream.json")
    payload["data"]["lang"] = "und"
    assert x.parse(payload)[0].mention.lang is None


def test_a_list_of_posts_gives_one_mention_each():
    payload = load("x-filtered-stream.json")
    second = copy.deepcopy(payload["data"])
    second["id"] = "1861000000000000400"
    second["edit_history_tweet_ids"] = ["1861000000000000400"]
    payload["data"] = [payload["data"], second]
    assert [m.mention.native_id for m in x.parse(payload)] == [
        "1861000000000000210",
        "1861000000000000400",
    ]


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda p: p["data"].pop("id"), "data.id"),
        (lambda p: p["data"].pop("text"), "data.text"),
        (lambda p: p["data"].pop("created_at"), "data.created_at"),
        (lambda p: p["data"].update(created_at="yesterday"), "data.created_at"),
        (lambda p: p["data"].update(edit_history_tweet_ids=[""]), "data.edit_history_tweet_ids"),
        (lambda p: p["includes"]["users"][0].pop("username"), "includes.users[0].username"),
        (lambda p: p.update(matching_rules="heard:Acme"), "matching_rules"),
    ],
)
def test_malformed_filtered_stream_is_a_payload_error_naming_the_field(mutate, field):
    payload = load("x-filtered-stream.json")
    mutate(payload)
    with pytest.raises(PayloadError) as error:
        x.parse(payload)
    assert error.value.field.startswith(field)


# --- X Activity API --------------------------------------------------------------------------


def test_activity_post_create_becomes_a_mention():
    [message] = x.parse(load("x-activity-post-create.json"))
    mention = message.mention
    assert mention.native_id == "1861000000000000301"
    assert message.edited is False
    assert message.brand == "Acme"  # the subscription's tag
    assert mention.kind is MentionKind.POST
    assert mention.author.handle == "sam_builds"
    assert mention.author.followers == 312
    assert mention.created_at == datetime(2024, 11, 29, 10, 41, 7, tzinfo=UTC)
    assert mention.engagement == 4
    assert mention.account_id is None
    assert mention.url == "https://x.com/sam_builds/status/1861000000000000301"


def test_other_activity_events_are_acknowledged_and_ignored():
    assert x.parse(load("x-activity-follow.json")) == []
    payload = load("x-activity-post-create.json")
    payload["data"]["event_type"] = "post.delete"
    assert x.parse(payload) == []


def test_activity_retweet_is_skipped():
    payload = load("x-activity-post-create.json")
    payload["data"]["payload"]["referenced_tweets"] = [{"type": "retweeted", "id": "1"}]
    assert x.parse(payload) == []


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda p: p["data"].pop("payload"), "data.payload"),
        (lambda p: p["data"]["payload"].pop("id"), "data.payload.id"),
        (lambda p: p["data"].update(event_type=7), "data.event_type"),
        (lambda p: p["data"].update(payload=[]), "data.payload"),
    ],
)
def test_malformed_activity_event_is_a_payload_error_naming_the_field(mutate, field):
    payload = load("x-activity-post-create.json")
    mutate(payload)
    with pytest.raises(PayloadError) as error:
        x.parse(payload)
    assert error.value.field.startswith(field)


# --- the same CRC and signature --------------------------------------------------------------


def signed(body: bytes, secret: str = SECRET) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


@pytest.mark.parametrize("name", ["x-filtered-stream.json", "x-activity-post-create.json"])
def test_v2_deliveries_are_verified_and_parsed_by_the_adapter(name):
    body = (EVENTS / name).read_bytes()
    secrets = {"HEARD_X_CONSUMER_SECRET": SECRET}

    def secret(ref):
        return secrets[ref.env_var]

    headers = x.ADAPTER.sign(body, secret)
    assert headers[x.SIGNATURE_HEADER] == signed(body)
    x.ADAPTER.verify(WebhookRequest(body, headers), secret)
    assert len(x.ADAPTER.parse(json.loads(body))) == 1
    with pytest.raises(SignatureError, match="mismatch"):
        x.ADAPTER.verify(WebhookRequest(body.replace(b"Acme", b"Acne", 1), headers), secret)
    assert x.ADAPTER.challenge({"crc_token": "t"}, secret).body == x.crc_response(SECRET, "t")


def test_the_text_is_what_the_author_wrote_not_x_s_escaped_form():
    from heard.platforms.x import v2

    body = {
        "data": {
            "id": "1861000000000000999",
            "text": "@acme fees &amp; charges &lt;again&gt; &amp;amp; nothing else",
            "author_id": "1",
            "created_at": "2026-11-30T10:00:00.000Z",
            "edit_history_tweet_ids": ["1861000000000000999"],
        },
        "includes": {"users": [{"id": "1", "username": "a", "name": "A"}]},
    }
    [message] = v2.parse(body)
    assert message.mention.text == "@acme fees & charges <again> &amp; nothing else"
