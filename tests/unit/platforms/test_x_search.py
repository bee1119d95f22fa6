"""X recent search: reading an answer (as X's docs show one), building queries, and the walk's
cursor against a mock transport."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from heard.config import SourceSettings, parse_config
from heard.ingest.polling import (
    AuthFailed,
    Budget,
    BudgetExhausted,
    Misconfigured,
    PollContext,
    PollHttp,
)
from heard.models import MentionKind, Platform
from heard.platforms.x import v2
from heard.platforms.x.poll import (
    BEARER_TOKEN,
    SOURCE,
    mentions_from_page,
    snowflake_time,
)
from heard.platforms.x.rules import build_rules

EVENTS = Path(__file__).resolve().parents[3] / "events" / "webhooks"

# Shaped as the recent search example in X's docs (fields asked for by the source).
ANSWER: dict[str, Any] = {
    "data": [
        {
            "id": "1460323737035677698",
            "text": '@acme your app logged me out again and support just says "try later"',
            "author_id": "2244994945",
            "conversation_id": "1460323737035677600",
            "created_at": "2021-11-15T19:08:05.000Z",
            "in_reply_to_user_id": "1000000001",
            "referenced_tweets": [{"type": "replied_to", "id": "1460323737035677600"}],
            "lang": "en",
            "public_metrics": {
                "retweet_count": 2,
                "reply_count": 1,
                "like_count": 19,
                "quote_count": 0,
                "bookmark_count": 0,
                "impression_count": 1200,
            },
            "edit_history_tweet_ids": ["1460323737035677698"],
            "entities": {"mentions": [{"start": 0, "end": 5, "username": "acme"}]},
        },
        {
            "id": "1460323737035677650",
            "text": "Long thoughts on Acme… https://t.co/abc",
            "note_tweet": {"text": "Long thoughts on Acme: the whole story, every word of it."},
            "author_id": "99",
            "created_at": "2021-11-15T19:07:00.000Z",
            "lang": "und",
            "edit_history_tweet_ids": ["1460323737035677601", "1460323737035677650"],
        },
        {
            "id": "1460323737035677640",
            "text": "RT @someone: Acme is down",
            "author_id": "2244994945",
            "created_at": "2021-11-15T19:06:00.000Z",
            "referenced_tweets": [{"type": "retweeted", "id": "1460323737035677000"}],
            "edit_history_tweet_ids": ["1460323737035677640"],
        },
        {"id": "1460323737035677630", "text": "no created_at: unreadable"},
    ],
    "includes": {
        "users": [
            {
                "id": "2244994945",
                "name": "Dev Person",
                "username": "DevPerson",
                "verified": False,
                "public_metrics": {
                    "followers_count": 513_000,
                    "following_count": 2000,
                    "tweet_count": 3600,
                    "listed_count": 1700,
                },
            }
        ]
    },
    "meta": {
        "newest_id": "1460323737035677698",
        "oldest_id": "1460323737035677630",
        "result_count": 4,
        "next_token": "b26v89c19zqg8o3fpzbkk9ohx2rxnjvd7npdf5y1xdq65",
    },
}

CONFIG = """
brands:
  - name: Acme
    handles: {x: ["@acme"]}
    hashtags: [acme]
    keywords: [acme, "acme pay"]
    exclusions: ["acme acres"]
    platforms: [x]
