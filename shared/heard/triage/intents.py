"""Intent, sarcasm and crisis-word matching over the rules in ``rules.py`` and a brand's terms."""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from typing import Any

from heard.config import Brand
from heard.models import Intent
from heard.triage.rules import (
    ASIDE_PHRASES,
    CRISIS_OTHER_SENSES,
    FILLER,
    INTENT_PHRASES,
    NEGATORS,
    PLAIN_PHRASES,
    RATING,
    SARCASM_PHRASES,
    SARCASM_UNMISTAKABLE,
    TAKEOVER_PHRASES,
)

# Python 3.11+ keeps the regex parser in these private modules; only used once, at import.
_c: Any = importlib.import_module("re._constants")
_parser: Any = importlib.import_module("re._parser")

_NEGATORS = frozenset(NEGATORS)
_FILLER = frozenset(FILLER)
_WORD_BEFORE = re.compile(r"[\w']+|[^\w\s]")
_QUESTION_OPENERS = frozenset(
    [
        "who",
        "what",
        "when",
        "where",
        "why",
        "how",
        "which",
        "is",
        "are",
        "am",
        "was",
        "were",
        "do",
        "does",
        "did",
        "can",
        "could",
        "will",
        "would",
        "should",
        "shall",
        "has",
        "have",
        "any",
        "anyone",
        "anybody",
        "care",
        # A question opened in Spanish in an English mention ("quién paga esto??").
        "quién",
        "qué",
        "cómo",
        "dónde",
        "cuándo",
    ]
)
_SENTENCE = re.compile(r"[^.!?\n]*\?")
_LEADING = re.compile(r"^(?:\s*(?:@\w+|#\w+|hi|hey|hello|so|and|but|ok|okay|please|pls)[,:]?)*\s*")


_MAX_EXACT = 32  # the most strings one exact run may expand to


def _exact(op: Any, arg: Any) -> set[str] | None:
    """The strings a parsed item matches, when it matches only a few fixed strings."""
    if op is _c.LITERAL:
        return {chr(arg)}
    if op is _c.IN and all(o is _c.LITERAL for o, _ in arg):
        return {chr(a) for _, a in arg}
    if op is _c.SUBPATTERN:
        return _exact_seq(arg[-1])
    if op is _c.BRANCH:
        parts = [_exact_seq(b) for b in arg[1]]
        if all(p is not None for p in parts):
            found = set().union(*parts)  # type: ignore[arg-type]
            return found if len(found) <= _MAX_EXACT else None
    return None


def _exact_seq(items: Any) -> set[str] | None:
    run = {""}
    for op, arg in items:
        ex = _exact(op, arg)
        if ex is None or len(run) * len(ex) > _MAX_EXACT:
            return None
        run = {a + b for a in run for b in ex}
    return run


def _required(items: Any) -> set[str] | None:
    """Literal strings one of which every match of a parsed pattern contains (None: unknown).

    Adjacent parts that match only a few fixed strings join into every combination
    ("(is|are) down" needs "is down" or "are down"); of a sequence's parts, the one whose
    weakest string is longest is kept; a branch needs one string from each alternative.
    """
    best: set[str] | None = None
    run = {""}

    def consider(found: set[str] | None) -> None:
        nonlocal best
        if found and (best is None or min(map(len, found)) > min(map(len, best))):
            best = found

    for op, arg in [*items, (None, None)]:
        ex = _exact(op, arg) if op is not None else None
        if ex is not None and len(run) * len(ex) <= _MAX_EXACT:
            run = {a + b for a in run for b in ex}
            continue
        if run != {""}:
            consider(run)
        run = {""}
        if ex is not None:  # too many combinations to join: a run of its own
            run = ex
        elif op is _c.SUBPATTERN:
            consider(_required(arg[-1]))
        elif op is _c.BRANCH:
            parts = [_required(b) for b in arg[1]]
            if all(parts):
                consider(set().union(*parts))  # type: ignore[arg-type]
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT) and arg[0] >= 1:
            consider(_required(arg[2]))
    return best


def _triggers(phrase: str) -> set[str]:
    found = _required(_parser.parse(phrase))
    if not found or any(len(t) < 2 and t.isascii() for t in found):
        return {""}  # no useful literal: always run the pattern ("" is in every text)
    return found


