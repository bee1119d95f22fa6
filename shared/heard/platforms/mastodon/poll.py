"""Mastodon statuses about a brand: hashtag timelines on each instance Heard listens to, and
status search on the instance whose user token Heard has.

- ``GET /api/v1/timelines/tag/:hashtag?limit=40&min_id=…`` is public (no token), for each of
  the brand's tags (``listen.mastodon.tags``, default its hashtags) on each instance
  (``listen.mastodon.instances``, default the source's ``base_url``, mastodon.social).
- ``GET /api/v2/search?q=…&type=statuses&limit=40&min_id=…`` needs a user token
  (``mastodon_token``, optional): without one these queries are skipped. It finds only what
  the instance has indexed (on most, statuses whose authors opted in to search).

``min_id`` answers the ``limit`` statuses immediately newer than it (newest first within the
page; its ``Link: rel="prev"`` continues the same way). A query's cursor is the newest status
id seen (ids are numbers in strings; compared as numbers): each page moves it to the newest id
that page served, so a stored cursor never passes a status that was not queued. The first run
of a query takes the newest page and starts from there. A reblog is read as the status it
reblogs (the mention is keyed by that status's ActivityPub ``uri``, so a status reached on two
instances or through a boost is one mention).

Rate limits: 300 requests a 5 minutes per account or IP; ``X-RateLimit-Limit``,
``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` (an ISO 8601 time). Errors are
``{"error": "…"}``. The budget counts requests (default 10,000 a day).

Docs: "timelines API methods" (https://docs.joinmastodon.org/methods/timelines/), "search API
methods" (https://docs.joinmastodon.org/methods/search/), "Paginating through API responses"
(https://docs.joinmastodon.org/api/guidelines/#pagination), "Rate limits"
(https://docs.joinmastodon.org/api/rate-limits/).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from heard.config import Brand, SourceSettings
from heard.ingest.polling import BadResponse, Page, PollContext, Query
from heard.models import Author, Mention, MentionKind, Platform
from heard.platforms._html import html_to_text
from heard.platforms._keys import activitypub_key
from heard.secrets import SecretRef, get_optional_secret

# Optional: a user token (scope read:search) of an account on the source's own instance.
TOKEN = SecretRef(
    "HEARD_MASTODON_TOKEN", "LISTEN_SECRET_NAME", "mastodon_token", "local-mastodon-token"
)
SECRETS: tuple[SecretRef, ...] = (TOKEN,)

PAGE_SIZE = 40
DEFAULT_INSTANCE = "https://mastodon.social"


def _host(url: str) -> str:
    return (urlsplit(url).netloc or url).lower()


def _id(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def mention_from_status(status: Mapping[str, Any]) -> Mention | None:
    """One Mastodon ``Status`` as a mention; a reblog is read as the status it reblogs."""
    reblog = status.get("reblog")
    if isinstance(reblog, dict):
        status = reblog
    uri = str(status.get("uri") or "").strip()
    if not uri:
        return None
    body = html_to_text(status.get("content"))
    warning = str(status.get("spoiler_text") or "").strip()
    text = "\n\n".join(t for t in (warning, body.text) if t)
    if not text:
        return None
    found = status.get("account")
    account: dict[str, Any] = found if isinstance(found, dict) else {}
    created = status.get("created_at")
    try:
        created_at = datetime.fromisoformat(str(created).replace("Z", "+00:00"))
    except ValueError:
        created_at = datetime.now(UTC)
    parent = status.get("in_reply_to_id")
    engagement = sum(
        int(status.get(k) or 0) for k in ("favourites_count", "reblogs_count", "replies_count")
    )
    return Mention(
        platform=Platform.MASTODON,
        native_id=activitypub_key(uri),
        kind=MentionKind.REPLY if parent else MentionKind.POST,
        text=text,
        author=Author(
            id=str(account.get("url") or account.get("id") or "") or None,
            handle=account.get("acct") or None,
            name=account.get("display_name") or None,
            followers=int(account.get("followers_count") or 0),
            verified=False,
        ),
        url=status.get("url") or uri,
        created_at=created_at,
        lang=status.get("language") or None,
        in_reply_to=str(parent) if parent else None,
        source="mastodon",
        engagement=engagement,
    )


class Mastodon:
    name = "mastodon"
    platform = Platform.MASTODON
    default_base_url = DEFAULT_INSTANCE
    budget_unit = "requests"
    default_budget_per_day = 10_000

    def queries(self, brand: Brand, settings: SourceSettings) -> list[Query]:
        listening = brand.listening(self.name)
        home = settings.base_url or self.default_base_url
        # None: the source's own instance (where the poller points it; its token works there).
        instances: list[str | None] = list(dict.fromkeys(listening.instances)) or [None]
        tags = listening.tags or brand.hashtags
        found: list[Query] = []
        for instance in instances:
            host = _host(instance or home)
            for tag in dict.fromkeys(t.lstrip("#").lower() for t in tags if t.lstrip("#")):
                found.append(Query(f"tag:{host}:{tag}", {"tag": tag, "instance": instance}))
        own = listening.queries
        terms = own or [t.lstrip("@") for t in brand.search_terms(Platform.MASTODON)]
        for term in terms:
            key = f"search:{_host(home)}:{term.lower()}"
            if term and key not in {q.key for q in found}:
                found.append(Query(key, {"q": term, "instance": None}))
        return found

    def pages(self, ctx: PollContext, query: Query, cursor: Mapping[str, Any]) -> Iterator[Page]:
        instance = query.params.get("instance")
        token = get_optional_secret(TOKEN)
        if "q" in query.params and not token:
            return  # status search needs a user token: none configured
        headers = {"Authorization": f"Bearer {token}"} if token and not instance else {}
        if "q" in query.params:
            url = ctx.url("api/v2/search", instance)
            base: dict[str, Any] = {"q": query.params["q"], "type": "statuses"}
        else:
            url = ctx.url(f"api/v1/timelines/tag/{quote(query.params['tag'], safe='')}", instance)
            base = {}
        limit = min(int(ctx.option("page_size", PAGE_SIZE)), PAGE_SIZE)
        newest = _id(cursor.get("min_id"))
        first = newest is None
        queued: set[str] = set()  # a status and a reblog of it in one walk: one mention
        while True:
            params = {**base, "limit": limit}
            if newest is not None:
                params["min_id"] = str(newest)
            response = ctx.http.request("GET", url, params=params, headers=headers)
            body = ctx.http.json(response)
            statuses = body.get("statuses") if isinstance(body, dict) else body
            if not isinstance(statuses, list):
                raise BadResponse(f"mastodon: {query.key} answered without statuses")
            fresh = [
                s
                for s in statuses
                if isinstance(s, dict)
                and (i := _id(s.get("id"))) is not None
                and (newest is None or i > newest)  # an instance that ignored min_id
            ]
            if not fresh:
                yield Page([], None)
                return
            newest = max(int(s["id"]) for s in fresh)
            mentions = []
            for mention in map(mention_from_status, fresh):
                if mention is not None and mention.native_id not in queued:
                    queued.add(mention.native_id)
                    mentions.append(mention)
            yield Page(mentions, {"min_id": str(newest)})
            if first or len(statuses) < limit:
                return  # the first run starts from the newest page; or nothing newer is left


SOURCE = Mastodon()
"""Mastodon, heard by polling hashtag timelines and status search (``poll``); no replies."""
