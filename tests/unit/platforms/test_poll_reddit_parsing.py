"""Reddit's listings read into mentions, its search terms, its User-Agent and its token (the
requests checked against an httpx mock transport: no network, no store)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from heard.config import Brand, SourceSettings, parse_config
from heard.ingest.polling import (
    BadResponse,
    Budget,
    Misconfigured,
    PollContext,
    PollHttp,
)
from heard.models import MentionKind, Platform
from heard.platforms.reddit import poll as reddit

# As /search?sort=new&type=link answers (without raw_json=1: &, < and > escaped).
POST = {
    "kind": "t3",
    "data": {
        "subreddit": "mildlyinfuriating",
        "selftext": "Two charges for one order &amp; no reply.\n\n&gt; we&#39;ll call you back",
        "author_fullname": "t2_1w72",
        "title": "Acme &lt;3 charging twice",
        "subreddit_name_prefixed": "r/mildlyinfuriating",
        "name": "t3_1h2k3l4",
        "score": 412,
        "num_comments": 57,
        "id": "1h2k3l4",
        "author": "fuming_fran",
        "permalink": "/r/mildlyinfuriating/comments/1h2k3l4/acme_3_charging_twice/",
        "url": "https://www.reddit.com/r/mildlyinfuriating/comments/1h2k3l4/acme_3_charging_twice/",
        "created_utc": 1764500000.0,
        "over_18": False,
    },
}
# As /r/{sub}/comments answers.
COMMENT = {
    "kind": "t1",
    "data": {
        "subreddit_id": "t5_2qh1i",
        "link_title": "Acme charging twice",
        "replies": "",
        "author_fullname": "t2_abc",
        "id": "m1x2y3z",
        "author": "acme_mod",
        "parent_id": "t1_m0aaaaa",
        "score": 12,
        "body": "DM us the order number & we'll pass it on.",
        "link_id": "t3_1h2k3l4",
        "name": "t1_m1x2y3z",
        "permalink": "/r/acme/comments/1h2k3l4/acme_charging_twice/m1x2y3z/",
        "created_utc": 1764500600,
    },
}
LISTING = {
    "kind": "Listing",
    "data": {
        "after": "t1_m1x2y3z",
        "dist": 4,
        "modhash": "",
        "geo_filter": "",
        "children": [
            COMMENT,
            POST,
            {"kind": "t1", "data": {**COMMENT["data"], "name": "t1_gone", "body": "[removed]"}},
            {"kind": "more", "data": {"count": 3, "name": "t1__", "children": ["a", "b"]}},
        ],
        "before": None,
    },
}


def test_a_post_is_its_title_and_selftext_decoded_once() -> None:
    mention = reddit.mention_from_thing(POST)
    assert mention is not None
    assert mention.native_id == "t3_1h2k3l4" and mention.kind == MentionKind.POST
    assert mention.text == (
        "Acme <3 charging twice\n\nTwo charges for one order & no reply.\n\n> we'll call you back"
    )
    assert mention.url == (
        "https://www.reddit.com/r/mildlyinfuriating/comments/1h2k3l4/acme_3_charging_twice/"
    )
    assert (mention.author.handle, mention.author.id) == ("fuming_fran", "t2_1w72")
    assert mention.engagement == 469
    assert mention.created_at == datetime.fromtimestamp(1764500000, UTC)
    assert mention.platform == Platform.REDDIT and mention.source == "reddit"


def test_a_comment_replies_to_its_parent() -> None:
    mention = reddit.mention_from_thing(COMMENT)
    assert mention is not None
    assert mention.kind == MentionKind.COMMENT and mention.native_id == "t1_m1x2y3z"
    assert mention.text == "DM us the order number & we'll pass it on."
    assert mention.in_reply_to == "t1_m0aaaaa"
    assert (
        mention.url == "https://www.reddit.com/r/acme/comments/1h2k3l4/acme_charging_twice/m1x2y3z/"
    )
    assert mention.engagement == 12


def test_a_listing_keeps_removed_things_for_the_walk_but_not_as_mentions() -> None:
    listing = reddit.read_listing(LISTING)
    assert listing.after == "t1_m1x2y3z"
    # "more" has no time: skipped; "[removed]" still counts where the walk is.
    assert [name for name, _, _ in listing.things] == ["t1_m1x2y3z", "t3_1h2k3l4", "t1_gone"]
    assert [m is not None for _, _, m in listing.things] == [True, True, False]
    with pytest.raises(BadResponse):
        reddit.read_listing({"message": "Forbidden", "error": 403})


def test_a_link_post_without_selftext_is_its_title_and_odd_things_are_skipped() -> None:
    link = {"kind": "t3", "data": {**POST["data"], "selftext": "", "title": "Acme recall"}}
    assert reddit.mention_from_thing(link).text == "Acme recall"  # type: ignore[union-attr]
    assert reddit.mention_from_thing({"kind": "t5", "data": {"name": "t5_x"}}) is None
    assert reddit.mention_from_thing({"kind": "t3", "data": {"name": "t3_x"}}) is None


def _brand(listen: str = "") -> Brand:
    config = parse_config(
        f"""