@dataclass(frozen=True)
class _Rule:
    """A compiled alternation and the literal pieces one of which any match must contain.

    Scanning a tweet with a long alternation costs tens of microseconds; checking a few
    substrings first (``in`` runs in C) skips the regex for the intents a text cannot have.
    """

    pattern: re.Pattern[str]
    triggers: tuple[str, ...]

    def first(self, text: str, check_negation: bool = True, screened: bool = False) -> str | None:
        """The first un-negated match; ``screened``: the caller already checked the triggers."""
        if not screened and not any(map(text.__contains__, self.triggers)):
            return None
        for m in self.pattern.finditer(text):
            if not check_negation or not negated(text, m.start()):
                return m.group(0).strip()
        return None


def _compile(phrases: list[str], literal: bool = False) -> _Rule | None:
    if not phrases:
        return None
    if literal:
        phrases = [re.escape(p.lower()) for p in phrases]
        triggers = {p.lower().replace("\\", "") for p in phrases}
    else:
        triggers = {t for p in phrases for t in _triggers(p)}
    body = "|".join(phrases)
    pattern = re.compile(rf"(?<![\w'@#])(?:{body})(?![\w'])")
    # Shortest first: a short piece is the likeliest to be found, ending the check early.
    return _Rule(pattern, tuple(sorted(triggers, key=lambda t: (len(t), t))))


_BUILTIN: dict[Intent, _Rule] = {
    intent: rule for intent, phrases in INTENT_PHRASES.items() if (rule := _compile(phrases))
}
# The phrases that say what they mean, matched first: a hit from one of these is ``plain``.
_PLAIN: dict[Intent, _Rule] = {
    intent: rule for intent, phrases in PLAIN_PHRASES.items() if (rule := _compile(phrases))
}
_SARCASM = _compile(SARCASM_PHRASES)
_UNMISTAKABLE = re.compile("|".join(f"(?:{p})" for p in SARCASM_UNMISTAKABLE))
_RATING = re.compile(RATING)
_RATING_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_TAKEOVER = _compile(TAKEOVER_PHRASES)
_ASIDE = _compile(ASIDE_PHRASES)
_OTHER_SENSES = re.compile("|".join(f"(?:{p})" for p in CRISIS_OTHER_SENSES))


@dataclass(frozen=True)
class Hit:
    intent: Intent
    phrase: str  # the words that matched, as written in the text (lower case); "": a model's
    brand: bool = False  # one of the brand's own terms or crisis words
    p: float | None = None  # the contextual model's probability, when it was asked
    plain: bool = False  # a phrase that says what it means (rules.PLAIN_PHRASES)


@dataclass
class Found:
    intents: list[Hit] = field(default_factory=list)
    sarcasm: str | None = None
    crisis: str | None = None
    takeover: str | None = None  # words saying an account was taken over ("new payee")
    aside: str | None = None  # words saying it is an ad, or not about the brand ("#ad")

    @property
    def set(self) -> set[Intent]:
        return {h.intent for h in self.intents}

    def phrase(self, intent: Intent) -> str | None:
        hit = self.hit(intent)
        return None if hit is None else hit.phrase

    def hit(self, intent: Intent) -> Hit | None:
        for hit in self.intents:  # rarely more than one or two: a loop beats a lookup table
            if hit.intent is intent:
                return hit
        return None


@dataclass(frozen=True)
class _BrandRules:
    extra: dict[Intent, _Rule]
    crisis: _Rule | None
    # The brand named as where the author goes ("switching to acme"): no churn from acme.
    joining: re.Pattern[str] | None = None
    # The brand named as what the author leaves ("left acme", "moving away from acme").
    leaving: re.Pattern[str] | None = None


def _names(brand: Brand) -> list[str]:
    """How a mention names the brand: its name, keywords and handles, lower-cased."""
    names = {brand.name.lower(), *(k.lower() for k in brand.keywords)}
    names |= {f"@{h.lower().lstrip('@')}" for hs in brand.handles.values() for h in hs}
    return sorted((n for n in names if len(n) > 2), key=len, reverse=True)


