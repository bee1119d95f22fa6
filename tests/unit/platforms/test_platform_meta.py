"""Meta Graph webhooks: subscription check, signature, Pages feed, Messenger and Instagram."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from heard.models import DeletionMessage, MentionKind, MentionMessage, Platform
from heard.platforms import PayloadError, SignatureError, VerificationError, meta

EVENTS = Path(__file__).resolve().parents[3] / "events" / "webhooks"
APP_SECRET = "3f0c1e6b8a2d4c7e9f1a2b3c4d5e6f70"
PAGE = "2000000001"
IG = "3000000001"


def load(name: str) -> dict:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def signed(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# --- subscription check ------------------------------------------------------------------------


def params(**overrides: str) -> dict[str, str]:
    base = {
        "hub.mode": "subscribe",
        "hub.verify_token": "acme-verify",
        "hub.challenge": "1158201444",
    }
    base.update({k.replace("_", ".", 1): v for k, v in overrides.items()})
    return base


def test_subscription_check_echoes_the_challenge():
    assert meta.verify_subscription(params(), "acme-verify") == "1158201444"


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        (params(hub_verify_token="guess"), "does not match"),
        (params(hub_mode="unsubscribe"), "hub.mode"),
        ({"hub.mode": "subscribe", "hub.challenge": "1"}, "missing hub.verify_token"),
        ({"hub.mode": "subscribe", "hub.verify_token": "acme-verify"}, "missing hub.challenge"),
        ({}, "hub.mode"),
        (None, "hub.mode"),
    ],
)
def test_subscription_check_refusals(query, reason):
    with pytest.raises(VerificationError, match=reason):
        meta.verify_subscription(query, "acme-verify")


def test_subscription_check_refuses_when_no_token_is_configured():
    with pytest.raises(VerificationError):
        meta.verify_subscription(params(hub_verify_token=""), "")


# --- signature ---------------------------------------------------------------------------------

BODY = (EVENTS / "meta-page-feed.json").read_bytes()


def test_signature_matches_an_independently_computed_vector():
    # printf '%s' '{"object":"page"}' | openssl dgst -sha256 -hmac meta-app-secret -hex
    meta.verify_signature(
        "meta-app-secret",
        b'{"object":"page"}',
        "sha256=608590215a97c2b1eb88627b4845b66db760cda09f7172266c40e57ec1aa9cf6",
    )


def test_good_signature_passes_and_hex_case_does_not_matter():
    meta.verify_signature(APP_SECRET, BODY, signed(BODY))
    meta.verify_signature(
        APP_SECRET, BODY, "sha256=" + signed(BODY).removeprefix("sha256=").upper()
    )


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing"),
        ("", "missing"),
        ("sha1=" + "00" * 20, "malformed"),
        ("sha256=xyz", "malformed"),
        ("sha256=" + "ab" * 16, "malformed"),
        (signed(BODY).removeprefix("sha256="), "malformed"),
    ],
)
def test_missing_or_malformed_header_is_refused(header, reason):
    with pytest.raises(SignatureError, match=reason):
        meta.verify_signature(APP_SECRET, BODY, header)


def test_forged_signature_is_refused():
    with pytest.raises(SignatureError, match="mismatch"):
        meta.verify_signature(APP_SECRET, BODY, "sha256=" + "0" * 64)


def test_wrong_secret_is_refused():
    with pytest.raises(SignatureError, match="mismatch"):
        meta.verify_signature(APP_SECRET, BODY, signed(BODY, secret="someone-elses-app"))


def test_tampered_body_is_refused():
    tampered = BODY.replace(b"Marcus Bell", b"Marcus Bel1", 1)
    with pytest.raises(SignatureError, match="mismatch"):
        meta.verify_signature(APP_SECRET, tampered, signed(BODY))


def test_unconfigured_secret_refuses_everything():
    with pytest.raises(SignatureError, match="no Meta app secret"):
        meta.verify_signature("", BODY, signed(BODY, secret=""))


# --- page feed ---------------------------------------------------------------------------------


def test_page_feed_batch_returns_every_message_in_order():
    messages = meta.parse(load("meta-page-feed.json"))
    summary = [
        (
            m.type,
            m.mention.kind.value if isinstance(m, MentionMessage) else None,
            m.mention.native_id if isinstance(m, MentionMessage) else m.native_id,
        )
        for m in messages
    ]
    assert summary == [
        ("mention", "comment", "9000000000000001_8100000000000001"),  # add
        ("mention", "post", "2000000001_9000000000000002"),  # visitor status post
        # the page's own reply and a reaction are skipped
        ("mention", "comment", "9000000000000001_8100000000000001"),  # edited, same id
        ("deletion", None, "9000000000000001_8100000000000003"),  # remove
        ("mention", "post", "2000000001_9000000000000003"),  # photo post
        # the ratings change is ignored
    ]


def test_page_comment_fields():
    mention = meta.parse(load("meta-page-feed.json"))[0].mention
    assert mention.platform is Platform.FACEBOOK
    assert mention.text.startswith("Acme charged my card twice")
    assert mention.author.id == "7100000000000001"
    assert mention.author.name == "Marcus Bell"
    assert mention.account_id == PAGE
    assert mention.created_at == datetime.fromtimestamp(1732094398, UTC)
    assert mention.in_reply_to == "2000000001_9000000000000001"
    assert mention.url == (
        "https://www.facebook.com/2000000001/posts/9000000000000001?comment_id=8100000000000001"
    )


def test_edited_comment_carries_the_new_text():
    edited = meta.parse(load("meta-page-feed.json"))[2].mention
    assert edited.text.endswith("Reported to my bank.")


def test_removal_is_a_facebook_deletion():
    deletion = meta.parse(load("meta-page-feed.json"))[3]
    assert isinstance(deletion, DeletionMessage)
    assert deletion.platform is Platform.FACEBOOK


def test_iso_created_time_is_accepted():
    photo = meta.parse(load("meta-page-feed.json"))[4].mention
    assert photo.created_at == datetime(2024, 11, 20, 9, 24, 30, tzinfo=UTC)
    assert photo.url == "https://www.facebook.com/2000000001/posts/9000000000000003"


def test_post_without_author_is_kept_with_an_empty_author():
    payload = load("meta-page-feed.json")
    del payload["entry"][0]["changes"][1]["value"]["from"]
    post = meta.parse(payload)[1].mention
    assert post.author.id is None
    assert post.text.startswith("Is the Acme store")


def test_removal_by_the_page_of_its_own_comment_is_skipped():
    payload = load("meta-page-feed.json")
    payload["entry"][0]["changes"][2]["value"]["verb"] = "remove"
    assert all(
        m.native_id != "9000000000000001_8100000000000002"
        for m in meta.parse(payload)
        if isinstance(m, DeletionMessage)
    )


# --- messenger ---------------------------------------------------------------------------------


def test_messenger_message_kept_echo_and_receipt_skipped():
    messages = meta.parse(load("meta-messenger.json"))
    assert len(messages) == 1
    mention = messages[0].mention
    assert mention.kind is MentionKind.MESSAGE
    assert mention.platform is Platform.FACEBOOK
    assert mention.native_id == "m_AG5Hz2Uq7tpQ9Kx0example1"
    assert mention.author.id == "6100000000000001"
    assert mention.account_id == PAGE
    assert mention.created_at == datetime(2024, 11, 20, 9, 26, 39, 876000, tzinfo=UTC)
    assert "Acme Express parcel" in mention.text


# --- instagram ---------------------------------------------------------------------------------


def test_instagram_comments_and_mentions():
    messages = meta.parse(load("instagram-comments-mentions.json"))
    assert [(m.mention.kind, m.mention.native_id) for m in messages] == [
        (MentionKind.COMMENT, "17860000000000001"),
        # the account's own reply is skipped
        (MentionKind.TAG, "17860000000000003"),  # comment @mention: comment id
        (MentionKind.TAG, "17900000000000010"),  # caption @mention: media id
        # story_insights is ignored
    ]
    assert all(m.mention.platform is Platform.INSTAGRAM for m in messages)
    assert all(m.mention.account_id == IG for m in messages)


def test_instagram_comment_fields():
    comment = meta.parse(load("instagram-comments-mentions.json"))[0].mention
    assert comment.author.handle == "mia.cooks"
    assert comment.author.id == "17841400000000001"
    assert comment.in_reply_to == "17900000000000001"
    assert "Is this safe to cook with??" in comment.text
    assert comment.needs_enrichment is False
    assert comment.created_at == datetime.fromtimestamp(1732095000, UTC)


def test_instagram_mention_is_ids_only_and_needs_enrichment():
    _, by_comment, by_media = meta.parse(load("instagram-comments-mentions.json"))
    for tag in (by_comment.mention, by_media.mention):
        assert tag.text == ""
        assert tag.needs_enrichment is True
    assert by_comment.mention.in_reply_to == "17900000000000009"


# --- ignored and malformed ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": []}]},
        {"object": "user", "entry": "anything at all"},
        {"object": "page", "entry": []},
        {"object": "page", "entry": [{"id": PAGE, "changes": [{"field": "ratings", "value": {}}]}]},
    ],
)
def test_unknown_objects_and_fields_are_ignored(payload):
    assert meta.parse(payload) == []


def feed_payload(value: dict) -> dict:
    return {
        "object": "page",
        "entry": [{"id": PAGE, "changes": [{"field": "feed", "value": value}]}],
    }


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"entry": []}, "object"),
        ({"object": "page"}, "entry"),
        ({"object": "page", "entry": [{"changes": []}]}, "entry[0].id"),
        (
            feed_payload({"item": "comment", "verb": "add", "post_id": "1_2", "message": "hi"}),
            "entry[0].changes[0].value.comment_id",
        ),
        (feed_payload({"verb": "add", "post_id": "1_2"}), "entry[0].changes[0].value.item"),
        (
            feed_payload(
                {"item": "status", "verb": "add", "post_id": "1_2", "from": {"name": "A"}}
            ),
            "entry[0].changes[0].value.from.id",
        ),
        (
            feed_payload(
                {"item": "status", "verb": "add", "post_id": "1_2", "created_time": "soon"}
            ),
            "entry[0].changes[0].value.created_time",
        ),
        (feed_payload("not an object"), "entry[0].changes[0].value"),  # type: ignore[arg-type]
    ],
)
def test_malformed_page_payload_names_the_field(payload, field):
    with pytest.raises(PayloadError) as info:
        meta.parse(payload)
    assert info.value.field == field


_DELETE = object()  # the key is removed rather than given a value


@pytest.mark.parametrize(
    ("fixture", "path", "value", "field"),
    [
        (  # deep in a batch: the position names the entry and the change
            "meta-page-feed.json",
            ("entry", 1, "changes", 1, "value", "comment_id"),
            _DELETE,
            "entry[1].changes[1].value.comment_id",
        ),
        (
            "meta-messenger.json",
            ("entry", 0, "messaging", 0, "message", "mid"),
            _DELETE,
            "entry[0].messaging[0].message.mid",
        ),
        (
            "meta-messenger.json",
            ("entry", 0, "messaging", 0, "message"),
            "hello",
            "entry[0].messaging[0].message",
        ),
        (
            "instagram-comments-mentions.json",
            ("entry", 1, "changes", 0, "value", "media_id"),
            _DELETE,
            "entry[1].changes[0].value.media_id",
        ),
        (
            "instagram-comments-mentions.json",
            ("entry", 0, "changes", 0, "value", "id"),
            None,
            "entry[0].changes[0].value.id",
        ),
    ],
)
def test_malformed_delivery_names_the_field(fixture, path, value, field):
    payload = load(fixture)
    parent = payload
    for key in path[:-1]:
        parent = parent[key]
    if value is _DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    with pytest.raises(PayloadError) as info:
        meta.parse(payload)
    assert info.value.field == field


def test_instagram_direct_messages_are_read_like_messenger():
    payload = load("meta-messenger.json")
    payload["object"] = "instagram"
    payload["entry"][0]["id"] = IG
    for event in payload["entry"][0]["messaging"]:
        for party in ("sender", "recipient"):
            if event[party]["id"] == PAGE:
                event[party]["id"] = IG
    [message] = meta.parse(payload)
    assert message.mention.platform is Platform.INSTAGRAM
    assert message.mention.kind is MentionKind.MESSAGE
    assert message.mention.account_id == IG


def test_edits_are_flagged_and_additions_are_not():
    from heard.platforms.meta import parse

    def change(verb):
        return {
            "object": "page",
            "entry": [
                {
                    "id": "2000000001",
                    "time": 1732094000,
                    "changes": [
                        {
                            "field": "feed",
                            "value": {
                                "item": "comment",
                                "verb": verb,
                                "comment_id": "9_1",
                                "post_id": "2000000001_9",
                                "message": "acme broke",
                                "from": {"id": "55", "name": "Ann"},
                                "created_time": 1732094000,
                            },
                        }
                    ],
                }
            ],
        }

    (added,) = parse(change("add"))
    (edited,) = parse(change("edited"))
    assert added.edited is False and edited.edited is True
    assert added.mention.key == edited.mention.key


def test_page_mentions_elsewhere_on_facebook_are_kept_for_enrichment():
    from heard.models import DeletionMessage, MentionKind
    from heard.platforms.meta import parse

    def delivery(value):
        return {
            "object": "page",
            "entry": [
                {
                    "id": "2000000001",
                    "time": 1732094000,
                    "changes": [{"field": "mention", "value": value}],
                }
            ],
        }

    (post,) = parse(
        delivery(
            {
                "post_id": "44444444_444444444",
                "sender_name": "Example Name",
                "item": "post",
                "sender_id": "44444444",
                "verb": "add",
            }
        )
    )
    assert post.mention.kind is MentionKind.TAG
    assert post.mention.native_id == "44444444_444444444"
    assert post.mention.author.name == "Example Name"
    assert post.mention.account_id == "2000000001"
    assert post.mention.needs_enrichment and post.mention.text == ""
    (comment,) = parse(
        delivery(
            {
                "item": "comment",
                "verb": "add",
                "post_id": "4_5",
                "comment_id": "5_6",
                "message": "@Acme is this safe?",
            }
        )
    )
    assert comment.mention.native_id == "5_6" and not comment.mention.needs_enrichment
    (removed,) = parse(delivery({"item": "comment", "verb": "remove", "comment_id": "5_6"}))
    assert isinstance(removed, DeletionMessage)
    with pytest.raises(PayloadError) as info:
        parse(delivery({"item": "post", "verb": "add"}))
    assert info.value.field == "entry[0].changes[0].value.post_id"
