"""Alerts: which mentions wake someone, what the message says, how it goes out, and that it
goes out once.

- ``policy``: the gate (``should_alert``), where storm control will go;
- ``render``: the subject, the full message and the SMS line, each within its channel's limit;
- ``channels``: the ``Channel`` protocol and the SNS topic channel;
- ``dispatch``: ``AlertDispatcher``, the one path triage and escalation both take
  (claim → gate → channel → record).
"""

from heard.alerts.channels import (
    Alert,
    Channel,
    PermanentDeliveryError,
    SnsChannel,
    attributes,
)
from heard.alerts.dispatch import AlertDispatcher, ClaimsLike
from heard.alerts.policy import severity_at_least, should_alert
from heard.alerts.render import SlaNotice, render, render_sms, subject

__all__ = [
    "Alert",
    "AlertDispatcher",
    "Channel",
    "ClaimsLike",
    "PermanentDeliveryError",
    "SlaNotice",
    "SnsChannel",
    "attributes",
    "render",
    "render_sms",
    "severity_at_least",
    "should_alert",
    "subject",
]
