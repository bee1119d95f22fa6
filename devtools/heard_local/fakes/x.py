"""A fake X API v2 for replies: ``POST /2/tweets`` (a reply: ``reply.in_reply_to_tweet_id``
required), ``POST /2/dm_conversations/with/{participant_id}/messages`` and the OAuth 2.0 token
refresh ``POST /2/oauth2/token``; and the Filtered Stream rules, ``GET`` and ``POST
/2/tweets/search/stream/rules`` (``add`` or ``delete``, ``dry_run``; rules longer than 1,024
characters and duplicate values are refused as X does). ``rules`` holds them by id and
``add_rule`` puts one there, as another tool would. Answers as X does: ``201`` with
``{"data": ...}``, problem JSON on errors, ``x-rate-limit-*`` headers on every answer.

``restrict(tweet_id)`` makes replies to that post answer X's 403 for replies the author does not
allow. Refresh tokens rotate: each is good once, as on X.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from typing import Any

from heard_local.fakes._server import Answer, Failure, FakeApi, OnReply, Request

# Snowflake-sized ids, counting up from here.
FIRST_ID = 1_900_000_000_000_000_000
WINDOW_S = 15 * 60
LIMITS = {"tweets": 100, "dm": 200, "token": 1000, "rules": 450}
RULES_PATH = "/2/tweets/search/stream/rules"
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


__all__ = ["RESTRICTED_DETAIL", "FakeXApi"]
