"""A fake YouTube Data API v3: ``GET /youtube/v3/commentThreads`` as www.googleapis.com answers.

It serves the threads in ``threads`` (``add_comment``; ``seed_demo`` adds a few about Acme)
for ``allThreadsRelatedToChannelId`` (the channel that owns the video) or ``videoId``, newest
first (``order=time``), ``maxResults`` (1-100, default 20) a page, with an opaque
``nextPageToken``. ``key`` must be one of ``keys`` (else ``400 keyInvalid``; none at all is
``403 forbidden``); a video in ``comments_disabled`` answers ``403 commentsDisabled``. Errors
and injected failures come in Google's JSON shape
(``{"error": {"code", "message", "errors": [{"message", "domain", "reason"}]}}``); inject a
quota error with ``fail(403, message="quotaExceeded")``.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from datetime import UTC, datetime
from typing import Any

from heard_local.fakes._server import Answer, Failure, FakeApi, OnReply, Request

PATH = "/youtube/v3/commentThreads"
DEMO_CHANNEL = "UCacme000000000000000000"
LOCAL_KEY = "local-youtube-api-key"

_REASONS = {
    400: ("badRequest", "global"),
    403: ("forbidden", "global"),
    404: ("notFound", "global"),
    429: ("rateLimitExceeded", "youtube.quota"),
    500: ("backendError", "global"),
    503: ("backendError", "global"),
}
_MESSAGES = {
    "quotaExceeded": "The request cannot be completed because you have exceeded your "
    '<a href="/youtube/v3/getting-started#quota">quota</a>.',
    "keyInvalid": "API key not valid. Please pass a valid API key.",
    "forbidden": "The request is missing a valid API key.",
    "commentsDisabled": 'The video identified by the <code><a href="/youtube/v3/docs/'
    'commentThreads/list#videoId">videoId</a></code> parameter has disabled comments.',
    "rateLimitExceeded": "Too many requests.",
    "backendError": "Backend Error",
}


def google_error(status: int, reason: str | None = None, message: str | None = None) -> Answer:
    """An error as Google APIs answer one."""
    default_reason, domain = _REASONS.get(status, ("backendError", "global"))
    reason = reason or default_reason
    if reason == "quotaExceeded":
        domain = "youtube.quota"
    elif reason == "commentsDisabled":
        domain = "youtube.commentThread"
    text = message or _MESSAGES.get(reason, reason)
    error: dict[str, Any] = {
        "code": status,
        "message": text,
        "errors": [{"message": text, "domain": domain, "reason": reason}],
    }
    if reason == "keyInvalid":
        error["status"] = "INVALID_ARGUMENT"
        error["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
            }
        ]
    return Answer(status, {"error": error})


def _iso(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _token(position: tuple[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


def _position(token: str) -> tuple[str, str] | None:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        published, comment_id = json.loads(raw)
        return str(published), str(comment_id)
    except (ValueError, TypeError):
        return None


class FakeYouTube(FakeApi):
    label = "YouTube"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, on_reply: OnReply | None = None):
        super().__init__(host, port, on_reply)
        self.threads: list[dict[str, Any]] = []
        self._threads_lock = threading.Lock()
        self.keys = {LOCAL_KEY}
        self.comments_disabled: set[str] = set()
        self._count = 0

    @property
    def base_url(self) -> str:
        """The youtube source's ``base_url`` for this fake (Google's is www.googleapis.com)."""
        return self.url

    # --- content ------------------------------------------------------------------------------

    def add_comment(
        self,
        text: str,
        *,
        video_id: str = "vidAcme0001",
        channel_id: str = DEMO_CHANNEL,
        author: str = "@viewer",
        author_channel_id: str | None = None,
        published: float | None = None,
        likes: int = 0,
        replies: int = 0,
        comment_id: str | None = None,
    ) -> dict[str, Any]:
        """A top-level comment on ``video_id`` (a video of ``channel_id``)."""
        with self._threads_lock:
            self._count += 1
            count = self._count
        cid = comment_id or f"Ugz{count:08d}AcmeFakeComment4AaABAg"
        when = _iso(published if published is not None else time.time())
        thread = {
            "kind": "youtube#commentThread",
            "etag": f"etag-{cid}",
            "id": cid,
            "snippet": {
                "channelId": channel_id,
                "videoId": video_id,
                "topLevelComment": {
                    "kind": "youtube#comment",
                    "etag": f"etag-c-{cid}",
                    "id": cid,
                    "snippet": {
                        "channelId": channel_id,
                        "videoId": video_id,
                        "textDisplay": text,
                        "textOriginal": text,
                        "authorDisplayName": author,
                        "authorProfileImageUrl": "https://yt3.ggpht.example/a.jpg",
                        "authorChannelUrl": f"http://www.youtube.com/{author}",
                        "authorChannelId": {"value": author_channel_id or f"UCviewer{count:016d}"},
                        "canRate": True,
                        "viewerRating": "none",
                        "likeCount": likes,
                        "publishedAt": when,
                        "updatedAt": when,
                    },
                },
                "canReply": True,
                "totalReplyCount": replies,
                "isPublic": True,
            },
        }
        with self._threads_lock:
            self.threads.append(thread)
        return thread

    def seed_demo(self, now: float | None = None) -> None:
        """Comments on an Acme video from the last hour (for the local stack)."""
        now = now or time.time()
        self.add_comment(
            "Bought the Acme X200 because of this video and it died in a week. Support "
            "hasn't answered in 10 days. Absolutely furious.",
            video_id="acmeX200rev",
            author="@gadget_greg",
            published=now - 3000,
            likes=57,
            replies=4,
        )
        self.add_comment(
            "Does the Acme X200 work with 240V outlets? Moving to the UK next month.",
            video_id="acmeX200rev",
            author="@travelling_tess",
            published=now - 2000,
            likes=3,
        )
        self.add_comment(
            "Great walkthrough! My Acme has been running daily for two years.",
            video_id="acmeX200rev",
            author="@happy_hal",
            published=now - 900,
            likes=12,
            replies=1,
        )

    # --- the API ------------------------------------------------------------------------------

    def handle(self, request: Request) -> Answer:
        if request.method != "GET" or request.path != PATH:
            return google_error(404, "notFound", f"no route {request.method} {request.path}")
        q = request.query
        key = q.get("key")
        if not key:
            return google_error(403, "forbidden")
        if key not in self.keys:
            return google_error(400, "keyInvalid")
        if "snippet" not in (q.get("part") or "").split(","):
            return google_error(400, "missingRequiredParameter", "part must include snippet")
        channel, video = q.get("allThreadsRelatedToChannelId"), q.get("videoId")
        if bool(channel) == bool(video):
            return google_error(400, "incompatibleParameters", "give one filter")
        try:
            per_page = int(q.get("maxResults", 20))
        except ValueError:
            return google_error(400, "invalidParameter", "maxResults")
        if not 1 <= per_page <= 100:
            return google_error(400, "invalidParameter", "maxResults must be 1 to 100")
        if video and video in self.comments_disabled:
            return google_error(403, "commentsDisabled")
        with self._threads_lock:
            threads = list(self.threads)
        if channel:
            found = [t for t in threads if t["snippet"]["channelId"] == channel]
        else:
            found = [t for t in threads if t["snippet"]["videoId"] == video]
        order = lambda t: (t["snippet"]["topLevelComment"]["snippet"]["publishedAt"], t["id"])  # noqa: E731
        found.sort(key=order, reverse=True)
        if q.get("pageToken"):
            after = _position(q["pageToken"])
            if after is None:
                return google_error(400, "invalidPageToken", "The page token is not valid.")
            found = [t for t in found if order(t) < after]
        page, rest = found[:per_page], found[per_page:]
        body: dict[str, Any] = {
            "kind": "youtube#commentThreadListResponse",
            "pageInfo": {"totalResults": len(page), "resultsPerPage": per_page},
            "items": page,
        }
        if rest:
            body["nextPageToken"] = _token(order(page[-1]))
        return Answer(200, body)

    def describe(self, request: Request, answer: Answer) -> str | None:
        items = answer.body.get("items") if isinstance(answer.body, dict) else None
        return f"served {len(items or [])} comment threads" if items is not None else None

    def failure(self, fail: Failure) -> Answer:
        headers = {"Retry-After": str(fail.retry_after)} if fail.retry_after is not None else {}
        reason = fail.message if fail.message and " " not in fail.message else None
        answer = google_error(fail.status, reason, None if reason else fail.message)
        answer.headers.update(headers)
        return answer


__all__ = ["DEMO_CHANNEL", "LOCAL_KEY", "FakeYouTube", "google_error"]
