"""Alerts: which mentions wake someone, what the message says, how it goes out, and that it
goes out once.

- ``policy``: the gate (``should_alert``);
- ``storm``: storm control (crisis collapse, quiet hours and caps held for a summary);
- ``render``: the subject, the full message and the SMS line, each within its channel's limit;
- ``notice``: ``Notice``, what every channel is told, whatever the kind of alert;
- ``routing``: which of a brand's channels a notice goes to, and quiet hours;
- ``slack``, ``teams``, ``webhook``: a notice as Block Kit, an Adaptive Card, a signed POST;
- ``channels``: the ``Channel`` protocol, the SNS topic channel and the routed channel that
  queues chat and HTTPS messages for the notifier (``notifier``);
- ``dispatch``: ``AlertDispatcher``, the one path triage and escalation both take
  (claim → gate → channel → record).
"""

from heard.alerts.channels import (
    Alert,
    Channel,
    NotifyQueue,
    PermanentDeliveryError,
    RoutedChannel,
    SnsChannel,
    attributes,
)
from heard.alerts.dispatch import AlertDispatcher, ClaimsLike
from heard.alerts.notice import Notice
from heard.alerts.policy import severity_at_least, should_alert
from heard.alerts.render import SlaNotice, render, render_sms, subject

__all__ = [
    "Alert",
    "AlertDispatcher",
    "Channel",
    "ClaimsLike",
    "Notice",
    "NotifyQueue",
    "PermanentDeliveryError",
    "RoutedChannel",
    "SlaNotice",
    "SnsChannel",
    "attributes",
    "render",
    "render_sms",
    "severity_at_least",
    "should_alert",
    "subject",
]
