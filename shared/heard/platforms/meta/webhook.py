"""Meta Graph webhooks: Facebook Pages (feed and Messenger) and Instagram (comments, mentions).

One endpoint receives both ``object: "page"`` and ``object: "instagram"`` deliveries, signed with
the app secret. Meta batches: one delivery may carry many entries (one per page or account),
each with many changes, so ``parse`` returns every message in order.

Facebook page feed (``changes[].field == "feed"``):
    ``item`` comment or post (status, photo and video posts count as posts); ``verb`` add and
    edited become a ``MentionMessage`` (an edit keeps the native id and is flagged ``edited``,
    so triage re-scores the new text; the store decides
    whether it is news), remove becomes a ``DeletionMessage``. Anything the page wrote itself
    is skipped, as are items Heard has no use for (reactions, likes, shares, ...).
Messenger (``entry[].messaging[]``):
    messages people send to the page, kind ``message``; echoes of the page's own replies and
    receipts (delivery, read, postback) are skipped. Instagram direct messages arrive in the
    same shape under ``object: "instagram"`` and are read the same way.
Instagram (``changes[].field`` ``comments`` / ``live_comments`` / ``mentions``):
    comments carry their text; an @mention carries only ids, so it becomes a ``tag`` with no
    text and ``needs_enrichment`` set, for a later Graph API lookup.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from heard.models import (
    Author,
    DeletionMessage,
    Mention,
    MentionKind,
    MentionMessage,
    Platform,
    QueueMessage,
    utcnow,
)
from heard.platforms._payload import (
    NativeId,
    PayloadModel,
    from_epoch,
    parse_millis,
    require_object,
    validate,
)
from heard.platforms.errors import PayloadError, SignatureError, VerificationError

SIGNATURE_HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="

_POST_ITEMS = frozenset({"post", "status", "photo", "video"})
_FEED_VERBS = frozenset({"add", "edited", "remove"})
_IG_COMMENT_FIELDS = frozenset({"comments", "live_comments"})


def verify_subscription(params: Mapping[str, str] | None, verify_token: str) -> str:
    """Answer Meta's subscription check: the ``hub.challenge`` to echo back as text/plain.

    ``params`` is the query string (API Gateway sends ``None`` when there is none). Raises
    ``VerificationError`` unless ``hub.mode`` is ``subscribe`` and ``hub.verify_token`` equals
    the configured token (compared in constant time).
    """
    params = params or {}
    if not verify_token:
        raise VerificationError("no Meta verify token is configured")
    if params.get("hub.mode") != "subscribe":
        raise VerificationError("hub.mode must be 'subscribe'")
    given = params.get("hub.verify_token")
    if not given:
        raise VerificationError("missing hub.verify_token")
    if not hmac.compare_digest(given.encode(), verify_token.encode()):
        raise VerificationError("hub.verify_token does not match")
    challenge = params.get("hub.challenge")
    if not challenge:
        raise VerificationError("missing hub.challenge")
    return challenge


def verify_signature(app_secret: str, raw_body: bytes, header: str | None) -> None:
    """Check ``X-Hub-Signature-256`` (``sha256=`` + hex HMAC-SHA256 of the raw bytes)."""
    if not app_secret:
        raise SignatureError("no Meta app secret is configured")
    if not header:
        raise SignatureError(f"missing {SIGNATURE_HEADER} header")
    if header[: len(_PREFIX)].lower() != _PREFIX:
        raise SignatureError(f"malformed {SIGNATURE_HEADER} header: expected 'sha256=<hex>'")
    try:
        given = bytes.fromhex(header[len(_PREFIX) :].strip())
    except ValueError:
        raise SignatureError(f"malformed {SIGNATURE_HEADER} header: not hex") from None
    if len(given) != hashlib.sha256().digest_size:
        raise SignatureError(f"malformed {SIGNATURE_HEADER} header: wrong digest length")
    expected = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).digest()
    if not hmac.compare_digest(given, expected):
        raise SignatureError("signature mismatch")


# ---------------------------------------------------------------------------------------------
# Payload shapes (only the fields Heard reads; everything else is ignored)
# ---------------------------------------------------------------------------------------------


def _meta_time(value: Any) -> Any:
    """Feed ``created_time`` is unix seconds (an int) in webhooks, ISO-8601 in the Graph API."""
    if isinstance(value, bool):
        raise ValueError("expected unix seconds or an ISO-8601 date")
    if isinstance(value, int | float):
        return from_epoch(value)
    if isinstance(value, str):
        if value.isdigit():
            return from_epoch(int(value))
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError("expected unix seconds or an ISO-8601 date") from None
    return value


_MetaTime = Annotated[datetime, BeforeValidator(_meta_time)]
_Millis = Annotated[datetime, BeforeValidator(parse_millis)]


class _Change(PayloadModel):
    field: str
    value: Any = None


class _Entry(PayloadModel):
    id: str
    time: float | None = None
    changes: list[_Change] = Field(default_factory=list)
    messaging: list[Any] = Field(default_factory=list)


class _Envelope(PayloadModel):
    object: str
    entry: list[_Entry]


class _From(PayloadModel):
    id: str
    name: str | None = None
    username: str | None = None


class _FeedValue(PayloadModel):
    item: str
    verb: str
    comment_id: NativeId | None = None
    post_id: NativeId | None = None
    parent_id: str | None = None
    message: str | None = None
    from_: _From | None = Field(default=None, alias="from")
    created_time: _MetaTime | None = None


class _PageMention(PayloadModel):
    """Page ``mention``: the Page was @mentioned in a post or comment elsewhere on Facebook."""

    item: str
    verb: str = "add"
    post_id: NativeId | None = None
    comment_id: NativeId | None = None
    sender_id: str | None = None
    sender_name: str | None = None
    message: str | None = None
    created_time: _MetaTime | None = None


class _Party(PayloadModel):
    id: str


class _Message(PayloadModel):
    mid: NativeId
    text: str | None = None
    is_echo: bool = False


class _Messaging(PayloadModel):
    sender: _Party
    recipient: _Party
    timestamp: _Millis
    message: _Message


class _IGMedia(PayloadModel):
    id: str


class _IGComment(PayloadModel):
    id: NativeId
    text: str = ""
    from_: _From | None = Field(default=None, alias="from")
    media: _IGMedia | None = None
    parent_id: str | None = None


class _IGMention(PayloadModel):
    media_id: NativeId
    comment_id: NativeId | None = None


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------


def parse(payload: dict[str, Any]) -> list[QueueMessage]:
    """Every mention and deletion in one delivery, in order; ``PayloadError`` if malformed."""
    body = require_object(payload)
    obj = body.get("object")
    if obj not in ("page", "instagram"):
        if obj is None:
            raise PayloadError("object", "field required")
        return []
    envelope = validate(_Envelope, body)
    platform = Platform.FACEBOOK if obj == "page" else Platform.INSTAGRAM
    messages: list[QueueMessage] = []
    for e, entry in enumerate(envelope.entry):
        path = f"entry[{e}]"
        for c, change in enumerate(entry.changes):
            cpath = f"{path}.changes[{c}]"
            if platform is Platform.FACEBOOK and change.field == "feed":
                message = _feed_change(change.value, entry, f"{cpath}.value")
            elif platform is Platform.FACEBOOK and change.field == "mention":
                message = _page_mention(change.value, entry, f"{cpath}.value")
            elif platform is Platform.INSTAGRAM and change.field in _IG_COMMENT_FIELDS:
                message = _ig_comment(change.value, entry, f"{cpath}.value")
            elif platform is Platform.INSTAGRAM and change.field == "mentions":
                message = _ig_mention(change.value, entry, f"{cpath}.value")
            else:
                message = None
            if message is not None:
                messages.append(message)
        for m, event in enumerate(entry.messaging):
            mention = _messaging(event, entry, platform, f"{path}.messaging[{m}]")
            if mention is not None:
                messages.append(MentionMessage(mention=mention))
    return messages


def _feed_change(raw: Any, entry: _Entry, path: str) -> QueueMessage | None:
    value = validate(_FeedValue, require_object(raw, path), path)
    if value.item == "comment":
        kind, id_field, native_id = MentionKind.COMMENT, "comment_id", value.comment_id
    elif value.item in _POST_ITEMS:
        kind, id_field, native_id = MentionKind.POST, "post_id", value.post_id
    else:
        return None  # reactions, likes, shares, events, ...
    if value.verb not in _FEED_VERBS:
        return None  # hide, unhide, block, ...
    if not native_id:
        raise PayloadError(f"{path}.{id_field}", "field required")
    if value.from_ is not None and value.from_.id == entry.id:
        return None  # the page's own post or reply
    if value.verb == "remove":
        return DeletionMessage(platform=Platform.FACEBOOK, native_id=native_id)
    author = value.from_
    mention = Mention(
        platform=Platform.FACEBOOK,
        native_id=native_id,
        kind=kind,
        text=value.message or "",
        author=Author(id=author.id, name=author.name) if author else Author(),
        url=_facebook_url(value.post_id, value.comment_id if kind is MentionKind.COMMENT else None),
        created_at=value.created_time or _entry_time(entry),
        in_reply_to=(value.parent_id or value.post_id) if kind is MentionKind.COMMENT else None,
        account_id=entry.id,
    )
    return MentionMessage(mention=mention, edited=value.verb == "edited")


def _page_mention(raw: Any, entry: _Entry, path: str) -> QueueMessage | None:
    """The payload carries ids and often no text: store what is known, mark it for enrichment."""
    value = validate(_PageMention, raw, path)
    native_id = value.comment_id if value.item == "comment" else value.post_id
    if not native_id:
        field = "comment_id" if value.item == "comment" else "post_id"
        raise PayloadError(f"{path}.{field}", "field required")
    if value.verb == "remove":
        return DeletionMessage(platform=Platform.FACEBOOK, native_id=native_id)
    if value.verb not in ("add", "edited"):
        return None
    mention = Mention(
        platform=Platform.FACEBOOK,
        native_id=native_id,
        kind=MentionKind.TAG,
        text=value.message or "",
        author=Author(id=value.sender_id, name=value.sender_name),
        url=_facebook_url(value.post_id, value.comment_id if value.item == "comment" else None),
        created_at=value.created_time or _entry_time(entry),
        account_id=entry.id,
        needs_enrichment=not value.message,
    )
    return MentionMessage(mention=mention, edited=value.verb == "edited")


def _facebook_url(post_id: str | None, comment_id: str | None) -> str | None:
    """Feed ids are ``{page}_{post}`` and ``{post}_{comment}``; the web address uses the parts."""
    if not post_id:
        return None
    page, _, post = post_id.partition("_")
    url = (
        f"https://www.facebook.com/{page}/posts/{post}"
        if post
        else f"https://www.facebook.com/{page}"
    )
    if comment_id:
        url += f"?comment_id={comment_id.rpartition('_')[2]}"
    return url


def _entry_time(entry: _Entry) -> datetime:
    if entry.time is None:
        return utcnow()
    try:
        return from_epoch(entry.time)
    except ValueError:
        return utcnow()


def _messaging(raw: Any, entry: _Entry, platform: Platform, path: str) -> Mention | None:
    if "message" not in require_object(raw, path):
        return None  # delivery and read receipts, postbacks, reactions
    event = validate(_Messaging, raw, path)
    if event.message.is_echo or event.sender.id == entry.id:
        return None
    return Mention(
        platform=platform,
        native_id=event.message.mid,
        kind=MentionKind.MESSAGE,
        text=event.message.text or "",
        author=Author(id=event.sender.id),
        created_at=event.timestamp,
        account_id=entry.id,
    )


def _ig_comment(raw: Any, entry: _Entry, path: str) -> MentionMessage | None:
    value = validate(_IGComment, require_object(raw, path), path)
    author = value.from_
    if author is not None and author.id == entry.id:
        return None  # the account answering on its own media
    media_id = value.media.id if value.media else None
    mention = Mention(
        platform=Platform.INSTAGRAM,
        native_id=value.id,
        kind=MentionKind.COMMENT,
        text=value.text,
        author=Author(id=author.id, handle=author.username) if author else Author(),
        url=None,  # a comment's permalink needs a Graph API lookup
        created_at=_entry_time(entry),  # comment webhooks carry no time of their own
        in_reply_to=value.parent_id or media_id,
        account_id=entry.id,
    )
    return MentionMessage(mention=mention)


def _ig_mention(raw: Any, entry: _Entry, path: str) -> MentionMessage:
    value = validate(_IGMention, require_object(raw, path), path)
    mention = Mention(
        platform=Platform.INSTAGRAM,
        native_id=value.comment_id or value.media_id,
        kind=MentionKind.TAG,
        text="",
        in_reply_to=value.media_id if value.comment_id else None,
        created_at=_entry_time(entry),
        account_id=entry.id,
        needs_enrichment=True,
    )
    return MentionMessage(mention=mention)


__all__ = ["SIGNATURE_HEADER", "parse", "verify_signature", "verify_subscription"]
