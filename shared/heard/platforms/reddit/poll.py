"""Reddit posts that name a brand, and the new comments of the subreddits it lists.

Application-only OAuth: ``POST {auth_url}/api/v1/access_token`` with HTTP Basic (client id,
client secret) and ``grant_type=client_credentials`` answers a bearer token for a day; it is
kept in memory for the process (per client id and token URL) so a run does not ask for one
each time, and a 401 on an API call asks for a new one once before the run ends as
``AuthFailed``. Then, on ``{base_url}`` (https://oauth.reddit.com):

- ``GET /search?q=…&sort=new&type=link&restrict_sr=false&limit=100&raw_json=1``: posts
  site-wide (search does not cover comments), one query per search term;
- ``GET /r/{sub}/comments?limit=100&raw_json=1``: the newest comments of each subreddit in the
  brand's ``listen.reddit.subreddits``.

Both are listings, newest first, paged with ``after`` (a fullname, ``t3_…``/``t1_…``, which
is also the mention's ``native_id``). A query's cursor is a watermark: the newest
``created_utc`` already walked and the fullnames seen at that second. A run walks from the
newest back to the watermark less ``overlap_minutes`` (default 10: a post Reddit's search
indexes late, with a time before the watermark, is still heard; the fullnames heard within the
overlap are kept, so none is queued twice), or to the end of the listing, which Reddit stops at
about 1,000 items, queueing each page; only when the walk gets there does the watermark move
up to the newest item of the walk. A walk cut short (``max_pages`` pages a run, the deadline, a rate
limit) stores its position (``walk``) and the next run resumes it; a 429 or a 5xx leaves the
cursor where it was. The first run of a query looks back ``lookback_hours`` (default 24).

Every request sends the User-Agent Reddit's rules ask for, ``<platform>:<app id>:<version>
(by /u/<username>)``, from the options ``app_id`` and ``username`` (``platform``: default
``linux``). The budget counts requests, token requests included (default 10,000 a day; the
free tier allows 100 a minute per client id).

Relied on: Reddit Data API Wiki (support.reddithelp.com/hc/en-us/articles/16160319875092),
Reddit's OAuth2 wiki (github.com/reddit-archive/reddit/wiki/OAuth2, "Application Only OAuth"),
reddit.com/dev/api (search, comments, listings, raw_json) and the Responsible Builder Policy
(support.reddithelp.com/hc/articles/42728983564564).
"""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from heard.config import Brand, SourceSettings
from heard.ingest.polling import (
    VERSION,
    AuthFailed,
    BadResponse,
    Misconfigured,
    Page,
    PollContext,
    Query,
)
from heard.models import Author, Mention, MentionKind, Platform
from heard.secrets import SecretRef, SecretUnavailable, get_secret

PAGE_LIMIT = 100
DEFAULT_MAX_PAGES = 10
DEFAULT_OVERLAP_MINUTES = 10
DEFAULT_LOOKBACK = timedelta(hours=24)
DEFAULT_AUTH_URL = "https://www.reddit.com"
SITE = "https://www.reddit.com"
# A token is not used in its last minute: a run must not start with one about to expire.
TOKEN_MARGIN = timedelta(seconds=60)

SECRETS: tuple[SecretRef, ...] = (
    SecretRef(
        "HEARD_REDDIT_CLIENT_ID", "LISTEN_SECRET_NAME", "reddit_client_id", "local-reddit-client"
    ),
    SecretRef(
        "HEARD_REDDIT_CLIENT_SECRET",
        "LISTEN_SECRET_NAME",
        "reddit_client_secret",
        "local-reddit-secret",
    ),
)
CLIENT_ID, CLIENT_SECRET = SECRETS


# --- reading a listing -----------------------------------------------------------------------


def _text(value: Any) -> str:
    """Reddit's text fields: HTML-escaped (``&amp; &lt; &gt;``) unless ``raw_json=1`` was
    honoured; markdown renders entities anyway, so they are decoded either way."""
    return html.unescape(str(value or "")).strip()


def _created(data: Mapping[str, Any]) -> float | None:
    value = data.get("created_utc")
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            return float(str(value))
        except ValueError:
            return None
    return float(value)


def mention_from_thing(thing: Mapping[str, Any]) -> Mention | None:
    """One listing child (``t3`` post or ``t1`` comment) as a mention; None for anything else,
    or one without a fullname, a time or any text."""
    kind = thing.get("kind")
    data = thing.get("data")
    if kind not in ("t3", "t1") or not isinstance(data, Mapping):
        return None
    name = str(data.get("name") or "").strip()
    if not name and data.get("id"):
        name = f"{kind}_{data['id']}"
    created = _created(data)
    if not name or created is None:
        return None
    if kind == "t3":
        title, body = _text(data.get("title")), _text(data.get("selftext"))
        text = "\n\n".join(t for t in (title, body) if t)
        engagement = int(data.get("score") or 0) + int(data.get("num_comments") or 0)
        in_reply_to = None
        mention_kind = MentionKind.POST
    else:
        text = _text(data.get("body"))
        engagement = int(data.get("score") or 0)
        parent = data.get("parent_id") or data.get("link_id")
        in_reply_to = str(parent) if parent else None
        mention_kind = MentionKind.COMMENT
    if not text or text in ("[deleted]", "[removed]"):
        return None
    author = str(data.get("author") or "") or None
    permalink = str(data.get("permalink") or "")
    return Mention(
        platform=Platform.REDDIT,
        native_id=name,
        kind=mention_kind,
        text=text,
        author=Author(
            id=data.get("author_fullname") or author,
            handle=author if author != "[deleted]" else None,
        ),
        url=SITE + permalink if permalink.startswith("/") else (permalink or None),
        created_at=datetime.fromtimestamp(created, UTC),
        in_reply_to=in_reply_to,
        source="reddit",
        engagement=max(engagement, 0),
    )


