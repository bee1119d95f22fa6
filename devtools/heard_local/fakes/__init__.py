"""Fake platform APIs on loopback, so replies can be sent without X or Meta.

``FakeXApi`` (X API v2: reply posts, direct messages, the OAuth 2.0 token refresh) and
``FakeMetaGraph`` (Graph API: comment replies, private replies, the Send API) validate what they
receive, answer in the platform's own shapes and headers, record every request
(``GET /_heard/requests``; ``DELETE`` clears it) and fail on demand
(``POST /_heard/fail`` with ``{"status": 429, "times": 2, "retry_after": 30, "code": 4}``).
``PlatformFakes`` runs both for the local stack, with a fake of every scheduled source
(``heard_local.fakes.sources``), each seeded with a few demo posts about Acme; the X fake also
serves recent search. ``FakeSlack`` (incoming webhooks, ``chat.postMessage``) and
``FakeTeams`` (a Workflows webhook) take the alerts the notifier posts and print each one.
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from heard_local.fakes._server import Answer, Failure, FakeApi, OnReply, Request
from heard_local.fakes.meta import FakeMetaGraph
from heard_local.fakes.slack import BOT_TOKEN, FakeSlack
from heard_local.fakes.sources import FAKES, fake_class
from heard_local.fakes.teams import FakeTeams
from heard_local.fakes.x import FakeXApi

# The variables that carry the fakes' URLs to whatever sends replies in the local stack.
X_API_URL_ENV = "HEARD_X_API_URL"
META_GRAPH_URL_ENV = "HEARD_META_GRAPH_URL"
# The scheduled sources' base URLs (a JSON object by source name; see heard.settings).
POLL_URLS_ENV = "HEARD_POLL_URLS"
# The notifier's Slack Web API and the alert channels' secrets (a JSON object by key).
SLACK_API_URL_ENV = "HEARD_SLACK_API_URL"
ALERTS_SECRET_ENV = "HEARD_ALERTS_SECRET"


def alerts_secret(slack: FakeSlack, teams: FakeTeams) -> dict[str, str]:
    """The demo config's alert channel secrets, pointing at the fakes."""
    return {
        "slack_care_webhook": slack.webhook_url,
        "slack_bot_token": BOT_TOKEN,
        "teams_crisis_webhook": teams.webhook_url,
    }


class PlatformFakes:
    """Both fakes, started and stopped together; each reply received is printed to ``out``."""

    def __init__(
        self, host: str = "127.0.0.1", out: TextIO | None = sys.stdout, demo_posts: bool = True
    ):
        self.out = out
        self.x = FakeXApi(host, on_reply=self._print)
        self.meta = FakeMetaGraph(host, on_reply=self._print)
        self.slack = FakeSlack(host, on_reply=self._print_alert)
        self.teams = FakeTeams(host, on_reply=self._print_alert)
        self.sources: dict[str, Any] = {
            name: fake_class(name)(host, on_reply=self._print_served) for name in FAKES
        }
        self.demo_posts = demo_posts

    def _all(self) -> list[FakeApi]:
        return [self.x, self.meta, self.slack, self.teams, *self.sources.values()]

    def start(self) -> PlatformFakes:
        started: list[FakeApi] = []
        try:
            for fake in self._all():
                fake.start()
                started.append(fake)
        except BaseException:
            for fake in started:
                fake.stop()
            raise
        if self.demo_posts:
            for fake in [self.x, *self.sources.values()]:
                fake.seed_demo()
        return self

    def stop(self) -> None:
        for fake in self._all():
            fake.stop()

    def urls(self) -> dict[str, str]:
        return {
            "x": self.x.url,
            "meta": self.meta.url,
            "slack": self.slack.url,
            "teams": self.teams.url,
            **{name: fake.url for name, fake in self.sources.items()},
        }

    def poll_urls(self) -> dict[str, str]:
        """Each scheduled source's base URL: its fake (X recent search: the X fake)."""
        return {"x": self.x.base_url, **{n: f.base_url for n, f in self.sources.items()}}

    def environment(self) -> dict[str, str]:
        return {
            X_API_URL_ENV: self.x.url,
            META_GRAPH_URL_ENV: self.meta.url,
            POLL_URLS_ENV: json.dumps(self.poll_urls()),
            SLACK_API_URL_ENV: self.slack.api_url,
            ALERTS_SECRET_ENV: json.dumps(alerts_secret(self.slack, self.teams)),
        }

    def _print_served(self, label: str, line: str) -> None:
        if self.out is not None:
            print(f"  fake   {label:<8} {line}", file=self.out, flush=True)

    def _print_alert(self, label: str, line: str) -> None:
        if self.out is not None:
            print(f"  alert  {label:<5} {line}", file=self.out, flush=True)

    def _print(self, label: str, line: str) -> None:
        if self.out is not None:
            print(f"  reply  {label:<5} {line}", file=self.out, flush=True)


__all__ = [
    "ALERTS_SECRET_ENV",
    "META_GRAPH_URL_ENV",
    "POLL_URLS_ENV",
    "SLACK_API_URL_ENV",
    "X_API_URL_ENV",
    "Answer",
    "Failure",
    "FakeApi",
    "FakeMetaGraph",
    "FakeSlack",
    "FakeTeams",
    "FakeXApi",
    "OnReply",
    "PlatformFakes",
    "Request",
    "alerts_secret",
]