def _brand_patterns(brand: Brand) -> tuple[re.Pattern[str], re.Pattern[str]]:
    names = "|".join(re.escape(n) for n in _names(brand)) or re.escape(brand.name.lower())
    joining = re.compile(
        rf"(switch\w*|mov\w*|port\w*|come|coming|came)( \w+){{0,2}} (over )?to @?(?:{names})"
        rf"(?![\w'])"
    )
    leaving = re.compile(
        rf"(?<![\w'])(left|leav\w*|quit\w*|ditch\w*|dump\w*|done with|(switch\w*|mov\w*|"
        rf"port\w*)( \w+)? (away )?from) @?(?:{names})(?![\w'])"
    )
    return joining, leaving


_brand_cache: dict[int, tuple[Brand, _BrandRules]] = {}


def _brand_rules(brand: Brand | None) -> _BrandRules | None:
    if brand is None:
        return None
    hit = _brand_cache.get(id(brand))
    if hit is not None and hit[0] is brand:
        return hit[1]
    extra = {
        intent: pattern
        for intent, terms in brand.intent_terms.items()
        if (pattern := _compile(list(terms), literal=True))
    }
    rules = _BrandRules(
        extra, _compile(list(brand.crisis_words), literal=True), *_brand_patterns(brand)
    )
    if len(_brand_cache) > 256:
        _brand_cache.clear()
    _brand_cache[id(brand)] = (brand, rules)
    return rules


def other_sense(low: str, word: str) -> bool:
    """Whether every use of the crisis ``word`` in ``low`` is in another sense ("as I recall")."""
    uses = [m.start() for m in re.finditer(re.escape(word), low)]
    idioms = [(m.start(), m.end()) for m in _OTHER_SENSES.finditer(low)]
    return bool(uses) and all(any(a <= u < b for a, b in idioms) for u in uses)


def mentioned(low: str, intent: Intent) -> bool:
    """Whether a built-in phrase for ``intent`` occurs in ``low`` at all, negated or not."""
    rule = _BUILTIN.get(intent)
    return rule is not None and rule.pattern.search(low) is not None


def unmistakable_sarcasm(low: str) -> bool:
    """Whether ``low`` holds a cue of sarcasm that no reading of the words overrules."""
    return _UNMISTAKABLE.search(low) is not None


def rating(low: str) -> float | None:
    """The rating the author gave, 0 (worst) to 1 (best): "1 star" 0.2, "3/5" 0.6, "8/10" 0.8.

    None when there is none, or more than one that disagree ("food 5/5, service 1/5").
    """
    found: set[float] = set()
    for m in _RATING.finditer(low):
        if m.group(1) is not None:
            value = float(m.group(1)) + (0.5 if m.group(2) else 0.0)
            scale = float(m.group(3))
            if value > scale:
                continue
        else:
            word = m.group(4)
            value, scale = float(_RATING_WORDS.get(word) or word), 5.0
        found.add(value / scale)
    return found.pop() if len(found) == 1 else None


def normalise(text: str) -> str:
    return text.lower().replace("\u2019", "'").replace("\u2018", "'")


def negated(text: str, start: int) -> bool:
    """Whether a negation governs the phrase starting at ``start`` ("not really cancelling")."""
    before = _WORD_BEFORE.findall(text[max(0, start - 60) : start])
    for word in reversed(before):
        if word in _NEGATORS:
            return True
        if word not in _FILLER:
            return False
    return False


# A question put to other people ("does anyone know", "has anyone tried", "anyone else") is
# no question for the team, even where the brand could answer it; "is anyone at acme reading
# these?" asks the brand's people.
_TO_OTHERS = re.compile(
    r"^(?:(?:does|do|did|has|have|is|was|can|could|would|will)\s+)?(?:any ?one|anybody|any1)\b"
    r"(?!\s+(?:at|from|working at|in charge)\b)"
)


def _is_question(text: str) -> str | None:
    for m in _SENTENCE.finditer(text):
        sentence = _LEADING.sub("", m.group(0))
        first = sentence.split(None, 1)[0] if sentence.strip() else ""
        if first.strip("'\"") in _QUESTION_OPENERS and not _TO_OTHERS.match(sentence.strip()):
            return sentence.strip()[:40]
    return None


