"""The team's inbox API: list, read and update cases, their statistics, and who is asking.

In AWS every route here sits behind HeardApi's Cognito JWT authorizer; the signed-in person
reaches the domain as a ``Principal`` read from the token's claims (``heard.api.identity``).
A case's first response and its resolution are published as CloudWatch metrics (EMF):
``FirstResponseTime`` and ``ResolutionTime`` in seconds from when Heard received its first
message, by brand and priority.
"""

from __future__ import annotations

import pathlib
import time
from functools import cache
from typing import Annotated, Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from aws_lambda_powertools.logging import correlation_paths
from botocore.exceptions import BotoCoreError, ClientError

from heard.api.errors import ApiError, error_response
from heard.api.identity import Principal, principal_of, require_principal
from heard.api.inbox import Inbox, ReplyBody, etag
from heard.api.openapi import (
    TITLE,
    VERSION,
    openapi_document,
    responses,
    safe_json,
    validation_error,
)
from heard.api.responses import BrandList, CaseView, MentionPage, PrincipalView, ReplyAccepted
from heard.api.stats import CaseStats, Stats
from heard.cases.workflow import CaseUpdate
from heard.config import ConfigError, ConfigSource, HeardConfig
from heard.jsonbody import BodyError, load_json, raw_body
from heard.models import MentionRecord, Status
from heard.observability import make_tracer
from heard.reply_queue import SqsReplyQueue
from heard.settings import ApiSettings, SwaggerSettings
from heard.store import MentionStore, MentionTable, SignalsTable
from heard.web import gateway, session

logger = Logger()
tracer = make_tracer()
# Validation checks each typed parameter and body before the route runs (a RequestValidationError,
# answered 400 naming the field); the domain still checks every value (and refuses unknown query
# parameters), so the OpenAPI document and the behaviour cannot drift apart silently.
app = APIGatewayHttpResolver(enable_validation=True, json_body_deserializer=safe_json)
app.exception_handler(ApiError)(error_response)
if SwaggerSettings.from_env().swagger:  # the local stack only: HEARD_SWAGGER=true
    app.enable_swagger(path="/swagger", title=TITLE, version=VERSION)


@app.exception_handler(RequestValidationError)
def _invalid(exc: RequestValidationError) -> Response[dict[str, str]]:
    return error_response(validation_error(exc.errors()))


@app.exception_handler(RequestUnsupportedContentType)
def _unsupported(exc: RequestUnsupportedContentType) -> Response[dict[str, str]]:
    message = "the body must be JSON (Content-Type: application/json)"
    return error_response(ApiError(415, "unsupported_media_type", message, "body"))


@app.exception_handler(BodyError)
def _bad_body(exc: BodyError) -> Response[dict[str, str]]:
    return error_response(ApiError.invalid("body", str(exc)))


@app.exception_handler(UnicodeDecodeError)
def _not_text(exc: UnicodeDecodeError) -> Response[dict[str, str]]:
    # Validation decodes a base64 body as UTF-8 before the safe loader sees it.
    return error_response(ApiError.invalid("body", "the body is not UTF-8 text"))


@cache
def _settings() -> ApiSettings:
    return ApiSettings.from_env()


@cache
def _store() -> MentionStore:
    table = boto3.resource("dynamodb").Table(_settings().mentions_table)
    return MentionStore(MentionTable(table))


@cache
def _inbox() -> Inbox:
    settings = _settings()
    source = ConfigSource(settings)

    def config() -> HeardConfig | None:
        # The brand's SLA policy and reply templates; without them, no SLA figures and the
        # built-in templates.
        try:
            return source.get()
        except ConfigError as exc:
            logger.warning("brand configuration unavailable; no SLA, default drafts: %s", exc)
            return None

    queue = settings.reply_queue_url
    return Inbox(
        _store(),
        on_change=_case_metrics,
        config=config,
        replies=SqsReplyQueue(boto3.client("sqs"), queue) if queue else None,
    )


@cache
def _stats() -> Stats:
    settings = _settings()
    source = ConfigSource(settings)
    # The spikes come from SignalsTable where the function may read it.
    signals = (
        SignalsTable(boto3.resource("dynamodb").Table(settings.signals_table))
        if settings.signals_table
        else None
    )
    return Stats(_store(), source.get, signals)  # the config is cached; SSM edits show in 60 s


def _principal() -> Principal:
    """The signed-in person of the current request; a 401 ``ApiError`` when there is none."""
    return require_principal(app.current_event.raw_event)


