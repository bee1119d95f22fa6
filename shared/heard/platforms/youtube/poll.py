"""YouTube comments on a brand's channels and videos, from the YouTube Data API v3.

``GET /youtube/v3/commentThreads?part=snippet&allThreadsRelatedToChannelId=<id>`` (each of the
brand's ``listen.youtube.channel_ids``: comments on all of the channel's videos) or
``…&videoId=<id>`` (each of ``video_ids``), ``order=time`` (newest first),
``maxResults=100``, ``textFormat=plainText``, ``key=<API key>``; ``nextPageToken`` pages on.
Each thread's top-level comment is one mention (kind ``comment``), keyed by the comment's id,
with its ``textOriginal`` as text and likes plus replies as engagement.

The answers are newest first, so a query walks from the newest comment back to its
watermark (the newest ``publishedAt`` heard, with the ids heard at that instant), queueing each
page; the watermark moves only once a walk reaches it (or runs out of pages). A walk cut short
(deadline, 429, 5xx, quota) keeps the watermark, and keeps the next page's token so the next
run resumes there; a token the API no longer takes restarts the walk (repeats at most). The
first walk of a query goes back ``lookback_hours`` (default 24).

Each ``commentThreads.list`` call costs 1 quota unit (invalid ones too); the budget counts quota
units (default 10,000 a day: a project's default quota). Errors come in Google's JSON shape
(``{"error": {"code", "message", "errors": [{"reason"}]}}``): ``403 quotaExceeded`` (or
``dailyLimitExceeded``) is a rate limit until the quota resets at midnight Pacific time;
``400 keyInvalid``, ``403 forbidden`` and the other 403s about the key or the project end the
run as ``auth-failed``; ``403 commentsDisabled`` and ``404 videoNotFound``/``channelNotFound``
skip that query (logged, not a failure).

Docs relied on: "CommentThreads: list" (https://developers.google.com/youtube/v3/docs/commentThreads/list),
"Quota Calculator" (https://developers.google.com/youtube/v3/determine_quota_cost:
commentThreads.list = 1 unit), "YouTube Data API - Errors"
(https://developers.google.com/youtube/v3/docs/errors).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from heard.config import Brand, SourceSettings
from heard.ingest.polling import (
    AuthFailed,
    BadResponse,
    Page,
    PollContext,
    Query,
    RateLimited,
)
from heard.models import Author, Mention, MentionKind, Platform
from heard.platforms._html import html_to_text
from heard.secrets import SecretRef, SecretUnavailable, get_secret

log = logging.getLogger(__name__)

API_KEY = SecretRef(
    "HEARD_YOUTUBE_API_KEY", "LISTEN_SECRET_NAME", "youtube_api_key", "local-youtube-api-key"
)
SECRETS: tuple[SecretRef, ...] = (API_KEY,)

MAX_RESULTS = 100
DEFAULT_LOOKBACK = timedelta(hours=24)
PACIFIC = ZoneInfo("America/Los_Angeles")
WATCH_URL = "https://www.youtube.com/watch?v={video}&lc={comment}"
CHANNEL_URL = "https://www.youtube.com/channel/{channel}"
QUOTA_REASONS = {
    "quotaExceeded",
    "dailyLimitExceeded",
    "rateLimitExceeded",
    "userRateLimitExceeded",
}
SKIP_REASONS = {"commentsDisabled", "videoNotFound", "channelNotFound"}
AUTH_REASONS = {
    "keyInvalid",
    "keyExpired",
    "forbidden",
    "accessNotConfigured",
    "ipRefererBlocked",
    "API_KEY_INVALID",
    "API_KEY_SERVICE_BLOCKED",
    "SERVICE_DISABLED",
}


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def until_pacific_midnight(now: datetime) -> timedelta:
    """How long until YouTube's daily quota resets (midnight, Pacific time)."""
    local = now.astimezone(PACIFIC)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=PACIFIC)
    return max(midnight - local, timedelta(minutes=1))


def mention_from_thread(thread: Mapping[str, Any]) -> Mention | None:
    """One ``youtube#commentThread`` as a mention of its top-level comment."""
    snippet = thread.get("snippet") or {}
    top = snippet.get("topLevelComment") or {}
    comment = top.get("snippet") or {}
    comment_id = str(top.get("id") or thread.get("id") or "").strip()
    if not comment_id:
        return None
    text = str(comment.get("textOriginal") or "").strip()
    if not text:
        text = html_to_text(str(comment.get("textDisplay") or "")).text
    if not text:
        return None
    video = snippet.get("videoId") or comment.get("videoId")
    channel = snippet.get("channelId") or comment.get("channelId")
    if video:
        url = WATCH_URL.format(video=video, comment=comment_id)
    elif channel:
        url = CHANNEL_URL.format(channel=channel)
    else:
        url = None
    author_channel = (comment.get("authorChannelId") or {}).get("value")
    name = comment.get("authorDisplayName")
    return Mention(
        platform=Platform.YOUTUBE,
        native_id=comment_id,
        kind=MentionKind.COMMENT,
        text=text,
        author=Author(id=author_channel, handle=name, name=name),
        url=url,
        created_at=_time(comment.get("publishedAt")) or datetime.now(UTC),
        in_reply_to=str(video) if video else None,
        source="youtube",
        engagement=int(comment.get("likeCount") or 0) + int(snippet.get("totalReplyCount") or 0),
    )