@dataclass
class Listing:
    things: list[tuple[str, float, Mention | None]]  # fullname, created_utc, mention
    after: str | None


def read_listing(body: Any) -> Listing:
    """A ``Listing`` answer; ``BadResponse`` if it is not one."""
    data = body.get("data") if isinstance(body, Mapping) else None
    children = data.get("children") if isinstance(data, Mapping) else None
    if not isinstance(children, list):
        raise BadResponse("reddit: the answer is not a listing")
    things: list[tuple[str, float, Mention | None]] = []
    for child in children:
        if not isinstance(child, Mapping) or not isinstance(child.get("data"), Mapping):
            continue
        mention = mention_from_thing(child)
        inner = child["data"]
        name = str(inner.get("name") or "") or (
            f"{child.get('kind')}_{inner['id']}" if inner.get("id") else ""
        )
        created = _created(inner)
        if name and created is not None:
            things.append((name, created, mention))
    after = data.get("after") if isinstance(data, Mapping) else None
    return Listing(things, str(after) if after else None)


# --- the token -------------------------------------------------------------------------------

_tokens: dict[tuple[str, str], tuple[str, datetime]] = {}
_tokens_lock = threading.Lock()


def forget_tokens() -> None:
    """Drop every cached token (tests; a process that rotated its credentials)."""
    with _tokens_lock:
        _tokens.clear()


def user_agent(ctx: PollContext) -> str:
    app_id, username = ctx.option("app_id"), ctx.option("username")
    missing = [n for n, v in (("app_id", app_id), ("username", username)) if not v]
    if missing:
        raise Misconfigured(
            f"reddit: set sources.reddit.options {' and '.join(missing)} (Reddit requires a "
            "User-Agent '<platform>:<app id>:<version> (by /u/<username>)')"
        )
    platform = ctx.option("platform", "linux")
    version = ctx.option("version", VERSION)
    return f"{platform}:{app_id}:{version} (by /u/{str(username).removeprefix('/u/')})"


class _Session:
    """One run's requests to Reddit: the User-Agent, the bearer token, one retry on a 401."""

    def __init__(self, ctx: PollContext):
        self.ctx = ctx
        self.user_agent = user_agent(ctx)
        explicit = ctx.option("auth_url")
        if explicit:
            self.auth_url = str(explicit).rstrip("/")
        elif ctx.base_url != Reddit.default_base_url:
            self.auth_url = ctx.base_url  # a proxy or the fake serves both
        else:
            self.auth_url = DEFAULT_AUTH_URL
        self._credentials: tuple[str, str] | None = None

    def credentials(self) -> tuple[str, str]:
        if self._credentials is None:
            try:
                self._credentials = (get_secret(CLIENT_ID), get_secret(CLIENT_SECRET))
            except SecretUnavailable as exc:
                raise AuthFailed(f"reddit: no client credentials: {exc}") from exc
        return self._credentials

    def _key(self) -> tuple[str, str]:
        return (self.credentials()[0], self.auth_url)

    def token(self, renew: bool = False) -> str:
        key = self._key()
        now = self.ctx.now
        with _tokens_lock:
            cached = _tokens.get(key)
        if cached and not renew and cached[1] - TOKEN_MARGIN > now:
            return cached[0]
        response = self.ctx.http.request(
            "POST",
            self.ctx.url("api/v1/access_token", self.auth_url),
            data={"grant_type": "client_credentials"},
            auth=self.credentials(),
            headers={"User-Agent": self.user_agent},
        )
        body = self.ctx.http.json(response)
        token = body.get("access_token") if isinstance(body, Mapping) else None
        if not token:
            error = body.get("error") if isinstance(body, Mapping) else None
            raise AuthFailed(f"reddit: no access token was granted ({error or 'no token'})")
        try:
            lifetime = int(body.get("expires_in") or 3600)
        except (TypeError, ValueError):
            lifetime = 3600
        with _tokens_lock:
            _tokens[key] = (str(token), now + timedelta(seconds=lifetime))
        return str(token)

    def get(self, path: str, params: Mapping[str, Any]) -> Any:
        url = self.ctx.url(path)
        for attempt in (0, 1):
            token = self.token(renew=attempt > 0)
            response = self.ctx.http.request(
                "GET",
                url,
                params=params,
                headers={"User-Agent": self.user_agent, "Authorization": f"bearer {token}"},
                ok=(200, 401),
            )
            if response.status_code != 401:
                return self.ctx.http.json(response)
            with _tokens_lock:
                _tokens.pop(self._key(), None)
        raise AuthFailed(f"reddit: GET {path} answered 401 with a new token too")


