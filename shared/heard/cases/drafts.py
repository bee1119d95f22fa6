"""Reply drafts for a case: the brand's templates filled in, with where to answer.

A draft is a suggestion a person edits and sends (``POST /mentions/{id}/replies``); nothing is
sent from here. Each draft comes from the brand's ``replies`` templates (``ReplyTemplates``),
in the customer's language where the brand has templates in it, else the brand's
``default_lang``, else the built-in English ones, and carries a recommendation:

- a direct message (an X DM, Messenger, Instagram Direct) can only be answered privately;
- a problem that needs an order number or account details (billing, delivery, account,
  privacy) moves to a private conversation;
- praise is thanked in public, and so is everything else.

A recommendation the platform's rules forbid (a Meta private reply after 7 days, say) falls
back to what they allow; ``allowed`` lists what the platform accepts now, and ``note`` says why
when that is nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from heard.cases.outbox import check
from heard.config import Brand, ReplyTemplates
from heard.models import Intent, MentionKind, MentionRecord, Platform, Visibility
from heard.platforms.base import Forbidden

MAX_DRAFTS = 3
# The order in which a case's intents choose its drafts: the gravest first.
INTENT_ORDER = (
    Intent.SAFETY,
    Intent.LEGAL,
    Intent.PUBLIC,
    Intent.PRIVACY,
    Intent.ACCOUNT,
    Intent.BILLING,
    Intent.DELIVERY,
    Intent.OUTAGE,
    Intent.CANCEL,
    Intent.CRISIS,
    Intent.QUESTION,
    Intent.PURCHASE,
    Intent.PRAISE,
)
# Intents whose answer needs an order number or account details: better asked in private.
PRIVATE_INTENTS = frozenset({Intent.BILLING, Intent.DELIVERY, Intent.ACCOUNT, Intent.PRIVACY})


@dataclass(frozen=True)
class Draft:
    key: str  # the template used: an intent, a sentiment, complaint, other, or intent+sentiment
    lang: str
    text: str
    visibility: Visibility | None  # the recommendation; None when the platform allows neither
    reason: str  # why that visibility
    allowed: tuple[Visibility, ...]
    note: str | None = None  # why nothing is allowed, when nothing is


def _author(case: MentionRecord) -> str:
    author = case.mention.author
    if case.mention.platform is Platform.X and author.handle:
        return "@" + author.handle.lstrip("@")
    return author.name or author.handle or "there"


def _fill(template: str, case: MentionRecord, brand_name: str, agent: str | None) -> str:
    return template.format(
        author=_author(case), brand=brand_name, agent=agent or f"The {brand_name} team"
    )


def _keys(case: MentionRecord) -> list[list[str]]:
    """The template keys to try, most specific first, one list per draft."""
    sentiment = case.triage.sentiment.value
    chains = [
        [f"{intent.value}+{sentiment}", intent.value]
        for intent in INTENT_ORDER
        if intent in case.triage.intents
    ]
    fallback = [f"complaint+{sentiment}", "complaint"] if case.triage.complaint else []
    fallback += [sentiment, "other"]
    return [chain + fallback for chain in chains] or [fallback]


def _recommend(case: MentionRecord, key: str) -> tuple[Visibility, str]:
    if case.mention.kind is MentionKind.MESSAGE:
        return Visibility.PRIVATE, "a direct message can only be answered privately"
    topic = key.partition("+")[0]
    if topic in {i.value for i in PRIVATE_INTENTS}:
        return (
            Visibility.PRIVATE,
            f"answering about {topic} needs an order number or account details: "
            "take it to a private conversation",
        )
    if topic == Intent.PRAISE.value:
        return Visibility.PUBLIC, "praise is thanked in public"
    return Visibility.PUBLIC, "answered where the customer spoke, for others to see"


def drafts_for(
    case: MentionRecord, brand: Brand | None, now: datetime, agent: str | None = None
) -> list[Draft]:
    """Up to ``MAX_DRAFTS`` drafts for ``case``: one per intent it names (gravest first),
    else one for its complaint or sentiment. ``agent`` signs them (else "The <brand> team")."""
    templates = brand.replies if brand is not None else ReplyTemplates()
    brand_name = brand.name if brand is not None else case.brand
    allowed, why_not = _allowed(case, now)
    drafts: list[Draft] = []
    seen: set[str] = set()
    for keys in _keys(case):
        found = templates.lookup(case.triage.lang or case.mention.lang, keys)
        if found is None or found[1] in seen:
            continue
        lang, key, template = found
        seen.add(key)
        recommended, reason = _recommend(case, key)
        visibility: Visibility | None = recommended
        if recommended not in allowed:
            if allowed:
                reason = f"{reason}, but {why_not[recommended]}"
                visibility = allowed[0]
            else:
                visibility, reason = None, why_not[recommended]
        drafts.append(
            Draft(
                key=key,
                lang=lang,
                text=_fill(template, case, brand_name, agent),
                visibility=visibility,
                reason=reason,
                allowed=allowed,
                note=None if allowed else "; ".join(dict.fromkeys(why_not.values())),
            )
        )
        if len(drafts) == MAX_DRAFTS:
            break
    return drafts


def _allowed(
    case: MentionRecord, now: datetime
) -> tuple[tuple[Visibility, ...], dict[Visibility, str]]:
    allowed: list[Visibility] = []
    why_not: dict[Visibility, str] = {}
    for visibility in (Visibility.PUBLIC, Visibility.PRIVATE):
        try:
            check(case, "draft", visibility, now)
        except Forbidden as exc:
            why_not[visibility] = exc.reason
        else:
            allowed.append(visibility)
    return tuple(allowed), why_not


__all__ = ["INTENT_ORDER", "MAX_DRAFTS", "PRIVATE_INTENTS", "Draft", "drafts_for"]
