"""Hacker News stories and comments that name a brand, from the Algolia HN Search API.

``GET /api/v1/search_by_date?query=…&tags=(story,comment)&numericFilters=created_at_i>A,
created_at_i<=B&hitsPerPage=…&page=N`` answers the newest first, ``objectID`` keys each item,
and a query stops at about 1,000 hits (``nbPages`` says how many pages it will serve). So the
poller walks time windows oldest first: a window whose ``nbHits`` is over what paging reaches
is halved until it fits, every page of it is queued, and only then does the cursor (``since``,
the window's end) move on. A window ends ``lag_seconds`` (default 120) before now, so an item
Algolia indexes a little late is still inside a window not yet walked.

The API is public and needs no key; its documented limit is 10,000 requests an hour per client
address. The budget counts requests (default 5,000 a day).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from heard.config import Brand, SourceSettings
from heard.ingest.polling import BadResponse, Page, PollContext, Query
from heard.models import Author, Mention, MentionKind, Platform
from heard.platforms._html import html_to_text

HITS_PER_PAGE = 100
# What paging reaches on one query (Algolia's paginationLimitedTo for HN Search).
PAGING_LIMIT = 1000
DEFAULT_LAG = timedelta(seconds=120)
DEFAULT_LOOKBACK = timedelta(hours=24)
ITEM_URL = "https://news.ycombinator.com/item?id={}"


def _epoch(value: datetime) -> int:
    return int(value.timestamp())


def mention_from_hit(hit: Mapping[str, Any]) -> Mention | None:
    """One Algolia hit as a mention (None for a hit without an id or text)."""
    object_id = str(hit.get("objectID") or "").strip()
    if not object_id:
        return None
    tags = hit.get("_tags") or []
    is_comment = "comment" in tags or hit.get("comment_text") is not None
    if is_comment:
        body = html_to_text(hit.get("comment_text"))
        text = body.text
        kind = MentionKind.COMMENT
    else:
        body = html_to_text(hit.get("story_text"))
        title = str(hit.get("title") or "").strip()
        text = "\n\n".join(t for t in (title, body.text) if t)
        kind = MentionKind.POST
    if not text:
        return None
    created = hit.get("created_at_i")
    created_at = (
        datetime.fromtimestamp(int(created), UTC)
        if isinstance(created, int | float)
        else datetime.fromisoformat(str(hit.get("created_at")).replace("Z", "+00:00"))
    )
    parent = hit.get("parent_id")
    return Mention(
        platform=Platform.HACKERNEWS,
        native_id=object_id,
        kind=kind,
        text=text,
        author=Author(id=hit.get("author"), handle=hit.get("author")),
        url=ITEM_URL.format(object_id),
        created_at=created_at,
        in_reply_to=str(parent) if parent is not None else None,
        source="hackernews",
        engagement=int(hit.get("points") or 0) + int(hit.get("num_comments") or 0),
    )


class HackerNews:
    name = "hackernews"
    platform = Platform.HACKERNEWS
    default_base_url = "https://hn.algolia.com/api/v1"
    budget_unit = "requests"
    default_budget_per_day = 5000

    def queries(self, brand: Brand, settings: SourceSettings) -> list[Query]:
        own = brand.listening(self.name).queries
        terms = own or [t.lstrip("#@") for t in brand.search_terms()]
        return [Query(f"search:{t.lower()}", {"query": t}) for t in dict.fromkeys(terms) if t]

    def pages(self, ctx: PollContext, query: Query, cursor: Mapping[str, Any]) -> Iterator[Page]:
        lag = timedelta(seconds=int(ctx.option("lag_seconds", DEFAULT_LAG.total_seconds())))
        lookback = timedelta(
            hours=float(ctx.option("lookback_hours", DEFAULT_LOOKBACK.total_seconds() / 3600))
        )
        end = _epoch(ctx.now - lag)
        since = int(cursor.get("since", _epoch(ctx.now - lookback)))
        while since < end:
            until = end
            while True:
                first = self._search(ctx, query, since, until, 0)
                hits = int(first.get("nbHits") or 0)
                # What paging reaches: nbPages pages (Algolia stops them at ~1,000 hits).
                reachable = int(first.get("nbPages") or 0) * int(
                    first.get("hitsPerPage") or HITS_PER_PAGE
                )
                if hits <= min(reachable, PAGING_LIMIT) or until - since <= 1:
                    break
                until = since + max((until - since) // 2, 1)  # too many to page: narrow it
            mentions = self._mentions(first)
            pages = int(first.get("nbPages") or 1)
            for number in range(1, pages):
                mentions += self._mentions(self._search(ctx, query, since, until, number))
            yield Page(mentions, {"since": until})
            since = until

    def _search(
        self, ctx: PollContext, query: Query, since: int, until: int, page: int
    ) -> dict[str, Any]:
        response = ctx.http.request(
            "GET",
            ctx.url("search_by_date"),
            params={
                "query": query.params["query"],
                "tags": "(story,comment)",
                "numericFilters": f"created_at_i>{since},created_at_i<={until}",
                "hitsPerPage": HITS_PER_PAGE,
                "page": page,
            },
        )
        body = ctx.http.json(response)
        if not isinstance(body, dict) or not isinstance(body.get("hits"), list):
            raise BadResponse("hackernews: search_by_date answered without hits")
        return body

    @staticmethod
    def _mentions(body: Mapping[str, Any]) -> list[Mention]:
        found = (mention_from_hit(h) for h in body["hits"] if isinstance(h, dict))
        return [m for m in found if m is not None]


SOURCE = HackerNews()
