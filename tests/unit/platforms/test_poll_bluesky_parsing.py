"""Bluesky search results (app.bsky.feed.defs#postView, as searchPosts answers) as mentions."""

from __future__ import annotations

from datetime import UTC, datetime

from heard.config import parse_config
from heard.models import MentionKind, Platform
from heard.platforms.bluesky.poll import SOURCE, mention_from_post, sort_at

POST = {
    "uri": "at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3l6oveex3ii2l",
    "cid": "bafyreib2rxk3rh6kzwq",
    "author": {
        "did": "did:plc:z72i7hdynmk6r22z27h6tvur",
        "handle": "dana.bsky.social",
        "displayName": "Dana 🌻",
        "avatar": "https://cdn.bsky.app/img/avatar/plain/did:plc:z72/abc@jpeg",
        "labels": [],
        "createdAt": "2023-04-12T04:53:57.057Z",
    },
    "record": {
        "$type": "app.bsky.feed.post",
        "createdAt": "2026-11-30T10:15:02.118Z",
        "langs": ["en"],
        "text": "@acme your router update bricked my network & support <hung up> #acmefail",
        "reply": {
            "parent": {
                "cid": "bafyreiparent",
                "uri": "at://did:plc:abc/app.bsky.feed.post/3l6ov0000000a",
            },
            "root": {"cid": "bafyreiroot", "uri": "at://did:plc:abc/app.bsky.feed.post/3l6ov0"},
        },
    },
    "replyCount": 2,
    "repostCount": 4,
    "likeCount": 31,
    "quoteCount": 1,
    "indexedAt": "2026-11-30T10:15:03.204Z",
    "viewer": {"threadMuted": False, "embeddingDisabled": False},
    "labels": [],
}


def test_a_post_view_becomes_a_reply_mention_with_its_bsky_app_url() -> None:
    mention = mention_from_post(POST)
    assert mention is not None
    # The at:// URI as "<did>:<rkey>": a key a URL path keeps as it is.
    assert mention.platform is Platform.BLUESKY
    assert mention.native_id == "did:plc:z72i7hdynmk6r22z27h6tvur:3l6oveex3ii2l"
    assert mention.kind is MentionKind.REPLY
    assert mention.in_reply_to == "did:plc:abc:3l6ov0000000a"  # the parent, not the root
    assert mention.text == POST["record"]["text"]  # plain text: not decoded, not stripped
    assert mention.url == "https://bsky.app/profile/dana.bsky.social/post/3l6oveex3ii2l"
    assert mention.author.handle == "dana.bsky.social" and mention.author.name == "Dana 🌻"
    assert mention.author.followers == 0  # search does not say
    assert mention.engagement == 38 and mention.lang == "en" and mention.source == "bluesky"
    assert mention.created_at == datetime(2026, 11, 30, 10, 15, 2, 118000, tzinfo=UTC)


def test_a_post_without_text_or_uri_is_skipped_and_a_future_date_sorts_when_indexed() -> None:
    assert mention_from_post({**POST, "uri": ""}) is None
    assert mention_from_post({**POST, "record": {**POST["record"], "text": "  "}}) is None
    future = {**POST, "record": {**POST["record"], "createdAt": "2099-01-01T00:00:00Z"}}
    assert sort_at(future) == datetime(2026, 11, 30, 10, 15, 3, 204000, tzinfo=UTC)


def test_queries_are_the_brand_terms_or_its_own() -> None:
    config = parse_config(
        """
brands:
  - name: Acme
    keywords: [acme, Acme]
    hashtags: [acmefail]
    handles: {bluesky: ["@acme.com"]}
  - name: Beta
    keywords: [beta]
    listen: {bluesky: {queries: ['"beta app" lang:en']}}
""",
        "test",
    )
    acme, beta = config.brands
    settings = config.source("bluesky")
    assert [q.key for q in SOURCE.queries(acme, settings)] == [
        "search:acme",
        "search:#acmefail",
        "search:acme.com",
    ]
    assert [q.params["q"] for q in SOURCE.queries(beta, settings)] == ['"beta app" lang:en']
