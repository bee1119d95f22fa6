"""Platform secrets: Secrets Manager in AWS (via Powertools Parameters, cached), env vars locally.

Each platform has one secret holding a JSON object; its adapter (``heard.platforms``) names the
``SecretRef``s it reads. An env var, when set, wins: that is how the local stack and the tests
supply them without an AWS account.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass


class SecretUnavailable(RuntimeError):
    """The secret is neither in the environment nor readable from Secrets Manager."""


@dataclass(frozen=True)
class SecretRef:
    env_var: str  # local override, e.g. HEARD_X_CONSUMER_SECRET
    name_env_var: str  # env var holding the Secrets Manager secret name/ARN, e.g. X_SECRET_NAME
    key: str  # key inside the secret's JSON
    local_default: str  # what the local stack uses when the env var is unset


def get_secret(ref: SecretRef, *, max_age: int = 300) -> str:
    value = os.environ.get(ref.env_var)
    if value:
        return value
    name = os.environ.get(ref.name_env_var)
    if not name:
        raise SecretUnavailable(f"set {ref.env_var} or {ref.name_env_var}")
    from aws_lambda_powertools.utilities import parameters

    try:
        data = parameters.get_secret(name, transform="json", max_age=max_age)
    except parameters.exceptions.GetParameterError as exc:
        raise SecretUnavailable(f"cannot read secret {name}: {exc}") from exc
    except parameters.exceptions.TransformParameterError as exc:
        raise SecretUnavailable(f"secret {name} is not a JSON object") from exc
    if not isinstance(data, dict) or not data.get(ref.key):
        raise SecretUnavailable(f"secret {name} has no {ref.key!r}")
    return str(data[ref.key])


def get_optional_secret(ref: SecretRef, *, max_age: int = 300) -> str | None:
    """The value, or None when the secret holds no such key (an optional one: a token's
    expiry, a public client's secret)."""
    try:
        return get_secret(ref, max_age=max_age)
    except SecretUnavailable:
        return None


def store_secret_values(values: Mapping[SecretRef, str]) -> None:
    """Write new values (a renewed token) back where they are read from.

    A value read from its env var (the local stack) is replaced there, for this process. The
    others are merged into their secret's JSON with ``PutSecretValue`` (the rest of the object
    kept), and the cached copy is dropped so the next read sees them.
    """
    by_secret: dict[str, dict[str, str]] = {}
    for ref, value in values.items():
        if os.environ.get(ref.env_var):
            os.environ[ref.env_var] = value
            continue
        name = os.environ.get(ref.name_env_var)
        if not name:
            raise SecretUnavailable(f"set {ref.env_var} or {ref.name_env_var}")
        by_secret.setdefault(name, {})[ref.key] = value
    if not by_secret:
        return
    import boto3
    from aws_lambda_powertools.utilities import parameters

    client = boto3.client("secretsmanager")
    for name, updates in by_secret.items():
        current = client.get_secret_value(SecretId=name).get("SecretString") or "{}"
        try:
            data = json.loads(current)
        except ValueError:
            data = {}
        data = data if isinstance(data, dict) else {}
        client.put_secret_value(SecretId=name, SecretString=json.dumps({**data, **updates}))
    parameters.clear_caches()


# Alert channels' webhook URLs, bot tokens and signing keys: one JSON object of key -> value
# (the keys the brand config's ``alerts.channels`` name). Locally HEARD_ALERTS_SECRET holds
# the object itself; in AWS, ALERTS_SECRET_NAME names the secret.
ALERTS_SECRET_ENV = "HEARD_ALERTS_SECRET"
ALERTS_SECRET_NAME_ENV = "ALERTS_SECRET_NAME"


def alerts_secret(key: str, *, max_age: int = 300) -> str:
    """The value of ``key`` in AlertsSecret."""
    local = os.environ.get(ALERTS_SECRET_ENV)
    if local:
        try:
            data = json.loads(local)
        except ValueError:
            raise SecretUnavailable(f"{ALERTS_SECRET_ENV} is not a JSON object") from None
        if not isinstance(data, dict) or not data.get(key):
            raise SecretUnavailable(f"{ALERTS_SECRET_ENV} has no {key!r}")
        return str(data[key])
    if not os.environ.get(ALERTS_SECRET_NAME_ENV):
        raise SecretUnavailable(f"set {ALERTS_SECRET_ENV} or {ALERTS_SECRET_NAME_ENV}")
    ref = SecretRef(ALERTS_SECRET_ENV, ALERTS_SECRET_NAME_ENV, key, "")
    return get_secret(ref, max_age=max_age)
