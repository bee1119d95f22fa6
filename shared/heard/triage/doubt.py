"""When the local reading is unsure in a way that decides whether a mention alerts.

The ``cascade`` backend asks a Bedrock model about a mention only then, so that the few
mentions where a wrong local answer would wake someone for junk, or stay silent about an angry
customer with reach, get a second reader, and the rest cost nothing.

A reading is unsure where the model's complaint probability or its probability that the
mention is negative lies in a band around its threshold (``COMPLAINT_DOUBT``,
``NEGATIVE_DOUBT``), or where the contextual model added an intent that raises priority
barely past its bar, or missed one by little (``INTENT_DOUBT``), or where a rule's word for a
hazard or a brand's crisis word stands in a mention the model does not read so (``DISPUTED``).
The doubt decides whether the
mention alerts when the two readings the model cannot rule out, the one leaning towards alerting
and the one leaning away, land on different sides of the brand's ``alert_min_priority``, or
one of them is critical (which pages someone at night) and the other not. A mention that
alerts, or stays quiet, either way is never sent, whatever the model's doubt: a legal threat
in the rules' words, a brand's crisis word the model reads as an incident, a small account's
grumble.
"""

from __future__ import annotations

from dataclasses import dataclass

from heard.config import Brand, PriorityRules, Routing
from heard.models import Intent, Priority, Sentiment
from heard.triage import COMPLAINT_THRESHOLD, Reach, Reading
from heard.triage.combine import VETOABLE, model_threshold
from heard.triage.intents import Found, Hit, mentioned

COMPLAINT_DOUBT = (0.2, 0.8)
NEGATIVE_DOUBT = (0.2, 0.8)
INTENT_DOUBT = 0.2
DISPUTED = 0.5
_DEFAULT_ROUTING = Routing()
_DEFAULT_RULES = PriorityRules()


def _alerting(r: Reading, reach: Reach, brand: Brand | None) -> int:
    """0: stored only; 1: alerts; 2: alerts as critical, which pages someone at night."""
    from heard.triage import priority

    level, _ = priority.decide(r.signals(), reach, brand)
    routing = brand.routing if brand is not None else _DEFAULT_ROUTING
    if level.rank < routing.alert_min_priority.rank:
        return 0
    return 2 if level is Priority.CRITICAL else 1


def _escalating(brand: Brand | None) -> set[Intent]:
    rules = brand.priority if brand is not None else _DEFAULT_RULES
    return {*rules.escalate_intents, Intent.CANCEL} - {Intent.CRISIS}


@dataclass(frozen=True)
class Doubt:
    """What the local reading is unsure of: in words for the reasons, and the intents in
    question (a crisis word among them), which stand only where a second reader names them."""

    reason: str
    questioned: frozenset[Intent] = frozenset()


def doubt(r: Reading, reach: Reach, brand: Brand | None = None) -> Doubt | None:
    """What the local reading is unsure of, where that decides whether the mention alerts;
    None where it does not (sure, or alerting either way, or never)."""
    found = r.found
    if found is None:
        return None
    unsure: list[str] = []
    up: Reading = r.but()
    down: Reading = r.but()
    p = r.complaint_probability
    # Where a rule set the reading (an ad, sarcasm, the author's own rating), the model's
    # doubt about it is not the question.
    if not r.pinned and COMPLAINT_DOUBT[0] <= p < COMPLAINT_DOUBT[1]:
        unsure.append(f"complaint p={p:.2f}")
        up.complaint_probability = max(p, COMPLAINT_THRESHOLD)
        down.complaint_probability = min(p, COMPLAINT_THRESHOLD / 2)
    if not r.pinned and NEGATIVE_DOUBT[0] <= r.p_negative < NEGATIVE_DOUBT[1]:
        unsure.append(f"negative p={r.p_negative:.2f}")
        up.sentiment = Sentiment.NEGATIVE
        if r.sentiment is Sentiment.NEGATIVE:
            down.sentiment = Sentiment.NEUTRAL
    escalating = _escalating(brand)
    # The model's own additions barely past their bar, and its near misses.
    barely = [
        h
        for h in found.intents
        if h.intent in escalating
        and not h.phrase
        and h.p is not None
        and h.p < round(model_threshold(h.intent) + INTENT_DOUBT, 2)
    ]
    missed = [
        Hit(intent, "", False, round(chance, 2))
        for intent in sorted(escalating - found.set, key=list(Intent).index)
        if (chance := r.model_intents.get(intent.value, 0.0))
        >= round(model_threshold(intent) - INTENT_DOUBT, 2)
        and not mentioned(r.low, intent)
        and not found.aside
    ]
    # A rule's phrase the model does not read so, where its words are often meant otherwise
    # (a hazard: "this album is fire"; a crisis word: "crash on the northbound span"). The
    # specific threats (churn, legal, privacy, going public) are not disputed: their phrases
    # say what they mean, and missing one costs more than a false alarm.
    disputed = [
        h
        for h in found.intents
        if h.intent in escalating
        and h.intent in VETOABLE
        and h.phrase
        and not h.brand
        and not h.plain
        and h.p is not None
        and h.p < DISPUTED
    ]
    # A crisis word pages someone at night; the model reads few real crises as incidents
    # (they are rare in what it learnt from), so only one in a mention it reads as no
    # complaint is disputed: "crash on the northbound span", not "the cooker lid exploded".
    crisis = found.hit(Intent.CRISIS) if found.crisis is not None else None
    if crisis is not None and crisis.p is not None and crisis.p < DISPUTED and not r.complaint:
        disputed.append(crisis)
    for hit in (*barely, *missed):
        unsure.append(f"{hit.intent.value} p={hit.p:.2f}")
    for hit in disputed:
        unsure.append(f"'{hit.phrase}' read as {hit.intent.value} p={hit.p:.2f}")
    if barely or missed or disputed:
        up.found = Found(
            [*found.intents, *missed], found.sarcasm, found.crisis, found.takeover, found.aside
        )
        dropped = [*barely, *disputed]
        down.found = Found(
            [h for h in found.intents if all(h is not d for d in dropped)],
            found.sarcasm,
            None if any(h.intent is Intent.CRISIS for h in disputed) else found.crisis,
            found.takeover,
            found.aside,
        )
    if not unsure or _alerting(up, reach, brand) == _alerting(down, reach, brand):
        return None
    return Doubt(", ".join(unsure), frozenset(h.intent for h in (*barely, *missed, *disputed)))
