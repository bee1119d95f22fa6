"""Fake web feeds: RSS 2.0 and Atom 1.0 documents, served as a fetching proxy would.

A feed registered as ``https://host/path?query`` (``add_feed``) is served at
``{base_url}/host/path?query`` (the rss source's ``base_url`` convention), with its entries
(``add_entry``, newest first) as XML: ``application/rss+xml`` or ``application/atom+xml``. Each
answer carries an ``ETag`` (the body's hash) and a ``Last-Modified`` (the feed's last change);
a request whose ``If-None-Match`` or ``If-Modified-Since`` still matches gets ``304`` and no
body. An unknown feed is ``404``; an injected failure answers a plain HTML error page (with
``Retry-After`` when given), as web servers do.

``seed_demo`` fills the demo config's two feeds: a review site's RSS with HTML descriptions and
a Google Alerts Atom feed (links wrapped in ``https://www.google.com/url?…&url=…``, ``<b>``
around the matched words of each title).
"""

from __future__ import annotations

import email.utils
import hashlib
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit
from xml.sax.saxutils import escape

from heard_local.fakes._server import Answer, Failure, FakeApi, OnReply, Request

REVIEWS_FEED = "https://reviews.example/acme/feed.xml"
ALERTS_FEED = "https://www.google.com/alerts/feeds/00000000000000000000/1111111111111111111"
CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
}


def google_alerts_link(real: str) -> str:
    """``real`` wrapped as Google Alerts wraps each result's link."""
    query = urlencode(
        {"rct": "j", "sa": "t", "url": real, "ct": "ga", "cd": "CAIyGj", "usg": "AOv"}
    )
    return f"https://www.google.com/url?{query}"


def _http_date(when: float) -> str:
    return email.utils.formatdate(when, usegmt=True)


