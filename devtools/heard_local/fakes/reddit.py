"""A fake Reddit Data API: the token endpoint of www.reddit.com and the listings of
oauth.reddit.com, served by one server (the source's ``base_url`` reaches both).

- ``POST /api/v1/access_token``: HTTP Basic with a client id and secret it knows
  (``clients``) and ``grant_type=client_credentials`` answers ``{"access_token",
  "token_type": "bearer", "expires_in": 86400, "scope": "*"}``; anything else 401.
- ``GET /search`` (``q``: words or a "quoted phrase", case-insensitive, in title or selftext;
  ``sort=new``; ``type=link``) and ``GET /r/{sub}/comments``: listings newest first, paged by
  ``limit`` (at most 100) and ``after`` (a fullname; one it does not know answers an empty
  listing, as Reddit does), with a bearer token it issued (``expire_tokens()`` makes them all
  stale: 401 ``{"message": "Unauthorized", "error": 401}``).

Without ``raw_json=1`` text fields come HTML-escaped (``&amp; &lt; &gt;``) as Reddit sends
them. Every answer carries ``X-Ratelimit-Used``/``-Remaining``/``-Reset`` (seconds) for a
window of ``window_s`` seconds and ``rate_limit`` requests. Injected failures answer in
Reddit's shape.
"""

from __future__ import annotations

import base64
import re
import secrets
import threading
import time
from typing import Any

from heard_local.fakes._server import Answer, Failure, FakeApi, OnReply, Request

TOKEN_PATH = "/api/v1/access_token"
CLIENT_ID, CLIENT_SECRET = "local-reddit-client", "local-reddit-secret"


def _error(status: int, message: str) -> Answer:
    return Answer(status, {"message": message, "error": status})