def _query() -> dict[str, str]:
    """The raw query: the domain checks every value and refuses unknown parameters."""
    return dict(app.current_event.query_string_parameters or {})


CaseId = Annotated[str, Path(description="a case's or message's id, e.g. x:1849")]


@app.get("/openapi.json", include_in_schema=False)
def openapi() -> Response[str]:
    """The OpenAPI document of this API (no sign-in needed: it holds no data)."""
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=openapi_document(app),
    )


@app.get("/me", summary="Who the API takes you to be", responses=responses(PrincipalView))
def me() -> PrincipalView:
    return PrincipalView.of(_principal())


@app.get("/brands", summary="The brands Heard tracks", responses=responses(BrandList))
def brands() -> BrandList:
    _principal()
    return _inbox().brands()


@app.get("/mentions", summary="The inbox: one page of cases", responses=responses(MentionPage))
def list_mentions(
    brand: Annotated[str | None, Query(description="brand, in any case")] = None,
    status: Annotated[
        str | None,
        Query(
            description="comma-separated: new, acknowledged, replied, resolved, ignored, spam; open"
        ),
    ] = None,
    priority: Annotated[
        str | None, Query(description="comma-separated: low, normal, high, critical")
    ] = None,
    platform: Annotated[str | None, Query(description="x, facebook, instagram, generic")] = None,
    intent: Annotated[str | None, Query(description="one intent, e.g. billing")] = None,
    assignee: Annotated[
        str | None, Query(description="me, none (unassigned) or a person's email")
    ] = None,
    overdue: Annotated[
        str | None, Query(description="true: a recorded breach of a running SLA clock; false: none")
    ] = None,
    since: Annotated[
        str | None, Query(description="ISO date or datetime: cases created then or later")
    ] = None,
    sort: Annotated[
        str | None, Query(description="newest (default) or sla (open cases, first deadline first)")
    ] = None,
    limit: Annotated[str | None, Query(description="1..100 (default 25)")] = None,
    cursor: Annotated[
        str | None, Query(description="next_cursor of the previous page of the same listing")
    ] = None,
) -> MentionPage:
    principal = principal_of(app.current_event.raw_event)
    actor = principal.handle if principal is not None else None  # what assignee=me means
    return _inbox().list(_query(), actor)


@app.get(
    "/mentions/<mention_id>",
    summary="One case, its conversation and SLA clocks",
    responses=responses(CaseView, 404, etag=True),
)
def get_mention(mention_id: CaseId) -> Response[CaseView]:
    return _case_response(_inbox().get(mention_id))


@app.patch(
    "/mentions/<mention_id>",
    summary="Change a case: status, assignee, priority, tags, a note",
    responses=responses(CaseView, 404, 409, 412, etag=True),
)
def update_mention(
    mention_id: CaseId,
    body: Annotated[CaseUpdate, Body(description="only the fields present change")],
    if_match: Annotated[str | None, Header(description="the ETag read: 412 if stale")] = None,
) -> Response[CaseView]:
    case = _inbox().update(mention_id, _json_body(), _actor(), if_match=if_match)
    return _case_response(case)


@app.get("/stats", summary="Case figures over a window", responses=responses(CaseStats))
def get_stats(
    brand: Annotated[str | None, Query(description="brand, in any case")] = None,
    from_: Annotated[str | None, Query(alias="from", description="ISO date or datetime")] = None,
    to: Annotated[str | None, Query(description="ISO date or datetime (default now)")] = None,
    bucket: Annotated[
        str | None, Query(description="hour or day: the series' buckets (default by the window)")
    ] = None,
) -> CaseStats:
    return _stats().get(_query())


def _case_metrics(before: MentionRecord, after: MentionRecord) -> None:
    """EMF metrics for a case's first response and its resolution, when this update made them:
    seconds from when Heard received its first message, dimensions brand and priority."""
    from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

    reached = []
    if before.first_response_at is None and after.first_response_at is not None:
        reached.append(("FirstResponseTime", after.first_response_at))
    resolved = after.status is Status.RESOLVED and before.status is not Status.RESOLVED
    if resolved and after.resolved_at is not None:
        reached.append(("ResolutionTime", after.resolved_at))
    if not reached:
        return
    metrics = EphemeralMetrics()
    metrics.add_dimension(name="brand", value=after.brand)
    metrics.add_dimension(name="priority", value=after.priority.value)
    for name, at in reached:
        seconds = max((at - after.received_at).total_seconds(), 0.0)
        metrics.add_metric(name=name, unit=MetricUnit.Seconds, value=seconds)
    metrics.flush_metrics()


