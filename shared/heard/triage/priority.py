"""Priority: how urgently a person should look, and the reasons, in the alert's words.

The ladder, lowest first:

- chatter, praise and neutral mentions are ``low`` (stored, nobody woken);
- a complaint (or a negative mention about a problem), a question or a purchase intent is
  ``normal``; negative chatter that is no complaint ("I hate Mondays") stays ``low``;
- a churn threat with a complaint, or an intent the brand escalates (legal, safety, privacy and
  a threat to go public by default), is at least ``high``; so are an account taken over (not
  merely hard to get into) and a concern raised by a VIP handle or a verified author;
- reach raises a ``normal``-or-above mention one step at the brand's ``high_reach_followers``
  and two at ``critical_reach_followers``; high engagement raises it one step (a question or
  purchase intent that is no complaint rises one step at most);
- a brand's crisis word makes any mention ``critical``.
"""

from __future__ import annotations

from dataclasses import dataclass

from heard.config import Brand, PriorityRules, Routing
from heard.models import Intent, Priority, Sentiment
from heard.reach import followers_text
from heard.triage import Reach
from heard.triage.intents import Found
from heard.triage.rules import HIGH_ENGAGEMENT, INTENT_LABELS

_BY_RANK = sorted(Priority, key=lambda p: p.rank)
_DEFAULT_RULES = PriorityRules()
_NO_REACH = Reach()
_PROBLEMS = frozenset(
    {
        Intent.CANCEL,
        Intent.LEGAL,
        Intent.SAFETY,
        Intent.OUTAGE,
        Intent.BILLING,
        Intent.DELIVERY,
        Intent.ACCOUNT,
        Intent.PRIVACY,
        Intent.CRISIS,
    }
)
_DEFAULT_ROUTING = Routing()


def _said(found: Found, intent: Intent) -> str:
    """``legal threat: 'my lawyer'``; ``legal threat (model, p=0.83)`` when the contextual model
    saw it without a rule's words; just the label when a remote model said so."""
    hit = found.hit(intent)
    label = INTENT_LABELS[intent]
    if hit is None or not hit.phrase:
        return f"{label} (model, p={hit.p:.2f})" if hit is not None and hit.p else label
    return f"{label}: '{hit.phrase}'"


@dataclass
class Signals:
    sentiment: Sentiment
    sentiment_score: float
    complaint: bool
    complaint_probability: float
    found: Found


def decide(
    s: Signals, reach: Reach | None = None, brand: Brand | None = None
) -> tuple[Priority, list[str]]:
    reach = reach or _NO_REACH
    followers, engagement, handle = reach.followers, reach.engagement, reach.handle
    rules = brand.priority if brand is not None else _DEFAULT_RULES
    rank = 0
    reasons: list[str] = []

    def at_least(level: Priority) -> None:
        nonlocal rank
        rank = max(rank, level.rank)

    intents = s.found.set
    # Negative is not a complaint ("I hate Mondays"): it counts when it is about a problem.
    problem = bool(intents & _PROBLEMS)
    concern = s.complaint or (s.sentiment is Sentiment.NEGATIVE and problem)
    if s.found.crisis:
        at_least(Priority.CRITICAL)
        reasons.append(f"crisis word: '{s.found.crisis}'")
    for intent in rules.escalate_intents:
        phrase = s.found.phrase(intent)
        if phrase is not None:
            at_least(Priority.HIGH)
            reasons.append(_said(s.found, intent))
    if s.found.takeover and Intent.ACCOUNT in intents:
        at_least(Priority.HIGH)
        reasons.append(f"account taken over: '{s.found.takeover}'")
    cancel = s.found.phrase(Intent.CANCEL)
    if cancel is not None and Intent.CANCEL not in rules.escalate_intents:
        at_least(Priority.HIGH if concern else Priority.NORMAL)
        reasons.append(_said(s.found, Intent.CANCEL))
    if s.found.sarcasm:
        reasons.append(f"sarcasm: '{s.found.sarcasm}'")
    if s.complaint:
        at_least(Priority.NORMAL)
        reasons.append(f"complaint (p={s.complaint_probability:.2f})")
    elif concern:
        at_least(Priority.NORMAL)
        reasons.append(f"negative (score {s.sentiment_score:+.2f})")
    elif s.sentiment is Sentiment.NEGATIVE:
        reasons.append(f"negative, not a complaint (p={s.complaint_probability:.2f})")
    for intent in (Intent.OUTAGE, Intent.BILLING, Intent.DELIVERY, Intent.ACCOUNT):
        phrase = s.found.phrase(intent)
        if phrase is not None and concern and intent not in rules.escalate_intents:
            reasons.append(_said(s.found, intent))
    for intent in (Intent.QUESTION, Intent.PURCHASE):
        if intent in intents and intent not in rules.escalate_intents:
            at_least(Priority.NORMAL)
            reasons.append(INTENT_LABELS[intent])
    if rank == 0 and Intent.PRAISE in intents:
        reasons.append("praise")

    if rank >= Priority.NORMAL.rank:
        steps = 0
        if rules.critical_reach_followers and followers >= rules.critical_reach_followers:
            steps = 2
        elif rules.high_reach_followers and followers >= rules.high_reach_followers:
            steps = 1
        if steps:
            reasons.append(followers_text(followers))
        if engagement >= HIGH_ENGAGEMENT:
            steps += 1
            reasons.append(f"{engagement:,} engagements")
        if not concern:
            # A big account's question deserves a quick answer, not a page at night.
            steps = min(steps, 1)
        rank = min(Priority.CRITICAL.rank, rank + steps)
    if (
        handle
        and rules.vip_handles
        and handle.lstrip("@").lower() in {h.lstrip("@").lower() for h in rules.vip_handles}
    ):
        at_least(Priority.HIGH if concern else Priority.NORMAL)
        reasons.append(f"VIP: @{handle.lstrip('@')}")
    if reach.verified and concern:
        at_least(Priority.HIGH)
        reasons.append("verified author")
    if not reasons:
        reasons.append("no complaint, risk or request found")
    return _BY_RANK[rank], reasons


def unknown_language(lang: str, brand: Brand | None) -> tuple[Priority, list[str]]:
    routing = brand.routing if brand is not None else _DEFAULT_ROUTING
    return routing.unknown_language_priority, [
        f"language '{lang}' not supported by the model (routed as {routing.unknown_language})"
    ]
