"""Replay the demo deliveries in ``events/demo/`` against the running API, signed for real.

A file's name says where it goes: ``NN-<platform>-<what>.json`` with platform ``x``, ``meta``
(Facebook pages), ``instagram`` (also Meta's webhook) or ``generic``. Each body is sent byte for
byte as stored and signed as the platform signs it, so the demo walks the same path a real
delivery takes: signature check, parse, queue, triage, DynamoDB, SNS.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx

from heard_local.signing import sign_for

DEMO_DIR = Path(__file__).resolve().parents[2] / "events" / "demo"

_PATHS = {
    "x": "/webhooks/x",
    "meta": "/webhooks/meta",
    "instagram": "/webhooks/meta",
    "generic": "/webhooks/generic",
}


@dataclass
class Delivered:
    file: str
    path: str
    status: int
    response: str


def webhook_path(file: Path) -> str:
    """The webhook a demo file is posted to, from its name."""
    parts = file.stem.split("-")
    platform = parts[1] if len(parts) > 1 and parts[0].isdigit() else parts[0]
    try:
        return _PATHS[platform]
    except KeyError:
        raise ValueError(
            f"{file.name}: name it NN-<x|meta|instagram|generic>-<what>.json"
        ) from None


def demo_files(directory: Path = DEMO_DIR) -> list[Path]:
    return sorted(directory.glob("*.json"))


def replay(
    api_url: str, secrets: dict[str, str], directory: Path = DEMO_DIR, timeout_s: float = 10.0
) -> list[Delivered]:
    """POST every demo file to its webhook, signed; returns what the API answered."""
    results = []
    with httpx.Client(base_url=api_url, timeout=timeout_s) as client:
        for file in demo_files(directory):
            path = webhook_path(file)
            body = file.read_bytes()
            response = client.post(path, content=body, headers=sign_for(path, body, secrets))
            results.append(Delivered(file.name, path, response.status_code, response.text))
    return results