brands:
  - name: Acme
    keywords: [acme, "acme support"]
    hashtags: [acmefail]
    handles: {{reddit: [acme_care]}}
    {listen}
""",
        "test",
    )
    return config.brands[0]


SETTINGS = SourceSettings(options={"app_id": "heard-acme", "username": "acme_care"})


def test_queries_are_search_terms_and_subreddit_comments() -> None:
    brand = _brand("listen: {reddit: {subreddits: [r/Acme, acmehelp]}}")
    queries = reddit.SOURCE.queries(brand, SETTINGS)
    assert [q.key for q in queries] == [
        "search:acme",
        'search:"acme support"',
        "search:acmefail",
        "search:acme_care",
        "r/acme/comments",
        "r/acmehelp/comments",
    ]
    assert queries[1].params["params"] == {"q": '"acme support"', "sort": "new", "type": "link"}
    own = _brand("listen: {reddit: {queries: [acme kettle]}}")
    assert [q.key for q in reddit.SOURCE.queries(own, SETTINGS)] == ['search:"acme kettle"']


def test_the_user_agent_options_are_required() -> None:
    with pytest.raises(Misconfigured, match="app_id and username"):
        reddit.SOURCE.queries(_brand(), SourceSettings())


def _context(
    handler: httpx.MockTransport, options: dict, base_url: str = reddit.Reddit.default_base_url
) -> PollContext:
    client = httpx.Client(transport=handler)
    budget = Budget(None, "reddit", 100, "requests")
    return PollContext(
        "reddit",
        _brand(),
        SourceSettings(options=options),
        PollHttp(client, "reddit", budget),
        base_url,
        datetime.now(UTC),
    )


def test_the_token_comes_from_www_reddit_com_and_the_listings_from_oauth(monkeypatch) -> None:
    monkeypatch.setenv("HEARD_REDDIT_CLIENT_ID", "cid")
    monkeypatch.setenv("HEARD_REDDIT_CLIENT_SECRET", "csecret")
    reddit.forget_tokens()
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/api/v1/access_token":
            return httpx.Response(
                200,
                json={
                    "access_token": "tok",
                    "token_type": "bearer",
                    "expires_in": 86400,
                    "scope": "*",
                },
            )
        return httpx.Response(200, json={"kind": "Listing", "data": {"children": []}})

    ctx = _context(httpx.MockTransport(answer), {"app_id": "heard-acme", "username": "acme_care"})
    query = reddit.SOURCE.queries(_brand(), SETTINGS)[0]
    pages = list(reddit.SOURCE.pages(ctx, query, {}))
    assert len(pages) == 1 and pages[0].mentions == []
    token, search = seen
    assert str(token.url) == "https://www.reddit.com/api/v1/access_token"
    assert token.headers["authorization"] == "Basic " + "Y2lkOmNzZWNyZXQ="  # cid:csecret
    assert token.content == b"grant_type=client_credentials"
    assert search.url.host == "oauth.reddit.com" and search.url.path == "/search"
    assert search.headers["authorization"] == "bearer tok"
    assert all(r.headers["user-agent"] == "linux:heard-acme:1.0 (by /u/acme_care)" for r in seen)
    # The next run of this process reuses the token.
    list(reddit.SOURCE.pages(ctx, query, {}))
    assert [r.url.path for r in seen[2:]] == ["/search"]
    reddit.forget_tokens()


def test_the_watermark_moves_only_up_and_keeps_what_it_heard_within_the_overlap() -> None:
    mark = reddit.Reddit._watermark
    assert mark(10.0, {"a": 10.0}, None, {}, 0) == {"watermark": 10.0, "seen": {"a": 10.0}}
    assert mark(10.0, {"a": 10.0}, 10.0, {"b": 10.0}, 0) == {
        "watermark": 10.0,
        "seen": {"a": 10.0, "b": 10.0},
    }
    assert mark(10.0, {"a": 10.0}, 12.0, {"c": 12.0}, 0) == {"watermark": 12.0, "seen": {"c": 12.0}}
    assert mark(1000.0, {"a": 990.0, "old": 300.0}, 1200.0, {"c": 1200.0, "d": 700.0}, 600) == {
        "watermark": 1200.0,
        "seen": {"a": 990.0, "c": 1200.0, "d": 700.0},
    }
