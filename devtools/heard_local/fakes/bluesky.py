"""A fake Bluesky PDS: sessions and ``app.bsky.feed.searchPosts`` as bsky.social answers them.

- ``POST /xrpc/com.atproto.server.createSession`` takes ``{"identifier", "password"}`` (the
  local defaults of ``heard.platforms.bluesky.poll``) and answers ``{accessJwt, refreshJwt,
  handle, did}``; a wrong password is ``401 AuthenticationRequired``. ``logins`` counts them.
- ``POST /xrpc/com.atproto.server.refreshSession`` with ``Bearer <refreshJwt>`` answers a new
  pair (the old refresh token is spent); ``expire_access()`` makes every access token issued so
  far answer ``400 ExpiredToken``, ``expire_refresh()`` the refresh tokens too.
- ``GET /xrpc/app.bsky.feed.searchPosts?q=…&sort=latest&since=…&until=…&limit=…&cursor=…``
  needs a current access token; it serves ``posts`` (``add_post``; ``seed_demo`` adds a few
  about Acme) whose text has every word of ``q`` (case-insensitive), newest first by sort time,
  with an opaque ``cursor`` while more are left.

Errors are XRPC's ``{"error", "message"}``; every answer carries ``ratelimit-*`` headers.
"""

from __future__ import annotations

import base64
import threading
import time
from datetime import UTC, datetime
from typing import Any

from heard_local.fakes._server import Answer, Failure, FakeApi, OnReply, Request

IDENTIFIER = "heard-demo.test"
PASSWORD = "local-bluesky-app-password"
DID = "did:plc:heardlistener000000000"
SEARCH = "/xrpc/app.bsky.feed.searchPosts"
CREATE = "/xrpc/com.atproto.server.createSession"
REFRESH = "/xrpc/com.atproto.server.refreshSession"


