"""The web inbox in Chromium against the running local stack: sign in, a new mention appears
without a reload, take it, reply from a draft (the fake X API receives it), resolve it; a
mention that is a script or HTML renders as text and runs nothing; two people changing one
case see the conflict instead of overwriting each other; the dashboard's figures change when a
case is resolved; feedback sent from the public form lands in the inbox."""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
import httpx
import pytest
from fakes.records import record
from heard_local import defaults
from heard_local.signing import x_headers

from heard.models import Status
from heard.store import MentionStore, MentionTable

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

ALICE = defaults.DEMO_USERS[0].username
BOB = defaults.DEMO_USERS[1].username


def _tweet(
    stack: Any,
    text: str,
    handle: str = "danawhitfield",
    created_at: str = "Thu Nov 20 09:14:03 +0000 2025",
) -> str:
    """Deliver a signed X mention; returns its case id once stored."""
    tweet_id = str(1990000000000000000 + uuid.uuid4().int % 10**15)
    body = json.dumps(
        {
            "for_user_id": defaults.DEMO_X_USER_ID,
            "tweet_create_events": [
                {
                    "created_at": created_at,
                    "id_str": tweet_id,
                    "text": text,
                    "user": {
                        "id_str": str(uuid.uuid4().int % 10**9),
                        "name": "Dana Whitfield",
                        "screen_name": handle,
                        "followers_count": 84_213,
                        "verified": True,
                    },
                    "lang": "en",
                }
            ],
        }
    ).encode()
    response = httpx.post(f"{stack.api_url}/webhooks/x", content=body, headers=x_headers(body))
    assert response.status_code == 200, response.text
    case_id = f"x:{tweet_id}"
    with stack.admin() as admin:
        deadline = time.monotonic() + 30
        while admin.get(f"/mentions/{case_id}").status_code != 200:
            assert time.monotonic() < deadline, f"{case_id} was never stored"
            time.sleep(0.2)
    return case_id


def _case(stack: Any, case_id: str) -> dict[str, Any]:
    with stack.admin() as admin:
        return dict(admin.get(f"/mentions/{case_id}").json())


def _item(page: Any, case_id: str) -> Any:
    return page.locator(f'.item[data-id="{case_id}"]')


def test_sign_in_take_reply_from_a_draft_and_resolve(stack: Any, signed_in: Any) -> None:
    page = signed_in(ALICE)
    # The session is an HttpOnly cookie: nothing a script can read.
    assert page.evaluate("document.cookie") == ""
    assert (
        page.evaluate("Object.keys(localStorage).length + Object.keys(sessionStorage).length") == 0
    )

    marker = uuid.uuid4().hex[:8]
    case_id = _tweet(
        stack,
        "@acme worst service ever: my order arrived broken, still waiting for a refund after "
        f"three weeks and I'm talking to my lawyer tomorrow. {marker}",
    )
    # It appears without a reload (the app polls), marked new.
    item = _item(page, case_id)
    item.wait_for(timeout=20_000)
    assert "new" in item.locator(".badge.fresh").inner_text()
    item.click()
    page.locator("#case-title").wait_for()
    assert marker in page.locator(".message .body").first.inner_text()

    page.keyboard.press("t")  # take it
    page.locator("#case-assignee").get_by_text(f"assigned to {ALICE}").wait_for()

    page.locator("button.draft").first.click()
    draft = page.locator("#reply-text").input_value()
    assert draft.strip()
    assert re.search(r"\d+ / 280 characters", page.locator("#reply-limit").inner_text())
    page.locator("#send-reply").click()
    page.locator(".message", has_text="replied (public)").wait_for()
    # Heard sends it in the background; the app follows the reply until it is sent.
    page.locator(".message", has_text="replied (public) · sent").wait_for(timeout=30_000)

    fake = stack.info["platform_fakes"]["x"]
    native = case_id.removeprefix("x:")
    deadline = time.monotonic() + 30
    while True:
        sent = [
            r
            for r in httpx.get(f"{fake}/_heard/requests").json()["requests"]
            if r["path"] == "/2/tweets"
            and (r["body"] or {}).get("reply", {}).get("in_reply_to_tweet_id") == native
        ]
        if sent:
            break
        assert time.monotonic() < deadline, "the fake X API never received the reply"
        time.sleep(0.3)
    assert sent[0]["body"]["text"] == draft

    page.locator("#case-title").click()  # focus out of the composer, keys act on the case
    page.keyboard.press("e")  # resolve
    page.locator("#case-status").get_by_text("status resolved").wait_for()
    assert _case(stack, case_id)["status"] == "resolved"
    assert page.errors == []