"""


def brand(text: str = CONFIG):
    found = parse_config(text, "test").brand("Acme")
    assert found is not None
    return found


# --- reading ------------------------------------------------------------------------------------


def test_an_answer_becomes_mentions_as_the_stream_would_read_them():
    mentions = mentions_from_page(ANSWER)
    assert [m.native_id for m in mentions] == ["1460323737035677698", "1460323737035677601"]
    reply, long = mentions
    assert reply.platform is Platform.X and reply.kind is MentionKind.REPLY
    assert reply.in_reply_to == "1460323737035677600"
    assert reply.author.followers == 513_000 and reply.author.handle == "DevPerson"
    assert reply.url == "https://x.com/DevPerson/status/1460323737035677698"
    assert reply.created_at == datetime(2021, 11, 15, 19, 8, 5, tzinfo=UTC)
    assert reply.engagement == 22 and reply.lang == "en" and reply.source == "x"
    # The full text of a long Post; its first id keys every version; no user: a bare URL.
    assert long.text == "Long thoughts on Acme: the whole story, every word of it."
    assert long.url == "https://x.com/i/web/status/1460323737035677650"
    assert long.lang is None and long.author.followers == 0


def test_an_empty_answer_has_no_mentions():
    assert mentions_from_page({"meta": {"result_count": 0}}) == []


def test_a_post_is_the_same_mention_from_search_and_from_the_filtered_stream():
    delivery = json.loads((EVENTS / "x-filtered-stream.json").read_text(encoding="utf-8"))
    [streamed] = v2.parse(delivery)
    [searched] = mentions_from_page(
        {"data": [delivery["data"]], "includes": delivery["includes"], "meta": {}}
    )
    assert searched.key == streamed.mention.key == "x:1861000000000000210"
    assert searched.model_dump(exclude={"source"}) == streamed.mention.model_dump(
        exclude={"source"}
    )


def test_snowflake_ids_tell_when_a_post_was_made():
    assert snowflake_time("1460323737035677698") == datetime(
        2021, 11, 15, 19, 8, 5, 69_000, tzinfo=UTC
    )
    assert snowflake_time("not an id") is None


# --- queries ------------------------------------------------------------------------------------


def test_the_query_is_the_filtered_stream_rule():
    [query] = SOURCE.queries(brand(), SourceSettings())
    [rule] = build_rules(brand(), 512)
    assert query.params["query"] == rule.value
    assert query.params["query"] == (
        '(@acme OR #acme OR "acme" OR "acme pay") -"acme acres" -is:retweet'
    )
    assert query.key.startswith("search:")
    assert SOURCE.queries(brand(), SourceSettings())[0].key == query.key  # stable


def test_terms_over_the_query_length_are_split_into_several_queries():
    keywords = ", ".join(f'"acme line {i:02d}"' for i in range(40))
    text = f"brands:\n  - name: Acme\n    keywords: [{keywords}]\n    platforms: [x]\n"
    short = SOURCE.queries(brand(text), SourceSettings())
    long = SOURCE.queries(brand(text), SourceSettings(options={"max_query_length": 4096}))
    assert len(short) > 1 and all(len(q.params["query"]) <= 512 for q in short)
    assert len(long) == 1
    assert len({q.key for q in short}) == len(short)


def test_the_brands_own_queries_replace_the_rule_and_leave_out_reposts():
    text = (
        CONFIG
        + '    listen:\n      x: {queries: ["acme refund lang:en", "from:acme -is:retweet"]}\n'
    )
    queries = [q.params["query"] for q in SOURCE.queries(brand(text), SourceSettings())]
    assert queries == ["(acme refund lang:en) -is:retweet", "from:acme -is:retweet"]


def test_a_query_that_cannot_fit_is_misconfigured():
    text = CONFIG + f'    listen:\n      x: {{queries: ["acme {"x" * 150}"]}}\n'
    with pytest.raises(Misconfigured, match="100"):
        SOURCE.queries(brand(text), SourceSettings(options={"max_query_length": 100}))


def test_a_brand_not_on_x_asks_nothing():
    text = CONFIG.replace("platforms: [x]", "platforms: [reddit]")
    assert SOURCE.queries(brand(text), SourceSettings()) == []


# --- the walk -----------------------------------------------------------------------------------

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def snowflake(at: datetime, seq: int = 0) -> str:
    return str(((int(at.timestamp() * 1000) - 1288834974657) << 22) | seq)


def context(handler, limit: int = 500, options: dict | None = None):
    client = httpx.Client(transport=httpx.MockTransport(handler))
    budget = Budget(None, "x", limit, "post reads", lambda: NOW)
    http = PollHttp(client, "x", budget, clock=lambda: NOW)
    settings = SourceSettings(options=options or {})
    return PollContext("x", brand(), settings, http, "https://api.x.test", NOW), budget


@pytest.fixture(autouse=True)
def token(monkeypatch):
    monkeypatch.setenv(BEARER_TOKEN.env_var, "app-token")


def test_a_cursor_older_than_seven_days_becomes_start_time():
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"meta": {"result_count": 0}})

    ctx, _ = context(handler)
    [query] = SOURCE.queries(ctx.brand, ctx.settings)
    old = snowflake(NOW - timedelta(days=8))
    pages = list(SOURCE.pages(ctx, query, {"since_id": old}))
    assert [p.cursor for p in pages] == [{"since_id": old}]
    params = sent[0].url.params
    assert "since_id" not in params
    assert params["start_time"] == "2026-11-23T12:10:00Z"
    assert sent[0].headers["authorization"] == "Bearer app-token"


def test_an_interrupted_walk_resumes_below_where_it_stopped():
    since = snowflake(NOW - timedelta(hours=2))
    newest = snowflake(NOW - timedelta(minutes=5))
    reached = snowflake(NOW - timedelta(hours=1))
    answers = [
        {"meta": {"result_count": 0}},
    ]
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=answers.pop(0))

    ctx, _ = context(handler)
    [query] = SOURCE.queries(ctx.brand, ctx.settings)
    cursor = {"since_id": since, "walk": {"newest_id": newest, "until_id": reached}}
    pages = list(SOURCE.pages(ctx, query, cursor))
    assert sent[0].url.params["since_id"] == since
    assert sent[0].url.params["until_id"] == reached
    assert pages[-1].cursor == {"since_id": newest}  # the walk is done: its newest Post


def test_pages_keep_since_id_until_the_walk_ends():
    since = snowflake(NOW - timedelta(hours=2))
    first, second = snowflake(NOW - timedelta(minutes=1)), snowflake(NOW - timedelta(minutes=30))
    post = {"text": "acme", "created_at": "2026-11-30T11:59:00.000Z"}
    answers = [
        {
            "data": [{**post, "id": first, "edit_history_tweet_ids": [first]}],
            "meta": {"newest_id": first, "oldest_id": first, "result_count": 1, "next_token": "t"},
        },
        {
            "data": [{**post, "id": second, "edit_history_tweet_ids": [second]}],
            "meta": {"newest_id": second, "oldest_id": second, "result_count": 1},
        },
    ]
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=answers.pop(0), headers={"x-rate-limit-remaining": "449"})

    ctx, budget = context(handler, limit=60)
    [query] = SOURCE.queries(ctx.brand, ctx.settings)
    pages = list(SOURCE.pages(ctx, query, {"since_id": since}))
    assert pages[0].cursor == {"since_id": since, "walk": {"newest_id": first, "until_id": first}}
    assert pages[1].cursor == {"since_id": first}
    assert [r.url.params["max_results"] for r in sent] == ["60", "59"]
    assert sent[1].url.params["next_token"] == "t"
    assert budget.spent == 2  # what was read, the rest given back


def test_fewer_than_ten_reads_left_stop_as_budget_before_a_request():
    ctx, _ = context(lambda request: httpx.Response(500), limit=9)
    [query] = SOURCE.queries(ctx.brand, ctx.settings)
    with pytest.raises(BudgetExhausted):
        list(SOURCE.pages(ctx, query, {}))
    assert ctx.http.requests == 0


def test_no_bearer_token_is_auth_failed(monkeypatch):
    monkeypatch.delenv(BEARER_TOKEN.env_var)
    monkeypatch.delenv(BEARER_TOKEN.name_env_var, raising=False)
    ctx, _ = context(lambda request: httpx.Response(200, json={}))
    [query] = SOURCE.queries(ctx.brand, ctx.settings)
    with pytest.raises(AuthFailed):
        list(SOURCE.pages(ctx, query, {}))
