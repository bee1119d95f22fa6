"""Platform secrets: Secrets Manager in AWS (via Powertools Parameters, cached), env vars locally.

Each platform has one secret holding a JSON object; its adapter (``heard.platforms``) names the
``SecretRef``s it reads. An env var, when set, wins: that is how the local stack and the tests
supply them without an AWS account.
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
