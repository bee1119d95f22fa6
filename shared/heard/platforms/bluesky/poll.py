"""Bluesky posts that name a brand, from ``app.bsky.feed.searchPosts``.

Search needs an authenticated session. Heard logs in once with an app password
(``com.atproto.server.createSession``, limited to 30 a 5 minutes and 300 a day per account)
and keeps the session in the ListenSecret (``bluesky_access_jwt``, ``bluesky_refresh_jwt``):
later runs reuse it, an expired access token (``400 ExpiredToken``) is renewed with
``com.atproto.server.refreshSession``, and only when there is no session or the refresh is
refused does it log in again. The default host is the account's PDS (``https://bsky.social``),
which proxies ``app.bsky.*`` to the AppView; the AppView itself (``api.bsky.app``) also
refuses an unauthenticated search.

``searchPosts?q=…&sort=latest&since=…&limit=100&cursor=…`` answers the newest first. A query's
cursor is a watermark: ``since`` (the newest post's sort time seen by a finished walk) and
``seen`` (the posts from ``overlap_minutes`` before it, by URI). A run walks from the newest
back to ``since`` minus the overlap, queues what it has not seen, and only when that walk is
complete moves the watermark; a post the search indexes a little late still falls inside the
overlap. A 429 or 5xx mid-walk leaves the watermark where it was.

Rate limits: the PDS answers ``ratelimit-limit``, ``ratelimit-remaining``, ``ratelimit-reset``
(epoch seconds) and ``ratelimit-policy``; 3,000 requests a 5 minutes per IP. The budget counts
requests (default 20,000 a day).

Docs: "Rate Limits" (https://docs.bsky.app/docs/advanced-guides/rate-limits),
app.bsky.feed.searchPosts lexicon (https://docs.bsky.app/docs/api/app-bsky-feed-search-posts),
"API Hosts and Auth" (https://docs.bsky.app/docs/advanced-guides/api-directory).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from heard.config import Brand, SourceSettings
from heard.ingest.polling import AuthFailed, BadResponse, Page, PollContext, Query
from heard.models import Author, Mention, MentionKind, Platform
from heard.platforms._keys import at_uri_key
from heard.secrets import (
    SecretRef,
    SecretUnavailable,
    get_optional_secret,
    get_secret,
    store_secret_values,
)

log = logging.getLogger(__name__)

IDENTIFIER = SecretRef(
    "HEARD_BLUESKY_IDENTIFIER", "LISTEN_SECRET_NAME", "bluesky_identifier", "heard-demo.test"
)
APP_PASSWORD = SecretRef(
    "HEARD_BLUESKY_APP_PASSWORD",
    "LISTEN_SECRET_NAME",
    "bluesky_app_password",
    "local-bluesky-app-password",
)
# The session Heard keeps (written back by the poller; empty until the first login).
ACCESS_JWT = SecretRef("HEARD_BLUESKY_ACCESS_JWT", "LISTEN_SECRET_NAME", "bluesky_access_jwt", "")
REFRESH_JWT = SecretRef(
    "HEARD_BLUESKY_REFRESH_JWT", "LISTEN_SECRET_NAME", "bluesky_refresh_jwt", ""
)
SECRETS: tuple[SecretRef, ...] = (IDENTIFIER, APP_PASSWORD, ACCESS_JWT, REFRESH_JWT)

SEARCH = "xrpc/app.bsky.feed.searchPosts"
CREATE_SESSION = "xrpc/com.atproto.server.createSession"
REFRESH_SESSION = "xrpc/com.atproto.server.refreshSession"
PAGE_SIZE = 100
DEFAULT_LOOKBACK = timedelta(hours=24)
DEFAULT_OVERLAP = timedelta(minutes=10)
MAX_SEEN = 2000
POST_URL = "https://bsky.app/profile/{}/post/{}"
# What an answer's XRPC error says when the access token must be renewed.
_RENEW = {"ExpiredToken", "InvalidToken", "AuthenticationRequired", "AuthMissing"}


# --- reading posts ----------------------------------------------------------------------------


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def sort_at(post: Mapping[str, Any]) -> datetime | None:
    """When search sorts the post: the earlier of its creation and its indexing (a post
    claiming a future ``createdAt`` sorts when it was indexed)."""
    record = _obj(post.get("record"))
    times = [
        t for t in (parse_time(record.get("createdAt")), parse_time(post.get("indexedAt"))) if t
    ]
    return min(times) if times else None


def mention_from_post(post: Mapping[str, Any]) -> Mention | None:
    """One ``app.bsky.feed.defs#postView`` as a mention (None without a URI or text)."""
    uri = str(post.get("uri") or "").strip()
    record = post.get("record")
    if not uri.startswith("at://") or not isinstance(record, dict):
        return None
    text = str(record.get("text") or "").strip()
    if not text:
        return None
    author = _obj(post.get("author"))
    handle = str(author.get("handle") or "") or None
    did = str(author.get("did") or "") or None
    rkey = uri.rsplit("/", 1)[-1]
    parent = _obj(_obj(record.get("reply")).get("parent")) or None
    langs = record.get("langs")
    lang = langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else None
    created = parse_time(record.get("createdAt")) or sort_at(post) or datetime.now(UTC)
    engagement = sum(
        int(post.get(k) or 0) for k in ("likeCount", "repostCount", "replyCount", "quoteCount")
    )
    return Mention(
        platform=Platform.BLUESKY,
        native_id=at_uri_key(uri),
        kind=MentionKind.REPLY if parent else MentionKind.POST,
        text=text,
        author=Author(id=did, handle=handle, name=author.get("displayName") or None),
        url=POST_URL.format(handle or did, rkey) if (handle or did) else None,
        created_at=created,
        lang=lang,
        in_reply_to=at_uri_key(str(parent["uri"])) if parent and parent.get("uri") else None,
        source="bluesky",
        engagement=engagement,
    )


