"""The local stack's defaults, in one place: the README, tests, demo and bench import them.

Secrets are never in the template; in AWS they live in Secrets Manager. Locally the handlers
read them from these env vars, and a value the user exported wins over the default here.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from heard import platforms
from heard.feedback.service import ADDRESS_KEY

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
STACK_NAME = "heard-local"
DEFAULT_PORT = 3000
HOST = "127.0.0.1"

# The demo brand Acme: what the local stack tracks unless HEARD_CONFIG names your own file.
DEMO_CONFIG = Path(__file__).parent / "demo_config.yaml"


# Env var -> local default: every platform adapter's secrets (the webhooks' and the reply
# tokens, which the fake platform APIs accept), and the local API token. The handlers use
# these instead of Secrets Manager when set.
def _poll_secrets() -> dict[str, str]:
    """The scheduled sources' credentials (``SECRETS`` of each ``poll`` module)."""
    found: dict[str, str] = {}
    for name in platforms.SOURCES:
        module = importlib.import_module(platforms.source_module(name))
        found.update({ref.env_var: ref.local_default for ref in getattr(module, "SECRETS", ())})
    return found


LOCAL_SECRETS: dict[str, str] = {
    **{
        ref.env_var: ref.local_default
        for a in platforms.adapters()
        for ref in (*a.secrets, *a.reply_secrets)
    },
    **_poll_secrets(),
    # The feedback form hashes client addresses under this key (FeedbackSecret address_key).
    ADDRESS_KEY.env_var: ADDRESS_KEY.local_default,
    "HEARD_API_TOKEN": "local-api-token",
    # Signs the web inbox's session cookies (heard.web.session).
    "HEARD_SESSION_KEY": "local-session-key",
}

# What the local admin token (HEARD_API_TOKEN, for scripts) may do: everything a manager may.
LOCAL_ADMIN_GROUPS = ("managers",)


@dataclass(frozen=True)
class DemoUser:
    """A person of the local user pool, with a password known to everyone (local only)."""

    username: str  # the email: the pool signs people in by email
    password: str
    name: str
    groups: tuple[str, ...] = ()


# Created in the local stack's user pool at start; `python -m heard_local token USERNAME`
# prints an ID token for one of them.
DEMO_USERS = (
    DemoUser("alice@acme.example", "Alice-local-pass-1", "Alice Agent"),
    DemoUser("bob@acme.example", "Bob-local-pass-1", "Bob Manager", ("managers",)),
)


# The sender of email replies (generic mentions); verified in moto's SES at start.
REPLY_FROM_ADDRESS = "support@acme.example"

# The brand account ids of the demo config (X for_user_id, Facebook page, Instagram account).
DEMO_X_USER_ID = "1000000001"
DEMO_FACEBOOK_PAGE_ID = "2000000001"
DEMO_INSTAGRAM_ACCOUNT_ID = "3000000001"


def secret(name: str, environ: Mapping[str, str] | None = None) -> str:
    """A local secret: the user's env var when set, else the default above."""
    environ = os.environ if environ is None else environ
    return environ.get(name) or LOCAL_SECRETS[name]


def secrets(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    return {name: secret(name, environ) for name in LOCAL_SECRETS}


def config_file(environ: Mapping[str, str] | None = None) -> str:
    """The brand config file: ``HEARD_CONFIG`` when the user set it, else the demo config."""
    environ = os.environ if environ is None else environ
    return environ.get("HEARD_CONFIG") or str(DEMO_CONFIG)


def state_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where ``local.json`` goes: ``HEARD_STATE_DIR`` or ``.heard`` in the working directory."""
    environ = os.environ if environ is None else environ
    return Path(environ.get("HEARD_STATE_DIR") or ".heard")


def local_environment(
    endpoint_url: str, region: str = REGION, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """What the local stack adds on top of a function's template environment.

    boto3 honours ``AWS_ENDPOINT_URL``, so every client the handlers create talks to moto; the
    credentials are dummies moto accepts; X-Ray and CloudWatch metrics have nowhere to go.
    """
    environ = os.environ if environ is None else environ
    return {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        # The API function serves Swagger UI at /swagger (heard_local routes it, unguarded).
        "HEARD_SWAGGER": "true",
        "HEARD_CONFIG": config_file(environ),
        "REPLY_FROM_ADDRESS": environ.get("REPLY_FROM_ADDRESS") or REPLY_FROM_ADDRESS,
        **secrets(environ),
    }
