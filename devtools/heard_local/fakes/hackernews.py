"""A fake Algolia HN Search API: ``GET /api/v1/search_by_date`` as hn.algolia.com answers it.

It serves the items in ``items`` (``add_story``/``add_comment``; ``seed_demo`` adds a few about
Acme) newest first, filtered by ``query`` (words, case-insensitive), ``tags`` (``story``,
``comment``, ``(story,comment)``) and ``numericFilters`` on ``created_at_i`` (``>``, ``>=``,
``<``, ``<=``, ``=``), paged by ``hitsPerPage`` and ``page``. Like Algolia it reports the full
``nbHits`` but pages no further than 1,000 hits (``nbPages`` says so), and refuses bad
parameters with ``400 {"message", "status"}``; an injected 429 or 5xx answers in that shape.
"""

from __future__ import annotations

import math
import re
import threading
import time
from datetime import UTC, datetime
from typing import Any

from heard_local.fakes._server import Answer, Failure, FakeApi, OnReply, Request

PATH = "/api/v1/search_by_date"
PAGING_LIMIT = 1000
_FILTER = re.compile(r"^\s*created_at_i\s*(<=|>=|<|>|=)\s*(\d+)\s*$")


def _error(status: int, message: str) -> Answer:
    return Answer(status, {"message": message, "status": status})


class FakeHackerNews(FakeApi):
    label = "HN"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, on_reply: OnReply | None = None):
        super().__init__(host, port, on_reply)
        self.items: list[dict[str, Any]] = []
        self._items_lock = threading.Lock()
        self._next = 40_000_000
        self.paging_limit = PAGING_LIMIT  # lower it to test narrowing with fewer items

    @property
    def base_url(self) -> str:
        """The source's ``base_url`` for this fake (hn.algolia.com's is ``…/api/v1``)."""
        return self.url + "/api/v1"

    # --- content ------------------------------------------------------------------------------

    def _id(self, object_id: str | int | None) -> str:
        if object_id is not None:
            return str(object_id)
        self._next += 1
        return str(self._next)

    def add_story(
        self,
        title: str,
        *,
        text: str | None = None,
        author: str = "pg_fan",
        created_at: float | None = None,
        object_id: str | int | None = None,
        points: int = 1,
        url: str | None = None,
    ) -> dict[str, Any]:
        created = int(created_at if created_at is not None else time.time())
        oid = self._id(object_id)
        item = {
            "_tags": ["story", f"author_{author}", f"story_{oid}"],
            "author": author,
            "created_at": datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "created_at_i": created,
            "num_comments": 0,
            "objectID": oid,
            "points": points,
            "story_id": int(oid),
            "story_text": text,
            "title": title,
            "updated_at": datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "url": url,
        }
        with self._items_lock:
            self.items.append(item)
        return item

    def add_comment(
        self,
        html: str,
        *,
        story_id: int = 39_999_999,
        parent_id: int | None = None,
        author: str = "throwaway42",
        created_at: float | None = None,
        object_id: str | int | None = None,
        story_title: str = "Ask HN: Which delivery service do you trust?",
    ) -> dict[str, Any]:
        created = int(created_at if created_at is not None else time.time())
        oid = self._id(object_id)
        item = {
            "_tags": ["comment", f"author_{author}", f"story_{story_id}"],
            "author": author,
            "comment_text": html,
            "created_at": datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "created_at_i": created,
            "objectID": oid,
            "parent_id": parent_id or story_id,
            "story_id": story_id,
            "story_title": story_title,
            "story_url": None,
            "updated_at": datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        with self._items_lock:
            self.items.append(item)
        return item

    def seed_demo(self, now: float | None = None) -> None:
        """A story and comments about Acme from the last hour (for the local stack)."""
        now = now or time.time()
        self.add_story(
            "Acme's new router firmware bricked my home network",
            text="<p>Updated last night, now it boot-loops. Anyone else?</p>",
            author="netops_nina",
            created_at=now - 3000,
            points=87,
        )
        self.add_comment(
            "<p>Same here. Acme support told me to &quot;wait for a fix&quot;. "
            'Rolled back with <a href="https://example.org/acme-rollback">this guide</a>.</p>',
            author="kernel_kev",
            created_at=now - 2400,
        )
        self.add_comment(
            "I&#x27;ve had an Acme router for years, zero problems.",
            author="happy_harold",
            created_at=now - 1800,
        )

    # --- the API ------------------------------------------------------------------------------

    def handle(self, request: Request) -> Answer:
        if request.method != "GET" or request.path != PATH:
            return _error(404, f"no route {request.method} {request.path}")
        q = request.query
        try:
            per_page = int(q.get("hitsPerPage", 20))
            page = int(q.get("page", 0))
        except ValueError:
            return _error(400, "hitsPerPage and page must be integers")
        if not 0 < per_page <= 1000 or page < 0:
            return _error(400, "hitsPerPage must be 1 to 1000 and page at least 0")
        filters = []
        for part in (q.get("numericFilters") or "").split(","):
            if not part.strip():
                continue
            found = _FILTER.match(part)
            if not found:
                return _error(400, f"invalid numericFilters: {part!r}")
            filters.append((found.group(1), int(found.group(2))))
        tags = (q.get("tags") or "").strip("()").split(",")
        tags = [t.strip() for t in tags if t.strip()]
        words = [w.lower() for w in (q.get("query") or "").split()]
        with self._items_lock:
            items = list(self.items)
        hits = [i for i in items if self._matches(i, words, tags, filters)]
        hits.sort(key=lambda i: (i["created_at_i"], i["objectID"]), reverse=True)
        reachable = min(len(hits), self.paging_limit)
        pages = math.ceil(reachable / per_page)
        start = page * per_page
        served = hits[start : min(start + per_page, reachable)] if start < reachable else []
        return Answer(
            200,
            {
                "hits": served,
                "nbHits": len(hits),
                "page": page,
                "nbPages": pages,
                "hitsPerPage": per_page,
                "exhaustiveNbHits": True,
                "query": q.get("query", ""),
                "params": "&".join(f"{k}={v}" for k, v in q.items()),
                "processingTimeMS": 1,
            },
        )

    @staticmethod
    def _matches(
        item: dict[str, Any], words: list[str], tags: list[str], filters: list[tuple[str, int]]
    ) -> bool:
        if tags and not set(tags) & set(item["_tags"]):
            return False
        created = item["created_at_i"]
        for op, value in filters:
            ok = {
                ">": created > value,
                ">=": created >= value,
                "<": created < value,
                "<=": created <= value,
                "=": created == value,
            }[op]
            if not ok:
                return False
        text = " ".join(
            str(item.get(k) or "") for k in ("title", "story_text", "comment_text")
        ).lower()
        return all(w in text for w in words)

    def failure(self, fail: Failure) -> Answer:
        headers = {"Retry-After": str(fail.retry_after)} if fail.retry_after is not None else {}
        message = fail.message or {429: "Too many requests"}.get(fail.status, "Server error")
        return Answer(fail.status, {"message": message, "status": fail.status}, headers)
