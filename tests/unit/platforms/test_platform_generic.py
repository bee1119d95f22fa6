"""Generic signed JSON: signing, replay window, and the mention schema (single and batch)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from heard.models import MentionKind, Platform
from heard.platforms import PayloadError, SignatureError, generic

EVENTS = Path(__file__).resolve().parents[3] / "events" / "webhooks"
SECRET = "whsec_heard_demo_7d1f0c2a"
NOW = 1_732_094_400.0
TS = str(int(NOW))
BODY = (EVENTS / "generic-mention.json").read_bytes()


def load(name: str):
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


# --- sign / verify -----------------------------------------------------------------------------


def test_sign_matches_an_independently_computed_vector():
    # printf '%s' '1732094400.{"id":"1"}' | openssl dgst -sha256 -hmac whsec -hex
    expected = "v1=7447f85a2bf2137fef688ca25688a457b1bacd7fcd4f2041e31768d23257cd88"
    assert generic.sign("whsec", "1732094400", b'{"id":"1"}') == expected


def test_sign_is_hmac_of_timestamp_dot_body():
    manual = hmac.new(SECRET.encode(), f"{TS}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert generic.sign(SECRET, TS, BODY) == "v1=" + manual


def test_good_signature_passes():
    generic.verify_signature(SECRET, BODY, TS, generic.sign(SECRET, TS, BODY), now=NOW)


def test_uppercase_hex_is_accepted():
    sig = "v1=" + generic.sign(SECRET, TS, BODY).removeprefix("v1=").upper()
    generic.verify_signature(SECRET, BODY, TS, sig, now=NOW)


@pytest.mark.parametrize(
    ("timestamp", "signature", "reason"),
    [
        (None, "v1=" + "0" * 64, "missing X-Heard-Timestamp"),
        ("", "v1=" + "0" * 64, "missing X-Heard-Timestamp"),
        ("1732094400.5", "v1=" + "0" * 64, "malformed X-Heard-Timestamp"),
        ("-1732094400", "v1=" + "0" * 64, "malformed X-Heard-Timestamp"),
        ("yesterday", "v1=" + "0" * 64, "malformed X-Heard-Timestamp"),
        ("١٧٣٢٠٩٤٤٠٠", "v1=" + "0" * 64, "malformed X-Heard-Timestamp"),  # non-ASCII digits
        (TS, None, "missing X-Heard-Signature"),
        (TS, "", "missing X-Heard-Signature"),
        (TS, "v0=" + "0" * 64, "malformed X-Heard-Signature"),
        (TS, "0" * 64, "malformed X-Heard-Signature"),
        (TS, "v1=abc", "malformed X-Heard-Signature"),
        (TS, "v1=" + "g" * 64, "malformed X-Heard-Signature"),
    ],
)
def test_missing_or_malformed_headers_are_refused(timestamp, signature, reason):
    with pytest.raises(SignatureError, match=reason):
        generic.verify_signature(SECRET, BODY, timestamp, signature, now=NOW)


def test_forged_signature_is_refused():
    with pytest.raises(SignatureError, match="mismatch"):
        generic.verify_signature(SECRET, BODY, TS, "v1=" + "0" * 64, now=NOW)


def test_wrong_secret_is_refused():
    with pytest.raises(SignatureError, match="mismatch"):
        generic.verify_signature(SECRET, BODY, TS, generic.sign("other", TS, BODY), now=NOW)


def test_tampered_body_is_refused():
    tampered = BODY.replace(b"Very disappointed", b"Very delighted")
    assert tampered != BODY
    with pytest.raises(SignatureError, match="mismatch"):
        generic.verify_signature(SECRET, tampered, TS, generic.sign(SECRET, TS, BODY), now=NOW)


def test_timestamp_is_part_of_the_signature():
    other = str(int(NOW) + 1)
    with pytest.raises(SignatureError, match="mismatch"):
        generic.verify_signature(SECRET, BODY, other, generic.sign(SECRET, TS, BODY), now=NOW)


@pytest.mark.parametrize("offset", [-300, -1, 0, 1, 300])
def test_timestamps_within_the_window_pass(offset):
    ts = str(int(NOW) + offset)
    generic.verify_signature(SECRET, BODY, ts, generic.sign(SECRET, ts, BODY), now=NOW)


@pytest.mark.parametrize("offset", [-301, -86_400, 301, 86_400])
def test_replayed_or_future_timestamps_are_refused_even_when_correctly_signed(offset):
    ts = str(int(NOW) + offset)
    with pytest.raises(SignatureError, match="stale"):
        generic.verify_signature(SECRET, BODY, ts, generic.sign(SECRET, ts, BODY), now=NOW)


def test_tolerance_is_configurable():
    ts = str(int(NOW) - 60)
    sig = generic.sign(SECRET, ts, BODY)
    generic.verify_signature(SECRET, BODY, ts, sig, now=NOW, tolerance=60)
    with pytest.raises(SignatureError, match="stale"):
        generic.verify_signature(SECRET, BODY, ts, sig, now=NOW, tolerance=59)


def test_now_defaults_to_the_clock():
    import time

    ts = str(int(time.time()))
    generic.verify_signature(SECRET, BODY, ts, generic.sign(SECRET, ts, BODY))
    with pytest.raises(SignatureError, match="stale"):
        generic.verify_signature(SECRET, BODY, TS, generic.sign(SECRET, TS, BODY))


def test_unconfigured_secret_refuses_everything():
    with pytest.raises(SignatureError, match="no webhook secret"):
        generic.verify_signature("", BODY, TS, generic.sign("", TS, BODY), now=NOW)


# --- parse -------------------------------------------------------------------------------------


def test_single_mention():
    [message] = generic.parse(load("generic-mention.json"))
    mention = message.mention
    assert mention.platform is Platform.GENERIC
    assert mention.native_id == "feedback-form:8812"
    assert mention.key == "generic:feedback-form:8812"
    assert mention.source == "feedback-form"
    assert mention.kind is MentionKind.POST
    assert "return link on your site gives a 404" in mention.text
    assert mention.author.handle == "jane.doe@example.com"
    assert mention.author.name == "Jane Doe"
    assert mention.author.followers == 0
    assert mention.url == "https://acme.example.com/feedback/8812"
    assert mention.created_at == datetime(2024, 11, 20, 9, 15, tzinfo=UTC)
    assert mention.lang == "en"


def test_batch_of_mentions_with_integer_ids_and_optional_fields():
    messages = generic.parse(load("generic-batch.json"))
    first, second = (m.mention for m in messages)
    assert first.native_id == "zapier:4501"
    assert first.author.handle == "happyhomecook"  # stored bare, like X handles
    assert first.author.followers == 1830
    assert second.native_id == "zapier:4502"
    assert second.url is None
    assert second.author.name is None
    assert second.author.followers == 0


def test_two_sources_with_the_same_id_do_not_collide():
    a = {"id": "1", "source": "zapier", "text": "Acme rocks", "author": {"handle": "a"}}
    b = dict(a, source="typeform")
    assert generic.parse(a)[0].mention.key != generic.parse(b)[0].mention.key


def test_created_at_is_optional_and_defaults_to_now():
    before = datetime.now(UTC)
    [message] = generic.parse({"id": "1", "source": "s", "text": "t", "author": {"handle": "h"}})
    assert message.mention.created_at >= before


def test_empty_batch_is_nothing():
    assert generic.parse([]) == []


def mention(**changes):
    base = load("generic-mention.json")
    for key, value in changes.items():
        if value is ...:
            base.pop(key)
        else:
            base[key] = value
    return base


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (mention(id=...), "id"),
        (mention(source=...), "source"),
        (mention(text=...), "text"),
        (mention(text=""), "text"),
        (mention(author=...), "author"),
        (mention(author={"name": "Jane"}), "author.handle"),
        (mention(author={"handle": "j", "followers": -5}), "author.followers"),
        (mention(author={"handle": "j", "followers": "lots"}), "author.followers"),
        (mention(created_at="last tuesday"), "created_at"),
        (mention(source="zapier:evil"), "source"),
        (mention(url="javascript:alert(1)"), "url"),
        (mention(id=""), "id"),
        (mention(id=["1"]), "id"),
        ("just a string", "body"),
    ],
)
def test_malformed_mention_names_the_field(payload, field):
    with pytest.raises(PayloadError) as info:
        generic.parse(payload)
    assert info.value.field == field


def test_malformed_item_in_a_batch_names_its_index():
    batch = load("generic-batch.json")
    del batch[1]["author"]["handle"]
    with pytest.raises(PayloadError) as info:
        generic.parse(batch)
    assert info.value.field == "[1].author.handle"
    assert str(info.value) == "[1].author.handle: field required"


def test_non_object_in_a_batch_names_its_index():
    with pytest.raises(PayloadError) as info:
        generic.parse([load("generic-mention.json"), 42])
    assert info.value.field == "[1]"


def test_a_created_at_in_the_future_is_clamped_to_now():
    from datetime import UTC, datetime

    from heard.platforms.generic import parse

    (message,) = parse(
        {
            "id": "1",
            "source": "form",
            "text": "hi acme",
            "author": {"handle": "jo"},
            "created_at": "2999-01-01T00:00:00Z",
        }
    )
    assert message.mention.created_at <= datetime.now(UTC)
