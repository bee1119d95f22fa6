"""Print every alert SNS delivers, as a person subscribed to the topic would read it."""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO

from heard_local.capture import Delivery, TopicCapture

log = logging.getLogger("heard_local.alerts")

_SEVERITY_COLOURS = {"critical": "\033[1;31m", "high": "\033[31m", "normal": "\033[33m"}
_RESET = "\033[0m"


def format_delivery(delivery: Delivery, topic_label: str, colour: bool = False) -> str:
    """A readable block: subject, the routing attributes, then the message."""
    attrs = delivery.attributes
    severity = attrs.get("severity", "-")
    tags = "  ".join(
        f"{name}={attrs[name]}"
        for name in ("severity", "platform", "brand", "intent")
        if name in attrs
    )
    others = "  ".join(
        f"{k}={v}"
        for k, v in sorted(attrs.items())
        if k not in ("severity", "platform", "brand", "intent")
    )
    head = f"ALERT  {delivery.subject or f'[{severity.upper()}] (no subject)'}"
    if colour and severity in _SEVERITY_COLOURS:
        head = f"{_SEVERITY_COLOURS[severity]}{head}{_RESET}"
    message = delivery.message
    try:
        parsed = json.loads(message)
        if isinstance(parsed, dict | list):
            message = json.dumps(parsed, indent=2, ensure_ascii=False)
    except ValueError:
        pass
    lines = [f"── {topic_label} " + "─" * max(0, 60 - len(topic_label)), head]
    if tags:
        lines.append(f"   {tags}")
    if others:
        lines.append(f"   {others}")
    lines += [f"   {line}" for line in message.splitlines()]
    return "\n".join(lines)


class AlertPrinter:
    """Subscribes a local queue to each topic (not in the template) and prints deliveries.

    ``out=None`` only collects (``delivered``) and calls ``on_delivery``.
    """

    def __init__(
        self,
        sqs: Any,
        sns: Any,
        topics: dict[str, str],
        *,
        out: TextIO | None = sys.stdout,
        queue_prefix: str = "heard-local-alerts",
        on_delivery: Callable[[str, Delivery], None] | None = None,
    ):
        self.out = out
        self.on_delivery = on_delivery
        self.captures = {
            label: TopicCapture(sqs, sns, arn, name=f"{queue_prefix}-{label}"[:80])
            for label, arn in topics.items()
        }
        self.delivered: list[tuple[str, Delivery]] = []
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(
                target=self._run, args=(label, capture), daemon=True, name=f"alerts-{label}"
            )
            for label, capture in self.captures.items()
        ]
        self._colour = bool(getattr(out, "isatty", lambda: False)())
        self._print_lock = threading.Lock()

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=timeout_s)

    def _run(self, label: str, capture: TopicCapture) -> None:
        while not self._stop.is_set():
            try:
                deliveries = capture.receive(wait_s=1)
            except Exception as exc:
                if self._stop.is_set():
                    return
                log.warning("reading alerts from %s failed (%s); retrying", label, exc)
                self._stop.wait(1)
                continue
            for delivery in deliveries:
                self.delivered.append((label, delivery))
                if self.on_delivery is not None:
                    self.on_delivery(label, delivery)
                if self.out is None:
                    continue
                with self._print_lock:
                    print(format_delivery(delivery, label, self._colour), file=self.out, flush=True)
