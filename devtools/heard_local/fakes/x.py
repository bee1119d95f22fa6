"""A fake X API v2 for replies: ``POST /2/tweets`` (a reply: ``reply.in_reply_to_tweet_id``
required), ``POST /2/dm_conversations/with/{participant_id}/messages`` and the OAuth 2.0 token
refresh ``POST /2/oauth2/token``; and the Filtered Stream rules, ``GET`` and ``POST
/2/tweets/search/stream/rules`` (``add`` or ``delete``, ``dry_run``; rules longer than 1,024
characters and duplicate values are refused as X does). ``rules`` holds them by id and
``add_rule`` puts one there, as another tool would. Answers as X does: ``201`` with
``{"data": ...}``, problem JSON on errors, ``x-rate-limit-*`` headers on every answer.

``restrict(tweet_id)`` makes replies to that post answer X's 403 for replies the author does not
allow. Refresh tokens rotate: each is good once, as on X.

Recent search, ``GET /2/tweets/search/recent``, serves the Posts in ``posts`` (``add_post``;
``seed_demo`` adds a few about Acme) from the last 7 days, newest first, with the app-only
bearer tokens in ``app_tokens`` (others: 401). It reads a query as the rules builder writes it:
terms (``@handle``, ``#tag``, ``word``, ``"phrase"``), all of them or, with ``OR``, any;
``-term`` and ``-"phrase"`` exclude; ``-is:retweet`` leaves reposts out (other operators are
ignored). It takes ``since_id``, ``until_id``, ``start_time``, ``max_results`` (10 to 100) and
its own ``next_token``; answers only the ``tweet.fields``, ``user.fields`` and ``expansions``
asked for, as X does; refuses a query longer than ``max_query_length`` (512) and a ``since_id``
older than 7 days with X's invalid-request problem.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from datetime import UTC, datetime
from typing import Any

from heard_local.fakes._server import Answer, Failure, FakeApi, OnReply, Request

# Snowflake-sized ids, counting up from here.
FIRST_ID = 1_900_000_000_000_000_000
WINDOW_S = 15 * 60
LIMITS = {"tweets": 100, "dm": 200, "token": 1000, "rules": 450, "search": 450}
RULES_PATH = "/2/tweets/search/stream/rules"
SEARCH_PATH = "/2/tweets/search/recent"
APP_TOKEN = "local-x-bearer-token"  # heard.platforms.x.poll.BEARER_TOKEN's local default
SNOWFLAKE_EPOCH_MS = 1288834974657
RECENT_S = 7 * 24 * 3600
MAX_QUERY_LENGTH = 512
_QUERY_TOKEN = re.compile(r'-?"(?:[^"\\]|\\.)*"|\(|\)|[^\s()]+')
# Always in a Post or a user; the rest only when asked for (tweet.fields, user.fields).
POST_DEFAULTS = ("id", "text", "edit_history_tweet_ids")
USER_DEFAULTS = ("id", "name", "username")
MAX_RULE_LENGTH = 1024
RESTRICTED_DETAIL = (
    "Reply to this conversation is not allowed because you have not been mentioned or "
    "otherwise engaged by the author of the post you are replying to."
)
_DM_PATH = re.compile(r"^/2/dm_conversations/with/([^/]+)/messages$")
SCOPES = "tweet.read tweet.write users.read dm.read dm.write offline.access"


def problem(status: int, title: str, detail: str, kind: str = "about:blank") -> dict[str, Any]:
    return {"title": title, "detail": detail, "type": kind, "status": status}


def invalid_request(parameter: str, message: str) -> dict[str, Any]:
    return {
        "errors": [{"parameters": {parameter: []}, "message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    }


class FakeXApi(FakeApi):
    label = "X"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        on_reply: OnReply | None = None,
        account_id: str = "1000000001",
    ):
        super().__init__(host, port, on_reply)
        self.account_id = account_id
        self.restricted: set[str] = set()
        self.spent_refresh_tokens: set[str] = set()
        self._used: dict[str, int] = {}
        self._window_start = time.time()
        self.rules: dict[str, dict[str, str]] = {}
        self._rules_lock = threading.Lock()
        self.posts: list[dict[str, Any]] = []
        self.users: dict[str, dict[str, Any]] = {}
        self._posts_lock = threading.Lock()
        self.app_tokens: set[str] = {APP_TOKEN}
        self.max_query_length = MAX_QUERY_LENGTH

    @property
    def base_url(self) -> str:
        """The X source's ``base_url`` for this fake (api.x.com's is the host itself)."""
        return self.url

    # --- recent search content ----------------------------------------------------------------

    def snowflake(self, created_at: float) -> str:
        """An X id made at ``created_at`` (ms since X's epoch << 22, and a sequence)."""
        ms = int(created_at * 1000) - SNOWFLAKE_EPOCH_MS
        return str((ms << 22) | (self.next_id() & 0x3FFFFF))

    def add_post(
        self,
        text: str,
        author_username: str = "someone",
        followers: int = 100,
        *,
        created_at: float | None = None,
        id: str | int | None = None,
        name: str | None = None,
        author_id: str | None = None,
        verified: bool = False,
        lang: str | None = "en",
        reply_to: str | None = None,
        retweet_of: str | None = None,
        edit_of: str | None = None,
        note: str | None = None,
        likes: int = 0,
        retweets: int = 0,
        replies: int = 0,
        quotes: int = 0,
    ) -> dict[str, Any]:
        """A Post recent search can find (its author too); the v2 Post object."""
        created = created_at if created_at is not None else time.time()
        post_id = str(id) if id is not None else self.snowflake(created)
        history = [post_id]
        if edit_of is not None:  # a new version of that Post: its history, then this id
            with self._posts_lock:
                earlier = next(p for p in self.posts if p["id"] == str(edit_of))
            history = [*earlier["edit_history_tweet_ids"], post_id]
        user_id = author_id or str(
            int(hashlib.sha256(author_username.lower().encode()).hexdigest()[:15], 16)
        )
        user = {
            "id": user_id,
            "name": name or author_username.replace("_", " ").title(),
            "username": author_username,
            "verified": verified,
            "public_metrics": {
                "followers_count": followers,
                "following_count": 180,
                "tweet_count": 2400,
                "listed_count": 3,
                "like_count": 900,
            },
        }
        references = []
        if reply_to:
            references.append({"type": "replied_to", "id": str(reply_to)})
        if retweet_of:
            references.append({"type": "retweeted", "id": str(retweet_of)})
        post: dict[str, Any] = {
            "id": post_id,
            "text": text,
            "edit_history_tweet_ids": history,
            "author_id": user_id,
            "conversation_id": str(reply_to or post_id),
            "created_at": datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "public_metrics": {
                "retweet_count": retweets,
                "reply_count": replies,
                "like_count": likes,
                "quote_count": quotes,
                "bookmark_count": 0,
                "impression_count": 40 * (likes + 1),
            },
            "entities": _entities(note or text),
        }
        if lang:
            post["lang"] = lang
        if references:
            post["referenced_tweets"] = references
        if note:
            post["note_tweet"] = {"text": note}
        with self._posts_lock:
            self.users[user_id] = user
            self.posts.append(post)
        return post

    def seed_demo(self, now: float | None = None) -> None:
        """Posts about Acme from the last hour (for the local stack)."""
        now = now or time.time()
        self.add_post(
            "@acme third blender in a month, same fault. Trips the breaker the second it "
            "starts. I want my money back, not another replacement. #acmefail",
            "blender_bex",
            2300,
            created_at=now - 3300,
            likes=41,
            retweets=9,
            replies=6,
        )
        self.add_post(
            "Honestly the new Acme kettle is great, boils in under two minutes and it's quiet.",
            "tea_with_tom",
            310,
            created_at=now - 2100,
            likes=5,
        )
        self.add_post(
            "Weekend at Acme Acres farm shop, the apple pie is worth the drive",
            "country_cath",
            120,
            created_at=now - 1500,
        )
        self.add_post(
            "Does anyone know if Acme ships to Ireland? Their site doesn't say.",
            "dublin_dev",
            85,
            created_at=now - 600,
            lang="en",
        )

    def add_rule(self, value: str, tag: str | None = None) -> str:
        """Put a rule on the stream directly; its id."""
        rule_id = str(FIRST_ID + self.next_id())
        self.rules[rule_id] = {"id": rule_id, "value": value, **({"tag": tag} if tag else {})}
        return rule_id

    def restrict(self, tweet_id: str) -> None:
        """Replies to ``tweet_id`` are answered with X's 403 for a restricted conversation."""
        self.restricted.add(tweet_id)

    # --- endpoints ---------------------------------------------------------------------------

    def handle(self, request: Request) -> Answer:
        if request.method == "POST" and request.path == "/2/oauth2/token":
            return self._token(request)
        if request.method == "GET" and request.path == SEARCH_PATH:
            return self._app_only(request, "search", self._search)
        if request.path == RULES_PATH and request.method in ("GET", "POST"):
            return self._authorised(request, "rules", self._rules)
        if request.method == "POST" and request.path == "/2/tweets":
            return self._authorised(request, "tweets", self._tweet)
        match = _DM_PATH.match(request.path)
        if request.method == "POST" and match:
            return self._authorised(request, "dm", lambda r: self._dm(r, match.group(1)))
        return Answer(404, problem(404, "Not Found Error", f"no route {request.path}"))

    def _authorised(self, request: Request, bucket: str, then: Any) -> Answer:
        if request.bearer() is None:
            return self._limited(
                bucket, Answer(401, problem(401, "Unauthorized", "Unauthorized")), count=False
            )
        return self._limited(bucket, then(request))

    def _app_only(self, request: Request, bucket: str, then: Any) -> Answer:
        if request.bearer() not in self.app_tokens:
            return self._limited(
                bucket, Answer(401, problem(401, "Unauthorized", "Unauthorized")), count=False
            )
        return self._limited(bucket, then(request))

    def _search(self, request: Request) -> Answer:
        q = request.query
        now = time.time()
        query = q.get("query", "")
        if not query.strip():
            return Answer(400, invalid_request("query", "The `query` parameter can not be empty"))
        if len(query) > self.max_query_length:
            return Answer(
                400,
                invalid_request(
                    "query",
                    f"The `query` parameter value [{query[:40]}...] is too long: its length "
                    f"is {len(query)}, the most allowed is {self.max_query_length}",
                ),
            )
        try:
            per_page = int(q.get("max_results", "10"))
        except ValueError:
            per_page = 0
        if not 10 <= per_page <= 100:
            return Answer(
                400,
                invalid_request(
                    "max_results",
                    f"The `max_results` query parameter value [{q.get('max_results')}] is not "
                    "between 10 and 100",
                ),
            )
        bounds: dict[str, int] = {}
        for name in ("since_id", "until_id"):
            if name in q:
                if not q[name].isdigit():
                    return Answer(400, invalid_request(name, f"Invalid '{name}':'{q[name]}'"))
                bounds[name] = int(q[name])
        if "since_id" in bounds and _made(bounds["since_id"]) < now - RECENT_S:
            return Answer(
                400,
                invalid_request(
                    "since_id",
                    f"Invalid 'since_id':'{q['since_id']}'. 'since_id' must be a tweet id "
                    "created after the last 7 days",
                ),
            )
        start = now - RECENT_S
        if "start_time" in q:
            try:
                asked = datetime.fromisoformat(q["start_time"].replace("Z", "+00:00"))
            except ValueError:
                return Answer(400, invalid_request("start_time", "Invalid 'start_time'"))
            if asked.timestamp() < now - RECENT_S:
                return Answer(
                    400,
                    invalid_request(
                        "start_time",
                        f"Invalid 'start_time':'{q['start_time']}'. 'start_time' must be on or "
                        "after the last 7 days",
                    ),
                )
            start = asked.timestamp()
        token = q.get("next_token")
        after: int | None = None
        if token:
            if not token.startswith("fx") or not token[2:].isalnum():
                return Answer(400, invalid_request("next_token", "Invalid 'next_token'"))
            after = int(token[2:], 36)
        matcher = _Query(query)
        with self._posts_lock:
            posts, users = list(self.posts), dict(self.users)
        found = []
        for post in posts:
            pid = int(post["id"])
            made = datetime.fromisoformat(post["created_at"].replace("Z", "+00:00")).timestamp()
            if made < start or made < now - RECENT_S:
                continue
            if "since_id" in bounds and pid <= bounds["since_id"]:
                continue
            if "until_id" in bounds and pid >= bounds["until_id"]:
                continue
            if after is not None and pid >= after:
                continue
            if matcher.matches(post):
                found.append(post)
        found.sort(key=lambda p: int(p["id"]), reverse=True)
        served, more = found[:per_page], len(found) > per_page
        meta: dict[str, Any] = {"result_count": len(served)}
        if not served:
            return Answer(200, {"meta": meta})
        meta.update(newest_id=served[0]["id"], oldest_id=served[-1]["id"])
        if more:
            meta["next_token"] = "fx" + _base36(int(served[-1]["id"]))
        post_fields = set(POST_DEFAULTS) | _fields(q.get("tweet.fields"))
        user_fields = set(USER_DEFAULTS) | _fields(q.get("user.fields"))
        body: dict[str, Any] = {
            "data": [{k: v for k, v in p.items() if k in post_fields} for p in served]
        }
        if "author_id" in _fields(q.get("expansions")):
            authors = dict.fromkeys(p["author_id"] for p in served)
            body["includes"] = {
                "users": [
                    {k: v for k, v in users[a].items() if k in user_fields}
                    for a in authors
                    if a in users
                ]
            }
        body["meta"] = meta
        return Answer(200, body)

    def _tweet(self, request: Request) -> Answer:
        body = request.body if isinstance(request.body, dict) else None
        if body is None:
            return Answer(400, invalid_request("body", "the request body must be a JSON object"))
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            return Answer(400, invalid_request("text", "text is required and may not be empty"))
        reply = body.get("reply")
        target = reply.get("in_reply_to_tweet_id") if isinstance(reply, dict) else None
        if not isinstance(target, str) or not target.isdigit():
            return Answer(
                400,
                invalid_request(
                    "reply.in_reply_to_tweet_id",
                    "reply.in_reply_to_tweet_id is required (this fake takes replies only) "
                    "and must be a post id",
                ),
            )
        if target in self.restricted:
            return Answer(403, problem(403, "Forbidden", RESTRICTED_DETAIL))
        tweet_id = str(FIRST_ID + self.next_id())
        return Answer(
            201, {"data": {"id": tweet_id, "text": text, "edit_history_tweet_ids": [tweet_id]}}
        )

    def _rules(self, request: Request) -> Answer:
        sent = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        with self._rules_lock:
            if request.method == "GET":
                data = list(self.rules.values())
                body: dict[str, Any] = {"meta": {"sent": sent, "result_count": len(data)}}
                if data:
                    body["data"] = data
                return Answer(200, body)
            payload = request.body if isinstance(request.body, dict) else {}
            dry_run = request.query.get("dry_run") == "true"
            if isinstance(payload.get("add"), list):
                return self._add_rules(payload["add"], dry_run, sent)
            delete = payload.get("delete")
            if isinstance(delete, dict) and isinstance(delete.get("ids"), list):
                return self._delete_rules(delete["ids"], dry_run, sent)
        return Answer(400, invalid_request("add", "the body must hold add or delete"))

    def _add_rules(self, items: list[Any], dry_run: bool, sent: str) -> Answer:
        created, errors = [], []
        values = {rule["value"]: rule["id"] for rule in self.rules.values()}
        for item in items:
            value = item.get("value") if isinstance(item, dict) else None
            tag = item.get("tag") if isinstance(item, dict) else None
            if not isinstance(value, str) or not value.strip():
                errors.append({"value": value, "title": "Invalid Rule", "details": ["empty"]})
            elif len(value) > MAX_RULE_LENGTH:
                errors.append(
                    {
                        "value": value,
                        "title": "RuleTooLong",
                        "details": [f"Rule is longer than {MAX_RULE_LENGTH} characters"],
                    }
                )
            elif value in values:
                errors.append(
                    {
                        "value": value,
                        "id": values[value],
                        "title": "DuplicateRule",
                        "type": "https://api.twitter.com/2/problems/duplicate-rules",
                    }
                )
            else:
                rule_id = str(FIRST_ID + self.next_id())
                rule = {"id": rule_id, "value": value, **({"tag": tag} if tag else {})}
                values[value] = rule_id
                created.append(rule)
                if not dry_run:
                    self.rules[rule_id] = rule
        summary = {
            "created": 0 if dry_run else len(created),
            "not_created": len(errors) + (len(created) if dry_run else 0),
            "valid": len(created),
            "invalid": len(errors),
        }
        body: dict[str, Any] = {"meta": {"sent": sent, "summary": summary}}
        if created:
            body["data"] = created
        if errors:
            body["errors"] = errors
        return Answer(201, body)

    def _delete_rules(self, ids: list[Any], dry_run: bool, sent: str) -> Answer:
        deleted, errors = 0, []
        for rule_id in ids:
            if str(rule_id) in self.rules:
                deleted += 1
                if not dry_run:
                    del self.rules[str(rule_id)]
            else:
                errors.append({"id": str(rule_id), "title": "Rule not found"})
        body: dict[str, Any] = {
            "meta": {"sent": sent, "summary": {"deleted": deleted, "not_deleted": len(errors)}}
        }
        if errors:
            body["errors"] = errors
        return Answer(200, body)

    def _dm(self, request: Request, participant: str) -> Answer:
        body = request.body if isinstance(request.body, dict) else {}
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            return Answer(400, invalid_request("text", "text is required when there is no media"))
        if not participant.isdigit():
            return Answer(400, invalid_request("participant_id", "must be a user id"))
        return Answer(
            201,
            {
                "data": {
                    "dm_conversation_id": f"{self.account_id}-{participant}",
                    "dm_event_id": str(FIRST_ID + self.next_id()),
                }
            },
        )

    def _token(self, request: Request) -> Answer:
        form = request.body if isinstance(request.body, dict) else {}
        refresh = form.get("refresh_token", "")
        if form.get("grant_type") != "refresh_token" or not refresh:
            return Answer(
                400,
                {
                    "error": "invalid_request",
                    "error_description": "grant_type=refresh_token and refresh_token required",
                },
            )
        has_basic = request.headers.get("authorization", "").lower().startswith("basic ")
        if not has_basic and not form.get("client_id"):
            return Answer(
                401, {"error": "unauthorized_client", "error_description": "Missing client id"}
            )
        if refresh in self.spent_refresh_tokens:
            return Answer(
                400,
                {
                    "error": "invalid_request",
                    "error_description": "Value passed for the token was invalid.",
                },
            )
        self.spent_refresh_tokens.add(refresh)
        return self._limited(
            "token",
            Answer(
                200,
                {
                    "token_type": "bearer",
                    "expires_in": 7200,
                    "access_token": "fake-x-access-" + secrets.token_urlsafe(16),
                    "scope": SCOPES,
                    "refresh_token": "fake-x-refresh-" + secrets.token_urlsafe(16),
                },
            ),
        )

    # --- rate limits and failures ------------------------------------------------------------

    def _limited(self, bucket: str, answer: Answer, count: bool = True) -> Answer:
        now = time.time()
        with self._lock:
            if now - self._window_start >= WINDOW_S:
                self._window_start, self._used = now, {}
            if count:
                self._used[bucket] = self._used.get(bucket, 0) + 1
            used = self._used.get(bucket, 0)
            reset = int(self._window_start + WINDOW_S)
        answer.headers.update(
            {
                "x-rate-limit-limit": str(LIMITS[bucket]),
                "x-rate-limit-remaining": str(max(0, LIMITS[bucket] - used)),
                "x-rate-limit-reset": str(reset),
            }
        )
        return answer

    def failure(self, fail: Failure) -> Answer:
        headers: dict[str, str] = {}
        if fail.retry_after is not None:
            headers["retry-after"] = str(fail.retry_after)
        if fail.status == 429:
            reset = int(time.time()) + (fail.retry_after or WINDOW_S)
            headers.update(
                {
                    "x-rate-limit-limit": str(LIMITS["tweets"]),
                    "x-rate-limit-remaining": "0",
                    "x-rate-limit-reset": str(reset),
                }
            )
            return Answer(
                429,
                {
                    "title": "Too Many Requests",
                    "detail": fail.message or "Too Many Requests",
                    "type": "about:blank",
                    "status": 429,
                },
                headers,
            )
        if fail.status == 403:
            return Answer(
                403, problem(403, "Forbidden", fail.message or RESTRICTED_DETAIL), headers
            )
        if fail.status == 401:
            return Answer(
                401, problem(401, "Unauthorized", fail.message or "Unauthorized"), headers
            )
        if fail.status >= 500:
            title = {503: "Service Unavailable"}.get(fail.status, "Internal Server Error")
            return Answer(fail.status, problem(fail.status, title, fail.message or title), headers)
        if fail.code is not None:  # the v1.1-style shape some errors still use
            return Answer(
                fail.status,
                {"errors": [{"code": fail.code, "message": fail.message or "error"}]},
                headers,
            )
        return Answer(
            fail.status,
            problem(fail.status, "Invalid Request", fail.message or "invalid request"),
            headers,
        )

    def describe(self, request: Request, answer: Answer) -> str | None:
        body = request.body if isinstance(request.body, dict) else {}
        data = answer.body.get("data", {}) if isinstance(answer.body, dict) else {}
        if request.path == "/2/tweets":
            target = body.get("reply", {}).get("in_reply_to_tweet_id")
            return f"reply {data.get('id')} to post {target}: {body.get('text')!r}"
        match = _DM_PATH.match(request.path)
        if match:
            return f"direct message to user {match.group(1)}: {body.get('text')!r}"
        return None


def _fields(value: str | None) -> set[str]:
    return {f.strip() for f in (value or "").split(",") if f.strip()}


def _made(post_id: int) -> float:
    return ((post_id >> 22) + SNOWFLAKE_EPOCH_MS) / 1000


def _base36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while value:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
    return out or "0"


def _entities(text: str) -> dict[str, Any]:
    entities: dict[str, Any] = {}
    for kind, pattern, key in (
        ("mentions", r"(?<!\w)@(\w{1,15})", "username"),
        ("hashtags", r"(?<!\w)#(\w+)", "tag"),
    ):
        found = [
            {"start": m.start(), "end": m.end(), key: m.group(1)}
            for m in re.finditer(pattern, text)
        ]
        if found:
            entities[kind] = found
    return entities


class _Query:
    """A recent-search query as far as this fake reads one (see the module docstring)."""

    def __init__(self, query: str):
        tokens = _QUERY_TOKEN.findall(query)
        self.any_of = "OR" in tokens
        self.wanted: list[re.Pattern[str]] = []
        self.unwanted: list[re.Pattern[str]] = []
        self.no_retweets = False
        for token in tokens:
            if token in ("(", ")", "OR"):
                continue
            negative = token.startswith("-")
            term = token[1:] if negative else token
            if term.startswith('"'):
                term = re.sub(r"\\(.)", r"\1", term[1:-1])
            elif ":" in term:
                if term == "is:retweet" and negative:
                    self.no_retweets = True
                continue
            pattern = re.compile(rf"(?<!\w){re.escape(term)}(?!\w)", re.IGNORECASE)
            (self.unwanted if negative else self.wanted).append(pattern)

    def matches(self, post: dict[str, Any]) -> bool:
        if self.no_retweets and any(
            r["type"] == "retweeted" for r in post.get("referenced_tweets", [])
        ):
            return False
        text = post.get("note_tweet", {}).get("text") or post["text"]
        if any(p.search(text) for p in self.unwanted):
            return False
        hits = [bool(p.search(text)) for p in self.wanted]
        return (any(hits) if self.any_of else all(hits)) if hits else True


__all__ = ["APP_TOKEN", "RESTRICTED_DETAIL", "FakeXApi"]
