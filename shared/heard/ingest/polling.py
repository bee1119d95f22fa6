"""Polling mechanics shared by every scheduled source: one run of one source for one brand.

A source (``heard.platforms.<name>.poll.SOURCE``) knows its platform: which queries a brand
needs, how to page through one from a stored cursor, how to read a post into a ``Mention``. It
does not know about DynamoDB, queues, budgets or alerts; a ``Poller`` does, the same way for
every source:

- **Cursors.** A query's cursor is the source's own JSON. Each page a source yields carries the
  cursor to store once that page's mentions are on the ingest queue; the poller queues them,
  then advances the cursor with a conditional write (``heard.store.pollstate``). A crash or a
  timeout between the two repeats the page next run (the mentions table keeps each mention
  once); nothing is ever skipped. A run stops between pages before the deadline it is given.
- **Politeness.** Every request goes through ``PollHttp``: a descriptive User-Agent, the
  platform's rate-limit headers read (when ``remaining`` reaches 0 the run stops after the
  page and the source waits for the reset), a 429 or a 5xx ends the source's run with its
  cursor where it was and a backoff that honours ``Retry-After``.
- **Money.** Each request reserves its cost (requests, YouTube quota units, X post reads) from
  the source's daily budget before it is sent; a request that would pass the budget is not
  sent, and the run reports what was spent.
- **Health.** A source that keeps failing (``FAILURES_BEFORE_ALERT`` runs in a row), or whose
  credentials were refused, raises one operational alert; the first good run after it sends
  one recovery notice.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, ClassVar, Protocol

import httpx

from heard.config import Brand, HeardConfig, SourceSettings
from heard.models import Mention, MentionMessage, Platform, utcnow
from heard.platforms._reply import retry_after
from heard.store.pollstate import Health, PollState, StaleCursor

log = logging.getLogger(__name__)

VERSION = "1.0"
# Operators add how to reach them with a source's ``options.user_agent`` (an email, a URL).
DEFAULT_USER_AGENT = f"Heard/{VERSION} (social listening)"
FAILURES_BEFORE_ALERT = 3
MAX_BACKOFF = timedelta(hours=1)
MIN_BACKOFF = timedelta(minutes=1)
# Stop this long before the deadline: one more page must not run past the function's timeout.
DEADLINE_MARGIN_S = 15.0
REQUEST_TIMEOUT_S = 10.0
# No request is sent this close to the deadline: it could not finish in time.
REQUEST_MARGIN_S = REQUEST_TIMEOUT_S + 2.0


# --- what a run can end with ---------------------------------------------------------------


class PollError(Exception):
    """Ends a source's run. ``failure``: counts toward the operational alert."""

    failure: ClassVar[bool] = True

    def __init__(self, message: str, retry_after: timedelta | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class RateLimited(PollError):
    """429: the platform asks to wait (not a failure; the backoff honours ``Retry-After``)."""

    failure = False


class Unavailable(PollError):
    """5xx, a timeout or a connection error."""


class AuthFailed(PollError):
    """Credentials missing, refused or expired (401): one operational alert at once."""


class BadResponse(PollError):
    """The platform answered something Heard cannot read, or refused the request (4xx)."""


class BudgetExhausted(PollError):
    """The next request would pass the source's daily budget: not sent."""

    failure = False


class OutOfTime(PollError):
    """The run's deadline is too near to send another request: it ends as after a page."""

    failure = False


class Misconfigured(PollError):
    """The source's or the brand's settings cannot work (a missing option, a bad term)."""


# --- HTTP ------------------------------------------------------------------------------------


_REMAINING = ("x-ratelimit-remaining", "x-rate-limit-remaining", "ratelimit-remaining")
_RESET = ("x-ratelimit-reset", "x-rate-limit-reset", "ratelimit-reset")


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


@dataclass
class RateLimit:
    """The platform's rate-limit headers from the last answer."""

    remaining: float | None = None
    reset_at: datetime | None = None

    @classmethod
    def read(cls, headers: httpx.Headers, now: datetime) -> RateLimit:
        remaining = next((_number(headers.get(h)) for h in _REMAINING if h in headers), None)
        reset = next((_number(headers.get(h)) for h in _RESET if h in headers), None)
        reset_at = None
        if reset is not None:
            # An epoch (X, Mastodon's is an ISO date) or seconds from now (Reddit, IETF draft).
            reset_at = (
                datetime.fromtimestamp(reset, UTC)
                if reset > 1e9
                else now + timedelta(seconds=reset)
            )
        elif "x-ratelimit-reset" in headers:
            try:
                reset_at = datetime.fromisoformat(headers["x-ratelimit-reset"])
            except ValueError:
                reset_at = None
        return cls(remaining, reset_at)


class Budget:
    """A source's daily budget in its own unit, reserved request by request."""

    def __init__(
        self,
        state: PollState | None,
        source: str,
        limit: int,
        unit: str,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.state, self.source, self.limit, self.unit = state, source, limit, unit
        self._clock = clock
        self.spent = 0  # by this run

    @property
    def day(self) -> date:
        return self._clock().astimezone(UTC).date()

    def take(self, cost: int) -> None:
        if cost <= 0:
            return
        ok = self.state.reserve(self.source, self.day, cost, self.limit) if self.state else True
        if not ok:
            raise BudgetExhausted(
                f"{self.source}: the next request ({cost} {self.unit}) would pass today's "
                f"budget of {self.limit} {self.unit}"
            )
        self.spent += cost

    def give_back(self, amount: int) -> None:
        amount = min(amount, self.spent)
        if amount > 0:
            if self.state:
                self.state.refund(self.source, self.day, amount)
            self.spent -= amount

    def spent_today(self) -> int | None:
        return self.state.spent(self.source, self.day) if self.state else None


class PollHttp:
    """Every request a source makes: User-Agent, budget, rate-limit headers, errors."""

    def __init__(
        self,
        client: httpx.Client,
        source: str,
        budget: Budget,
        user_agent: str = DEFAULT_USER_AGENT,
        clock: Callable[[], datetime] = utcnow,
        deadline: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.client, self.source, self.budget = client, source, budget
        self.user_agent = user_agent
        self._clock = clock
        self.deadline, self._monotonic = deadline, monotonic
        self.requests = 0
        self.limit = RateLimit()

    def request(
        self,
        method: str,
        url: str,
        *,
        cost: int = 1,
        params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, Any] | None = None,
        json: Any = None,
        auth: httpx.Auth | tuple[str, str] | None = None,
        ok: Sequence[int] = (200,),
    ) -> httpx.Response:
        """Send one request; the answer if its status is in ``ok`` (and 304, always),
        otherwise the ``PollError`` that ends the run."""
        if self.deadline is not None and self.deadline - self._monotonic() < REQUEST_MARGIN_S:
            raise OutOfTime(f"{self.source}: stopped before the function's timeout")
        self.budget.take(cost)
        sent_headers = {"User-Agent": self.user_agent, "Accept": "application/json"}
        sent_headers.update(headers or {})
        try:
            response = self.client.request(
                method,
                url,
                params=params,  # type: ignore[arg-type]
                headers=sent_headers,
                data=data,
                json=json,
                auth=auth,
                timeout=REQUEST_TIMEOUT_S,
            )
        except httpx.TimeoutException as exc:
            raise Unavailable(f"{self.source}: {method} {_path(url)} timed out") from exc
        except httpx.HTTPError as exc:
            raise Unavailable(f"{self.source}: {method} {_path(url)} failed: {exc}") from exc
        self.requests += 1
        now = self._clock()
        self.limit = RateLimit.read(response.headers, now)
        status = response.status_code
        if status in ok or status == 304:
            return response
        asked = retry_after(response.headers, now)
        wait = timedelta(seconds=asked) if asked is not None else None
        what = f"{self.source}: {method} {_path(url)} answered {status}"
        if status == 429:
            if wait is None and self.limit.reset_at is not None:
                wait = max(self.limit.reset_at - now, timedelta(0))
            raise RateLimited(f"{what} (rate limited)", wait)
        if status >= 500:
            raise Unavailable(what, wait)
        if status == 401:
            raise AuthFailed(f"{what}: the credentials were refused or have expired")
        raise BadResponse(f"{what}: {_excerpt(response)}")

    def json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise BadResponse(
                f"{self.source}: {_path(str(response.url))} did not answer JSON"
            ) from exc

    @property
    def exhausted_until(self) -> datetime | None:
        """When the platform said no request is left in its window: its reset."""
        if self.limit.remaining is not None and self.limit.remaining <= 0:
            return self.limit.reset_at or (self._clock() + MIN_BACKOFF)
        return None


def _path(url: str) -> str:
    return httpx.URL(url).path


def _excerpt(response: httpx.Response, limit: int = 200) -> str:
    text = re.sub(r"\s+", " ", response.text or "").strip()
    return text[:limit] or response.reason_phrase


# --- what a source implements ---------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """One thing a brand asks of a source. ``key`` is stable across runs (it names the
    cursor: ``search:acme``, ``r/acme/comments``); ``params`` are the source's own."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Page:
    """Mentions to queue, then the cursor to store (None: leave it as it is). ``edited``: the
    native ids of mentions the platform says were edited (the store replaces the text of one
    already there and triages it again, as for a webhook's edit)."""

    mentions: list[Mention]
    cursor: dict[str, Any] | None = None
    edited: frozenset[str] = frozenset()


@dataclass
class PollContext:
    """What a source's ``pages`` may use during a run."""

    source: str
    brand: Brand
    settings: SourceSettings
    http: PollHttp
    base_url: str
    now: datetime

    def url(self, path: str, base: str | None = None) -> str:
        return (base or self.base_url).rstrip("/") + "/" + path.lstrip("/")

    def option(self, name: str, default: Any = None) -> Any:
        return self.settings.options.get(name, default)


class Source(Protocol):
    """A scheduled source; ``heard.platforms.<name>.poll.SOURCE`` is one.

    Its credentials are ``heard.secrets.SecretRef``s listed in the module's ``SECRETS`` tuple
    (keys of the ListenSecret, or of the platform's own secret for X), read with
    ``heard.secrets.get_secret`` (Powertools Parameters; an env var wins, as in the local
    stack, whose values are each ref's ``local_default``); a missing or refused one is
    ``AuthFailed``."""

    name: str  # the config key, the CLI's and the schedule's name: "reddit"
    platform: Platform
    default_base_url: str
    budget_unit: str  # "requests", "quota units", "post reads"
    default_budget_per_day: int

    def queries(self, brand: Brand, settings: SourceSettings) -> list[Query]:
        """What to ask for this brand (none: nothing to do). ``Misconfigured`` if the
        settings cannot work."""
        ...

    def pages(self, ctx: PollContext, query: Query, cursor: Mapping[str, Any]) -> Iterator[Page]:
        """The pages of new mentions since ``cursor`` (empty the first time), each with the
        cursor to store once it is queued. Raise a ``PollError`` (``PollHttp`` does) to end
        the run; the poller stops between pages when time is short."""
        ...


# --- the run ---------------------------------------------------------------------------------


@dataclass
class RunReport:
    source: str
    brand: str
    queries: int = 0
    pages: int = 0
    fetched: int = 0
    queued: int = 0
    excluded: int = 0
    requests: int = 0
    spent: int = 0
    spent_today: int | None = None
    budget: int = 0
    unit: str = "requests"
    stopped: str = "done"  # done | deadline | rate-limited | budget | error | backing-off | ...
    error: str | None = None
    backoff_until: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["backoff_until"] = self.backoff_until.isoformat() if self.backoff_until else None
        return data


class Sender(Protocol):
    def send(self, messages: Sequence[MentionMessage]) -> int: ...


class Alarm(Protocol):
    def raise_once(self, key: str, subject: str, message: str) -> bool: ...

    def resolve(self, key: str, subject: str, message: str) -> bool: ...


@lru_cache(maxsize=64)
def _exclusions(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    if not terms:
        return None
    return re.compile("|".join(rf"(?<![\w@#]){re.escape(t)}(?!\w)" for t in terms), re.IGNORECASE)


def excluded(brand: Brand, text: str) -> bool:
    """The brand's exclusions match: a search result about something else ("acme acres")."""
    pattern = _exclusions(tuple(brand.exclusions))
    return bool(pattern and pattern.search(text))


def budget_limit(source: Source, settings: SourceSettings) -> int:
    return settings.budget_per_day or source.default_budget_per_day


def backoff_for(failures: int, asked: timedelta | None) -> timedelta:
    """The platform's ``Retry-After`` if it gave one, else 1, 2, 4 … minutes up to an hour."""
    if asked is not None:
        return min(max(asked, timedelta(seconds=1)), MAX_BACKOFF * 24)
    return min(MIN_BACKOFF * (2 ** max(failures - 1, 0)), MAX_BACKOFF)


class Poller:
    """Runs one source for one brand: queries, pages, queue, cursors, budget and health."""

    def __init__(
        self,
        state: PollState,
        queue: Sender,
        client: httpx.Client,
        alarm: Alarm | None = None,
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
        base_urls: Mapping[str, str] | None = None,
    ):
        self.state, self.queue, self.client, self.alarm = state, queue, client, alarm
        self._clock, self._monotonic = clock, monotonic
        # Per source, over the config's base_url: where the local stack's fakes listen.
        self.base_urls = dict(base_urls or {})

    def run(
        self,
        source: Source,
        config: HeardConfig,
        brand: Brand,
        *,
        deadline: float | None = None,
        ignore_backoff: bool = False,
    ) -> RunReport:
        """One run; ``deadline`` is a ``time.monotonic()`` value (None: no limit)."""
        settings = config.source(source.name) or SourceSettings()
        limit = budget_limit(source, settings)
        report = RunReport(source.name, brand.name, budget=limit, unit=source.budget_unit)
        now = self._clock()
        health = self.state.health(source.name)
        if not ignore_backoff and health.backoff_until and health.backoff_until > now:
            report.stopped, report.backoff_until = "backing-off", health.backoff_until
            return report
        budget = Budget(self.state, source.name, limit, source.budget_unit, self._clock)
        user_agent = str(settings.options.get("user_agent") or DEFAULT_USER_AGENT)
        http = PollHttp(
            self.client, source.name, budget, user_agent, self._clock, deadline, self._monotonic
        )
        ctx = PollContext(
            source.name,
            brand,
            settings,
            http,
            (
                self.base_urls.get(source.name) or settings.base_url or source.default_base_url
            ).rstrip("/"),
            now,
        )
        try:
            queries = source.queries(brand, settings)
            report.queries = len(queries)
            for query in queries:
                if self._run_query(source, ctx, query, report, deadline):
                    break
        except PollError as exc:
            self._ended_by(exc, source, report, health)
        else:
            self._succeeded(source, report, http.exhausted_until)
        finally:
            report.requests, report.spent = http.requests, budget.spent
            report.spent_today = budget.spent_today()
        log.info("poll run", extra={"poll": report.as_dict()})
        return report

    def _run_query(
        self,
        source: Source,
        ctx: PollContext,
        query: Query,
        report: RunReport,
        deadline: float | None,
    ) -> bool:
        """Page through one query; True when the whole run must stop (time, rate limit)."""
        brand = ctx.brand.name
        cursor = self.state.cursor(source.name, brand, query.key)
        pages = source.pages(ctx, query, dict(cursor.state))
        try:
            for page in pages:
                report.pages += 1
                report.fetched += len(page.mentions)
                wanted = [m for m in page.mentions if not excluded(ctx.brand, m.text)]
                report.excluded += len(page.mentions) - len(wanted)
                if wanted:
                    self.queue.send(
                        [
                            MentionMessage(
                                mention=m, brand=brand, edited=m.native_id in page.edited
                            )
                            for m in wanted
                        ]
                    )
                    report.queued += len(wanted)
                if page.cursor is not None:
                    try:
                        cursor = self.state.advance(
                            source.name, brand, query.key, cursor, page.cursor, self._clock()
                        )
                    except StaleCursor as exc:
                        log.warning("%s", exc)
                        return False
                if ctx.http.exhausted_until is not None:
                    report.stopped = "rate-limit-window"
                    return True
                if deadline is not None and deadline - self._monotonic() < DEADLINE_MARGIN_S:
                    report.stopped = "deadline"
                    return True
        finally:
            close = getattr(pages, "close", None)
            if close is not None:
                close()
        return False

    def _succeeded(self, source: Source, report: RunReport, exhausted: datetime | None) -> None:
        now = self._clock()
        report.backoff_until = exhausted
        previous = self.state.record_success(source.name, now, exhausted)
        # Sends a notice only if an alert was raised (its flag is there to remove).
        if self.alarm is not None and previous.failures > 0:
            self.alarm.resolve(
                _alarm_key(source),
                f"Heard: {source.name} polling recovered",
                f"Polling {source.name} works again (run for {report.brand} at "
                f"{now.isoformat(timespec='seconds')}). Last error: {previous.last_error}",
            )

    def _ended_by(self, exc: PollError, source: Source, report: RunReport, before: Health) -> None:
        now = self._clock()
        report.error = str(exc)
        report.stopped = {
            RateLimited: "rate-limited",
            BudgetExhausted: "budget",
            OutOfTime: "deadline",
            AuthFailed: "auth-failed",
            Misconfigured: "misconfigured",
        }.get(type(exc), "error")
        if isinstance(exc, BudgetExhausted | OutOfTime):
            # Not a failure and no backoff: the next run (or day, for the budget) goes on.
            log.warning("%s", exc)
            self.state.record_success(source.name, now, None)
            return
        wait = None
        if isinstance(exc, RateLimited | Unavailable):
            wait = backoff_for(before.failures + 1, exc.retry_after)
        report.backoff_until = now + wait if wait is not None else None
        after = self.state.record_failure(
            source.name, now, str(exc), report.backoff_until, exc.failure
        )
        log.warning("poll run ended: %s", exc)
        if self.alarm is None or not exc.failure:
            return
        if isinstance(exc, AuthFailed | Misconfigured) or after.failures >= FAILURES_BEFORE_ALERT:
            self.alarm.raise_once(
                _alarm_key(source),
                f"Heard: polling {source.name} is failing",
                f"Polling {source.name} has failed {after.failures} run(s) in a row; the last "
                f"({report.brand}, {now.isoformat(timespec='seconds')}): {exc}. Mentions there "
                "are not being heard until it works again; its cursors are kept, so nothing "
                "is lost once it does.",
            )


def _alarm_key(source: Source) -> str:
    return f"poll#{source.name}"


__all__ = [
    "DEFAULT_USER_AGENT",
    "FAILURES_BEFORE_ALERT",
    "AuthFailed",
    "BadResponse",
    "Budget",
    "BudgetExhausted",
    "Misconfigured",
    "OutOfTime",
    "Page",
    "PollContext",
    "PollError",
    "PollHttp",
    "Poller",
    "Query",
    "RateLimit",
    "RateLimited",
    "RunReport",
    "Source",
    "Unavailable",
    "backoff_for",
    "excluded",
]