def _iso(epoch: float) -> str:
    return (
        datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def _parse(value: str) -> float | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def _error(status: int, error: str, message: str, headers: dict[str, str] | None = None) -> Answer:
    return Answer(status, {"error": error, "message": message}, headers or {})


class FakeBluesky(FakeApi):
    label = "Bluesky"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, on_reply: OnReply | None = None):
        super().__init__(host, port, on_reply)
        self.posts: list[dict[str, Any]] = []
        self._posts_lock = threading.Lock()
        self.access: dict[str, bool] = {}  # token -> still valid
        self.refresh: dict[str, bool] = {}
        self.logins = 0
        self.refreshes = 0
        self.password = PASSWORD
        self.rate_limit = 3000
        self.remaining = 3000

    @property
    def base_url(self) -> str:
        return self.url

    # --- content ------------------------------------------------------------------------------

    def add_post(
        self,
        text: str,
        *,
        handle: str = "someone.bsky.social",
        name: str | None = None,
        created_at: float | None = None,
        indexed_at: float | None = None,
        rkey: str | None = None,
        likes: int = 0,
        reposts: int = 0,
        replies: int = 0,
        reply_to: str | None = None,
        langs: tuple[str, ...] = ("en",),
    ) -> dict[str, Any]:
        created = created_at if created_at is not None else time.time()
        rkey = rkey or f"3l{self.next_id():011d}"
        did = "did:plc:" + base64.b32encode(handle.encode()).decode().lower().rstrip("=")[:24]
        record: dict[str, Any] = {
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": _iso(created),
            "langs": list(langs),
        }
        if reply_to:
            ref = {"uri": reply_to, "cid": "bafyreiparent"}
            record["reply"] = {"root": ref, "parent": ref}
        post = {
            "uri": f"at://{did}/app.bsky.feed.post/{rkey}",
            "cid": f"bafyrei{rkey}",
            "author": {"did": did, "handle": handle, "displayName": name or handle.split(".")[0]},
            "record": record,
            "likeCount": likes,
            "repostCount": reposts,
            "replyCount": replies,
            "quoteCount": 0,
            "indexedAt": _iso(indexed_at if indexed_at is not None else created),
            "labels": [],
        }
        with self._posts_lock:
            self.posts.append(post)
        return post

    def seed_demo(self, now: float | None = None) -> None:
        """Posts about Acme from the last hour (for the local stack)."""
        now = now or time.time()
        self.add_post(
            "Third day without internet thanks to @acme's router update. Support hung up on "
            "me twice. Absolutely furious. #acmefail",
            handle="dana-fixes-things.bsky.social",
            name="Dana",
            created_at=now - 3000,
            likes=41,
            reposts=12,
        )
        self.add_post(
            "Honestly the new Acme mesh kit was painless to set up. Ten minutes, done.",
            handle="quiet-tech.bsky.social",
            created_at=now - 1500,
            likes=3,
        )
        self.add_post(
            "Is anyone else's Acme app stuck on 'syncing'?",
            handle="mo.bsky.social",
            created_at=now - 600,
        )

    def expire_access(self) -> None:
        with self._lock:
            self.access = {t: False for t in self.access}

    def expire_refresh(self) -> None:
        with self._lock:
            self.refresh = {t: False for t in self.refresh}

    # --- the API ------------------------------------------------------------------------------

    def _limits(self) -> dict[str, str]:
        with self._lock:
            self.remaining = max(self.remaining - 1, 0)
            return {
                "ratelimit-limit": str(self.rate_limit),
                "ratelimit-remaining": str(self.remaining),
                "ratelimit-reset": str(int(time.time()) + 300),
                "ratelimit-policy": f"{self.rate_limit};w=300",
            }

    def _issue(self) -> dict[str, Any]:
        number = self.next_id()
        access, refresh = f"fake-access-{number}", f"fake-refresh-{number}"
        with self._lock:
            self.access[access] = True
            self.refresh[refresh] = True
        return {
            "accessJwt": access,
            "refreshJwt": refresh,
            "handle": IDENTIFIER,
            "did": DID,
            "active": True,
        }

    def handle(self, request: Request) -> Answer:
        limits = self._limits()
        if request.method == "POST" and request.path == CREATE:
            body = request.body if isinstance(request.body, dict) else {}
            if body.get("identifier") != IDENTIFIER or body.get("password") != self.password:
                return _error(401, "AuthenticationRequired", "Invalid identifier or password")
            self.logins += 1
            return Answer(200, self._issue(), limits)
        if request.method == "POST" and request.path == REFRESH:
            token = request.bearer()
            with self._lock:
                valid = bool(token and self.refresh.get(token))
                if valid and token:
                    self.refresh[token] = False  # a refresh token is spent once used
            if not valid:
                return _error(400, "ExpiredToken", "Token has expired", limits)
            self.refreshes += 1
            return Answer(200, self._issue(), limits)
        if request.method == "GET" and request.path == SEARCH:
            token = request.bearer()
            if not token:
                return _error(401, "AuthMissing", "Authentication Required", limits)
            with self._lock:
                state = self.access.get(token)
            if state is None:
                return _error(400, "InvalidToken", "Bad token", limits)
            if not state:
                return _error(400, "ExpiredToken", "Token has expired", limits)
            return self._search(request, limits)
        return _error(404, "MethodNotImplemented", f"no route {request.method} {request.path}")

    @staticmethod
    def sort_time(post: dict[str, Any]) -> float:
        created = _parse(post["record"]["createdAt"]) or 0.0
        indexed = _parse(post["indexedAt"]) or created
        return min(created, indexed)

    def _search(self, request: Request, limits: dict[str, str]) -> Answer:
        q = request.query
        words = [w.lower() for w in (q.get("q") or "").split()]
        if not words:
            return _error(400, "InvalidRequest", 'Error: Params must have the property "q"')
        try:
            limit = int(q.get("limit", 25))
            offset = int(base64.urlsafe_b64decode(q["cursor"]).decode()) if q.get("cursor") else 0
        except ValueError:
            return _error(400, "InvalidRequest", "bad limit or cursor")
        if not 1 <= limit <= 100:
            return _error(400, "InvalidRequest", "limit must be 1 to 100")
        since = _parse(q["since"]) if q.get("since") else None
        until = _parse(q["until"]) if q.get("until") else None
        with self._posts_lock:
            posts = list(self.posts)
        hits = [
            p
            for p in posts
            if all(w in p["record"]["text"].lower() for w in words)
            and (since is None or self.sort_time(p) >= since)
            and (until is None or self.sort_time(p) < until)
        ]
        hits.sort(key=lambda p: (self.sort_time(p), p["uri"]), reverse=True)
        served = hits[offset : offset + limit]
        body: dict[str, Any] = {"hitsTotal": len(hits), "posts": served}
        if offset + limit < len(hits):
            body["cursor"] = base64.urlsafe_b64encode(str(offset + limit).encode()).decode()
        return Answer(200, body, limits)

    def failure(self, fail: Failure) -> Answer:
        headers = {"Retry-After": str(fail.retry_after)} if fail.retry_after is not None else {}
        if fail.status == 429:
            headers.update({"ratelimit-limit": "3000", "ratelimit-remaining": "0"})
            return _error(429, "RateLimitExceeded", fail.message or "Rate Limit Exceeded", headers)
        if fail.status == 401:
            return _error(401, "AuthenticationRequired", fail.message or "Invalid token", headers)
        error = "InternalServerError" if fail.status >= 500 else "InvalidRequest"
        return _error(fail.status, error, fail.message or "Internal Server Error", headers)
