"""Entries of RSS and Atom feeds (blogs, review sites, Google Alerts) named in a brand's
``listen.rss.feeds``.

Each feed is one query (``feed:<url>``) and one conditional ``GET`` per run: the ETag and
Last-Modified of the last answer go back as ``If-None-Match`` and ``If-Modified-Since``, and a
``304`` means nothing new. Heard fetches the feed itself (``PollHttp``: User-Agent, budget,
``429``/``503`` with ``Retry-After``) and hands the bytes to ``feedparser`` only to parse them.

A feed has no cursor of its own, so the cursor keeps what the feed said last (ETag,
Last-Modified) and a short hash of each entry already heard: the newest ``SEEN_LIMIT`` (500)
by date. Once older ones are forgotten, an entry dated before the oldest one kept (``floor``)
counts as already heard. An entry's key is its id (``guid``/``atom:id``), else its link; an id
without a scheme (a bare ``123``) is prefixed with the feed's URL so two blogs cannot collide,
and an id over 256 characters is replaced by its SHA-256. Entries older than ``max_age_days``
(default 30) are not heard at all: a new feed does not replay its archive.

Google Alerts wraps each result's link in ``https://www.google.com/url?…&url=<the page>`` and
puts ``<b>`` around the matched words of the title: the link is unwrapped and every title and
summary goes through ``html_to_text``.

``base_url``: feeds are absolute URLs and are fetched as they are. With a ``base_url`` (a
fetching proxy; the local stack's and the tests' fake) ``https://host/path?query`` is fetched
as ``{base_url}/host/path?query`` instead.

A feed that is gone (``404``/``410``) or is not a feed is skipped with a warning, so one dead
feed does not stop the others. The budget counts requests (default 5,000 a day).

Docs relied on: feedparser "ETag and Last-Modified Headers"
(https://pythonhosted.org/feedparser/http-etag.html) and its ``parse(…, response_headers=…)``
reference; RFC 9110 (conditional requests); Google Alerts' feed format as it serves it.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import feedparser  # type: ignore[import-untyped]

from heard.config import Brand, SourceSettings
from heard.ingest.polling import Page, PollContext, Query
from heard.models import Author, Mention, MentionKind, Platform
from heard.platforms._html import html_to_text
from heard.platforms._keys import path_safe
from heard.secrets import SecretRef

log = logging.getLogger(__name__)

SECRETS: tuple[SecretRef, ...] = ()  # public feeds: no credentials
SEEN_LIMIT = 500
MAX_ID = 256
DEFAULT_MAX_AGE_DAYS = 30
GONE = (404, 410)
_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8"
_GOOGLE_REDIRECT = ("www.google.com", "google.com")


def feed_url(ctx_base_url: str, url: str) -> str:
    """Where to fetch ``url``: itself, or ``{base_url}/host/path?query`` through a proxy."""
    if not ctx_base_url:
        return url
    parts = urlsplit(url)
    target = f"{ctx_base_url.rstrip('/')}/{parts.netloc}{parts.path or '/'}"
    return f"{target}?{parts.query}" if parts.query else target


def unwrap_link(link: str | None) -> str | None:
    """A Google redirect (``https://www.google.com/url?…&url=<real>``) as its target."""
    if not link:
        return link
    parts = urlsplit(link)
    if parts.netloc.lower() in _GOOGLE_REDIRECT and parts.path == "/url":
        query = parse_qs(parts.query)
        for name in ("url", "q"):
            target = (query.get(name) or [""])[0]
            if target.lower().startswith(("http://", "https://")):
                return target
    return link


def entry_key(entry: Mapping[str, Any], feed: str) -> str | None:
    """The entry's stable id (its guid/atom:id, else its link), as a key a URL path keeps
    (``heard.platforms._keys.path_safe``: most ids are URLs, which become their digest)."""
    raw = str(entry.get("id") or entry.get("guid") or entry.get("link") or "").strip()
    if not raw:
        title = str(entry.get("title") or "") + str(entry.get("summary") or "")
        if not title.strip():
            return None
        raw = "sha256:" + hashlib.sha256(f"{feed}\n{title}".encode()).hexdigest()
    if ":" not in raw:
        raw = f"{feed}#{raw}"  # a bare guid ("123") is only unique within its feed
    if len(raw) > MAX_ID:
        raw = hashlib.sha256(raw.encode()).hexdigest()
    return path_safe(raw)


def _seen_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _when(entry: Mapping[str, Any]) -> datetime | None:
    for name in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(name)
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), UTC)
    return None


