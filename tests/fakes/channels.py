"""An alert channel that records what it was given, and fails when told to.

channel = RecordingChannel()
channel.fail_transiently()            # the next send raises ConnectionError
channel.fail_permanently()            # every send raises PermanentDeliveryError
channel.sent                          # the alerts delivered, in order
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from heard.alerts import Alert, PermanentDeliveryError


class RecordingChannel:
    def __init__(self, on_send: Callable[[Alert], None] | None = None):
        self.sent: list[Alert] = []
        self.attempts = 0
        self._next: deque[Exception] = deque()
        self._always: Exception | None = None
        self._on_send = on_send  # runs before each delivery (to observe the state at send)

    def fail_transiently(self, times: int = 1, error: Exception | None = None) -> None:
        """The next ``times`` sends raise ``error`` (a lost connection by default)."""
        for _ in range(times):
            self._next.append(error or ConnectionError("channel unavailable"))

    def fail_permanently(self, code: str = "InvalidParameter", *, times: int | None = None) -> None:
        """Sends raise ``PermanentDeliveryError``: every one, or the next ``times``."""
        error = PermanentDeliveryError(f"Invalid parameter: Message too long ({code})", code)
        if times is None:
            self._always = error
        else:
            self._next.extend([error] * times)

    def recover(self) -> None:
        self._next.clear()
        self._always = None

    def send(self, alert: Alert) -> str:
        self.attempts += 1
        if self._next:
            raise self._next.popleft()
        if self._always is not None:
            raise self._always
        if self._on_send is not None:
            self._on_send(alert)
        self.sent.append(alert)
        return f"message-{len(self.sent)}"
