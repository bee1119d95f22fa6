"""X Account Activity: CRC, signature, and parsing of tweet and DM deliveries."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from heard.models import MentionKind, MentionMessage, Platform
from heard.platforms import PayloadError, SignatureError, x

EVENTS = Path(__file__).resolve().parents[3] / "events" / "webhooks"
SECRET = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"
ACME = "1000000001"


def load(name: str) -> dict:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def signed(body: bytes, secret: str = SECRET) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


# --- CRC ---------------------------------------------------------------------------------------


def test_crc_response_matches_an_independently_computed_vector():
    # X's docs show only the output of their example (the consumer secret is not published), so
    # the expected value here was computed outside Python:
    #   printf '%s' crc-token-1732094400 | openssl dgst -sha256 -hmac "$SECRET" -binary | base64
    assert x.crc_response(SECRET, "crc-token-1732094400") == {
        "response_token": "sha256=4LjoeTR5vKrsuoeqxcvTpOa4VFUVjf1Ogd2/UVhlqiw="
    }


def test_crc_response_depends_on_secret_and_token():
    base = x.crc_response(SECRET, "foo")["response_token"]
    assert x.crc_response(SECRET + "x", "foo")["response_token"] != base
    assert x.crc_response(SECRET, "fop")["response_token"] != base
    assert base.startswith("sha256=")
    assert len(base64.b64decode(base.removeprefix("sha256="))) == 32


# --- signature ---------------------------------------------------------------------------------


BODY = (EVENTS / "x-tweet-create.json").read_bytes()


def test_good_signature_passes():
    x.verify_signature(SECRET, BODY, signed(BODY))


def test_signature_is_over_the_raw_bytes_not_the_json():
    reserialised = json.dumps(json.loads(BODY)).encode()
    assert reserialised != BODY
    with pytest.raises(SignatureError, match="mismatch"):
        x.verify_signature(SECRET, reserialised, signed(BODY))


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing"),
        ("", "missing"),
        ("sha1=" + base64.b64encode(b"\0" * 20).decode(), "malformed"),
        ("sha256=not base64!!", "malformed"),
        ("sha256=" + base64.b64encode(b"short").decode(), "malformed"),
        (signed(BODY).removeprefix("sha256="), "malformed"),
    ],
)
def test_missing_or_malformed_header_is_refused(header, reason):
    with pytest.raises(SignatureError, match=reason):
        x.verify_signature(SECRET, BODY, header)


def test_forged_signature_is_refused():
    forged = "sha256=" + base64.b64encode(b"\x01" * 32).decode()
    with pytest.raises(SignatureError, match="mismatch"):
        x.verify_signature(SECRET, BODY, forged)


def test_wrong_secret_is_refused():
    with pytest.raises(SignatureError, match="mismatch"):
        x.verify_signature(SECRET, BODY, signed(BODY, secret="another-apps-secret"))


def test_tampered_body_is_refused():
    tampered = BODY.replace(b"84000", b"84001", 1)
    assert tampered != BODY
    with pytest.raises(SignatureError, match="mismatch"):
        x.verify_signature(SECRET, tampered, signed(BODY))


def test_unconfigured_secret_refuses_everything():
    with pytest.raises(SignatureError, match="no X consumer secret"):
        x.verify_signature("", BODY, signed(BODY, secret=""))


# --- tweet_create_events -----------------------------------------------------------------------


def by_id(messages: list[MentionMessage]) -> dict[str, MentionMessage]:
    return {m.mention.native_id: m for m in messages}


def test_tweets_sample_yields_three_mentions_skipping_own_tweet_and_retweet():
    messages = x.parse(load("x-tweet-create.json"))
    assert [m.mention.native_id for m in messages] == [
        "1861000000000000001",
        "1861000000000000002",
        "1861000000000000003",
    ]
    assert "1861000000000000004" not in by_id(messages)  # written by @acme itself
    assert "1861000000000000005" not in by_id(messages)  # a retweet
    assert all(m.mention.platform is Platform.X for m in messages)
    assert all(m.mention.account_id == ACME for m in messages)


def test_truncated_tweet_takes_extended_full_text_and_its_author():
    mention = by_id(x.parse(load("x-tweet-create.json")))["1861000000000000001"].mention
    assert mention.text.endswith("This is not OK, Acme. #acmefail")
    assert "my lawyer will be in touch" in mention.text
    assert "https://t.co" not in mention.text
    assert mention.kind is MentionKind.POST
    assert mention.author.handle == "dana_reviews"
    assert mention.author.name == "Dana Whitfield"
    assert mention.author.id == "1450000000000000001"
    assert mention.author.followers == 84_000
    assert mention.author.verified is True
    assert mention.created_at == datetime(2024, 11, 20, 9, 14, 3, tzinfo=UTC)
    assert mention.url == "https://x.com/dana_reviews/status/1861000000000000001"
    assert mention.engagement == 14 + 61 + 230 + 1180
    assert mention.lang == "en"
    assert mention.in_reply_to is None


def test_reply_is_kind_reply_with_parent():
    mention = by_id(x.parse(load("x-tweet-create.json")))["1861000000000000003"].mention
    assert mention.kind is MentionKind.REPLY
    assert mention.in_reply_to == "1860999999999999999"
    assert mention.text.startswith("@acme does the Acme Pro blender work on 110V?")


def test_plain_tweet_uses_text():
    mention = by_id(x.parse(load("x-tweet-create.json")))["1861000000000000002"].mention
    assert mention.text == "Shoutout to @acme support, Priya sorted my order in 5 minutes. Love it!"
    assert mention.author.verified is False


def test_full_text_field_is_preferred_over_text():
    payload = load("x-tweet-create.json")
    tweet = payload["tweet_create_events"][1]
    tweet["full_text"], tweet["text"] = "the full words", "the full wo…"
    assert by_id(x.parse(payload))[tweet["id_str"]].mention.text == "the full words"


def test_undetermined_language_is_left_for_triage():
    payload = load("x-tweet-create.json")
    payload["tweet_create_events"][1]["lang"] = "und"
    assert by_id(x.parse(payload))["1861000000000000002"].mention.lang is None


def test_engagement_counts_are_optional():
    payload = load("x-tweet-create.json")
    tweet = payload["tweet_create_events"][0]
    for key in ("reply_count", "quote_count"):
        del tweet[key]
    assert by_id(x.parse(payload))[tweet["id_str"]].mention.engagement == 230 + 1180


def test_other_event_types_are_ignored():
    payload = {
        "for_user_id": ACME,
        "favorite_events": [{"id": "a1", "favorited_status": {"id_str": "1"}}],
        "follow_events": [{"type": "follow", "source": {"id": "2"}, "target": {"id": ACME}}],
    }
    assert x.parse(payload) == []


# --- direct_message_events ---------------------------------------------------------------------


def test_direct_message_from_customer_is_a_message_and_brand_reply_is_skipped():
    messages = x.parse(load("x-direct-message.json"))
    assert len(messages) == 1
    mention = messages[0].mention
    assert mention.kind is MentionKind.MESSAGE
    assert mention.native_id == "1861000000000100001"
    assert "direct debit twice" in mention.text
    assert mention.author.id == "2988776655"
    assert mention.author.handle == "ruth_k"
    assert mention.author.name == "Ruth Kaplan"
    assert mention.author.followers == 1240
    assert mention.account_id == ACME
    assert mention.created_at == datetime(2024, 11, 20, 9, 20, 10, 123000, tzinfo=UTC)
    assert mention.url == "https://x.com/messages/1000000001-2988776655"


def test_direct_message_sender_missing_from_users_keeps_the_id():
    payload = load("x-direct-message.json")
    payload["users"] = {}
    mention = x.parse(payload)[0].mention
    assert mention.author.id == "2988776655"
    assert mention.author.handle is None


# --- malformed ---------------------------------------------------------------------------------


def broken(mutate) -> dict:
    payload = copy.deepcopy(load("x-tweet-create.json"))
    mutate(payload)
    return payload


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda p: p["tweet_create_events"][0].pop("id_str"), "tweet_create_events[0].id_str"),
        (
            lambda p: p["tweet_create_events"][2]["user"].pop("screen_name"),
            "tweet_create_events[2].user.screen_name",
        ),
        (
            lambda p: p["tweet_create_events"][1]["user"].update(followers_count="many"),
            "tweet_create_events[1].user.followers_count",
        ),
        (
            lambda p: p["tweet_create_events"][1].update(id_str=1861000000000000002),
            "tweet_create_events[1].id_str",
        ),
        (
            lambda p: p["tweet_create_events"][1].update(created_at="yesterday"),
            "tweet_create_events[1].created_at",
        ),
        (
            lambda p: [p["tweet_create_events"][1].pop(k) for k in ("text",)],
            "tweet_create_events[1].text",
        ),
        (lambda p: p.pop("for_user_id"), "for_user_id"),
        (lambda p: p.update(tweet_create_events={"id_str": "1"}), "tweet_create_events"),
    ],
)
def test_malformed_tweet_names_the_field(mutate, field):
    with pytest.raises(PayloadError) as info:
        x.parse(broken(mutate))
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")


def test_missing_field_message_reads_field_required():
    with pytest.raises(PayloadError) as info:
        x.parse(broken(lambda p: p["tweet_create_events"][0].pop("id_str")))
    assert str(info.value) == "tweet_create_events[0].id_str: field required"


def test_malformed_direct_message_names_the_field():
    payload = load("x-direct-message.json")
    del payload["direct_message_events"][0]["message_create"]["message_data"]["text"]
    with pytest.raises(PayloadError) as info:
        x.parse(payload)
    assert info.value.field == "direct_message_events[0].message_create.message_data.text"


def test_bad_direct_message_timestamp_names_the_field():
    payload = load("x-direct-message.json")
    payload["direct_message_events"][1]["created_timestamp"] = "Wed Nov 20"
    with pytest.raises(PayloadError) as info:
        x.parse(payload)
    assert info.value.field == "direct_message_events[1].created_timestamp"


def test_body_that_is_not_an_object_is_a_payload_error():
    with pytest.raises(PayloadError) as info:
        x.parse(["not", "an", "object"])  # type: ignore[arg-type]
    assert info.value.field == "body"


def test_empty_tweet_id_is_refused_not_stored():
    with pytest.raises(PayloadError) as info:
        x.parse(broken(lambda p: p["tweet_create_events"][1].update(id_str="")))
    assert info.value.field == "tweet_create_events[1].id_str"