@app.post(
    "/mentions/<mention_id>/replies",
    summary="Queue a reply on the case's platform",
    responses=responses(ReplyAccepted, 404, 409, 422, 503, status=202),
)
def request_reply(
    mention_id: CaseId,
    body: Annotated[ReplyBody, Body(description="the reply's text and visibility")],
    idempotency_key: Annotated[
        str | None, Header(description="required: a unique value per reply, sent again on retry")
    ] = None,
) -> Response[ReplyAccepted]:
    """Queue a reply on the case (202); the reply function sends it."""
    accepted, _ = _inbox().request_reply(
        mention_id, _json_body(), _actor(), idempotency_key=idempotency_key
    )
    return Response(status_code=202, content_type=content_types.APPLICATION_JSON, body=accepted)


def _json_body() -> Any:
    """The request's JSON (an empty body reads as ``{}``); a 400 naming ``body`` otherwise."""
    event = app.current_event
    if not event.body:
        return {}
    try:
        return load_json(raw_body(event.body, bool(event.is_base64_encoded)))
    except BodyError as exc:
        raise ApiError.invalid("body", str(exc)) from None


def _case_response(case: CaseView) -> Response[CaseView]:
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=case,
        headers={"ETag": etag(case.version)},
    )


def _actor() -> str:
    """Who is making the request, as history and assignees name people: their email."""
    return _principal().handle


# The web inbox's files ship with this function (functions/api/web), not in the layer.
WEB_ASSETS = gateway.load_assets(pathlib.Path(__file__).parent / "web")


def _initiate_auth(flow: str, parameters: dict[str, str]) -> Any:
    """Cognito's ``InitiateAuth`` for the inbox's form client."""
    client_id = _settings().user_pool_client_id
    if not client_id:
        raise gateway.SignInRefused("sign-in is not configured here (USER_POOL_CLIENT_ID)")
    return _cognito().initiate_auth(ClientId=client_id, AuthFlow=flow, AuthParameters=parameters)


def _sign_in(username: str, password: str) -> gateway.SignedIn:
    """The ID token's claims and the refresh token for a person of the user pool;
    ``SignInRefused`` otherwise."""
    cognito = _cognito()
    try:
        answer = _initiate_auth("USER_PASSWORD_AUTH", {"USERNAME": username, "PASSWORD": password})
    except (cognito.exceptions.NotAuthorizedException, cognito.exceptions.UserNotFoundException):
        raise gateway.SignInRefused("wrong email or password") from None
    except cognito.exceptions.PasswordResetRequiredException:
        raise gateway.SignInRefused("your password must be reset first") from None
    result = answer.get("AuthenticationResult")
    if not result:  # a challenge: a new password, MFA
        challenge = answer.get("ChallengeName", "a challenge")
        raise gateway.SignInRefused(f"this sign-in needs {challenge}, which the form cannot do yet")
    return gateway.SignedIn(session.token_claims(result["IdToken"]), result.get("RefreshToken"))


def _refresh(refresh_token: str, via: str) -> gateway.SignedIn:
    """New claims for a session's refresh token, from the client that issued it: the form's
    (``REFRESH_TOKEN_AUTH``) or the hosted UI's (its token endpoint); ``SignInRefused`` when
    Cognito refuses it (revoked, expired, the person disabled)."""
    if via == "hosted":
        hosted = _hosted_ui()
        if hosted is None:
            raise gateway.SignInRefused("the hosted sign-in is not available")
        return _token_endpoint(
            hosted,
            {"grant_type": "refresh_token", "refresh_token": refresh_token},
            keep=refresh_token,
        )
    cognito = _cognito()
    try:
        answer = _initiate_auth("REFRESH_TOKEN_AUTH", {"REFRESH_TOKEN": refresh_token})
    except (cognito.exceptions.NotAuthorizedException, cognito.exceptions.UserNotFoundException):
        raise gateway.SignInRefused("the session can no longer be refreshed") from None
    except (ClientError, BotoCoreError) as exc:  # Cognito unavailable: keep the session's hour
        logger.warning("the session could not be refreshed: %s", exc)
        raise gateway.SignInRefused("Cognito could not refresh the session now") from None
    result = answer.get("AuthenticationResult") or {}
    if "IdToken" not in result:
        raise gateway.SignInRefused("Cognito answered the refresh without an ID token")
    token = result.get("RefreshToken") or refresh_token
    return gateway.SignedIn(session.token_claims(result["IdToken"]), token)


