"""Brand configuration: which brands Heard tracks, how it matches them and where alerts go.

The configuration is YAML validated by pydantic. In AWS it lives in an SSM parameter (read with
caching, so an edit needs no redeploy); locally it is a file (``HEARD_CONFIG``).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from heard.models import Intent, Platform, Priority
from heard.settings import ConfigSettings

log = logging.getLogger(__name__)

_Term = Annotated[str, Field(min_length=1, max_length=200)]


class Strict(BaseModel):
    # Unknown keys are errors (a typo must not be silently ignored); schemas build on first use.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Routing(Strict):
    """Where a brand's alerts go. Priorities below ``alert_min_priority`` are stored, not sent."""

    alert_min_priority: Priority = Priority.HIGH
    # What to do with a mention in a language the model does not know:
    # "alert" sends it at ``unknown_language_priority``; "store" keeps it for the inbox only.
    unknown_language: Literal["alert", "store"] = "store"
    unknown_language_priority: Priority = Priority.NORMAL
    # Free-form channel tag carried on the alert (e.g. a chat channel a subscriber filters on).
    channel: str | None = None


class PriorityRules(Strict):
    """A brand's own thresholds for how reach raises priority."""

    high_reach_followers: Annotated[int, Field(ge=0)] = 10_000
    critical_reach_followers: Annotated[int, Field(ge=0)] = 100_000
    # Intents that are at least ``high`` whoever says them.
    escalate_intents: list[Intent] = Field(
        default_factory=lambda: [Intent.LEGAL, Intent.SAFETY, Intent.PRIVACY]
    )
    vip_handles: list[_Term] = Field(default_factory=list)

    @field_validator("vip_handles")
    @classmethod
    def _plain_handles(cls, value: list[str]) -> list[str]:
        return [h.lstrip("@").lower() for h in value]

    @model_validator(mode="after")
    def _thresholds_in_order(self) -> PriorityRules:
        problem = _threshold_problem(self.high_reach_followers, self.critical_reach_followers)
        if problem:
            raise _CrossFieldError(problem)
        return self


class Brand(Strict):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    handles: dict[Platform, list[_Term]] = Field(default_factory=dict)
    account_ids: dict[Platform, list[_Term]] = Field(default_factory=dict)
    hashtags: list[_Term] = Field(default_factory=list)
    keywords: list[_Term] = Field(default_factory=list)
    exclusions: list[_Term] = Field(default_factory=list)
    platforms: list[Platform] = Field(default_factory=lambda: list(Platform))
    routing: Routing = Field(default_factory=Routing)
    priority: PriorityRules = Field(default_factory=PriorityRules)
    # Extra phrases per intent, added to the built-in rules (e.g. billing: ["direct debit"]).
    intent_terms: dict[Intent, list[_Term]] = Field(default_factory=dict)
    # Words that make any mention critical for this brand (e.g. "recall", "food poisoning").
    crisis_words: list[_Term] = Field(default_factory=list)

    @field_validator("handles")
    @classmethod
    def _strip_at(cls, value: dict[Platform, list[str]]) -> dict[Platform, list[str]]:
        return {p: [h.lstrip("@").lower() for h in hs] for p, hs in value.items()}

    @field_validator("hashtags")
    @classmethod
    def _strip_hash(cls, value: list[str]) -> list[str]:
        return [h.lstrip("#") for h in value]

    @model_validator(mode="after")
    def _something_to_match(self) -> Brand:
        if not any(getattr(self, field) for field in _MATCH_FIELDS):
            raise _CrossFieldError(_NOTHING_TO_MATCH)
        return self


class HeardConfig(Strict):
    brands: Annotated[list[Brand], Field(min_length=1)]

    @model_validator(mode="after")
    def _unique_names(self) -> HeardConfig:
        problems = _duplicate_names([b.name for b in self.brands])
        if problems:
            raise _CrossFieldError(problems[0][1])  # parse_config reports every one
        return self

    def brand(self, name: str | None) -> Brand | None:
        if name is None:
            return None
        return next((b for b in self.brands if b.name.lower() == name.lower()), None)


# ---------------------------------------------------------------------------------------------
# Checks across fields. The models run them too, but pydantic skips a model's validators once
# one of its fields failed, so parse_config also runs them over the raw data: one run of
# ``heard config validate`` reports every problem in the file, not the first few.
# ---------------------------------------------------------------------------------------------

