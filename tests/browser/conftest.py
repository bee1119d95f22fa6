"""The web inbox in a real Chromium, driven by Playwright for Python, against the local stack.

Chromium is Debian's package (``apt-get install -y chromium``), launched by path; Playwright
never downloads a browser here. Without it the browser tests are skipped, saying how to
install it, except in CI (``CI=true``), where ``.ci/run`` installs it and its absence fails.
``HEARD_CHROMIUM`` names another Chromium binary.

Fixtures: ``stack`` (module): ``python -m heard_local --no-demo`` on a free port, with its
``local.json``; ``browser`` (module): Chromium; ``signed_in(user)``: a new browser context
and page signed in to the app as a demo user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from heard_local.background import StackDidNotStart, running_stack

INSTALL = "sudo apt-get install -y chromium"


def chromium_path() -> str | None:
    wanted = os.environ.get("HEARD_CHROMIUM")
    if wanted:
        return wanted if Path(wanted).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _why_not() -> str | None:
    """Why the browser tests cannot run here; None when they can."""
    if chromium_path() is None:
        return (
            f"browser tests skipped: no Chromium found; install it with `{INSTALL}` "
            "(Debian/Ubuntu; in CI, .ci/run installs it)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "browser tests skipped: Playwright is not installed (pip install -e '.[dev]')"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _why_not()
    if reason is None:
        return
    here = Path(__file__).parent
    mine = [item for item in items if here in Path(str(item.fspath)).parents]
    if mine and os.environ.get("CI", "").lower() == "true":
        raise pytest.UsageError(f"CI=true but {reason.removeprefix('browser tests skipped: ')}")
    for item in mine:
        item.add_marker(pytest.mark.skip(reason=reason))


class Stack:
    def __init__(self, process: subprocess.Popen[bytes], info: dict[str, Any], log: Path):
        self.process, self.info, self.log = process, info, log

    @property
    def app_url(self) -> str:
        return str(self.info["app_url"])

    @property
    def api_url(self) -> str:
        return str(self.info["api_url"])

    def admin(self) -> httpx.Client:
        """The API as the local admin (scripts' token), to look at cases from outside."""
        return httpx.Client(
            base_url=self.api_url,
            headers={"Authorization": f"Bearer {self.info['api_token']}"},
            timeout=10,
        )


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    state = tmp_path_factory.mktemp("heard-browser")
    try:
        with running_stack(state, "--no-demo") as (process, info):
            yield Stack(process, info, state / "stack.log")
    except StackDidNotStart as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path(), args=["--no-sandbox"]
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def signed_in(stack: Stack, browser: Any) -> Iterator[Callable[..., Any]]:
    """``signed_in(username, width=1280) -> page``: a fresh context signed in as the user."""
    contexts = []
    passwords = {u["username"]: u["password"] for u in stack.info["demo_users"]}

    def open_as(username: str, width: int = 1280) -> Any:
        context = browser.new_context(viewport={"width": width, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.errors = errors
        page.goto(stack.app_url)
        page.get_by_label("Email").fill(username)
        page.get_by_label("Password").fill(passwords[username])
        page.get_by_role("button", name="Sign in").click()
        page.locator("#who").get_by_text(username).wait_for()
        return page

    try:
        yield open_as
    finally:
        for context in contexts:
            context.close()