def _content(entry: Mapping[str, Any]) -> str:
    contents = entry.get("content") or []
    for part in contents:
        value = part.get("value") if isinstance(part, Mapping) else None
        if value:
            return str(value)
    return str(entry.get("summary") or entry.get("description") or "")


def mention_from_entry(
    entry: Mapping[str, Any], feed: str, now: datetime, feed_title: str | None = None
) -> Mention | None:
    """One feed entry as a mention (None without an id or any text)."""
    key = entry_key(entry, feed)
    if key is None:
        return None
    title = html_to_text(str(entry.get("title") or "")).text
    body = html_to_text(_content(entry))
    text = "\n\n".join(t for t in (title, body.text) if t)
    if not text:
        return None
    link = unwrap_link(str(entry.get("link") or "") or None)
    if not link and body.links:
        link = body.links[0]
    author_name = html_to_text(str(entry.get("author") or "")).text or None
    site = urlsplit(unwrap_link(link) or feed).netloc or None
    return Mention(
        platform=Platform.RSS,
        native_id=key,
        kind=MentionKind.POST,
        text=text,
        author=Author(id=site, handle=site, name=author_name or feed_title or site),
        url=link,
        created_at=_when(entry) or now,
        lang=(str(entry.get("language") or "") or None),
        source="rss",
        engagement=0,
    )


class Feeds:
    name = "rss"
    platform = Platform.RSS
    default_base_url = ""  # feeds are absolute: fetched as they are unless a proxy is set
    budget_unit = "requests"
    default_budget_per_day = 5000

    def queries(self, brand: Brand, settings: SourceSettings) -> list[Query]:
        feeds = [str(f) for f in brand.listening(self.name).feeds]
        found = []
        for url in dict.fromkeys(feeds):
            key = f"feed:{url}"
            if len(key) > 512:
                key = "feed:sha256:" + hashlib.sha256(url.encode()).hexdigest()
            found.append(Query(key, {"url": url}))
        return found

    def pages(self, ctx: PollContext, query: Query, cursor: Mapping[str, Any]) -> Iterator[Page]:
        url = str(query.params["url"])
        headers = {"Accept": _ACCEPT}
        if cursor.get("etag"):
            headers["If-None-Match"] = str(cursor["etag"])
        if cursor.get("modified"):
            headers["If-Modified-Since"] = str(cursor["modified"])
        response = ctx.http.request(
            "GET", feed_url(ctx.base_url, url), headers=headers, ok=(200, *GONE)
        )
        if response.status_code == 304:
            return
        if response.status_code in GONE:
            log.warning("rss: %s answered %s: skipped", url, response.status_code)
            return
        parsed = feedparser.parse(
            io.BytesIO(response.content),  # bytes, never a name feedparser might open
            response_headers={k.lower(): v for k, v in response.headers.items()},
        )
        if not parsed.get("version") and not parsed.entries:
            log.warning("rss: %s is not an RSS or Atom feed: skipped", url)
            return
        mentions, state = self._new_entries(ctx, url, parsed, cursor)
        state["etag"] = response.headers.get("etag")
        state["modified"] = response.headers.get("last-modified")
        yield Page(mentions, state)

    def _new_entries(
        self, ctx: PollContext, url: str, parsed: Any, cursor: Mapping[str, Any]
    ) -> tuple[list[Mention], dict[str, Any]]:
        seen: dict[str, int] = dict(cursor.get("seen") or {})
        floor = cursor.get("floor")
        max_age = timedelta(days=float(ctx.option("max_age_days", DEFAULT_MAX_AGE_DAYS)))
        oldest = ctx.now - max_age
        feed_title = html_to_text(str(parsed.feed.get("title") or "")).text or None
        mentions: list[Mention] = []
        for entry in parsed.entries:
            mention = mention_from_entry(entry, url, ctx.now, feed_title)
            if mention is None:
                continue
            digest = _seen_hash(mention.native_id)
            when = int(mention.created_at.timestamp())
            if digest in seen:
                continue
            seen[digest] = when
            if when < oldest.timestamp() or (floor is not None and when < int(floor)):
                continue  # too old, or older than what was forgotten: heard before
            mentions.append(mention)
        if len(seen) > SEEN_LIMIT:
            kept = sorted(seen.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)[:SEEN_LIMIT]
            seen = dict(kept)
            floor = max(int(floor or 0), min(v for _, v in kept))
        return mentions, {"seen": seen, "floor": floor}


SOURCE = Feeds()