_MATCH_FIELDS = ("handles", "account_ids", "hashtags", "keywords")
_NOTHING_TO_MATCH = "a brand needs at least one of handles, account_ids, hashtags, keywords"


class _CrossFieldError(ValueError):
    """Raised by the models' cross-field checks, so parse_config can tell them apart."""


def _cross_field_message(error: Any) -> str | None:
    """The message of a cross-field check's error in ``ValidationError.errors()``, else None."""
    raised = (error.get("ctx") or {}).get("error")
    return str(raised) if isinstance(raised, _CrossFieldError) else None


def _threshold_problem(high: int, critical: int) -> str | None:
    if critical < high:
        return (
            f"critical_reach_followers ({critical}) must be at least high_reach_followers ({high})"
        )
    return None


def _duplicate_names(names: list[Any]) -> list[tuple[int, str]]:
    """(index, message) for each brand whose name (case-insensitive) an earlier one has."""
    first: dict[str, int] = {}
    problems = []
    for index, name in enumerate(names):
        if not isinstance(name, str):
            continue
        if name.lower() in first:
            where = first[name.lower()]
            problems.append((index, f"brand name {name!r} appears twice (also brands[{where}])"))
        else:
            first[name.lower()] = index
    return problems


def _as_int(value: Any) -> int | None:
    """An integer the way the model would read it; None where the field itself is invalid."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _cross_field_errors(data: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    """(location, message) for every cross-field problem in the raw configuration."""
    brands = data.get("brands")
    if not isinstance(brands, list):
        return []  # reported as a field error
    errors: list[tuple[tuple[Any, ...], str]] = []
    defaults = PriorityRules.model_fields
    for index, brand in enumerate(brands):
        if not isinstance(brand, dict):
            continue
        if not any(brand.get(field) for field in _MATCH_FIELDS):
            errors.append((("brands", index), _NOTHING_TO_MATCH))
        priority = brand.get("priority", {})
        if isinstance(priority, dict):
            high = _as_int(
                priority.get("high_reach_followers", defaults["high_reach_followers"].default)
            )
            critical = _as_int(
                priority.get(
                    "critical_reach_followers", defaults["critical_reach_followers"].default
                )
            )
            problem = (
                None if high is None or critical is None else _threshold_problem(high, critical)
            )
            if problem:
                errors.append((("brands", index, "priority"), problem))
    names = [b.get("name") if isinstance(b, dict) else None for b in brands]
    errors += [(("brands", index, "name"), message) for index, message in _duplicate_names(names)]
    return errors


class ConfigError(ValueError):
    """The configuration is invalid; ``errors`` lists every problem with its location."""

    def __init__(self, source: str, errors: list[str]):
        self.source = source
        self.errors = errors
        super().__init__(f"{source}: " + "; ".join(errors))


def _location(loc: Iterable[Any], data: Any) -> str:
    """``brands[0] (Acme).routing.alert_min_priority`` from a pydantic error location."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            label = f"[{item}]"
            if isinstance(node, list) and item < len(node):
                node = node[item]
                if isinstance(node, dict) and isinstance(node.get("name"), str):
                    label += f" ({node['name']})"
            parts.append(label)
        else:
            parts.append(("." if parts else "") + str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts) or "(top level)"


def parse_config(text: str, source: str = "<config>") -> HeardConfig:
    import yaml  # only where a config is read: the webhook and API paths never need it

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ConfigError(
            source, [f"{where}not valid YAML ({getattr(exc, 'problem', exc)})"]
        ) from exc
    if not isinstance(data, dict):
        raise ConfigError(source, ["(top level): expected a mapping with a 'brands' list"])
    try:
        return HeardConfig.model_validate(data)
    except ValidationError as exc:
        found = [
            (tuple(e["loc"]), e["msg"]) for e in exc.errors() if _cross_field_message(e) is None
        ]
        cross = _cross_field_errors(data)
        # A check the models ran that the pass over the raw data did not repeat stays in.
        known = {message for _, message in cross}
        for e in exc.errors():
            message = _cross_field_message(e)
            if message is not None and message not in known:
                cross.append((tuple(e["loc"]), message))
        ordered = sorted(found + cross, key=lambda error: _brand_index(error[0]))
        errors = [f"{_location(loc, data)}: {message}" for loc, message in ordered]
        raise ConfigError(source, errors) from exc