def _iso(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class FeedEntry:
    entry_id: str | None
    title: str  # HTML in Atom (type="html") and in RSS as publishers write it
    html: str
    link: str | None
    published: float
    author: str | None = None


@dataclass
class Feed:
    url: str
    kind: str
    title: str
    entries: list[FeedEntry] = field(default_factory=list)
    changed: float = field(default_factory=time.time)


class FakeFeeds(FakeApi):
    label = "Feeds"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, on_reply: OnReply | None = None):
        super().__init__(host, port, on_reply)
        self.feeds: dict[str, Feed] = {}
        self._feeds_lock = threading.Lock()
        self._count = 0
        self.conditional = True  # False: a server that ignores ETag and Last-Modified

    @property
    def base_url(self) -> str:
        """The rss source's ``base_url`` for this fake: feeds are served under it by host."""
        return self.url

    # --- content ------------------------------------------------------------------------------

    @staticmethod
    def _route(url: str) -> str:
        parts = urlsplit(url)
        query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
        return f"/{parts.netloc}{parts.path or '/'}" + (f"?{query}" if query else "")

    def add_feed(self, url: str, kind: str = "rss", title: str | None = None) -> Feed:
        if kind not in CONTENT_TYPES:
            raise ValueError("kind is rss or atom")
        feed = Feed(url, kind, title or urlsplit(url).netloc)
        with self._feeds_lock:
            self.feeds[self._route(url)] = feed
        return feed

    def add_entry(
        self,
        url: str,
        title: str,
        html: str = "",
        *,
        link: str | None = None,
        entry_id: str | None = None,
        published: float | None = None,
        author: str | None = None,
    ) -> FeedEntry:
        """An entry in the feed at ``url`` (registered as RSS if it was not yet)."""
        with self._feeds_lock:
            feed = self.feeds.get(self._route(url))
        if feed is None:
            feed = self.add_feed(url)
        self._count += 1
        when = published if published is not None else time.time()
        entry = FeedEntry(
            entry_id if entry_id is not None else f"{url}#entry-{self._count}",
            title,
            html,
            link if link is not None else f"https://{urlsplit(url).netloc}/post/{self._count}",
            when,
            author,
        )
        with self._feeds_lock:
            feed.entries.append(entry)
            feed.changed = max(time.time(), feed.changed + 1)
        return entry

    def seed_demo(self, now: float | None = None) -> None:
        """A review site's RSS and a Google Alerts feed about Acme, from the last hour."""
        now = now or time.time()
        self.add_feed(REVIEWS_FEED, "rss", "Acme reviews - Reviews.example")
        self.add_entry(
            REVIEWS_FEED,
            "1/5: Acme Turbo Blender died after two weeks",
            "<p>The motor burnt out on day 14 and Acme support has ignored <b>three</b> "
            "emails. Avoid.</p><p><img src='https://reviews.example/img/blender.jpg'></p>",
            link="https://reviews.example/acme/turbo-blender/review/8812",
            entry_id="https://reviews.example/acme/turbo-blender/review/8812",
            published=now - 3000,
            author="Dana K.",
        )
        self.add_entry(
            REVIEWS_FEED,
            "4/5: Acme's new kettle is quiet and quick",
            "<p>Boils in under two minutes. The lid hinge feels a little cheap.</p>",
            link="https://reviews.example/acme/kettle/review/8820",
            entry_id="https://reviews.example/acme/kettle/review/8820",
            published=now - 1500,
            author="Sam P.",
        )
        self.add_feed(ALERTS_FEED, "atom", 'Google Alert - "acme"')
        self.add_entry(
            ALERTS_FEED,
            "<b>Acme</b> recalls 20,000 toasters over overheating reports",
            "Consumer safety regulators said <b>Acme</b> received 42 reports of toasters "
            "overheating&nbsp;...",
            link=google_alerts_link("https://news.example/business/acme-toaster-recall"),
            entry_id="tag:google.com,2013:googlealerts/feed:10000000000000000001",
            published=now - 2400,
        )
        self.add_entry(
            ALERTS_FEED,
            "Why I switched my café to <b>Acme</b> espresso machines",
            "After a year with <b>Acme</b> the machines have not missed a morning ...",
            link=google_alerts_link("https://blog.example/2026/acme-espresso"),
            entry_id="tag:google.com,2013:googlealerts/feed:10000000000000000002",
            published=now - 900,
        )

    # --- serving ------------------------------------------------------------------------------

    def _find(self, request: Request) -> Feed | None:
        query = urlencode(sorted(request.query.items()))
        route = request.path + (f"?{query}" if query else "")
        with self._feeds_lock:
            return self.feeds.get(route)

    def handle(self, request: Request) -> Answer:
        if request.method != "GET":
            return Answer(405, "<h1>405 Method Not Allowed</h1>", content_type="text/html")
        feed = self._find(request)
        if feed is None:
            return Answer(404, "<h1>404 Not Found</h1>", content_type="text/html")
        with self._feeds_lock:
            body = self.render(feed)
            changed = feed.changed
        etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:20] + '"'
        modified = _http_date(changed)
        headers = {"ETag": etag, "Last-Modified": modified, "Cache-Control": "max-age=300"}
        if self.conditional and self._not_modified(request, etag, changed):
            return Answer(304, b"", headers, content_type=CONTENT_TYPES[feed.kind])
        return Answer(200, body, headers, content_type=CONTENT_TYPES[feed.kind])

    @staticmethod
    def _not_modified(request: Request, etag: str, changed: float) -> bool:
        match = request.headers.get("if-none-match")
        if match is not None:  # RFC 9110: If-None-Match wins over If-Modified-Since
            return etag in [m.strip() for m in match.split(",")] or match.strip() == "*"
        since = request.headers.get("if-modified-since")
        if since:
            try:
                when = email.utils.parsedate_to_datetime(since).timestamp()
            except (TypeError, ValueError):
                return False
            return int(changed) <= int(when)
        return False

    def render(self, feed: Feed) -> str:
        entries = sorted(feed.entries, key=lambda e: e.published, reverse=True)
        if feed.kind == "atom":
            return self._atom(feed, entries)
        return self._rss(feed, entries)

    @staticmethod
    def _rss(feed: Feed, entries: list[FeedEntry]) -> str:
        items = []
        for e in entries:
            parts = [f"<title>{escape(e.title)}</title>"]
            if e.link:
                parts.append(f"<link>{escape(e.link)}</link>")
            if e.entry_id:
                permalink = "true" if e.entry_id == e.link else "false"
                parts.append(f'<guid isPermaLink="{permalink}">{escape(e.entry_id)}</guid>')
            parts.append(f"<pubDate>{_http_date(e.published)}</pubDate>")
            if e.author:
                parts.append(f"<dc:creator>{escape(e.author)}</dc:creator>")
            parts.append(f"<description>{escape(e.html)}</description>")
            items.append("<item>" + "".join(parts) + "</item>")
        site = f"https://{urlsplit(feed.url).netloc}/"
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<channel><title>{escape(feed.title)}</title><link>{escape(site)}</link>"
            f"<description>{escape(feed.title)}</description>"
            f"<lastBuildDate>{_http_date(feed.changed)}</lastBuildDate>"
            + "".join(items)
            + "</channel></rss>\n"
        )

    @staticmethod
    def _atom(feed: Feed, entries: list[FeedEntry]) -> str:
        items = []
        for e in entries:
            parts = []
            if e.entry_id:
                parts.append(f"<id>{escape(e.entry_id)}</id>")
            parts.append(f'<title type="html">{escape(e.title)}</title>')
            if e.link:
                parts.append(f'<link href="{escape(e.link, {chr(34): "&quot;"})}"/>')
            parts.append(f"<published>{_iso(e.published)}</published>")
            parts.append(f"<updated>{_iso(e.published)}</updated>")
            parts.append(f'<content type="html">{escape(e.html)}</content>')
            parts.append(f"<author><name>{escape(e.author or '')}</name></author>")
            items.append("<entry>" + "".join(parts) + "</entry>")
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:idx="urn:atom-extension:indexing">'
            f"<id>tag:google.com,2005:reader/user/{hashlib.sha256(feed.url.encode()).hexdigest()[:20]}</id>"
            f"<title>{escape(feed.title)}</title>"
            f'<link href="{escape(feed.url)}" rel="self"/>'
            f"<updated>{_iso(feed.changed)}</updated>" + "".join(items) + "</feed>\n"
        )

    def describe(self, request: Request, answer: Answer) -> str | None:
        if answer.status != 200:
            return None
        return f"served feed {request.path}"

    def failure(self, fail: Failure) -> Answer:
        headers = {"Retry-After": str(fail.retry_after)} if fail.retry_after is not None else {}
        reason = fail.message or {429: "Too Many Requests", 503: "Service Unavailable"}.get(
            fail.status, "Error"
        )
        body = f"<html><body><h1>{fail.status} {escape(reason)}</h1></body></html>"
        return Answer(fail.status, body, headers, content_type="text/html; charset=utf-8")


__all__ = ["ALERTS_FEED", "REVIEWS_FEED", "FakeFeeds", "google_alerts_link"]