# --- the session ------------------------------------------------------------------------------


@dataclass
class Session:
    access: str
    refresh: str | None


def _xrpc_error(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("error") or "") if isinstance(body, dict) else ""


def _save(session: Session) -> None:
    values = {ACCESS_JWT: session.access}
    if session.refresh:
        values[REFRESH_JWT] = session.refresh
    try:
        store_secret_values(values)
    except Exception as exc:  # the run still has the session; the next one logs in again
        log.warning("bluesky: could not keep the session: %s", exc)


def _stored_session() -> Session | None:
    access = get_optional_secret(ACCESS_JWT)
    return Session(access, get_optional_secret(REFRESH_JWT)) if access else None


def _session_from(ctx: PollContext, response: httpx.Response, what: str) -> Session:
    body = ctx.http.json(response)
    access = body.get("accessJwt") if isinstance(body, dict) else None
    if not isinstance(access, str) or not access:
        raise BadResponse(f"bluesky: {what} answered without an accessJwt")
    refresh = body.get("refreshJwt")
    session = Session(access, refresh if isinstance(refresh, str) and refresh else None)
    _save(session)
    return session


def create_session(ctx: PollContext) -> Session:
    """Log in with the app password (rate limited: only when there is no usable session)."""
    try:
        identifier, password = get_secret(IDENTIFIER), get_secret(APP_PASSWORD)
    except SecretUnavailable as exc:
        raise AuthFailed(f"bluesky: no app password: {exc}") from exc
    response = ctx.http.request(
        "POST",
        ctx.url(CREATE_SESSION),
        json={"identifier": identifier, "password": password},
        ok=(200, 400, 401),
    )
    if response.status_code != 200:
        raise AuthFailed(
            f"bluesky: createSession refused the app password ({response.status_code} "
            f"{_xrpc_error(response) or 'error'})"
        )
    return _session_from(ctx, response, "createSession")


def refresh_session(ctx: PollContext, session: Session) -> Session | None:
    """A new session from the refresh token (None if it was refused)."""
    if not session.refresh:
        return None
    response = ctx.http.request(
        "POST",
        ctx.url(REFRESH_SESSION),
        headers={"Authorization": f"Bearer {session.refresh}"},
        ok=(200, 400, 401),
    )
    if response.status_code != 200:
        log.info("bluesky: refreshSession refused (%s): logging in", _xrpc_error(response))
        return None
    return _session_from(ctx, response, "refreshSession")


def renew(ctx: PollContext, session: Session | None) -> Session:
    return (refresh_session(ctx, session) if session else None) or create_session(ctx)


# --- the source -------------------------------------------------------------------------------