def _brand_index(loc: tuple[Any, ...]) -> int:
    """Errors of one brand together, in the file's order; top-level ones first."""
    if len(loc) > 1 and loc[0] == "brands" and isinstance(loc[1], int):
        return loc[1]
    return -1


def load_config_file(path: str | os.PathLike[str]) -> HeardConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), [f"cannot read the file ({exc.strerror})"]) from exc
    return parse_config(text, str(path))


class ConfigSource:
    """Where the running function reads the config: a file locally, an SSM parameter in AWS.

    ``HEARD_CONFIG`` names a file; otherwise ``HEARD_CONFIG_PARAMETER`` names an SSM parameter
    read through Powertools Parameters and cached for ``HEARD_CONFIG_MAX_AGE_S`` seconds (60).
    With neither set there is nothing to read: ``ConfigError`` says which variables to set.
    """

    def __init__(self, settings: ConfigSettings | None = None):
        # Without settings, the environment is read on every call (tests change it between).
        self._settings = settings
        self._cached: tuple[str, HeardConfig] | None = None
        self._last_good: HeardConfig | None = None

    def get(self) -> HeardConfig:
        """The current configuration. After a bad edit, the last good one, with an error
        logged each time it is read (so one typo in the parameter does not stop triage)."""
        settings = self._settings or ConfigSettings.from_env()
        file, parameter = settings.config_file, settings.config_parameter
        if file:
            if self._cached is None or self._cached[0] != file:
                self._cached = (file, load_config_file(file))
            return self._cached[1]
        if not parameter:
            raise ConfigError(
                "environment", ["set HEARD_CONFIG (a file) or HEARD_CONFIG_PARAMETER"]
            )
        from aws_lambda_powertools.utilities import parameters

        text = parameters.get_parameter(parameter, max_age=settings.config_max_age_s)
        if self._cached is not None and self._cached[0] == text:
            return self._cached[1]
        try:
            config = parse_config(text, f"ssm:{parameter}")
        except ConfigError as exc:
            if self._last_good is None:
                raise
            log.error("invalid configuration; keeping the last good one: %s", exc)
            return self._last_good
        self._cached = (text, config)
        self._last_good = config
        return config


# ---------------------------------------------------------------------------------------------
# Matching: which brand does a mention concern?
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    brand: Brand
    matched: str  # what matched: "@acme", "#acme", "acme", "account 1000000001"


def _term_pattern(term: str) -> str:
    # Word boundaries that also work for terms starting/ending with non-word characters.
    return rf"(?<![\w@#]){re.escape(term)}(?!\w)"


class BrandMatcher:
    """Case-insensitive matching on word boundaries that understands @handles and #hashtags."""

    def __init__(self, config: HeardConfig):
        self.config = config
        self._compiled = [(brand, self._patterns(brand)) for brand in config.brands]

    @staticmethod
    def _patterns(brand: Brand) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
        alts: list[str] = []
        handles = {h for hs in brand.handles.values() for h in hs}
        alts += [rf"(?<![\w@])@{re.escape(h)}(?!\w)" for h in sorted(handles)]
        alts += [rf"(?<![\w#])#{re.escape(t)}(?!\w)" for t in brand.hashtags]
        alts += [_term_pattern(k) for k in brand.keywords]
        include = re.compile("|".join(alts), re.IGNORECASE) if alts else None
        exclude = (
            re.compile("|".join(_term_pattern(e) for e in brand.exclusions), re.IGNORECASE)
            if brand.exclusions
            else None
        )
        return include, exclude

    def match(
        self, text: str, *, platform: Platform | str, account_id: str | None = None
    ) -> Match | None:
        platform = Platform(platform)
        for brand, _patterns in self._compiled:
            if platform not in brand.platforms:
                continue
            if account_id and account_id in brand.account_ids.get(platform, []):
                return Match(brand, f"account {account_id}")
        for brand, (include, exclude) in self._compiled:
            if platform not in brand.platforms or include is None:
                continue
            if exclude is not None and exclude.search(text):
                continue
            found = include.search(text)
            if found:
                return Match(brand, found.group(0))
        return None
