"""Filtered Stream rules from the brand configuration, and keeping X's rules in step with them.

``build_rules`` is pure: a brand's X handles become ``@handle``, its hashtags ``#tag``, its
keywords quoted phrases, joined with ``OR``; its exclusions become ``-"term"`` and every rule
ends with ``-is:retweet`` (reposts repeat words already delivered). A brand with more terms than
one rule can hold gets several rules, each within X's rule length (1,024 characters on
pay-per-use access, 2,048 on Enterprise) and each tagged ``heard:<brand>``, which is how a
delivery names its brand (``v2.brand_of_tags``) and how a sync knows the rules it wrote.

``plan`` compares the wanted rules with those on X (``current_rules``, ``GET
/2/tweets/search/stream/rules``); ``apply`` adds what is missing, then deletes the stale rules
tagged ``heard:`` (``POST /2/tweets/search/stream/rules``). Rules with any other tag, or none,
belong to someone else and are never touched. The calls take an app-only bearer token.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from heard.config import Brand, HeardConfig
from heard.models import Platform
from heard.platforms.x.v2 import TAG_PREFIX

if TYPE_CHECKING:  # the caller passes a client; nothing here opens one at import
    import httpx

MAX_RULE_LENGTH = 1024  # pay-per-use access; Enterprise allows 2,048
RULES_PATH = "/2/tweets/search/stream/rules"
RETWEETS = "-is:retweet"


class RuleError(ValueError):
    """The brand's terms cannot be written as rules within the length limit."""


class SyncError(RuntimeError):
    """X refused a rules request; the message says what X answered."""


@dataclass(frozen=True)
class Rule:
    value: str
    tag: str


@dataclass(frozen=True)
class ExistingRule:
    id: str
    value: str
    tag: str | None = None

    @property
    def ours(self) -> bool:
        return bool(self.tag and self.tag.startswith(TAG_PREFIX))


# --- building ---------------------------------------------------------------------------------


def quote(term: str) -> str:
    """An exact-phrase operand: ``"term"``, with quotes and backslashes escaped."""
    return '"' + term.replace("\\", "\\\\").replace('"', '\\"') + '"'


def tag_for(brand: Brand) -> str:
    return TAG_PREFIX + brand.name


def brand_terms(brand: Brand) -> list[str]:
    """The operands that match a brand, each once (case aside), handles first."""
    terms = [f"@{handle}" for handle in brand.handles.get(Platform.X, [])]
    terms += [f"#{tag}" for tag in brand.hashtags]
    terms += [quote(keyword) for keyword in brand.keywords]
    seen: set[str] = set()
    unique = []
    for term in terms:
        if term.lower() not in seen:
            seen.add(term.lower())
            unique.append(term)
    return unique


def _rule_value(terms: list[str], suffix: str) -> str:
    group = terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"
    return f"{group} {suffix}"


def build_rules(brand: Brand, max_length: int = MAX_RULE_LENGTH) -> list[Rule]:
    """The Filtered Stream rules for one brand (none if it does not listen on X or has no
    terms to match there); ``RuleError`` if a term cannot fit in a rule with the exclusions."""
    if Platform.X not in brand.platforms:
        return []
    terms = brand_terms(brand)
    if not terms:
        return []
    suffix = " ".join([f"-{quote(term)}" for term in brand.exclusions] + [RETWEETS])
    tag = tag_for(brand)
    rules: list[Rule] = []
    chunk: list[str] = []
    for term in terms:
        if len(_rule_value([term], suffix)) > max_length:
            raise RuleError(
                f"{brand.name}: {term} with the exclusions is longer than {max_length} "
                "characters, the most a rule may hold"
            )
        if chunk and len(_rule_value([*chunk, term], suffix)) > max_length:
            rules.append(Rule(_rule_value(chunk, suffix), tag))
            chunk = []
        chunk.append(term)
    rules.append(Rule(_rule_value(chunk, suffix), tag))
    return rules


def build_all(config: HeardConfig, max_length: int = MAX_RULE_LENGTH) -> list[Rule]:
    return [rule for brand in config.brands for rule in build_rules(brand, max_length)]


