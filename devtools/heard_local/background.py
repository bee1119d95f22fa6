"""The local stack as a child process, for the browser tests and the screenshots script:
``python -m heard_local`` on a free port with its own state directory, ready once it has
written ``local.json``, stopped with Ctrl-C (SIGINT) like a person would."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from heard_local import defaults

ROOT = Path(__file__).resolve().parents[2]


class StackDidNotStart(RuntimeError):
    """The stack exited or took too long; the message holds its log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_stack(
    state: Path, *args: str, timeout_s: float = 90
) -> Iterator[tuple[subprocess.Popen[bytes], dict[str, Any]]]:
    """``python -m heard_local *args`` with ``HEARD_STATE_DIR=state`` (its log in
    ``state/stack.log``): the process and its ``local.json`` once written."""
    log = state / "stack.log"
    env = {
        **os.environ,
        "PORT": str(free_port()),
        "HEARD_STATE_DIR": str(state),
        **defaults.LOCAL_SECRETS,
    }
    env.pop("HEARD_CONFIG", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "heard_local", *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    state_file = state / "local.json"
    deadline = time.monotonic() + timeout_s
    while not state_file.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    try:
        if not state_file.exists():
            raise StackDidNotStart(
                f"the local stack did not start:\n{log.read_text(errors='replace')}"
            )
        yield process, json.loads(state_file.read_text())
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