def _escaped(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class FakeReddit(FakeApi):
    label = "Reddit"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, on_reply: OnReply | None = None):
        super().__init__(host, port, on_reply)
        self.things: list[dict[str, Any]] = []  # {"kind", "data"}
        self._things_lock = threading.Lock()
        self.clients = {CLIENT_ID: CLIENT_SECRET}
        self.tokens: set[str] = set()
        self.rate_limit = 1000  # per window: 100 a minute, averaged over ten minutes
        self.window_s = 600
        self._window_start = time.time()
        self._used = 0
        self._next = 1_000_000
        # Each page after the first starts this many items early, as a Reddit listing does
        # when items shift while it is paged: the same post on two pages.
        self.overlap = 0

    @property
    def base_url(self) -> str:
        """The source's ``base_url`` for this fake (oauth.reddit.com has no path prefix)."""
        return self.url

    # --- content ------------------------------------------------------------------------------

    def _id(self, given: str | None) -> str:
        if given:
            return given
        with self._things_lock:
            self._next += 1
            return base36(self._next)

    def add_post(
        self,
        title: str,
        *,
        selftext: str = "",
        subreddit: str = "acme",
        author: str = "redditor",
        created_at: float | None = None,
        post_id: str | None = None,
        score: int = 1,
        num_comments: int = 0,
    ) -> dict[str, Any]:
        pid = self._id(post_id)
        created = float(int(created_at if created_at is not None else time.time()))
        slug = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:50]
        permalink = f"/r/{subreddit}/comments/{pid}/{slug}/"
        data = {
            "id": pid,
            "name": f"t3_{pid}",
            "title": title,
            "selftext": selftext,
            "selftext_html": None,
            "author": author,
            "author_fullname": f"t2_{author.lower()[:8]}",
            "subreddit": subreddit,
            "subreddit_name_prefixed": f"r/{subreddit}",
            "permalink": permalink,
            "url": f"https://www.reddit.com{permalink}",
            "created": created,
            "created_utc": created,
            "score": score,
            "ups": score,
            "num_comments": num_comments,
            "over_18": False,
            "is_self": bool(selftext),
        }
        thing = {"kind": "t3", "data": data}
        with self._things_lock:
            self.things.append(thing)
        return thing

    def add_comment(
        self,
        body: str,
        *,
        subreddit: str = "acme",
        link_id: str = "t3_seed01",
        parent_id: str | None = None,
        author: str = "commenter",
        created_at: float | None = None,
        comment_id: str | None = None,
        score: int = 1,
    ) -> dict[str, Any]:
        cid = self._id(comment_id)
        created = float(int(created_at if created_at is not None else time.time()))
        post = link_id.removeprefix("t3_")
        data = {
            "id": cid,
            "name": f"t1_{cid}",
            "body": body,
            "body_html": None,
            "author": author,
            "author_fullname": f"t2_{author.lower()[:8]}",
            "subreddit": subreddit,
            "subreddit_name_prefixed": f"r/{subreddit}",
            "link_id": link_id,
            "parent_id": parent_id or link_id,
            "link_title": "Acme thread",
            "permalink": f"/r/{subreddit}/comments/{post}/comment/{cid}/",
            "created": created,
            "created_utc": created,
            "score": score,
            "ups": score,
        }
        thing = {"kind": "t1", "data": data}
        with self._things_lock:
            self.things.append(thing)
        return thing

    def expire_tokens(self) -> None:
        """Every token issued so far is refused from now on (as after its day is up)."""
        with self._lock:
            self.tokens.clear()

    def seed_demo(self, now: float | None = None) -> None:
        """Posts and comments about Acme from the last hour (for the local stack)."""
        now = now or time.time()
        post = self.add_post(
            "Acme charged me twice and support won't answer",
            selftext="Three emails, no reply. Two charges of $49 for one order. "
            "Is anyone at Acme reading this?",
            subreddit="mildlyinfuriating",
            author="fuming_fran",
            created_at=now - 3200,
            score=412,
            num_comments=57,
        )
        self.add_post(
            "Acme's new kettle: a short review",
            selftext="Boils fast, quiet, lid feels a bit flimsy. 4/5 & would buy again.",
            subreddit="BuyItForLife",
            author="tea_tom",
            created_at=now - 2500,
            score=35,
            num_comments=4,
        )
        self.add_comment(
            "Mods here: if your Acme order is stuck, DM the order number and we'll pass it on.",
            link_id=post["data"]["name"],
            author="acme_mod",
            created_at=now - 1500,
            score=12,
        )

    # --- the API ------------------------------------------------------------------------------

    def handle(self, request: Request) -> Answer:
        if request.path == TOKEN_PATH and request.method == "POST":
            return self._token(request)
        if request.method != "GET":
            return _error(404, "Not Found")
        auth = request.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        with self._lock:
            known = scheme.lower() == "bearer" and token in self.tokens
        if not known:
            return self._limited(_error(401, "Unauthorized"))
        parts = [p for p in request.path.split("/") if p]
        if parts == ["search"] or parts == ["search.json"]:
            return self._limited(self._search(request))
        if len(parts) == 3 and parts[0] == "r" and parts[2] in ("comments", "comments.json"):
            return self._limited(self._comments(request, parts[1]))
        return self._limited(_error(404, "Not Found"))

    def _token(self, request: Request) -> Answer:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        try:
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            client_id, secret = "", ""
        if scheme.lower() != "basic" or self.clients.get(client_id) != secret or not secret:
            return _error(401, "Unauthorized")
        form = request.body if isinstance(request.body, dict) else {}
        if form.get("grant_type") != "client_credentials":
            return Answer(200, {"error": "unsupported_grant_type"})
        token = "-" + secrets.token_urlsafe(20)
        with self._lock:
            self.tokens.add(token)
        return Answer(
            200,
            {"access_token": token, "token_type": "bearer", "expires_in": 86400, "scope": "*"},
        )

    def _limited(self, answer: Answer) -> Answer:
        now = time.time()
        with self._lock:
            if now - self._window_start >= self.window_s:
                self._window_start, self._used = now, 0
            self._used += 1
            used, reset = self._used, int(self._window_start + self.window_s - now)
        answer.headers.update(
            {
                "X-Ratelimit-Used": str(used),
                "X-Ratelimit-Remaining": f"{max(self.rate_limit - used, 0):.1f}",
                "X-Ratelimit-Reset": str(max(reset, 0)),
            }
        )
        return answer

    def _listing(self, request: Request, things: list[dict[str, Any]]) -> Answer:
        try:
            limit = min(max(int(request.query.get("limit", 25)), 1), 100)
        except ValueError:
            limit = 25
        things = sorted(
            things, key=lambda t: (t["data"]["created_utc"], t["data"]["id"]), reverse=True
        )
        start = 0
        after = request.query.get("after")
        if after:
            names = [t["data"]["name"] for t in things]
            start = names.index(after) + 1 if after in names else len(things)
            if after in names:
                start = max(start - self.overlap, 0)
        served = things[start : start + limit]
        more = start + limit < len(things)
        raw = request.query.get("raw_json") == "1"
        children = [self._shown(t, raw) for t in served]
        return Answer(
            200,
            {
                "kind": "Listing",
                "data": {
                    "after": served[-1]["data"]["name"] if served and more else None,
                    "dist": len(children),
                    "modhash": "",
                    "geo_filter": "",
                    "children": children,
                    "before": None,
                },
            },
        )

    @staticmethod
    def _shown(thing: dict[str, Any], raw: bool) -> dict[str, Any]:
        data = dict(thing["data"])
        if not raw:
            for key in ("title", "selftext", "body"):
                if isinstance(data.get(key), str):
                    data[key] = _escaped(data[key])
        return {"kind": thing["kind"], "data": data}

    def _search(self, request: Request) -> Answer:
        q = request.query.get("q", "").strip()
        if not q:
            return self._listing(request, [])
        if request.query.get("type", "link") not in ("link", "sr,link", "link,sr"):
            return self._listing(request, [])
        phrase = q.strip('"').lower() if q.startswith('"') and q.endswith('"') else None
        words = q.lower().split()
        with self._things_lock:
            posts = [t for t in self.things if t["kind"] == "t3"]

        def matches(thing: dict[str, Any]) -> bool:
            text = f"{thing['data']['title']} {thing['data']['selftext']}".lower()
            return phrase in text if phrase is not None else all(w in text for w in words)

        return self._listing(request, [t for t in posts if matches(t)])

    def _comments(self, request: Request, subreddit: str) -> Answer:
        with self._things_lock:
            found = [
                t
                for t in self.things
                if t["kind"] == "t1" and t["data"]["subreddit"].lower() == subreddit.lower()
            ]
        return self._listing(request, found)

    def failure(self, fail: Failure) -> Answer:
        headers = {"Retry-After": str(fail.retry_after)} if fail.retry_after is not None else {}
        message = fail.message or {
            401: "Unauthorized",
            403: "Forbidden",
            429: "Too Many Requests",
        }.get(fail.status, "Internal Server Error")
        return self._limited(
            Answer(fail.status, {"message": message, "error": fail.status}, headers)
        )


def base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"
