"""X's V2 webhooks: Filtered Stream deliveries and X Activity API events.

X's V2 webhooks carry three products to one URL, all under the same CRC check and
``x-twitter-webhooks-signature`` (see ``webhook``): Account Activity (until X ends it on
1 January 2027), Filtered Stream webhooks and the X Activity API. A delivery says which it is
by its shape, read by ``kind``:

- **X Activity API**: ``{"data": {"event_uuid", "event_type", "filter", "tag", "payload",
  "includes"}}``, one event per delivery. ``post.create`` events carry a v2 Post in ``payload``;
  every other event type (follows, profile updates, deletions, ...) is acknowledged and ignored.
- **Filtered Stream**: ``{"data": <v2 Post>, "includes": {"users": [...]}, "matching_rules":
  [{"id", "tag"}]}``, the Post that matched one or more of the app's rules (``data`` may also be
  a list of Posts).
- **Account Activity**: anything else (``for_user_id``, ``tweet_create_events``, ...), read by
  ``webhook.parse``.

A V2 Post names no brand account: its mentions go unassigned (``account_id`` None) and are
matched by the brand terms, unless the rule or subscription that matched is tagged
``heard:<brand>`` (the rules ``heard x rules`` writes are), which sets ``MentionMessage.brand``.
Tags naming two different brands leave the choice to the brand terms.

An edited Post arrives again under a new id; its ``edit_history_tweet_ids`` lists every id,
oldest first. The first id is the mention's ``native_id`` for every version, so an edit lands
on the same case, and a Post with more than one id in its history is marked ``edited`` for the
store to replace the text and triage again. Reposts (``referenced_tweets`` of type
``retweeted``) are skipped, as in Account Activity; quotes carry new words and are kept.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from heard.models import Author, Mention, MentionKind, MentionMessage, Platform
from heard.platforms._payload import NativeId, PayloadModel, require_object, validate
from heard.platforms.errors import PayloadError

TAG_PREFIX = "heard:"  # a rule or subscription tag naming a brand: ``heard:<brand name>``
POST_EVENTS = frozenset({"post.create"})

_Count = Annotated[int, Field(ge=0)]

Kind = Literal["activity", "filtered_stream", "account_activity"]


class _UserMetrics(PayloadModel):
    followers_count: _Count = 0


class _User(PayloadModel):
    id: NativeId
    username: str
    name: str | None = None
    verified: bool | None = None
    public_metrics: _UserMetrics | None = None


class _Includes(PayloadModel):
    users: list[_User] = Field(default_factory=list)


class _NoteTweet(PayloadModel):
    text: str


class _Reference(PayloadModel):
    type: str
    id: NativeId


class _PostMetrics(PayloadModel):
    like_count: _Count = 0
    retweet_count: _Count = 0
    reply_count: _Count = 0
    quote_count: _Count = 0


class _Post(PayloadModel):
    id: NativeId
    text: str
    note_tweet: _NoteTweet | None = None
    author_id: NativeId | None = None
    created_at: datetime | None = None
    lang: str | None = None
    referenced_tweets: list[_Reference] = Field(default_factory=list)
    public_metrics: _PostMetrics | None = None
    edit_history_tweet_ids: list[NativeId] = Field(default_factory=list)


class _Rule(PayloadModel):
    id: str | None = None
    tag: str | None = None


class _StreamDelivery(PayloadModel):
    data: dict[str, Any] | list[Any]  # one Post or a list of them, validated one by one
    includes: _Includes = Field(default_factory=_Includes)
    matching_rules: list[_Rule] = Field(default_factory=list)


class _Event(PayloadModel):
    event_type: str
    event_uuid: str | None = None
    tag: str | None = None
    payload: dict[str, Any] | None = None
    includes: _Includes = Field(default_factory=_Includes)


class _ActivityDelivery(PayloadModel):
    data: _Event


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------


def kind(payload: Any) -> Kind:
    """Which product sent a delivery, from its shape (see the module docstring)."""
    data = payload.get("data") if isinstance(payload, dict) else None
    if isinstance(data, dict) and "event_type" in data:
        return "activity"
    if isinstance(payload, dict) and "data" in payload:
        return "filtered_stream"
    return "account_activity"


def parse(payload: Any) -> list[MentionMessage]:
    """The mentions in one V2 delivery (Filtered Stream or X Activity API; maybe none);
    ``PayloadError`` naming the field if malformed."""
    payload = require_object(payload)
    if kind(payload) == "activity":
        return _parse_activity(payload)
    return _parse_stream(payload)


def _parse_stream(payload: dict[str, Any]) -> list[MentionMessage]:
    delivery = validate(_StreamDelivery, payload)
    brand = brand_of_tags(rule.tag for rule in delivery.matching_rules)
    users = {user.id: user for user in delivery.includes.users}
    if isinstance(delivery.data, list):
        posts = [(post, f"data[{i}]") for i, post in enumerate(delivery.data)]
    else:
        posts = [(delivery.data, "data")]
    messages = []
    for raw, path in posts:
        post = validate(_Post, require_object(raw, path), path)
        message = _message(post, users, brand, path)
        if message is not None:
            messages.append(message)
    return messages


def _parse_activity(payload: dict[str, Any]) -> list[MentionMessage]:
    event = validate(_ActivityDelivery, payload).data
    if event.event_type not in POST_EVENTS:
        return []
    if event.payload is None:
        raise PayloadError("data.payload", "field required")
    post = validate(_Post, event.payload, "data.payload")
    users = {user.id: user for user in event.includes.users}
    message = _message(post, users, brand_of_tags([event.tag]), "data.payload")
    return [] if message is None else [message]


def brand_of_tags(tags: Any) -> str | None:
    """The brand that ``heard:<brand>`` tags name, if they name exactly one."""
    brands = {
        tag.removeprefix(TAG_PREFIX).strip()
        for tag in tags
        if isinstance(tag, str) and tag.startswith(TAG_PREFIX)
    }
    brands.discard("")
    return brands.pop() if len(brands) == 1 else None


def _message(
    post: _Post, users: dict[str, _User], brand: str | None, path: str
) -> MentionMessage | None:
    if any(ref.type == "retweeted" for ref in post.referenced_tweets):
        return None
    if post.created_at is None:
        raise PayloadError(f"{path}.created_at", "field required")
    history = post.edit_history_tweet_ids
    native_id = history[0] if history else post.id
    parent = next((ref.id for ref in post.referenced_tweets if ref.type == "replied_to"), None)
    user = users.get(post.author_id) if post.author_id else None
    metrics = post.public_metrics
    engagement = (
        metrics.like_count + metrics.retweet_count + metrics.reply_count + metrics.quote_count
        if metrics
        else 0
    )
    handle = user.username if user else None
    url = (
        f"https://x.com/{handle}/status/{post.id}"
        if handle
        else f"https://x.com/i/web/status/{post.id}"
    )
    mention = Mention(
        platform=Platform.X,
        native_id=native_id,
        kind=MentionKind.REPLY if parent else MentionKind.POST,
        # X escapes &, < and > in a Post's text: the mention holds what the author wrote.
        text=html.unescape(post.note_tweet.text if post.note_tweet else post.text),
        author=Author(
            id=post.author_id,
            handle=handle,
            name=user.name if user else None,
            followers=user.public_metrics.followers_count if user and user.public_metrics else 0,
            verified=bool(user and user.verified),
        ),
        url=url,
        created_at=post.created_at,
        lang=None if not post.lang or post.lang == "und" else post.lang,
        in_reply_to=parent,
        engagement=engagement,
    )
    return MentionMessage(mention=mention, brand=brand, edited=len(history) > 1)


__all__ = ["POST_EVENTS", "TAG_PREFIX", "brand_of_tags", "kind", "parse"]
