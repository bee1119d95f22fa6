"""Screenshots of the web inbox for the README: ``python scripts/screenshots.py [OUT_DIR]``.

Starts the local stack with its demo (as ``make run`` does) in a temporary state directory,
adds a week of mentions about Acme dated over the last six days (signed generic-webhook
deliveries, as a sender would post them) and works some of them as the demo people do (taken,
answered, resolved), so the dashboard has figures; then signs in to the app in Debian's
Chromium (``/usr/bin/chromium``, or ``HEARD_CHROMIUM``) as a demo user and writes PNGs to
``docs/screenshots/`` (or OUT_DIR): the inbox, a case, the dashboard and the feedback form at
1280x800, and the inbox at 375 px wide. Never collected as a test; needs Playwright for Python
(``pip install -e '.[dev]'``); nothing leaves loopback.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from heard_local.background import ROOT, running_stack
from heard_local.signing import sign_for

TEXTS = (
    ("@acme my order arrived broken and nobody answers, I want a refund", "complaint"),
    ("@acme charged twice for one order, please fix my bill", "complaint"),
    ("@acme app keeps crashing at checkout, lost my basket again", "complaint"),
    ("@acme when does the winter collection ship to Ireland?", "question"),
    ("@acme how do I change the address on my account?", "question"),
    ("@acme delivery came a day early, great service, thank you!", "praise"),
    ("@acme love the new app, checkout is so much faster now", "praise"),
    ("just saw the acme ad on the train, looks nice", "chatter"),
)


def seed(api: str, secrets: dict[str, str], admin_token: str, people: list[str]) -> int:
    """Post a week of mentions and work most of them; how many were posted."""
    rng = random.Random(13)
    now = datetime.now(UTC)
    items = []
    for n in range(48):
        text, _ = rng.choice(TEXTS)
        at = now - timedelta(days=6) + timedelta(hours=3 * n + rng.random())
        if at >= now:
            break
        items.append(
            {
                "id": f"screens-{n}",
                "source": "screens",
                "text": text,
                "author": {"handle": f"customer{n}", "name": f"Customer {n}", "followers": 40 * n},
                "url": None,
                "created_at": at.isoformat(),
            }
        )
    body = json.dumps(items).encode()
    path = "/webhooks/generic"
    answer = httpx.post(f"{api}{path}", content=body, headers=sign_for(path, body, secrets))
    answer.raise_for_status()
    auth = {"Authorization": f"Bearer {admin_token}"}
    with httpx.Client(base_url=api, headers=auth, timeout=10) as client:
        ids = [f"generic:screens:screens-{n}" for n in range(len(items))]
        deadline = time.monotonic() + 60
        for case_id in ids:
            while client.get(f"/mentions/{case_id}").status_code != 200:
                if time.monotonic() > deadline:
                    raise SystemExit(f"{case_id} was never stored")
                time.sleep(0.2)
        for n, case_id in enumerate(ids[:-6]):  # the newest few stay waiting
            steps: list[dict[str, Any]] = [{"assignee": people[n % len(people)]}]
            if n % 5:
                steps.append({"status": "replied"})
            if n % 3:
                steps.append({"status": "resolved"})
            for change in steps:
                version = client.get(f"/mentions/{case_id}").json()["version"]
                client.patch(
                    f"/mentions/{case_id}", json=change, headers={"If-Match": f'"{version}"'}
                ).raise_for_status()
    return len(items)


def shoot(info: dict[str, Any], out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("HEARD_CHROMIUM") or shutil.which("chromium") or "chromium"
    user = info["demo_users"][0]
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])

        def page_at(width: int, height: int) -> Any:
            page = browser.new_context(viewport={"width": width, "height": height}).new_page()
            page.set_default_timeout(20_000)
            page.on("pageerror", lambda exc: print(f"page error: {exc}", file=sys.stderr))
            page.goto(info["app_url"])
            page.get_by_label("Email").fill(user["username"])
            page.get_by_label("Password").fill(user["password"])
            page.get_by_role("button", name="Sign in").click()
            page.locator("#queue-list .item").first.wait_for()
            return page

        def save(page: Any, name: str, full: bool = False) -> None:
            path = out / name
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(path), full_page=full)
            written.append(path)

        page = page_at(1280, 800)
        save(page, "inbox.png")
        page.locator("#queue-list .item").first.click()
        page.locator("#case-title").wait_for()
        page.locator("button.draft").first.click()
        page.locator("#case-title").focus()
        save(page, "case.png")
        page.get_by_role("link", name="Dashboard").click()
        page.locator("#dash-filters").get_by_label("Brand").select_option("Acme")
        page.locator("#volume-chart canvas").first.wait_for()
        page.locator("#dash-window").get_by_text("Acme").wait_for()
        page.wait_for_timeout(500)
        save(page, "dashboard.png", full=True)
        form = page.context.new_page()
        form.set_viewport_size({"width": 1280, "height": 800})
        form.goto(info["feedback_forms"]["Acme"])
        save(form, "feedback-form.png")
        save(page_at(375, 800), "inbox-375.png")
        browser.close()
    return written


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="heard-screens-") as state,
        running_stack(Path(state)) as (_, info),
    ):
        time.sleep(2)  # the demo replays after local.json is written
        people = [u["username"] for u in info["demo_users"]]
        posted = seed(info["api_url"], info["secrets_env"], info["api_token"], people)
        print(f"posted and worked {posted} mentions about Acme", flush=True)
        for path in shoot(info, out):
            print(f"{path}  {path.stat().st_size // 1024} KB", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
