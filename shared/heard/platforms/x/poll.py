"""Posts on X that name a brand, from the X API v2 recent search (the last 7 days).

``GET /2/tweets/search/recent?query=…&max_results=10..100&since_id=…&next_token=…`` with an
app-only bearer token answers ``{"data": [Post…], "includes": {"users": […]}, "meta":
{"newest_id", "oldest_id", "result_count", "next_token"}}``, newest first (``{"meta":
{"result_count": 0}}`` when nothing matched). The Posts are the same v2 objects a Filtered
Stream webhook delivers, read by the same code (``heard.platforms.x.v2``): a Post heard both
ways is one mention, ``x:<id>`` (the first id of its edit history).

The query is the brand's Filtered Stream rule (``heard.platforms.x.rules``: handles, hashtags,
quoted keywords, ``-"exclusion"``, ``-is:retweet``), split into several queries when the terms
do not fit in ``max_query_length`` (512 characters on self-serve access, 4,096 on Pro and
Enterprise), or the brand's own ``listen.x.queries``.

Cursor: ``since_id`` is the newest id of the last walk that reached it. A walk pages back from
the newest Post with ``next_token``; each page stores ``walk`` (the walk's ``newest_id`` and the
``until_id`` it has reached) while ``since_id`` stays where it was, so a walk cut short (429,
5xx, deadline, budget) resumes next run from where it stopped, and only the page that ends the
walk moves ``since_id`` to the walk's ``newest_id``. A cursor older than the 7 days recent search
covers is replaced by ``start_time`` at the window's edge; the first walk looks back
``lookback_hours`` (default 24).

Money: X bills each Post read (pay-per-use; $0.005 a Post read at the time of writing, users
expanded in ``includes`` may be billed as user reads, and a Post read twice in one UTC day is
billed once). The budget counts Post reads (default 500 a day): each request reserves
``max_results`` reads, no more than the budget has left, and gives back what the answer did
not use; with fewer than 10 left (X's smallest ``max_results``) the run stops as ``budget``.

Docs relied on: docs.x.com "Search Posts: recent search" (GET /2/tweets/search/recent, its
parameters, pagination with next_token/since_id/until_id), "Rate limits" (x-rate-limit-limit,
-remaining, -reset as an epoch; 429), "Pricing" (https://docs.x.com/x-api/getting-started/pricing:
Posts: Read $0.005 per resource, User: Read $0.010, 24-hour UTC deduplication).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from heard.config import Brand, SourceSettings
from heard.ingest.polling import (
    AuthFailed,
    BadResponse,
    BudgetExhausted,
    Misconfigured,
    Page,
    PollContext,
    PollError,
    Query,
)
from heard.models import Mention, MentionMessage, Platform
from heard.platforms.errors import PayloadError
from heard.platforms.x import v2
from heard.platforms.x.rules import RETWEETS, RuleError, build_rules
from heard.secrets import SecretRef, SecretUnavailable, get_secret

log = logging.getLogger(__name__)

BEARER_TOKEN = SecretRef(
    "HEARD_X_BEARER_TOKEN", "X_SECRET_NAME", "bearer_token", "local-x-bearer-token"
)
SECRETS: tuple[SecretRef, ...] = (BEARER_TOKEN,)

SEARCH_PATH = "/2/tweets/search/recent"
MIN_RESULTS, MAX_RESULTS = 10, 100
DEFAULT_MAX_QUERY_LENGTH = 512  # self-serve; Pro and Enterprise: 4,096
DEFAULT_LOOKBACK = timedelta(hours=24)
# Recent search reaches 7 days back; a cursor older than this (with a margin) is not sent.
WINDOW = timedelta(days=7) - timedelta(minutes=10)
TWEET_FIELDS = (
    "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,lang,"
    "public_metrics,edit_history_tweet_ids,entities,note_tweet"
)
USER_FIELDS = "username,name,public_metrics,verified"
SNOWFLAKE_EPOCH_MS = 1288834974657


def snowflake_time(post_id: str | int) -> datetime | None:
    """When an X id was made (ids are snowflakes: milliseconds since 2010-11-04 << 22)."""
    try:
        value = int(post_id)
    except (TypeError, ValueError):
        return None
    return datetime.fromtimestamp(((value >> 22) + SNOWFLAKE_EPOCH_MS) / 1000, UTC)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def mentions_from_page(body: Mapping[str, Any]) -> list[Mention]:
    return [m.mention for m in messages_from_page(body)]


def messages_from_page(body: Mapping[str, Any]) -> list[MentionMessage]:
    """The mentions in one recent-search answer, read as Filtered Stream Posts are (an edited
    Post is marked edited, under the first id of its edit history). A Post Heard cannot read is
    logged and skipped (one bad Post must not hold the cursor back)."""
    data = body.get("data") or []
    if not isinstance(data, list):
        raise BadResponse("x: recent search answered data that is not a list")
    includes = body.get("includes")
    includes = includes if isinstance(includes, dict) else {}
    users = [u for u in includes.get("users") or [] if isinstance(u, dict)]
    mentions: list[MentionMessage] = []
    for post in data:
        if not isinstance(post, dict):
            continue
        try:
            messages = v2.parse({"data": post, "includes": {"users": users}})
        except PayloadError as exc:
            log.warning("x: skipped a post Heard cannot read (%s): %s", post.get("id"), exc)
            continue
        mentions += [
            m.model_copy(update={"mention": m.mention.model_copy(update={"source": "x"})})
            for m in messages
            if isinstance(m, MentionMessage)
        ]
    return mentions


def _with_retweets_excluded(query: str) -> str:
    return query if "is:retweet" in query else f"({query}) {RETWEETS}"


class XRecentSearch:
    name = "x"
    platform = Platform.X
    default_base_url = "https://api.x.com"
    budget_unit = "post reads"
    default_budget_per_day = 500

    def queries(self, brand: Brand, settings: SourceSettings) -> list[Query]:
        limit = int(settings.options.get("max_query_length") or DEFAULT_MAX_QUERY_LENGTH)
        own = brand.listening(self.name).queries
        if own:
            values = [_with_retweets_excluded(q) for q in dict.fromkeys(own)]
            for value in values:
                if len(value) > limit:
                    raise Misconfigured(
                        f"x: the query {value[:60]!r}… is longer than {limit} characters, "
                        "the most recent search takes (max_query_length)"
                    )
        else:
            try:
                values = [rule.value for rule in build_rules(brand, limit)]
            except RuleError as exc:
                raise Misconfigured(f"x: {exc}") from exc
        return [Query(f"search:{_digest(v)}", {"query": v}) for v in values]

    def pages(self, ctx: PollContext, query: Query, cursor: Mapping[str, Any]) -> Iterator[Page]:
        token = _bearer_token()
        edge = ctx.now - WINDOW
        since_id = cursor.get("since_id")
        walk = dict(cursor.get("walk") or {})
        if walk.get("until_id") and not _within(walk["until_id"], edge):
            # What that walk had left has passed out of the 7-day window: it is over.
            since_id, walk = walk.get("newest_id") or since_id, {}
        params: dict[str, Any] = {
            "query": query.params["query"],
            "sort_order": "recency",
            "tweet.fields": TWEET_FIELDS,
            "expansions": "author_id",
            "user.fields": USER_FIELDS,
        }
        if since_id and _within(since_id, edge):
            params["since_id"] = str(since_id)
        else:
            # The first walk looks back lookback_hours; a stale cursor, as far as X reaches.
            hours = float(ctx.option("lookback_hours", DEFAULT_LOOKBACK.total_seconds() / 3600))
            start = edge if since_id else max(ctx.now - timedelta(hours=hours), edge)
            if walk.get("start_time"):
                start = max(datetime.fromisoformat(walk["start_time"]), edge)
            walk["start_time"] = start.isoformat()
            params["start_time"] = _iso(start)
        if walk.get("until_id"):
            params["until_id"] = str(walk["until_id"])
        base: dict[str, Any] = {"since_id": str(since_id)} if since_id else {}
        newest = walk.get("newest_id")
        while True:
            body = self._search(ctx, params, token)
            meta = body.get("meta")
            meta = meta if isinstance(meta, dict) else {}
            next_token, oldest = meta.get("next_token"), meta.get("oldest_id")
            newest = newest or meta.get("newest_id") or oldest
            messages = messages_from_page(body)
            mentions = [m.mention for m in messages]
            edited = frozenset(m.mention.native_id for m in messages if m.edited)
            if next_token and oldest:
                # More to read: since_id stays; a walk cut short resumes below ``until_id``.
                walk.update(newest_id=str(newest), until_id=str(oldest))
                yield Page(mentions, {**base, "walk": dict(walk)}, edited)
                params["next_token"] = str(next_token)
                continue
            # The walk reached the cursor: the next one starts from its newest Post.
            yield Page(mentions, {"since_id": str(newest)} if newest else base, edited)
            return

    def _search(self, ctx: PollContext, params: dict[str, Any], token: str) -> dict[str, Any]:
        budget = ctx.http.budget
        spent = budget.spent_today()
        left = budget.limit - (spent if spent is not None else budget.spent)
        page_size = int(ctx.option("max_results", MAX_RESULTS))
        wanted = max(MIN_RESULTS, min(MAX_RESULTS, page_size, left))
        if left < MIN_RESULTS:
            raise BudgetExhausted(
                f"x: {max(left, 0)} {budget.unit} left of today's {budget.limit}, fewer than "
                f"the {MIN_RESULTS} the smallest search reads"
            )
        try:
            response = ctx.http.request(
                "GET",
                ctx.url(SEARCH_PATH),
                cost=wanted,
                params={**params, "max_results": wanted},
                headers={"Authorization": f"Bearer {token}"},
            )
        except PollError as exc:
            if not isinstance(exc, BudgetExhausted):
                budget.give_back(wanted)  # X bills the Posts an answer holds, none here
            raise
        body = ctx.http.json(response)
        if not isinstance(body, dict):
            budget.give_back(wanted)
            raise BadResponse("x: recent search answered something other than an object")
        meta = body.get("meta")
        count = meta.get("result_count") if isinstance(meta, dict) else None
        read = count if isinstance(count, int) else len(body.get("data") or [])
        budget.give_back(max(wanted - read, 0))
        return body


def _within(post_id: str, edge: datetime) -> bool:
    made = snowflake_time(post_id)
    return made is not None and made > edge


def _bearer_token() -> str:
    try:
        return get_secret(BEARER_TOKEN)
    except SecretUnavailable as exc:
        raise AuthFailed(f"x: no app-only bearer token: {exc}") from exc


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


SOURCE = XRecentSearch()
