"""X (Twitter) Account Activity API: the CRC check, the signature, and v1.1 payloads.

X delivers everything that happens to a subscribed account to one webhook; ``for_user_id`` says
which account. Heard keeps what someone else said to or about that account:

- ``tweet_create_events``: tweets that mention or reply to the account. The account's own
  tweets are skipped (they are not mentions), and so are retweets (``retweeted_status``
  present): a retweet repeats words already delivered as the original tweet, and counting
  it again would double every complaint that gets shared. Quote tweets carry new words and
  are kept.
- ``direct_message_events``: messages sent to the account (kind ``message``); the account's
  own outgoing messages are skipped.

Every other event type (favorites, follows, blocks, typing indicators, ...) is ignored.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import html
from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from heard.models import Author, Mention, MentionKind, MentionMessage, Platform
from heard.platforms._payload import (
    NativeId,
    PayloadModel,
    parse_millis,
    require_object,
    validate,
)
from heard.platforms.errors import PayloadError, SignatureError

SIGNATURE_HEADER = "x-twitter-webhooks-signature"
_PREFIX = "sha256="
_TWITTER_DATE = "%a %b %d %H:%M:%S %z %Y"  # Wed Oct 10 20:19:24 +0000 2018


def _digest(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def crc_response(consumer_secret: str, crc_token: str) -> dict[str, str]:
    """The body answering X's challenge-response check (``GET ?crc_token=...``)."""
    token = base64.b64encode(_digest(consumer_secret, crc_token.encode())).decode()
    return {"response_token": _PREFIX + token}