def error_reasons(response: httpx.Response) -> tuple[set[str], str]:
    """The reasons and message of a Google JSON error (empty when it is not one)."""
    try:
        body = response.json()
    except ValueError:
        return set(), response.text[:200]
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return set(), ""
    reasons = {str(e.get("reason")) for e in error.get("errors") or [] if isinstance(e, dict)}
    reasons |= {str(d.get("reason")) for d in error.get("details") or [] if isinstance(d, dict)}
    return reasons - {"None"}, str(error.get("message") or "")


class YouTube:
    name = "youtube"
    platform = Platform.YOUTUBE
    default_base_url = "https://www.googleapis.com"
    budget_unit = "quota units"
    default_budget_per_day = 10_000

    def queries(self, brand: Brand, settings: SourceSettings) -> list[Query]:
        listen = brand.listening(self.name)
        found = [
            Query(f"channel:{c}", {"allThreadsRelatedToChannelId": c})
            for c in dict.fromkeys(listen.channel_ids)
        ]
        found += [Query(f"video:{v}", {"videoId": v}) for v in dict.fromkeys(listen.video_ids)]
        return found

    def pages(self, ctx: PollContext, query: Query, cursor: Mapping[str, Any]) -> Iterator[Page]:
        try:
            key = get_secret(API_KEY)
        except SecretUnavailable as exc:
            raise AuthFailed(f"youtube: no API key ({exc})") from exc
        mark = _time(cursor.get("mark"))
        mark_ids = set(cursor.get("ids") or [])
        walk: dict[str, Any] = dict(cursor.get("walk") or {})
        if not walk:
            lookback = timedelta(
                hours=float(ctx.option("lookback_hours", DEFAULT_LOOKBACK.total_seconds() / 3600))
            )
            walk = {"floor": _iso(mark or ctx.now - lookback), "token": None}
        floor = _time(walk["floor"]) or ctx.now
        top = _time(walk.get("top"))
        top_ids = set(walk.get("top_ids") or [])
        restarted = False
        heard: set[str] = set()  # a thread served again on a later page is queued once
        while True:
            body = self._list(ctx, query, key, walk.get("token"))
            if body is None:
                if walk.get("token") and not restarted:
                    # The page token is no longer taken: walk again from the newest.
                    restarted, walk["token"] = True, None
                    continue
                return  # comments disabled, or no such video or channel: nothing to hear
            mentions: list[Mention] = []
            reached = False
            for thread in body.get("items") or []:
                if not isinstance(thread, dict):
                    continue
                mention = mention_from_thread(thread)
                if mention is None:
                    continue
                when = mention.created_at
                if top is None or when > top:
                    top, top_ids = when, {mention.native_id}
                elif when == top:
                    top_ids.add(mention.native_id)
                if when < floor or (
                    mark is not None and when == mark and mention.native_id in mark_ids
                ):
                    reached = True
                    continue
                if mention.native_id not in heard:
                    heard.add(mention.native_id)
                    mentions.append(mention)
            token = body.get("nextPageToken")
            if reached or not token:
                if top is not None and (mark is None or top > mark):
                    state: dict[str, Any] = {"mark": _iso(top), "ids": sorted(top_ids)}
                elif top is not None and top == mark:
                    state = {"mark": _iso(top), "ids": sorted(top_ids | mark_ids)}
                else:
                    state = {"mark": cursor.get("mark"), "ids": sorted(mark_ids)}
                yield Page(mentions, state)
                return
            walk = {
                "floor": walk["floor"],
                "token": token,
                "top": _iso(top) if top else None,
                "top_ids": sorted(top_ids),
            }
            yield Page(
                mentions, {"mark": cursor.get("mark"), "ids": sorted(mark_ids), "walk": walk}
            )

    def _list(
        self, ctx: PollContext, query: Query, key: str, token: str | None
    ) -> dict[str, Any] | None:
        """One page; None when the query is to be skipped (or its page token is stale)."""
        params: dict[str, Any] = {
            "part": "snippet",
            **query.params,
            "order": "time",
            "maxResults": MAX_RESULTS,
            "textFormat": "plainText",
            "key": key,
        }
        if token:
            params["pageToken"] = token
        response = ctx.http.request(
            "GET", ctx.url("youtube/v3/commentThreads"), params=params, ok=(200, 400, 403, 404)
        )
        if response.status_code == 200:
            body = ctx.http.json(response)
            if not isinstance(body, dict) or not isinstance(body.get("items", []), list):
                raise BadResponse("youtube: commentThreads answered without items")
            return body
        reasons, message = error_reasons(response)
        status = response.status_code
        what = f"youtube: commentThreads ({query.key}) answered {status} {sorted(reasons)}"
        if reasons & QUOTA_REASONS:
            raise RateLimited(
                f"{what}: the quota is spent until midnight Pacific time",
                until_pacific_midnight(ctx.now),
            )
        if reasons & SKIP_REASONS:
            log.warning("%s: skipped (%s)", what, message)
            return None
        if "invalidPageToken" in reasons and token:
            return None
        if reasons & AUTH_REASONS or status == 403 or "API key" in message:
            raise AuthFailed(f"{what}: the API key was refused ({message})")
        raise BadResponse(f"{what}: {message}")


SOURCE = YouTube()