# --- syncing ----------------------------------------------------------------------------------


@dataclass
class Plan:
    add: list[Rule] = field(default_factory=list)
    delete: list[ExistingRule] = field(default_factory=list)
    keep: list[ExistingRule] = field(default_factory=list)
    others: list[ExistingRule] = field(default_factory=list)  # not ours: left alone

    @property
    def changes(self) -> bool:
        return bool(self.add or self.delete)


def plan(wanted: Iterable[Rule], existing: Iterable[ExistingRule]) -> Plan:
    """What ``apply`` would do: add the wanted rules X lacks, delete our rules no longer wanted."""
    result = Plan()
    wanted_rules = list(dict.fromkeys(wanted))
    present = set()
    for rule in existing:
        if not rule.ours:
            result.others.append(rule)
        elif rule.tag is not None and Rule(rule.value, rule.tag) in wanted_rules:
            result.keep.append(rule)
            present.add(Rule(rule.value, rule.tag))
        else:
            result.delete.append(rule)
    result.add = [rule for rule in wanted_rules if rule not in present]
    return result


def _answer(response: httpx.Response, doing: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code >= 400 or not isinstance(body, dict):
        detail = ""
        if isinstance(body, dict):
            detail = str(body.get("detail") or body.get("title") or "")
        raise SyncError(f"{doing}: X answered {response.status_code} {detail}".rstrip())
    return body


def current_rules(client: httpx.Client) -> list[ExistingRule]:
    """Every rule on the app's stream, following X's pages."""
    rules: list[ExistingRule] = []
    params: dict[str, str] = {}
    while True:
        body = _answer(client.get(RULES_PATH, params=params), "listing the rules")
        for item in body.get("data") or []:
            if isinstance(item, dict) and item.get("id") and isinstance(item.get("value"), str):
                tag = item.get("tag")
                rules.append(
                    ExistingRule(
                        str(item["id"]), item["value"], tag if isinstance(tag, str) else None
                    )
                )
        meta = body.get("meta")
        token = meta.get("next_token") if isinstance(meta, dict) else None
        if not token:
            return rules
        params = {"pagination_token": str(token)}


def _errors(body: dict[str, Any]) -> list[str]:
    errors = body.get("errors")
    if not isinstance(errors, list):
        return []
    found = []
    for error in errors:
        if isinstance(error, dict):
            what = error.get("title") or error.get("message") or "error"
            value = error.get("value")
            found.append(f"{what}: {value}" if value else str(what))
    return found


def apply(client: httpx.Client, changes: Plan) -> None:
    """Add first, then delete, so that no brand goes unheard in between."""
    if changes.add:
        body = _answer(
            client.post(
                RULES_PATH, json={"add": [{"value": r.value, "tag": r.tag} for r in changes.add]}
            ),
            "adding rules",
        )
        if errors := _errors(body):
            raise SyncError("adding rules: X refused " + "; ".join(errors))
    if changes.delete:
        body = _answer(
            client.post(RULES_PATH, json={"delete": {"ids": [r.id for r in changes.delete]}}),
            "deleting rules",
        )
        if errors := _errors(body):
            raise SyncError("deleting rules: X refused " + "; ".join(errors))


def sync(client: httpx.Client, wanted: Iterable[Rule], *, dry_run: bool) -> Plan:
    """Compare ``wanted`` with X's rules and, unless ``dry_run``, make X's match."""
    changes = plan(wanted, current_rules(client))
    if not dry_run:
        apply(client, changes)
    return changes


def client(api_url: str, bearer_token: str, timeout: float = 10.0) -> httpx.Client:
    import httpx

    return httpx.Client(
        base_url=api_url.rstrip("/"),
        headers={"Authorization": f"Bearer {bearer_token}"},
        timeout=timeout,
    )


__all__ = [
    "MAX_RULE_LENGTH",
    "ExistingRule",
    "Plan",
    "Rule",
    "RuleError",
    "SyncError",
    "apply",
    "brand_terms",
    "build_all",
    "build_rules",
    "client",
    "current_rules",
    "plan",
    "quote",
    "sync",
    "tag_for",
]