HOSTILE = (
    '@acme <img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    '<a href="javascript:window.__pwned=3">click</a> <b>bold</b> {marker}'
)


def test_a_mention_that_is_script_or_html_renders_as_text(stack: Any, signed_in: Any) -> None:
    page = signed_in(BOB, width=375)  # a phone's width
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    marker = uuid.uuid4().hex[:8]
    case_id = _tweet(stack, HOSTILE.format(marker=marker), handle="<img src=x onerror=alert(1)>")
    item = _item(page, case_id)
    item.wait_for(timeout=20_000)
    assert "<script>" in item.inner_text()
    item.click()
    body = page.locator(".message .body").first
    body.wait_for()
    assert "<script>window.__pwned=2</script>" in body.inner_text()
    assert '<img src=x onerror="window.__pwned=1">' in body.inner_text()
    main = page.locator("#main")
    assert main.locator("img").count() == 0
    assert main.locator("script").count() == 0
    assert main.locator("b").count() == 0
    assert main.locator('a[href^="javascript:"]').count() == 0
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
    assert page.errors == []

    response = httpx.get(stack.app_url)
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_two_people_changing_one_case_see_the_conflict(stack: Any, signed_in: Any) -> None:
    case_id = _tweet(stack, f"@acme my bill is wrong again, charged twice {uuid.uuid4().hex[:8]}")
    alice, bob = signed_in(ALICE), signed_in(BOB)
    for page in (alice, bob):
        _item(page, case_id).click()
        page.locator("#case-title").wait_for()

    bob.locator("#tag").fill("billing-escalated")
    bob.get_by_role("button", name="Add tag").click()
    bob.locator(".case-head .badge", has_text="billing-escalated").wait_for()

    alice.locator("#acknowledge").click()  # alice still has the version before bob's tag
    conflict = alice.locator("#conflict")
    conflict.wait_for()
    assert "Someone else changed this case" in conflict.inner_text()
    assert BOB in conflict.inner_text()
    case = _case(stack, case_id)
    assert case["status"] == "new"  # alice's acknowledgement was not applied
    assert case["tags"] == ["billing-escalated"]  # bob's change stands
    # The case shown is now the current one: acknowledging again works.
    alice.locator("#acknowledge").click()
    alice.locator("#case-status").get_by_text("status acknowledged").wait_for()
    assert _case(stack, case_id)["tags"] == ["billing-escalated"]


def _figure(page: Any, name: str) -> str:
    return str(page.locator(f"#fig-{name}").inner_text())


def _wait_for_window(page: Any, text: str, stats: list[str]) -> None:
    """Wait for the dashboard to show ``text``; if it never does, say what the page showed."""
    try:
        page.locator("#dash-window").get_by_text(text).wait_for()
    except Exception as exc:
        form = page.locator("#dash-filters")
        shown = {
            "window": page.locator("#dash-window").inner_text(),
            "error": page.locator("#dash-error").inner_text(),
            "sign-in shown": page.locator("#sign-in").is_visible(),
            "period": form.get_by_label("Period").input_value(),
            "brand": form.get_by_label("Brand").input_value(),
            "GET /stats": stats,
        }
        raise AssertionError(f"the dashboard never showed {text!r}: {shown}") from exc