# --- the source ------------------------------------------------------------------------------


def _search_term(term: str) -> str:
    """A brand term as Reddit search syntax: ``#acme``/``@acme`` as words, phrases quoted."""
    term = term.strip().lstrip("#@").strip()
    if not term:
        return ""
    return f'"{term}"' if " " in term else term


class Reddit:
    name = "reddit"
    platform = Platform.REDDIT
    default_base_url = "https://oauth.reddit.com"
    budget_unit = "requests"
    default_budget_per_day = 10_000

    def queries(self, brand: Brand, settings: SourceSettings) -> list[Query]:
        listen = brand.listening(self.name)
        terms = listen.queries or brand.search_terms(Platform.REDDIT)
        found: list[Query] = []
        for term in dict.fromkeys(_search_term(t) for t in terms):
            if term:
                found.append(
                    Query(
                        f"search:{term.lower()}",
                        {"path": "search", "params": {"q": term, "sort": "new", "type": "link"}},
                    )
                )
        for sub in dict.fromkeys(s.lower() for s in listen.subreddits):
            found.append(Query(f"r/{sub}/comments", {"path": f"r/{sub}/comments", "params": {}}))
        if found:
            missing = [n for n in ("app_id", "username") if not settings.options.get(n)]
            if missing:
                raise Misconfigured(
                    f"reddit: set sources.reddit.options {' and '.join(missing)} (Reddit "
                    "requires a User-Agent '<platform>:<app id>:<version> (by /u/<username>)')"
                )
        return found

    def pages(self, ctx: PollContext, query: Query, cursor: Mapping[str, Any]) -> Iterator[Page]:
        session = _Session(ctx)
        max_pages = max(int(ctx.option("max_pages", DEFAULT_MAX_PAGES)), 1)
        lookback = timedelta(
            hours=float(ctx.option("lookback_hours", DEFAULT_LOOKBACK.total_seconds() / 3600))
        )
        mark = float(cursor.get("watermark", (ctx.now - lookback).timestamp()))
        overlap = 60 * float(ctx.option("overlap_minutes", DEFAULT_OVERLAP_MINUTES))
        seen = _times(cursor.get("seen"), mark)
        walk = cursor.get("walk") if isinstance(cursor.get("walk"), Mapping) else None
        after: str | None = str(walk["after"]) if walk and walk.get("after") else None
        top: float | None = float(walk["top"]) if walk and walk.get("top") is not None else None
        recent = _times(walk.get("recent", walk.get("top_seen")), top or mark) if walk else {}
        resumed = after is not None
        queued: set[str] = set()  # this run: a post that moved to the next page is queued once
        params = {
            **query.params["params"],
            "limit": PAGE_LIMIT,
            "raw_json": 1,
            **({"restrict_sr": "false"} if query.params["path"] == "search" else {}),
        }
        for number in range(1, max_pages + 1):
            body = session.get(
                query.params["path"], {**params, **({"after": after} if after else {})}
            )
            listing = read_listing(body)
            if resumed and number == 1 and not listing.things:
                # The walk's anchor is gone (deleted): walk again from the newest.
                after, resumed = None, False
                body = session.get(query.params["path"], params)
                listing = read_listing(body)
            reached = False
            mentions: list[Mention] = []
            for name, created, mention in listing.things:
                if created < mark - overlap:
                    reached = True
                    continue
                if name in seen:  # heard by an earlier walk
                    continue
                if top is None or created > top:
                    top = created
                if created >= top - overlap:
                    recent[name] = created
                if mention is not None and name not in queued:
                    queued.add(name)
                    mentions.append(mention)
            after = listing.after
            if reached or after is None:
                yield Page(mentions, self._watermark(mark, seen, top, recent, overlap))
                return
            yield Page(
                mentions,
                {
                    "watermark": mark,
                    "seen": seen,
                    "walk": {"after": after, "top": top, "recent": recent},
                },
            )

    @staticmethod
    def _watermark(
        mark: float,
        seen: dict[str, float],
        top: float | None,
        recent: dict[str, float],
        overlap: float,
    ) -> dict[str, Any]:
        """The walk got back to the old watermark, less the overlap (or to the listing's end):
        move it up to the walk's newest item, and remember what was heard within the overlap
        before it, so a post search indexes late is heard and one heard already is not again."""
        new_mark = mark if top is None or top < mark else top
        merged = {**seen, **recent}
        return {
            "watermark": new_mark,
            "seen": {n: c for n, c in merged.items() if c >= new_mark - overlap},
        }


def _times(value: Any, at: float) -> dict[str, float]:
    """Fullnames heard, with their times (an older cursor kept a list, all at the watermark)."""
    if isinstance(value, Mapping):
        return {str(k): float(v) for k, v in value.items()}
    if isinstance(value, list):
        return {str(n): at for n in value}
    return {}


SOURCE = Reddit()
"""Reddit, heard through the Data API (``poll``); no webhook, no replies."""
