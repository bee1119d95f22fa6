"""Platform secrets: Secrets Manager in AWS (via Powertools Parameters, cached), env vars locally.

Each platform has one secret holding a JSON object. An env var, when set, wins — that is how the
local stack and the tests supply them without an AWS account.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


class SecretUnavailable(RuntimeError):
    """The secret is neither in the environment nor readable from Secrets Manager."""


@dataclass(frozen=True)
class SecretRef:
    env_var: str  # local override, e.g. HEARD_X_CONSUMER_SECRET
    name_env_var: str  # env var holding the Secrets Manager secret name/ARN, e.g. X_SECRET_NAME
    key: str  # key inside the secret's JSON


X_CONSUMER_SECRET = SecretRef("HEARD_X_CONSUMER_SECRET", "X_SECRET_NAME", "consumer_secret")
META_APP_SECRET = SecretRef("HEARD_META_APP_SECRET", "META_SECRET_NAME", "app_secret")
META_VERIFY_TOKEN = SecretRef("HEARD_META_VERIFY_TOKEN", "META_SECRET_NAME", "verify_token")
WEBHOOK_SECRET = SecretRef("HEARD_WEBHOOK_SECRET", "GENERIC_SECRET_NAME", "secret")


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
