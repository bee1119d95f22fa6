"""Replay the demo deliveries in ``events/demo/`` against the running API, signed for real.

A file's name says where it goes: ``NN-<platform>-<what>.json``, where platform is an adapter's
name (``x``, ``meta``, ``generic``) or a platform it delivers (``facebook``, ``instagram``).
Each body is sent byte for byte as stored and signed as the platform signs it, so the demo
walks the same path a real delivery takes: signature check, parse, queue, triage, DynamoDB, SNS.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx

from heard import platforms
from heard_local.signing import sign_for

DEMO_DIR = Path(__file__).resolve().parents[2] / "events" / "demo"


@dataclass
class Delivered:
    file: str
    path: str
    status: int
    response: str


def webhook_path(file: Path) -> str:
    """The webhook a demo file is posted to, from its name: a platform adapter's name (``x``,
    ``meta``, ``generic``) or a platform it delivers (``facebook``, ``instagram``)."""
    parts = file.stem.split("-")
    word = parts[1] if len(parts) > 1 and parts[0].isdigit() else parts[0]
    for adapter in platforms.adapters():
        if word == adapter.name or word in {p.value for p in adapter.labels}:
            return f"/webhooks/{adapter.name}"
    names = "|".join(a.name for a in platforms.adapters())
    raise ValueError(f"{file.name}: name it NN-<{names}|platform>-<what>.json")


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
