"""The credentials replies are sent with, read from each platform's secret (env vars locally).

X: the brand account's OAuth 2.0 user token (``user_access_token``, ``user_token_expires_at``),
renewed with ``user_refresh_token`` and the app's ``client_id`` / ``client_secret`` when X
refuses it; the new tokens are written back to the secret (X rotates refresh tokens: the old
one stops working). Meta: the Page access token (``page_access_token``); Heard cannot renew
it, a person puts a new one in the secret.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import httpx

from heard.cases.outbox import TokenRenewalError
from heard.platforms import meta, x
from heard.platforms.base import Credentials
from heard.secrets import SecretUnavailable, get_optional_secret, get_secret, store_secret_values
from heard.settings import PlatformApiSettings

log = logging.getLogger(__name__)

# Tokens are read fresh often enough that a renewal by another instance is seen soon.
TOKEN_MAX_AGE_S = 60


def _instant(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        log.warning("user_token_expires_at %r is not an ISO 8601 instant; ignored", value)
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


class SecretTokens:
    """``TokenVault`` over the platform secrets."""

    def __init__(self, client: httpx.Client, settings: PlatformApiSettings):
        self._client, self._settings = client, settings

    def credentials(self, adapter: str) -> Credentials:
        try:
            if adapter == "x":
                return Credentials(
                    access_token=get_secret(x.USER_ACCESS_TOKEN, max_age=TOKEN_MAX_AGE_S),
                    expires_at=_instant(
                        get_optional_secret(x.USER_TOKEN_EXPIRES_AT, max_age=TOKEN_MAX_AGE_S)
                    ),
                    api_url=self._settings.x_api_url,
                )
            if adapter == "meta":
                return Credentials(
                    access_token=get_secret(meta.PAGE_ACCESS_TOKEN, max_age=TOKEN_MAX_AGE_S),
                    api_url=self._settings.meta_graph_url,
                )
        except SecretUnavailable as exc:
            log.warning("no %s token: %s", adapter, exc)
        return Credentials(access_token="")  # the adapter says the token is missing

    def renew(self, adapter: str) -> Credentials | None:
        if adapter != "x":
            return None
        from heard.platforms.x.reply import TokenRefreshError, refresh_x_token

        try:
            client_id = get_secret(x.CLIENT_ID)
            refresh_token = get_secret(x.USER_REFRESH_TOKEN, max_age=0)
        except SecretUnavailable as exc:
            raise TokenRenewalError(
                f"the X token cannot be renewed: {exc}; sign in to the X account again to "
                "authorise Heard and store client_id and user_refresh_token in the X secret",
                retryable=False,
            ) from exc
        try:
            token = refresh_x_token(
                self._client,
                client_id,
                get_optional_secret(x.CLIENT_SECRET),
                refresh_token,
                api_url=self._settings.x_api_url,
            )
        except TokenRefreshError as exc:
            raise TokenRenewalError(exc.reason, retryable=exc.retryable) from exc
        store_secret_values(
            {
                x.USER_ACCESS_TOKEN: token.access_token,
                x.USER_REFRESH_TOKEN: token.refresh_token,
                x.USER_TOKEN_EXPIRES_AT: token.expires_at.isoformat(),
            }
        )
        return Credentials(
            access_token=token.access_token,
            expires_at=token.expires_at,
            api_url=self._settings.x_api_url,
        )


__all__ = ["TOKEN_MAX_AGE_S", "SecretTokens"]
