"""Who is asking: the person behind a management API request.

In AWS, HeardApi's JWT authorizer has checked the person's Cognito token (signature, issuer,
audience, expiry) before the handler runs, and API Gateway passes the token's claims in
``requestContext.authorizer.jwt.claims``. Every claim arrives as a string: numbers as digits
and lists Go-style, ``"[managers leads]"``. ``principal_of(event)`` reads them into a
``Principal``; ``require_principal(event)`` refuses a request without one (401).

Locally (devtools/heard_local) the same authorizer is emulated, and the local admin token
(``Authorization: Bearer $HEARD_API_TOKEN``, for scripts) reaches the handler as claims whose
issuer is ``LOCAL_ADMIN_ISSUER``: a ``Principal`` of kind ``local-admin``. API Gateway never
lets such a token through (its issuer is not the user pool's), so the kind cannot be claimed
in AWS.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from heard.api.errors import ApiError

LOCAL_ADMIN_ISSUER = "urn:heard:local-admin"
LOCAL_ADMIN_ID = "local-admin"


class PrincipalKind(StrEnum):
    USER = "user"  # a person signed in to the user pool
    LOCAL_ADMIN = "local-admin"  # the local stack's admin token (scripts); never in AWS


class Principal(BaseModel):
    """A signed-in person. ``id`` is stable for the life of the account (Cognito's ``sub``);
    ``handle`` (the email, which is also the pool's username) is how case history and
    assignees name the person, and what ``assignee=me`` means: people read and type it."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    id: str
    username: str
    email: str | None = None
    display_name: str
    groups: tuple[str, ...] = ()
    kind: PrincipalKind = PrincipalKind.USER

    @property
    def handle(self) -> str:
        return self.email or self.username or self.id

    def in_group(self, group: str) -> bool:
        return group in self.groups


def claims_of(event: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """``requestContext.authorizer.jwt.claims`` of an API Gateway v2 event, if any."""
    node: Any = event
    for key in ("requestContext", "authorizer", "jwt", "claims"):
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node if isinstance(node, Mapping) else None


def _text(claims: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        value = claims.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _groups(value: Any) -> tuple[str, ...]:
    """``cognito:groups`` as API Gateway passes it (``"[a b]"``), or as a JSON list."""
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value if str(v))
    if not isinstance(value, str):
        return ()
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    # Cognito group names hold no whitespace, so splitting on it loses nothing.
    return tuple(text.replace(",", " ").split())


def principal_from_claims(claims: Mapping[str, Any]) -> Principal | None:
    """The person the claims name; None when they name nobody (no ``sub``)."""
    subject = _text(claims, "sub")
    if subject is None:
        return None
    email = _text(claims, "email")
    # With email as the username, Cognito's cognito:username (ID token) and username (access
    # token) hold the sub; the email is what a person recognises.
    username = email or _text(claims, "cognito:username", "username") or subject
    local = claims.get("iss") == LOCAL_ADMIN_ISSUER
    return Principal(
        id=subject,
        username=username,
        email=email,
        display_name=_text(claims, "name") or username,
        groups=_groups(claims.get("cognito:groups")),
        kind=PrincipalKind.LOCAL_ADMIN if local else PrincipalKind.USER,
    )


def principal_of(event: Mapping[str, Any]) -> Principal | None:
    """The signed-in person of an API Gateway v2 event; None when the route let anyone in."""
    claims = claims_of(event)
    return None if claims is None else principal_from_claims(claims)


def require_principal(event: Mapping[str, Any]) -> Principal:
    """The signed-in person; ``ApiError`` 401 when the request carries none."""
    principal = principal_of(event)
    if principal is None:
        raise ApiError.unauthorized("this request needs a signed-in person")
    return principal
