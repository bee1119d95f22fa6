"""Native ids a URL path keeps as they are (heard.platforms._keys): a case opens at
``/mentions/{platform}:{native_id}`` and API Gateway decodes the path before routing."""

from __future__ import annotations

import hashlib
import re

import pytest

from heard.platforms._keys import activitypub_key, at_uri_key, path_safe

SAFE = re.compile(r"^[A-Za-z0-9._:@~+=,!*'()$-]{1,256}$")

AT_URI = "at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3l6oveex3ii2l"
MASTODON = "https://fosstodon.org/users/riverbank/statuses/113557231804926011"
MISSKEY = "https://misskey.io/notes/9abcdef"
PLEROMA = "https://pleroma.example/objects/6b2f3a1e-4c5d-4e6f-8a9b-0c1d2e3f4a5b"
ALERT = "tag:google.com,2013:googlealerts/feed:1000"


def digest(raw: str) -> str:
    return "sha256-" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def test_a_bluesky_post_uri_is_its_did_and_rkey() -> None:
    assert at_uri_key(AT_URI) == "did:plc:z72i7hdynmk6r22z27h6tvur:3l6oveex3ii2l"
    assert at_uri_key("at://did:web:acme.example/app.bsky.feed.post/3kabc") == (
        "did:web:acme.example:3kabc"
    )
    # Not a post record (a repost, a profile, a bare DID): the digest of the whole URI.
    repost = "at://did:plc:abc/app.bsky.feed.repost/3l6ov"
    assert at_uri_key(repost) == digest(repost)
    assert at_uri_key("at://did:plc:abc") == digest("at://did:plc:abc")
    assert at_uri_key("at://did:plc:abc/app.bsky.feed.post/") == (
        digest("at://did:plc:abc/app.bsky.feed.post/")
    )


def test_an_activitypub_object_id_is_its_host_and_last_segment() -> None:
    assert activitypub_key(MASTODON) == "fosstodon.org:113557231804926011"
    assert activitypub_key("https://mastodon.example/users/a/statuses/113") == (
        "mastodon.example:113"
    )
    assert activitypub_key(MISSKEY) == "misskey.io:9abcdef"
    assert activitypub_key(PLEROMA) == "pleroma.example:6b2f3a1e-4c5d-4e6f-8a9b-0c1d2e3f4a5b"
    assert activitypub_key(MISSKEY + "/") == "misskey.io:9abcdef"  # a trailing slash
    # The same id on another server is another post.
    assert activitypub_key("https://other.example/notes/9abcdef") != activitypub_key(MISSKEY)
    # A query, no path or no http(s): the digest of the whole URI.
    for odd in ("https://a.example/objects?id=1", "https://a.example/", "tag:a.example,2026:1/2"):
        assert activitypub_key(odd) == digest(odd)


def test_a_safe_id_is_kept_and_any_other_becomes_its_digest() -> None:
    for safe in (
        "t3_1abcde",
        "urn:uuid:0b9f2c1e-1d2a-4c3b-9e8f-7a6b5c4d3e2f",
        "yt:video:dQw4w9WgXcQ",
    ):
        assert path_safe(safe) == safe
    assert path_safe(ALERT) == digest(ALERT)  # a Google Alerts atom id holds a "/"
    for unsafe in ("a b", "a?b", "a#b", "100%", "a\\b", "é", "", "x" * 257):
        assert path_safe(unsafe) == digest(unsafe)
    assert path_safe("x" * 256) == "x" * 256


@pytest.mark.parametrize(
    "key",
    [
        lambda: at_uri_key(AT_URI),
        lambda: at_uri_key("at://did:plc:abc/app.bsky.feed.like/1"),
        lambda: activitypub_key(MASTODON),
        lambda: activitypub_key(MISSKEY),
        lambda: activitypub_key(PLEROMA),
        lambda: activitypub_key("https://a.example/objects?id=1"),
        lambda: path_safe(ALERT),
        lambda: path_safe("https://reviews.example/acme/feed.xml#1"),
        lambda: path_safe("t3_1abcde"),
        lambda: path_safe(""),
        lambda: path_safe("é/" * 300),
    ],
)
def test_every_key_is_path_safe_and_the_same_every_time(key) -> None:
    first = key()
    assert SAFE.match(first), first
    assert "/" not in first and key() == first


def test_different_ids_get_different_keys() -> None:
    keys = {
        at_uri_key(AT_URI),
        at_uri_key(AT_URI.replace("3l6oveex3ii2l", "3l6oveex3ii2m")),
        activitypub_key(MASTODON),
        activitypub_key(MISSKEY),
        activitypub_key(PLEROMA),
        path_safe(ALERT),
        path_safe(ALERT.replace("1000", "1001")),
    }
    assert len(keys) == 7
