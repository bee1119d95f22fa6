"""The local user pool's people: demo users created at start, and signing in as one of them.

The pool and app client are the template's (``UserPool``, ``UserPoolClient``), provisioned in
moto; the ones used are those HeardApi's JWT authorizer accepts (its issuer names the pool, its
audience the client). Demo users are created the way an administrator creates people in AWS
(AdminCreateUser, a permanent password, group membership), and sign in with
USER_PASSWORD_AUTH as a script would.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from heard_local.authorizer import local_discovery_url
from heard_local.defaults import DEMO_USERS, DemoUser
from heard_local.provision import Stack

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignInTarget:
    """The user pool and app client whose tokens the API accepts."""

    user_pool_id: str
    client_id: str
    issuer: str


def sign_in_target(stack: Stack) -> SignInTarget | None:
    """The pool and client of the stack's (first) Cognito JWT authorizer; None without one."""
    for spec in stack.authorizers.values():
        if local_discovery_url(spec.issuer, stack.endpoint_url) and spec.audience:
            pool_id = spec.issuer.rsplit("/", 1)[-1]
            return SignInTarget(pool_id, spec.audience[0], spec.issuer)
    return None


def create_demo_users(stack: Stack, users: Iterable[DemoUser] = DEMO_USERS) -> SignInTarget | None:
    """Create ``users`` (confirmed, with their passwords and groups) in the API's user pool."""
    target = sign_in_target(stack)
    if target is None:
        return None
    cognito = stack.client("cognito-idp")
    existing = {
        g["GroupName"] for g in cognito.list_groups(UserPoolId=target.user_pool_id)["Groups"]
    }
    for user in users:
        cognito.admin_create_user(
            UserPoolId=target.user_pool_id,
            Username=user.username,
            UserAttributes=[
                {"Name": "email", "Value": user.username},
                {"Name": "email_verified", "Value": "true"},
                {"Name": "name", "Value": user.name},
            ],
            MessageAction="SUPPRESS",
        )
        cognito.admin_set_user_password(
            UserPoolId=target.user_pool_id,
            Username=user.username,
            Password=user.password,
            Permanent=True,
        )
        for group in user.groups:
            if group not in existing:
                cognito.create_group(UserPoolId=target.user_pool_id, GroupName=group)
                existing.add(group)
            cognito.admin_add_user_to_group(
                UserPoolId=target.user_pool_id, Username=user.username, GroupName=group
            )
    return target


def sign_in(cognito: Any, client_id: str, username: str, password: str) -> dict[str, Any]:
    """USER_PASSWORD_AUTH: ``IdToken``, ``AccessToken``, ``RefreshToken``, ``ExpiresIn``."""
    response = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return dict(response["AuthenticationResult"])
