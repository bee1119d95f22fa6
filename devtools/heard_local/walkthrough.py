"""The respond loop on the running stack, as a person would walk it (``make run`` shows it).

After the demo deliveries, a demo agent signs in, lists what is waiting (most urgent first),
takes the most urgent case, reads its drafts, replies (sending the same request twice, as a
nervous browser would: the fake platform receives it once), waits for the reply to go out,
resolves the case and reads ``/stats``. Everything goes through the public HTTP API with the
agent's token, exactly as the web inbox or a script would.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx


class WalkthroughError(RuntimeError):
    """A step of the loop did not answer as it should; the message says which."""


@dataclass
class Walkthrough:
    case_id: str | None = None
    reply_id: str | None = None
    platform_requests: int = 0
    steps: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)


def _check(response: httpx.Response, what: str, *expected: int) -> dict[str, Any]:
    if response.status_code not in (expected or (200,)):
        raise WalkthroughError(f"{what}: HTTP {response.status_code} {response.text[:300]}")
    body: dict[str, Any] = response.json()
    return body


def walk(
    api_url: str,
    token: str,
    fake_urls: dict[str, str],
    *,
    say: Callable[[str], None] = print,
    timeout_s: float = 30.0,
) -> Walkthrough:
    """Run the loop; raises ``WalkthroughError`` naming the step that failed."""
    done = Walkthrough()
    auth = {"authorization": f"Bearer {token}"}

    def step(text: str) -> None:
        done.steps.append(text)
        say(f"  respond  {text}")

    with httpx.Client(base_url=api_url, headers=auth, timeout=10.0) as api:
        me = _check(api.get("/me"), "who am I")
        step(f"signed in as {me['email'] or me['username']}")
        # What is waiting, most urgent first: the SLA deadline that comes first.
        waiting = {"brand": "Acme", "status": "new", "sort": "sla", "limit": "100"}
        listing = _check(api.get("/mentions", params=waiting), "list what is waiting")
        if not listing["items"]:
            raise WalkthroughError("no open case to answer: did the demo deliveries arrive?")
        case = listing["items"][0]
        done.case_id = case_id = case["id"]
        step(
            f"{len(listing['items'])} case(s) waiting; most urgent (sort=sla): {case_id} "
            f"[{case['priority']}] from @{case['mention']['author']['handle']}"
        )
        taken = api.patch(
            f"/mentions/{case_id}",
            json={"assignee": "me", "status": "acknowledged"},
            headers={"if-match": f'"{case["version"]}"'},
        )
        view = _check(taken, "take the case")
        who = view["assignee"]
        step(f"took it: {view['status']}, assigned to {who} (version {view['version']})")
        drafts = view.get("drafts") or []
        if not drafts:
            raise WalkthroughError(f"{case_id} has no reply drafts")
        draft = drafts[0]
        step(f"draft ({draft['visibility']}): {draft['text'][:90]}")
        platform = case["mention"]["platform"]
        fake = fake_urls.get("x" if platform == "x" else "meta")
        before = len(_requests(fake)) if fake else 0
        key = f"walkthrough-{uuid.uuid4().hex[:12]}"
        body = {"text": draft["text"], "visibility": draft["visibility"]}
        first = _check(
            api.post(f"/mentions/{case_id}/replies", json=body, headers={"idempotency-key": key}),
            "reply",
            202,
        )
        again = _check(
            api.post(f"/mentions/{case_id}/replies", json=body, headers={"idempotency-key": key}),
            "reply again",
            202,
        )
        done.reply_id = reply_id = first["reply"]["id"]
        same = "the same reply" if again["reply"]["id"] == reply_id else "ANOTHER reply"
        step(f"replied (request sent twice with one Idempotency-Key: {same} {reply_id})")
        sent = _wait_sent(api, case_id, reply_id, timeout_s)
        if fake:
            new = _requests(fake)[before:]
            done.platform_requests = sum(1 for r in new if r["method"] == "POST")
        step(
            f"the platform took it: {sent['platform_id']} "
            f"({done.platform_requests} request(s) at the fake {platform} API)"
        )
        latest = _check(api.get(f"/mentions/{case_id}"), "read the case")
        resolved = _check(
            api.patch(
                f"/mentions/{case_id}",
                json={"status": "resolved", "note": "answered; customer helped"},
                headers={"if-match": f'"{latest["version"]}"'},
            ),
            "resolve",
        )
        step(f"resolved ({resolved['status']}, version {resolved['version']})")
        # The window holds the case: /stats selects cases by their first message's date.
        day = case["mention"]["created_at"][:10]
        after = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
        window = {"brand": "Acme", "from": day, "to": after}
        done.stats = stats = _check(api.get("/stats", params=window), "stats")
        step("stats: " + _summary(stats))
    return done


def _requests(fake: str) -> list[dict[str, Any]]:
    """What the fake platform API received so far (its ``/_heard/requests``)."""
    answer: list[dict[str, Any]] = httpx.get(f"{fake}/_heard/requests", timeout=5.0).json()[
        "requests"
    ]
    return answer


def _wait_sent(api: httpx.Client, case_id: str, reply_id: str, timeout_s: float) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        view = _check(api.get(f"/mentions/{case_id}"), "read the case")
        reply = next((r for r in view.get("replies") or [] if r["id"] == reply_id), None)
        if reply is not None and reply["state"] == "sent":
            return reply
        if reply is not None and reply["state"] == "failed":
            raise WalkthroughError(f"the reply failed: {reply.get('error')}")
        time.sleep(0.3)
    raise WalkthroughError(f"the reply was not sent within {timeout_s:.0f} s")


def _summary(stats: dict[str, Any]) -> str:
    """One line: cases, first response and resolution p50, SLA attainment of critical cases."""
    parts = [f"{stats['cases']} case(s) on {stats['window_from'][:10]}"]
    for name in ("first_response", "resolution"):
        figure = stats[name]
        if figure["p50"] is not None:
            parts.append(f"{name.replace('_', ' ')} p50 {figure['p50']:.0f} s ({figure['count']})")
    critical = stats["sla"]["critical"]["first_response"]
    parts.append(
        f"critical first-response SLA met {critical['met']}, missed {critical['missed']}, "
        f"open {critical['open']}"
    )
    return "; ".join(parts)