def test_the_dashboard_shows_the_figures_and_changes_when_a_case_is_resolved(
    stack: Any, signed_in: Any
) -> None:
    now = datetime.now(UTC).strftime("%a %b %d %H:%M:%S +0000 %Y")
    marker = uuid.uuid4().hex[:8]
    case_id = _tweet(stack, f"@acme refund still missing, charged twice {marker}", created_at=now)
    page = signed_in(ALICE)
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    stats: list[str] = []
    page.on("response", lambda r: stats.append(f"{r.status} {r.url}") if "stats" in r.url else None)

    page.get_by_role("link", name="Dashboard").click()
    page.locator("#dashboard-title").wait_for()
    filters = page.locator("#dash-filters")
    filters.get_by_label("Period").select_option("24h")
    filters.get_by_label("Brand").select_option("Acme")
    _wait_for_window(page, "Acme, cases created", stats)
    assert int(_figure(page, "cases")) >= 1
    resolved = int(_figure(page, "resolved"))
    # uPlot drew the charts (canvas), each with a table to read instead.
    assert page.locator("#volume-chart canvas").count() >= 1
    assert page.locator("#response-chart canvas").count() >= 1
    page.locator("#volume-table summary").click()
    assert page.locator("#volume-table tbody tr").count() in (24, 25)  # the hours of the day
    assert "complaints" in page.locator("#intents").inner_text()
    assert "critical · first response" in page.locator("#sla-priority").inner_text()

    page.get_by_role("link", name="Inbox").click()
    _item(page, case_id).click()
    page.locator("#case-title").wait_for()
    page.locator("#resolve").click()
    page.locator("#case-status").get_by_text("status resolved").wait_for()

    page.get_by_role("link", name="Dashboard").click()
    page.locator("#fig-resolved").get_by_text(str(resolved + 1), exact=True).wait_for()
    assert _figure(page, "resolution") != "\u2013"  # a figure, not the dash of none
    assert refused == [] and page.errors == []


def test_feedback_sent_from_the_form_lands_in_the_inbox(
    stack: Any, browser: Any, signed_in: Any
) -> None:
    form_url = stack.info["feedback_forms"]["Acme"]
    marker = uuid.uuid4().hex[:8]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        customer = context.new_page()
        customer.goto(form_url)
        customer.get_by_label("Your feedback").fill(
            f"The checkout page keeps failing when I pay by card. {marker}"
        )
        customer.get_by_role("button", name="Send feedback").click()
        customer.get_by_text("Thank you").first.wait_for()
    finally:
        context.close()

    page = signed_in(BOB)
    item = page.locator(".item", has_text=marker)
    item.wait_for(timeout=30_000)
    assert "generic" in item.inner_text()
    item.click()
    assert marker in page.locator(".message .body").first.inner_text()
    assert page.errors == []


def test_paging_past_the_first_page_and_picking_a_brand(stack: Any, signed_in: Any) -> None:
    # More resolved cases than a page (100), stored straight into the local table.
    resource = boto3.resource(
        "dynamodb",
        endpoint_url=stack.info["aws_endpoint_url"],
        region_name=stack.info["region"],
        aws_access_key_id="local",  # moto takes any
        aws_secret_access_key="local",
    )
    store = MentionStore(MentionTable(resource.Table(stack.info["tables"]["MentionsTable"])))
    for n in range(105):
        store.put_new(record(700_000 + n, status=Status.RESOLVED))

    page = signed_in(ALICE)
    picker = page.locator("#filters select[name=brand]")
    picker.locator("option", has_text="Acme").wait_for(state="attached")
    brands = picker.locator("option").all_inner_texts()
    assert brands[0] == "all" and "Acme" in brands  # brands to pick, not to type
    picker.select_option("Acme")
    page.locator("#filters select[name=status]").select_option("resolved")
    page.locator('.item[data-id="x:700104"]').wait_for()  # the newest first
    shown = page.locator("#queue-list .item")
    assert shown.count() == 100
    assert "100+ cases" in page.locator("#counts").inner_text()
    page.get_by_role("button", name="Load more").click()
    page.locator('.item[data-id="x:700000"]').wait_for()
    assert shown.count() >= 105
    ids = [i for i in shown.evaluate_all("els => els.map(e => e.dataset.id)")]
    assert len(ids) == len(set(ids))  # no case twice
    assert page.get_by_role("button", name="Load more").is_hidden()
    assert page.errors == []