def verify_signature(consumer_secret: str, raw_body: bytes, header: str | None) -> None:
    """Check ``x-twitter-webhooks-signature`` (``sha256=`` + base64 HMAC-SHA256 of the raw body).

    Raises ``SignatureError`` saying why the request is refused; returns nothing when authentic.
    """
    if not consumer_secret:
        raise SignatureError("no X consumer secret is configured")
    if not header:
        raise SignatureError(f"missing {SIGNATURE_HEADER} header")
    if header[: len(_PREFIX)].lower() != _PREFIX:
        raise SignatureError(f"malformed {SIGNATURE_HEADER} header: expected 'sha256=<base64>'")
    try:
        given = base64.b64decode(header[len(_PREFIX) :].strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError(f"malformed {SIGNATURE_HEADER} header: not base64") from None
    if len(given) != hashlib.sha256().digest_size:
        raise SignatureError(f"malformed {SIGNATURE_HEADER} header: wrong digest length")
    if not hmac.compare_digest(given, _digest(consumer_secret, raw_body)):
        raise SignatureError("signature mismatch")


# ---------------------------------------------------------------------------------------------
# Payload shapes (only the fields Heard reads; everything else is ignored)
# ---------------------------------------------------------------------------------------------


def _parse_twitter_date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return datetime.strptime(value, _TWITTER_DATE)
        except ValueError:
            try:  # v2-style ISO timestamps, should a relay have rewritten the tweet
                return datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                pass
        raise ValueError("expected a date like 'Wed Oct 10 20:19:24 +0000 2018'")
    return value


_TwitterDate = Annotated[datetime, BeforeValidator(_parse_twitter_date)]
_Millis = Annotated[datetime, BeforeValidator(parse_millis)]
_Count = Annotated[int, Field(ge=0)]


class _User(PayloadModel):
    id_str: str
    screen_name: str
    name: str | None = None
    followers_count: _Count = 0
    verified: bool | None = None


class _ExtendedTweet(PayloadModel):
    full_text: str


class _Tweet(PayloadModel):
    id_str: NativeId
    text: str | None = None
    full_text: str | None = None
    truncated: bool = False
    extended_tweet: _ExtendedTweet | None = None
    user: _User
    in_reply_to_status_id_str: str | None = None
    created_at: _TwitterDate
    lang: str | None = None
    favorite_count: _Count | None = None
    retweet_count: _Count | None = None
    reply_count: _Count | None = None
    quote_count: _Count | None = None
    retweeted_status: dict[str, Any] | None = None


class _Target(PayloadModel):
    recipient_id: str


class _MessageData(PayloadModel):
    text: str


class _MessageCreate(PayloadModel):
    sender_id: str
    target: _Target
    message_data: _MessageData


class _DirectMessage(PayloadModel):
    type: str
    id: NativeId
    created_timestamp: _Millis
    message_create: _MessageCreate | None = None


class _DMUser(PayloadModel):
    screen_name: str | None = None
    name: str | None = None
    followers_count: _Count = 0
    verified: bool | None = None


class _Activity(PayloadModel):
    for_user_id: str | None = None
    tweet_create_events: list[_Tweet] = Field(default_factory=list)
    direct_message_events: list[_DirectMessage] = Field(default_factory=list)
    users: dict[str, _DMUser] = Field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------


def parse(payload: dict[str, Any]) -> list[MentionMessage]:
    """The mentions in one Account Activity delivery (maybe none); ``PayloadError`` if malformed."""
    activity = validate(_Activity, require_object(payload))
    if not (activity.tweet_create_events or activity.direct_message_events):
        return []
    account = activity.for_user_id
    if not account:
        raise PayloadError("for_user_id", "field required")

    messages: list[MentionMessage] = []
    for i, tweet in enumerate(activity.tweet_create_events):
        mention = _tweet_mention(tweet, account, f"tweet_create_events[{i}]")
        if mention is not None:
            messages.append(MentionMessage(mention=mention))
    for i, event in enumerate(activity.direct_message_events):
        mention = _dm_mention(event, account, activity.users, f"direct_message_events[{i}]")
        if mention is not None:
            messages.append(MentionMessage(mention=mention))
    return messages


def _tweet_text(tweet: _Tweet, path: str) -> str:
    """The tweet's whole text as its author wrote it (X escapes &, < and >)."""
    if tweet.truncated and tweet.extended_tweet is not None:
        return html.unescape(tweet.extended_tweet.full_text)
    text = tweet.full_text if tweet.full_text is not None else tweet.text
    if text is None:
        raise PayloadError(f"{path}.text", "field required")
    return html.unescape(text)


def _tweet_mention(tweet: _Tweet, account: str, path: str) -> Mention | None:
    if tweet.user.id_str == account or tweet.retweeted_status is not None:
        return None
    counts = (tweet.favorite_count, tweet.retweet_count, tweet.reply_count, tweet.quote_count)
    user = tweet.user
    return Mention(
        platform=Platform.X,
        native_id=tweet.id_str,
        kind=MentionKind.REPLY if tweet.in_reply_to_status_id_str else MentionKind.POST,
        text=_tweet_text(tweet, path),
        author=Author(
            id=user.id_str,
            handle=user.screen_name,
            name=user.name,
            followers=user.followers_count,
            verified=bool(user.verified),
        ),
        url=f"https://x.com/{user.screen_name}/status/{tweet.id_str}",
        created_at=tweet.created_at,
        lang=_lang(tweet.lang),
        in_reply_to=tweet.in_reply_to_status_id_str,
        account_id=account,
        engagement=sum(c for c in counts if c is not None),
    )


def _lang(code: str | None) -> str | None:
    # X says "und" when it cannot tell; triage should detect the language itself then.
    return None if not code or code == "und" else code


def _dm_mention(
    event: _DirectMessage, account: str, users: dict[str, _DMUser], path: str
) -> Mention | None:
    if event.type != "message_create":
        return None
    if event.message_create is None:
        raise PayloadError(f"{path}.message_create", "field required")
    create = event.message_create
    if create.sender_id == account:
        return None
    sender = users.get(create.sender_id) or _DMUser()
    # The web address of a one-to-one conversation is the two user ids, smaller first.
    pair = sorted((create.sender_id, create.target.recipient_id), key=lambda i: (len(i), i))
    return Mention(
        platform=Platform.X,
        native_id=event.id,
        kind=MentionKind.MESSAGE,
        text=create.message_data.text,
        author=Author(
            id=create.sender_id,
            handle=sender.screen_name,
            name=sender.name,
            followers=sender.followers_count,
            verified=bool(sender.verified),
        ),
        url=f"https://x.com/messages/{pair[0]}-{pair[1]}",
        created_at=event.created_timestamp,
        account_id=account,
    )


__all__ = ["SIGNATURE_HEADER", "crc_response", "parse", "verify_signature"]