def _trie_pattern(words: set[str]) -> str:
    """One regex for many literals, shaped as a trie so it rejects most positions at once."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if "" in node:  # a word may end here; greedy, so the longest is tried first
            return (body if len(alts) == 1 and len(body) == 1 else f"(?:{body})") + "?"
        return body

    return build(trie)


def _screen() -> tuple[re.Pattern[str], dict[str, frozenset[str]], frozenset[str]]:
    """Which built-in rules a text can match, from one pass over it.

    The pattern reports, at each position, the longest trigger starting there; a trigger
    stands for every rule whose triggers include it or one of its prefixes.
    """
    rules = {
        **{i.value: r for i, r in _BUILTIN.items()},
        "sarcasm": _SARCASM,
        "takeover": _TAKEOVER,
        "aside": _ASIDE,
    }
    owners: dict[str, set[str]] = {}
    always: set[str] = set()
    for name, rule in rules.items():
        if rule is None:
            continue
        for trigger in rule.triggers:
            if trigger:
                owners.setdefault(trigger, set()).add(name)
            else:
                always.add(name)
    closure = {
        t: frozenset(n for p, names in owners.items() if t.startswith(p) for n in names)
        for t in owners
    }
    return re.compile(f"(?=({_trie_pattern(set(owners))}))"), closure, frozenset(always)


_SCREEN, _OWNERS, _ALWAYS = _screen()
# (intent, its name, its built-in rule) in Intent order; iterating an Enum is slow.
_ORDER = tuple((i, i.value, _BUILTIN.get(i)) for i in Intent)
_RANK = {i: n for n, i in enumerate(Intent)}


def candidates(low: str) -> set[str]:
    """Names of the built-in rules (intent values, "sarcasm", "takeover", "aside") worth running
    on ``low``."""
    found = set(_ALWAYS)
    owners = _OWNERS
    for trigger in set(_SCREEN.findall(low)):
        found |= owners[trigger]
    return found


def _churn(low: str, builtin: _Rule | None, rules: _BrandRules) -> str | None:
    """A churn phrase, knowing the brand: "switching to acme" is joining it, not leaving;
    "left acme" is leaving it, without a churn word."""
    if rules.leaving is not None:
        for m in rules.leaving.finditer(low):
            if not negated(low, m.start()):
                return m.group(0).strip()
    if builtin is None:
        return None
    joins = [] if rules.joining is None else [m.span() for m in rules.joining.finditer(low)]
    for m in builtin.pattern.finditer(low):
        if any(m.start() < b and a < m.end() for a, b in joins) or negated(low, m.start()):
            continue
        return m.group(0).strip()
    return None


def find(text: str, brand: Brand | None = None) -> Found:
    """Every intent whose phrases (built-in or the brand's) occur un-negated in ``text``."""
    low = normalise(text)
    found = Found()
    rules = _brand_rules(brand)
    worth = candidates(low)
    if not worth and rules is None and "?" not in low:
        return found  # most mentions: no trigger, no brand, no question
    for intent, name, builtin in _ORDER:
        phrase = None
        if intent is Intent.CANCEL and rules is not None:
            phrase = _churn(low, builtin if name in worth else None, rules)
        elif builtin is not None and name in worth:
            plain = _PLAIN.get(intent)
            phrase = plain.first(low) if plain is not None else None
            if phrase is not None:
                found.intents.append(Hit(intent, phrase, plain=True))
                continue
            phrase = builtin.first(low, screened=True)
        own = False
        if phrase is None and rules is not None and intent in rules.extra:
            phrase = rules.extra[intent].first(low)
            own = phrase is not None
        if phrase is None and intent is Intent.QUESTION and "?" in low:
            phrase = _is_question(low)
        if phrase is not None:
            found.intents.append(Hit(intent, phrase, own))
    if _SARCASM is not None and "sarcasm" in worth:
        found.sarcasm = _SARCASM.first(low, check_negation=False, screened=True)
    if found.sarcasm:
        found.intents = [h for h in found.intents if h.intent is not Intent.PRAISE]
    if _ASIDE is not None and "aside" in worth:
        found.aside = _ASIDE.first(low, check_negation=False, screened=True)
    if _TAKEOVER is not None and "takeover" in worth:
        found.takeover = _TAKEOVER.first(low, screened=True)
        if found.takeover and Intent.ACCOUNT not in found.set:  # a takeover is about an account
            found.intents.append(Hit(Intent.ACCOUNT, found.takeover))
            found.intents.sort(key=lambda h: _RANK[h.intent])
    if rules is not None and rules.crisis is not None:
        found.crisis = rules.crisis.first(low)
        if found.crisis and other_sense(low, found.crisis):
            found.crisis = None
        if found.crisis:
            found.intents.append(Hit(Intent.CRISIS, found.crisis, True))
    return found
