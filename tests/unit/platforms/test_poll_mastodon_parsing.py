"""Mastodon statuses (the REST API's Status entity) as mentions; query keys; rate limits."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from heard.config import parse_config
from heard.ingest.polling import RateLimit
from heard.models import MentionKind, Platform
from heard.platforms.mastodon.poll import SOURCE, mention_from_status

STATUS = {
    "id": "113557231804926011",
    "created_at": "2026-11-30T09:12:44.512Z",
    "in_reply_to_id": None,
    "in_reply_to_account_id": None,
    "sensitive": False,
    "spoiler_text": "",
    "visibility": "public",
    "language": "en",
    "uri": "https://fosstodon.org/users/riverbank/statuses/113557231804926011",
    "url": "https://fosstodon.org/@riverbank/113557231804926011",
    "replies_count": 3,
    "reblogs_count": 5,
    "favourites_count": 12,
    "content": '<p>Two weeks on an <a href="https://fosstodon.org/tags/acme" class="mention '
    'hashtag" rel="tag">#<span>acme</span></a> refund &amp; still <em>nothing</em>.</p>'
    "<p>Never again.<br />Seriously.</p><script>steal()</script>",
    "reblog": None,
    "account": {
        "id": "109302145820482139",
        "username": "riverbank",
        "acct": "riverbank@fosstodon.org",
        "display_name": "River Bank",
        "followers_count": 2301,
        "url": "https://fosstodon.org/@riverbank",
    },
    "media_attachments": [],
    "mentions": [],
    "tags": [{"name": "acme", "url": "https://mastodon.social/tags/acme"}],
}


def test_a_status_becomes_a_mention_with_its_html_as_text() -> None:
    mention = mention_from_status(STATUS)
    assert mention is not None
    # The status URI as "<host>:<id>": a key a URL path keeps as it is.
    assert mention.platform is Platform.MASTODON
    assert mention.native_id == "fosstodon.org:113557231804926011"
    assert mention.text == "Two weeks on an #acme refund & still nothing.\nNever again.\nSeriously."
    assert "steal" not in mention.text or "<script>" not in mention.text
    assert mention.url == STATUS["url"] and mention.kind is MentionKind.POST
    assert mention.author.handle == "riverbank@fosstodon.org"
    assert mention.author.followers == 2301 and mention.author.name == "River Bank"
    assert mention.engagement == 20 and mention.lang == "en"
    assert mention.created_at == datetime(2026, 11, 30, 9, 12, 44, 512000, tzinfo=UTC)


def test_a_reblog_is_the_status_it_reblogs_and_a_reply_says_so() -> None:
    boost = {**STATUS, "id": "113557231900000000", "uri": "https://m.s/users/x/statuses/1/activity"}
    boost.update(content="", reblog=STATUS, account={**STATUS["account"], "acct": "booster"})
    mention = mention_from_status(boost)
    assert mention is not None and mention.native_id == "fosstodon.org:113557231804926011"
    assert mention.author.handle == "riverbank@fosstodon.org"
    reply = mention_from_status({**STATUS, "in_reply_to_id": "113557200000000000"})
    assert reply is not None and reply.kind is MentionKind.REPLY
    assert reply.in_reply_to == "113557200000000000"
    assert mention_from_status({**STATUS, "content": ""}) is None


def test_query_keys_name_the_instance_and_search_only_runs_on_the_home_instance() -> None:
    config = parse_config(
        """
sources:
  mastodon: {base_url: "https://hachyderm.io"}
brands:
  - name: Acme
    keywords: [acme]
    hashtags: [Acme, acmefail]
    listen: {mastodon: {instances: ["https://mastodon.social", "https://fosstodon.org"]}}
""",
        "test",
    )
    queries = SOURCE.queries(config.brands[0], config.source("mastodon"))
    assert [q.key for q in queries] == [
        "tag:mastodon.social:acme",
        "tag:mastodon.social:acmefail",
        "tag:fosstodon.org:acme",
        "tag:fosstodon.org:acmefail",
        "search:hachyderm.io:acme",
        "search:hachyderm.io:#acme",
        "search:hachyderm.io:#acmefail",
    ]
    assert queries[0].params["instance"] == "https://mastodon.social"
    assert queries[-1].params["instance"] is None  # the source's own instance (its token)


def test_mastodons_iso_8601_rate_limit_reset_is_read() -> None:
    now = datetime(2026, 11, 30, 16, 20, tzinfo=UTC)
    headers = httpx.Headers(
        {
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": "2026-11-30T16:25:00.019685Z",
        }
    )
    limit = RateLimit.read(headers, now)
    assert limit.remaining == 0
    assert limit.reset_at == datetime(2026, 11, 30, 16, 25, 0, 19685, tzinfo=UTC)
