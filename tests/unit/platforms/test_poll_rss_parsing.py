"""Feed entries as mentions: RSS 2.0 and Google Alerts Atom parsed by feedparser."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import feedparser  # type: ignore[import-untyped]

from heard.models import MentionKind, Platform
from heard.platforms._keys import path_safe
from heard.platforms.rss.poll import entry_key, feed_url, mention_from_entry, unwrap_link

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>Acme reviews</title><link>https://reviews.example/</link>
  <item>
    <title>1/5: Acme blender died</title>
    <link>https://reviews.example/acme/review/1</link>
    <guid isPermaLink="false">1</guid>
    <pubDate>Mon, 30 Nov 2026 10:00:00 GMT</pubDate>
    <dc:creator>Dana K.</dc:creator>
    <description>&lt;p&gt;Short summary&lt;/p&gt;</description>
    <content:encoded><![CDATA[<p>Motor <b>burnt</b> out.</p><script>alert(1)</script>
      <p>Support ignored me &amp; my emails.</p>]]></content:encoded>
  </item>
</channel></rss>"""

ALERTS = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:idx="urn:atom-extension:indexing">
<id>tag:google.com,2005:reader/user/00000000000000000000/state/com.google/alerts/1111</id>
<title>Google Alert - acme</title>
<link href="https://www.google.com/alerts/feeds/00000000000000000000/1111" rel="self"/>
<updated>2026-11-30T11:00:00Z</updated>
<entry>
  <id>tag:google.com,2013:googlealerts/feed:5555555555555555555</id>
  <title type="html">&lt;b&gt;Acme&lt;/b&gt; recalls toasters</title>
  <link href="https://www.google.com/url?rct=j&amp;sa=t&amp;url=https://news.example/acme-recall%3Fref%3Drss&amp;ct=ga&amp;cd=CAIyGj&amp;usg=AOvVaw"/>
  <published>2026-11-30T11:00:00Z</published>
  <updated>2026-11-30T11:00:00Z</updated>
  <content type="html">Regulators said &lt;b&gt;Acme&lt;/b&gt; received 42 reports&amp;nbsp;...
  </content>
  <author><name/></author>
</entry>
</feed>"""


def parse(body: bytes):
    return feedparser.parse(io.BytesIO(body))


def test_an_rss_item_becomes_a_post_with_its_content_as_text():
    parsed = parse(RSS)
    feed = "https://reviews.example/acme/feed.xml"
    mention = mention_from_entry(parsed.entries[0], feed, NOW, "Acme reviews")
    assert mention is not None
    assert mention.platform == Platform.RSS and mention.kind == MentionKind.POST
    # A bare guid is unique only in its feed: prefixed with the feed's URL (then a digest,
    # as that holds "/" and "#").
    assert mention.native_id == path_safe(f"{feed}#1")
    assert mention.native_id.startswith("sha256-") and len(mention.native_id) == 47
    assert mention.text.startswith("1/5: Acme blender died\n\nMotor burnt out.")
    assert "Support ignored me & my emails." in mention.text
    assert "<" not in mention.text and "alert(1)" not in mention.text
    assert mention.url == "https://reviews.example/acme/review/1"
    assert mention.created_at == datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    assert mention.author.name == "Dana K." and mention.author.handle == "reviews.example"


def test_a_google_alert_is_unwrapped_and_its_bold_tags_dropped():
    parsed = parse(ALERTS)
    mention = mention_from_entry(parsed.entries[0], "https://www.google.com/alerts/x", NOW)
    assert mention is not None
    alert_id = "tag:google.com,2013:googlealerts/feed:5555555555555555555"
    assert mention.native_id == path_safe(alert_id) != alert_id  # the id holds a "/"
    assert mention.url == "https://news.example/acme-recall?ref=rss"
    assert mention.text == "Acme recalls toasters\n\nRegulators said Acme received 42 reports ..."
    assert mention.author.handle == "news.example"


def test_unwrap_link_leaves_other_links_alone():
    assert unwrap_link("https://example.org/url?url=https://x.example") == (
        "https://example.org/url?url=https://x.example"
    )
    assert unwrap_link("https://www.google.com/url?q=https://x.example/a&sa=D") == (
        "https://x.example/a"
    )
    assert unwrap_link("https://www.google.com/url?url=javascript:alert(1)") == (
        "https://www.google.com/url?url=javascript:alert(1)"
    )


def test_entry_keys_prefer_the_id_then_the_link_and_are_capped():
    assert entry_key({"id": "urn:uuid:1", "link": "https://a.example/1"}, "f") == "urn:uuid:1"
    assert entry_key({"link": "https://a.example/1"}, "f") == path_safe("https://a.example/1")
    assert entry_key({"link": "https://a.example/1"}, "f") != entry_key(
        {"link": "https://a.example/2"}, "f"
    )
    long = "https://a.example/" + "x" * 400
    key = entry_key({"id": long}, "f")
    assert key is not None and len(key) == 64
    assert key != entry_key({"id": long + "y"}, "f")
    assert entry_key({}, "f") is None


def test_entry_keys_are_path_safe_and_the_same_entry_gets_the_same_key():
    for entry in (
        {"id": "https://a.example/p?id=1#top"},
        {"id": "tag:blog.example,2026:post/1 2%"},
        {"guid": "1"},
        {"title": "no id at all"},
    ):
        key = entry_key(entry, "https://a.example/feed")
        assert key is not None and "/" not in key and "?" not in key and "#" not in key
        assert key == entry_key(dict(entry), "https://a.example/feed")
    assert entry_key({"guid": "1"}, "https://a.example/feed") != entry_key(
        {"guid": "1"}, "https://b.example/feed"
    )


def test_feed_urls_go_through_the_base_url_by_host_and_path():
    url = "https://www.google.com/alerts/feeds/1/2?hl=en"
    assert feed_url("", url) == url
    assert feed_url("http://127.0.0.1:9/", url) == (
        "http://127.0.0.1:9/www.google.com/alerts/feeds/1/2?hl=en"
    )
