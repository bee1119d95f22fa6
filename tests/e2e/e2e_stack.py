"""The real local stack in a subprocess, for the end-to-end tests (``running`` in conftest.py).

``start_stack`` runs ``python -m heard_local --no-demo`` on a free port, with its state file in
a temporary folder, and returns once ``local.json`` exists; the tests read it to find the API,
the moto endpoint and the physical names, and look inside with boto3.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from heard_local import defaults
from heard_local.replay import queue_empty

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunningStack:
    def __init__(self, process: subprocess.Popen, info: dict[str, Any], log: Path):
        self.process = process
        self.info = info
        self.log = log
        self.api = httpx.Client(base_url=info["api_url"], timeout=10)

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.info["aws_endpoint_url"],
            region_name=self.info["region"],
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    @property
    def table(self) -> str:
        return self.info["tables"]["MentionsTable"]

    def item(self, key: str) -> dict | None:
        return (
            self.client("dynamodb")
            .get_item(TableName=self.table, Key={"pk": {"S": key}})
            .get("Item")
        )

    def drained(self, timeout_s: float = 60.0) -> bool:
        """True once the ingest queue holds nothing, visible or in flight."""
        return queue_empty(self.client("sqs"), self.info["queues"]["IngestQueue"], timeout_s)

    def wait_for_item(self, key: str, timeout_s: float = 60.0) -> dict | None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            item = self.item(key)
            if item is not None:
                return item
            time.sleep(0.2)
        return None


def start_stack(state: Path) -> RunningStack:
    """``python -m heard_local --no-demo`` on a free port; returns once local.json exists."""
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
            [sys.executable, "-m", "heard_local", "--no-demo"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    state_file = state / "local.json"
    deadline = time.monotonic() + 90
    while not state_file.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    if not state_file.exists():
        process.kill()
        process.wait()
        pytest.fail(f"the local stack did not start:\n{log.read_text(errors='replace')}")
    return RunningStack(process, json.loads(state_file.read_text()), log)


def stop_stack(stack: RunningStack) -> None:
    stack.api.close()
    if stack.process.poll() is None:
        stack.process.send_signal(signal.SIGINT)
        try:
            stack.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            stack.process.kill()
            stack.process.wait()
