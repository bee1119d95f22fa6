"""YouTube comment threads as mentions, and Google's errors read as Heard's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from heard.models import MentionKind, Platform
from heard.platforms.youtube.poll import error_reasons, mention_from_thread, until_pacific_midnight

THREAD = {
    "kind": "youtube#commentThread",
    "etag": "abc",
    "id": "UgzDE2tasfmrYLyNkGt4AaABAg",
    "snippet": {
        "channelId": "UCacme000000000000000000",
        "videoId": "dQw4w9WgXcQ",
        "topLevelComment": {
            "kind": "youtube#comment",
            "etag": "def",
            "id": "UgzDE2tasfmrYLyNkGt4AaABAg",
            "snippet": {
                "channelId": "UCacme000000000000000000",
                "videoId": "dQw4w9WgXcQ",
                "textDisplay": "Acme &amp; me: <b>broken</b>",
                "textOriginal": "Acme & me: *broken*",
                "authorDisplayName": "@gadget_greg",
                "authorProfileImageUrl": "https://yt3.ggpht.com/x",
                "authorChannelUrl": "http://www.youtube.com/@gadget_greg",
                "authorChannelId": {"value": "UC1234567890abcdefghijkl"},
                "canRate": True,
                "viewerRating": "none",
                "likeCount": 7,
                "publishedAt": "2026-11-30T10:15:00Z",
                "updatedAt": "2026-11-30T10:15:00Z",
            },
        },
        "canReply": True,
        "totalReplyCount": 2,
        "isPublic": True,
    },
}


def test_a_thread_is_its_top_level_comment():
    mention = mention_from_thread(THREAD)
    assert mention is not None
    assert mention.platform == Platform.YOUTUBE and mention.kind == MentionKind.COMMENT
    assert mention.native_id == "UgzDE2tasfmrYLyNkGt4AaABAg"
    assert mention.text == "Acme & me: *broken*"
    assert mention.url == (
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&lc=UgzDE2tasfmrYLyNkGt4AaABAg"
    )
    assert mention.engagement == 9
    assert mention.author.id == "UC1234567890abcdefghijkl"
    assert mention.author.handle == "@gadget_greg"
    assert mention.created_at == datetime(2026, 11, 30, 10, 15, tzinfo=UTC)
    assert mention.in_reply_to == "dQw4w9WgXcQ"


def test_text_display_is_sanitised_when_there_is_no_original():
    thread = {
        **THREAD,
        "snippet": {
            **THREAD["snippet"],
            "topLevelComment": {
                "id": "c1",
                "snippet": {
                    "textDisplay": "Acme &amp; me<br><script>x()</script>",
                    "publishedAt": "2026-11-30T10:15:00Z",
                },
            },
        },
    }
    mention = mention_from_thread(thread)
    assert mention is not None and mention.text.startswith("Acme & me")
    assert "<" not in mention.text


def _error(status: int, body: dict) -> httpx.Response:
    return httpx.Response(status, json=body)


def test_google_errors_are_read_by_reason():
    quota = _error(
        403,
        {
            "error": {
                "code": 403,
                "message": "The request cannot be completed because you have exceeded your quota.",
                "errors": [{"domain": "youtube.quota", "reason": "quotaExceeded"}],
            }
        },
    )
    assert error_reasons(quota)[0] == {"quotaExceeded"}
    key = _error(
        400,
        {
            "error": {
                "code": 400,
                "message": "API key not valid. Please pass a valid API key.",
                "errors": [{"domain": "global", "reason": "badRequest"}],
                "status": "INVALID_ARGUMENT",
                "details": [{"reason": "API_KEY_INVALID", "domain": "googleapis.com"}],
            }
        },
    )
    assert error_reasons(key)[0] == {"badRequest", "API_KEY_INVALID"}
    assert error_reasons(httpx.Response(403, text="<html>nope</html>"))[0] == set()


def test_the_quota_resets_at_midnight_pacific():
    # 2026-07-01 06:00 UTC is 23:00 PDT: an hour to go.
    assert until_pacific_midnight(datetime(2026, 7, 1, 6, 0, tzinfo=UTC)) == timedelta(hours=1)
    # 2026-12-01 09:00 UTC is 01:00 PST: 23 hours to go.
    assert until_pacific_midnight(datetime(2026, 12, 1, 9, 0, tzinfo=UTC)) == timedelta(hours=23)