def _revoke(refresh_token: str, via: str) -> None:
    """Revoke a signed-out session's refresh token with the client that issued it (the hosted
    UI's revoke endpoint, or ``RevokeToken`` for the form's client), so a copy of the cookie
    cannot renew the session. Best effort: sign-out ends the session whatever Cognito says."""
    import httpx

    try:
        if via == "hosted":
            hosted = _hosted_ui()
            if hosted is not None:
                httpx.post(
                    f"{hosted.domain.rstrip('/')}/oauth2/revoke",
                    data={"token": refresh_token, "client_id": hosted.client_id},
                    timeout=5,
                ).raise_for_status()
            return
        client_id = _settings().user_pool_client_id
        if client_id:
            _cognito().revoke_token(Token=refresh_token, ClientId=client_id)
    except (ClientError, BotoCoreError, httpx.HTTPError) as exc:
        logger.warning("the signed-out session's refresh token was not revoked: %s", exc)


@cache
def _cognito() -> Any:
    return boto3.client("cognito-idp")


HOSTED_UI_MAX_AGE_S = 300
_hosted_found: tuple[float, gateway.HostedUi | None] | None = None  # when, and what


def _hosted_ui() -> gateway.HostedUi | None:
    """The pool's hosted UI and the web client (looked up again every five minutes); None
    when the pool has no domain (the local stack) or it cannot be read."""
    settings = _settings()
    if not (settings.user_pool_id and settings.inbox_web_client_name):
        return None
    global _hosted_found
    now = time.monotonic()
    if _hosted_found is not None and now - _hosted_found[0] < HOSTED_UI_MAX_AGE_S:
        return _hosted_found[1]
    found = None
    try:
        pool = _cognito().describe_user_pool(UserPoolId=settings.user_pool_id)["UserPool"]
        domain = pool.get("CustomDomain") or pool.get("Domain")
        if domain:
            paginator = _cognito().get_paginator("list_user_pool_clients")
            for page in paginator.paginate(UserPoolId=settings.user_pool_id, MaxResults=60):
                for client in page["UserPoolClients"]:
                    if client["ClientName"] == settings.inbox_web_client_name:
                        host = (
                            domain
                            if "." in domain
                            else f"{domain}.auth.{pool_region()}.amazoncognito.com"
                        )
                        found = gateway.HostedUi(f"https://{host}", client["ClientId"])
    except Exception as exc:  # the form still works without it
        logger.warning("no hosted sign-in: %s", exc)
    _hosted_found = (now, found)
    return found


def pool_region() -> str:
    return str(_cognito().meta.region_name)


def _exchange(
    hosted: gateway.HostedUi, code: str, verifier: str, redirect: str
) -> gateway.SignedIn:
    """The authorization code and its PKCE verifier for tokens, at Cognito's token endpoint."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect,
        "code_verifier": verifier,
    }
    return _token_endpoint(hosted, form)


def _token_endpoint(
    hosted: gateway.HostedUi, form: dict[str, str], keep: str | None = None
) -> gateway.SignedIn:
    """Tokens from the hosted UI's token endpoint (the web client is public: no secret);
    ``keep`` is the refresh token to keep when the answer brings no new one."""
    import httpx

    try:
        answer = httpx.post(
            f"{hosted.domain.rstrip('/')}/oauth2/token",
            data={**form, "client_id": hosted.client_id},
            timeout=10,
        )
    except httpx.HTTPError as exc:
        raise gateway.SignInRefused(f"Cognito could not be reached: {exc}") from None
    if answer.status_code != 200:
        raise gateway.SignInRefused("Cognito refused the sign-in; sign in again")
    try:
        body = answer.json()
        claims = session.token_claims(str(body["id_token"]))
    except (ValueError, KeyError, TypeError):
        raise gateway.SignInRefused("Cognito answered without an ID token") from None
    token = body.get("refresh_token") or keep
    return gateway.SignedIn(claims, str(token) if token else None, "hosted")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def handler(event, context):
    if gateway.WebApp.serves(str(event.get("rawPath") or "")):
        web = gateway.WebApp(
            WEB_ASSETS,
            resolve=lambda inner: app.resolve(inner, context),
            sign_in=_sign_in,
            key=session.session_key,
            hosted_ui=_hosted_ui,
            exchange=_exchange,
            refresh=_refresh,
            revoke=_revoke,
        )
        return web.handle(event)
    return app.resolve(event, context)