class Bluesky:
    name = "bluesky"
    platform = Platform.BLUESKY
    default_base_url = "https://bsky.social"
    budget_unit = "requests"
    default_budget_per_day = 20_000

    def queries(self, brand: Brand, settings: SourceSettings) -> list[Query]:
        own = brand.listening(self.name).queries
        terms = own or [t.lstrip("@") for t in brand.search_terms(Platform.BLUESKY)]
        found: dict[str, Query] = {}
        for term in terms:
            key = f"search:{term.lower()}"
            if term and key not in found:  # search ignores case: one query per term
                found[key] = Query(key, {"q": term})
        return list(found.values())

    def pages(self, ctx: PollContext, query: Query, cursor: Mapping[str, Any]) -> Iterator[Page]:
        overlap = timedelta(
            minutes=float(ctx.option("overlap_minutes", DEFAULT_OVERLAP.total_seconds() / 60))
        )
        lookback = timedelta(
            hours=float(ctx.option("lookback_hours", DEFAULT_LOOKBACK.total_seconds() / 3600))
        )
        since = parse_time(cursor.get("since"))
        seen: dict[str, str] = dict(cursor.get("seen") or {})
        low = (since - overlap) if since else (ctx.now - lookback)
        top = since
        found: dict[str, str] = {}  # uri -> sort time, this walk
        session = _stored_session()
        api_cursor: str | None = None
        while True:
            session, body = self._search(ctx, session, query, low, api_cursor)
            posts = [p for p in body["posts"] if isinstance(p, dict)]
            mentions: list[Mention] = []
            older = 0  # posts from before the walk's lower bound (a host that ignored since)
            for post in posts:
                at = sort_at(post)
                uri = str(post.get("uri") or "")
                if at is None or not uri:
                    continue
                if at < low:
                    older += 1
                    continue
                if uri in seen or uri in found:
                    continue
                found[uri] = iso(at)
                top = at if top is None or at > top else top
                mention = mention_from_post(post)
                if mention is not None:
                    mentions.append(mention)
            next_cursor = body.get("cursor")
            done = (
                not posts
                or older == len(posts)
                or not isinstance(next_cursor, str)
                or not next_cursor
            )
            if not done:
                yield Page(mentions)  # the watermark moves only once the walk is complete
                api_cursor = next_cursor
                continue
            yield Page(mentions, self._watermark(top, seen, found, overlap))
            return

    @staticmethod
    def _watermark(
        top: datetime | None, seen: dict[str, str], found: dict[str, str], overlap: timedelta
    ) -> dict[str, Any]:
        if top is None:
            return {}
        keep_from = top - overlap
        merged = {**seen, **found}
        kept = {u: t for u, t in merged.items() if (parse_time(t) or top) >= keep_from}
        newest = sorted(kept.items(), key=lambda item: item[1], reverse=True)[:MAX_SEEN]
        return {"since": iso(top), "seen": dict(newest)}

    def _search(
        self,
        ctx: PollContext,
        session: Session | None,
        query: Query,
        since: datetime,
        api_cursor: str | None,
    ) -> tuple[Session, dict[str, Any]]:
        """One page of search, renewing the session once if it has expired."""
        params: dict[str, Any] = {
            "q": query.params["q"],
            "sort": "latest",
            "limit": PAGE_SIZE,
            "since": iso(since),
        }
        if api_cursor:
            params["cursor"] = api_cursor
        if session is None:
            session = create_session(ctx)
        for attempt in (1, 2):
            response = ctx.http.request(
                "GET",
                ctx.url(SEARCH),
                params=params,
                headers={"Authorization": f"Bearer {session.access}"},
                ok=(200, 400, 401),
            )
            if response.status_code == 200:
                body = ctx.http.json(response)
                if not isinstance(body, dict) or not isinstance(body.get("posts"), list):
                    raise BadResponse("bluesky: searchPosts answered without posts")
                return session, body
            error = _xrpc_error(response)
            if response.status_code == 400 and error not in _RENEW:
                raise BadResponse(f"bluesky: searchPosts refused the query: {error or 400}")
            if attempt == 2:
                raise AuthFailed(f"bluesky: searchPosts refused a new session ({error or 401})")
            session = renew(ctx, session)
        raise AssertionError("unreachable")


SOURCE = Bluesky()
"""Bluesky, heard through app.bsky.feed.searchPosts (``poll``); no webhook, no replies."""
