"""A fake Mastodon instance: hashtag timelines and status search as mastodon.social answers them.

- ``GET /api/v1/timelines/tag/:hashtag`` (public) serves the statuses (``add_status``;
  ``seed_demo`` adds a few about Acme) tagged with it, newest first.
- ``GET /api/v2/search?q=…&type=statuses`` needs ``Bearer <token>`` (``token``, the local
  default of ``heard.platforms.mastodon.poll``); it serves the statuses whose text has every
  word of ``q`` as ``{"accounts": [], "statuses": [...], "hashtags": []}``.

Both page like Mastodon: ``limit`` (at most 40), ``max_id`` (older than), ``since_id`` (newer
than, the newest first), ``min_id`` (the ones immediately newer than it, newest first within
the page), with a ``Link`` header (``rel="next"``: older, ``rel="prev"``: newer). Every answer
carries ``X-RateLimit-Limit``/``-Remaining``/``-Reset`` (an ISO 8601 time); errors are
``{"error": "…"}``.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from heard_local.fakes._server import Answer, Failure, FakeApi, OnReply, Request

TOKEN = "local-mastodon-token"
TAG_PATH = re.compile(r"^/api/v1/timelines/tag/([^/]+)$")
SEARCH = "/api/v2/search"
_HASHTAG = re.compile(r"#(\w+)")


def _iso(epoch: float) -> str:
    return (
        datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


class FakeMastodon(FakeApi):
    label = "Mastodon"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, on_reply: OnReply | None = None):
        super().__init__(host, port, on_reply)
        self.statuses: list[dict[str, Any]] = []
        self._statuses_lock = threading.Lock()
        self._next = 113_000_000_000_000_000
        self.token = TOKEN
        self.rate_limit = 300
        self.remaining = 300
        self.domain = "mastodon.example"

    @property
    def base_url(self) -> str:
        return self.url

    # --- content ------------------------------------------------------------------------------

    def add_status(
        self,
        html: str,
        *,
        acct: str = "someone",
        name: str | None = None,
        followers: int = 10,
        created_at: float | None = None,
        tags: tuple[str, ...] | None = None,
        favourites: int = 0,
        reblogs: int = 0,
        replies: int = 0,
        in_reply_to_id: str | None = None,
        language: str | None = "en",
        reblog_of: dict[str, Any] | None = None,
        spoiler_text: str = "",
    ) -> dict[str, Any]:
        created = created_at if created_at is not None else time.time()
        with self._statuses_lock:
            self._next += 1_000 + len(self.statuses)
            sid = str(self._next)
        user = acct.split("@")[0]
        found = tags if tags is not None else tuple(t.lower() for t in _HASHTAG.findall(html))
        status = {
            "id": sid,
            "created_at": _iso(created),
            "in_reply_to_id": in_reply_to_id,
            "in_reply_to_account_id": None,
            "sensitive": bool(spoiler_text),
            "spoiler_text": spoiler_text,
            "visibility": "public",
            "language": language,
            "uri": f"https://{self.domain}/users/{user}/statuses/{sid}",
            "url": f"https://{self.domain}/@{user}/{sid}",
            "replies_count": replies,
            "reblogs_count": reblogs,
            "favourites_count": favourites,
            "content": "" if reblog_of else html,
            "reblog": reblog_of,
            "account": {
                "id": str(100 + len(user)),
                "username": user,
                "acct": acct,
                "display_name": name or user.title(),
                "followers_count": followers,
                "url": f"https://{self.domain}/@{user}",
            },
            "media_attachments": [],
            "mentions": [],
            "tags": [
                {"name": t, "url": f"https://{self.domain}/tags/{t}"}
                for t in ([t["name"] for t in reblog_of["tags"]] if reblog_of else found)
            ],
        }
        with self._statuses_lock:
            self.statuses.append(status)
        return status

    def seed_demo(self, now: float | None = None) -> None:
        """Statuses tagged #acme from the last hour (for the local stack)."""
        now = now or time.time()
        self.add_status(
            '<p>Two weeks waiting on an <a href="https://mastodon.example/tags/acme" '
            'class="mention hashtag">#<span>acme</span></a> refund. Support closes my ticket '
            'every time. Done with them. <a href="https://mastodon.example/tags/acmefail" '
            'class="mention hashtag">#<span>acmefail</span></a></p>',
            acct="riverbank@fosstodon.example",
            followers=2300,
            created_at=now - 3300,
            tags=("acme", "acmefail"),
            favourites=18,
            reblogs=7,
        )
        self.add_status(
            '<p>Shout-out to the <a href="https://mastodon.example/tags/acme">#acme</a> '
            "repair desk: fixed my kettle while I waited.</p>",
            acct="tea_time",
            created_at=now - 1200,
            tags=("acme",),
            favourites=4,
        )

    # --- the API ------------------------------------------------------------------------------

    def _limits(self) -> dict[str, str]:
        with self._lock:
            self.remaining = max(self.remaining - 1, 0)
            reset = datetime.now(UTC) + timedelta(minutes=5)
            return {
                "X-RateLimit-Limit": str(self.rate_limit),
                "X-RateLimit-Remaining": str(self.remaining),
                "X-RateLimit-Reset": reset.isoformat(timespec="microseconds").replace(
                    "+00:00", "Z"
                ),
            }

    def handle(self, request: Request) -> Answer:
        if request.method != "GET":
            return Answer(404, {"error": "Record not found"})
        limits = self._limits()
        with self._statuses_lock:
            statuses = list(self.statuses)
        match = TAG_PATH.match(request.path)
        if match:
            tag = match.group(1).lower()
            hits = [s for s in statuses if tag in {t["name"] for t in s["tags"]}]
            return self._page(request, hits, limits, wrap=False)
        if request.path == SEARCH:
            if request.bearer() != self.token:
                return Answer(401, {"error": "The access token is invalid"}, limits)
            if request.query.get("type") not in (None, "statuses"):
                return Answer(200, {"accounts": [], "statuses": [], "hashtags": []}, limits)
            words = [w.lower() for w in (request.query.get("q") or "").split()]
            if not words:
                return Answer(400, {"error": "Validation failed: q is missing"}, limits)
            hits = [s for s in statuses if all(w in self._text(s) for w in words)]
            return self._page(request, hits, limits, wrap=True)
        return Answer(404, {"error": "Record not found"}, limits)

    @staticmethod
    def _text(status: dict[str, Any]) -> str:
        inner = status["reblog"] or status
        return re.sub(r"<[^>]*>", "", inner["content"]).lower()

    def _page(
        self, request: Request, hits: list[dict[str, Any]], limits: dict[str, str], wrap: bool
    ) -> Answer:
        q = request.query
        try:
            limit = min(int(q.get("limit", 20)), 40)
            max_id = int(q["max_id"]) if q.get("max_id") else None
            since_id = int(q["since_id"]) if q.get("since_id") else None
            min_id = int(q["min_id"]) if q.get("min_id") else None
        except ValueError:
            return Answer(400, {"error": "Validation failed: bad paging parameter"}, limits)
        hits = [
            s
            for s in hits
            if (max_id is None or int(s["id"]) < max_id)
            and (since_id is None or int(s["id"]) > since_id)
            and (min_id is None or int(s["id"]) > min_id)
        ]
        hits.sort(key=lambda s: int(s["id"]))
        # min_id: the ones immediately newer than it; otherwise the newest. Newest first.
        page = hits[:limit] if min_id is not None else hits[-limit:]
        page.reverse()
        headers = dict(limits)
        if page:
            base = f"{self.url}{request.path}"
            keep = {k: v for k, v in q.items() if k not in ("max_id", "min_id", "since_id")}
            older = urlencode({**keep, "max_id": page[-1]["id"]})
            newer = urlencode({**keep, "min_id": page[0]["id"]})
            headers["Link"] = f'<{base}?{older}>; rel="next", <{base}?{newer}>; rel="prev"'
        body: Any = {"accounts": [], "statuses": page, "hashtags": []} if wrap else page
        return Answer(200, body, headers)

    def failure(self, fail: Failure) -> Answer:
        headers = {"Retry-After": str(fail.retry_after)} if fail.retry_after is not None else {}
        message = fail.message or {
            429: "Too many requests",
            401: "The access token is invalid",
        }.get(fail.status, "We're sorry, but something went wrong")
        return Answer(fail.status, {"error": message}, headers)
