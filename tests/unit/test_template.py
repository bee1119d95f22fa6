"""template.yaml passes cfn-lint and keeps the project's deployment conventions.

Each convention is a checker that derives its subject from the template (every function,
every queue, every IAM statement...) and returns the problems it finds. The tests assert
that the real template has none, and that each checker does report a template that breaks
its rule, so a checker that silently stopped looking would fail here too.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from cfnlint.api import ManualArgs, lint_file
from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"

RUNTIME = "python3.13"
ARCHITECTURE = "arm64"

# Actions that IAM only accepts with Resource "*" (no resource-level permissions), and that
# the project is allowed to grant that way.
WILDCARD_RESOURCE_ACTIONS = frozenset(
    {
        "comprehend:DetectSentiment",
        "comprehend:DetectDominantLanguage",
        "comprehend:BatchDetectSentiment",
        "comprehend:BatchDetectDominantLanguage",
        "cloudwatch:PutMetricData",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }
)

# SAM policy templates whose statements are all scoped to the one resource named by the given
# argument (checked against samtranslator's policy_templates.json). SSMParameterReadPolicy
# and ComprehendBasicAccessPolicy are absent on purpose: they grant actions on "*".
SCOPED_POLICY_TEMPLATES = {
    "AWSSecretsManagerGetSecretValuePolicy": "SecretArn",
    "DynamoDBCrudPolicy": "TableName",
    "DynamoDBReadPolicy": "TableName",
    "DynamoDBWritePolicy": "TableName",
    "SNSPublishMessagePolicy": "TopicName",
    "SQSPollerPolicy": "QueueName",
    "SQSSendMessagePolicy": "QueueName",
}

FUNCTION = "AWS::Serverless::Function"
QUEUE = "AWS::SQS::Queue"
ALARM = "AWS::CloudWatch::Alarm"
LOG_GROUP = "AWS::Logs::LogGroup"
NO_VALUE = {"Ref": "AWS::NoValue"}


# --- reading the template -----------------------------------------------------------------------


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    """The template with intrinsics in their long form, as CloudFormation sees it."""
    template, matches = decode(str(path))
    assert not matches, [str(m) for m in matches]
    assert template is not None
    return _plain(template)


def _plain(value: Any) -> Any:
    """cfn-lint's decoded nodes as plain dicts/lists/str (so deepcopy and == behave)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def resources_of(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in template["Resources"].items() if r.get("Type") == resource_type}


def function_property(template: dict[str, Any], function: dict[str, Any], name: str) -> Any:
    """A function property with SAM Globals applied (the function's own value wins)."""
    own = function.get("Properties") or {}
    if name in own:
        return own[name]
    return ((template.get("Globals") or {}).get("Function") or {}).get(name)


def target(value: Any) -> str | None:
    """The logical id a Ref / Fn::GetAtt points at, else None."""
    if isinstance(value, dict) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref" and isinstance(arg, str):
            return arg
        if key == "Fn::GetAtt":
            name = arg.split(".", 1)[0] if isinstance(arg, str) else arg[0]
            return name if isinstance(name, str) else None
    return None


def branches(value: Any) -> Iterator[Any]:
    """Every value an Fn::If may take (both branches, recursively); AWS::NoValue dropped."""
    if isinstance(value, dict) and set(value) == {"Fn::If"}:
        _, when_true, when_false = value["Fn::If"]
        yield from branches(when_true)
        yield from branches(when_false)
    elif value != NO_VALUE:
        yield value


def as_list(value: Any) -> list[Any]:
    items = value if isinstance(value, list) else [value]
    return [b for item in items for b in branches(item)]


def dead_letter_queues(template: dict[str, Any]) -> dict[str, str]:
    """Queues used as a failure path, mapped to what feeds them.

    A queue is a DLQ when a queue's RedrivePolicy, an event's DeadLetterConfig or an
    on-failure destination names it.
    """
    queues = resources_of(template, QUEUE)
    found: dict[str, str] = {}
    for lid, queue in queues.items():
        redrive = (queue.get("Properties") or {}).get("RedrivePolicy") or {}
        dlq = target(redrive.get("deadLetterTargetArn"))
        if dlq:
            found[dlq] = lid
    for lid, function in resources_of(template, FUNCTION).items():
        props = function.get("Properties") or {}
        on_failure = ((props.get("EventInvokeConfig") or {}).get("DestinationConfig") or {}).get(
            "OnFailure"
        ) or {}
        dlq = target(on_failure.get("Destination"))
        if dlq in queues:
            found[dlq] = f"{lid} (async invocation)"
        for name, event in (props.get("Events") or {}).items():
            config = (event.get("Properties") or {}).get("DeadLetterConfig") or {}
            dlq = target(config.get("Arn"))
            if dlq in queues:
                found[dlq] = f"{lid}.{name}"
    return found


# --- checkers: each returns the problems it finds ---------------------------------------------


def check_runtime(template: dict[str, Any]) -> list[str]:
    problems = []
    functions = resources_of(template, FUNCTION)
    if not functions:
        problems.append("no AWS::Serverless::Function in the template")
    for lid, function in functions.items():
        runtime = function_property(template, function, "Runtime")
        architectures = function_property(template, function, "Architectures")
        if runtime != RUNTIME:
            problems.append(f"{lid}: Runtime {runtime!r}, want {RUNTIME}")
        if architectures != [ARCHITECTURE]:
            problems.append(f"{lid}: Architectures {architectures!r}, want [{ARCHITECTURE}]")
    for lid, layer in resources_of(template, "AWS::Serverless::LayerVersion").items():
        props = layer.get("Properties") or {}
        if RUNTIME not in (props.get("CompatibleRuntimes") or []):
            problems.append(f"{lid}: CompatibleRuntimes lacks {RUNTIME}")
        if ARCHITECTURE not in (props.get("CompatibleArchitectures") or []):
            problems.append(f"{lid}: CompatibleArchitectures lacks {ARCHITECTURE}")
    return problems


def check_redrive(template: dict[str, Any]) -> list[str]:
    """Every queue that is not itself a DLQ redrives to one, with a bounded receive count."""
    problems = []
    queues = resources_of(template, QUEUE)
    dlqs = dead_letter_queues(template)
    for lid, queue in queues.items():
        if lid in dlqs:
            continue
        props = queue.get("Properties") or {}
        redrive = props.get("RedrivePolicy") or {}
        dlq = target(redrive.get("deadLetterTargetArn"))
        if dlq not in queues:
            problems.append(f"{lid}: no RedrivePolicy to a dead-letter queue")
            continue
        count = redrive.get("maxReceiveCount")
        if not isinstance(count, int) or not 1 <= count <= 10:
            problems.append(f"{lid}: maxReceiveCount {count!r} is not within 1..10")
        # A standard queue's messages keep their original enqueue time in the DLQ, so the
        # DLQ must keep them longer than the source queue does.
        source_retention = int(props.get("MessageRetentionPeriod", 345600))
        dlq_retention = int(
            (queues[dlq].get("Properties") or {}).get("MessageRetentionPeriod", 345600)
        )
        if dlq_retention <= source_retention:
            problems.append(f"{lid}: DLQ {dlq} retention {dlq_retention}s <= {source_retention}s")
    return problems


def _alarm_problems(alarm: dict[str, Any], template: dict[str, Any]) -> list[str]:
    props = alarm.get("Properties") or {}
    actions = [target(a) for a in props.get("AlarmActions") or []]
    topics = resources_of(template, "AWS::SNS::Topic")
    if not actions or not all(a in topics for a in actions):
        return ["AlarmActions do not notify an SNS topic of the template"]
    return []


def _alarms_on(template: dict[str, Any], namespace: str, metric: str, dimension: str) -> dict:
    """Alarm logical ids by the logical id of the resource their ``dimension`` names."""
    found: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for lid, alarm in resources_of(template, ALARM).items():
        props = alarm.get("Properties") or {}
        if props.get("Namespace") != namespace or props.get("MetricName") != metric:
            continue
        for dim in props.get("Dimensions") or []:
            if dim.get("Name") == dimension and target(dim.get("Value")):
                found.setdefault(target(dim.get("Value")), []).append((lid, alarm))
    return found


def _fires_on_any(props: dict[str, Any]) -> bool:
    threshold = float(props.get("Threshold", -1))
    operator = props.get("ComparisonOperator")
    return (operator == "GreaterThanThreshold" and threshold == 0) or (
        operator == "GreaterThanOrEqualToThreshold" and threshold == 1
    )


def check_dlq_alarms(template: dict[str, Any]) -> list[str]:
    """Every DLQ has an alarm that fires on its first visible message and notifies a topic."""
    problems = []
    dlqs = dead_letter_queues(template)
    if not dlqs:
        problems.append("no dead-letter queue in the template")
    alarms = _alarms_on(template, "AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName")
    for dlq in dlqs:
        good = [
            lid
            for lid, alarm in alarms.get(dlq, [])
            if _fires_on_any(alarm.get("Properties") or {}) and not _alarm_problems(alarm, template)
        ]
        if not good:
            problems.append(f"{dlq}: no alarm on ApproximateNumberOfMessagesVisible > 0")
    return problems


def check_function_error_alarms(template: dict[str, Any]) -> list[str]:
    problems = []
    alarms = _alarms_on(template, "AWS/Lambda", "Errors", "FunctionName")
    for lid in resources_of(template, FUNCTION):
        good = [
            a
            for a, alarm in alarms.get(lid, [])
            if _fires_on_any(alarm.get("Properties") or {}) and not _alarm_problems(alarm, template)
        ]
        if not good:
            problems.append(f"{lid}: no alarm on its Errors metric")
    return problems


def check_log_groups(template: dict[str, Any]) -> list[str]:
    """Every function logs to its own log group of the template, with a stage-set retention."""
    problems = []
    groups = resources_of(template, LOG_GROUP)
    owners: dict[str, str] = {}
    for lid, function in resources_of(template, FUNCTION).items():
        logging = function_property(template, function, "LoggingConfig") or {}
        group = target(logging.get("LogGroup"))
        if group not in groups:
            problems.append(f"{lid}: LoggingConfig.LogGroup is not a log group of the template")
            continue
        if group in owners:
            problems.append(f"{lid}: shares log group {group} with {owners[group]}")
        owners[group] = lid
    for lid, group in groups.items():
        retention = (group.get("Properties") or {}).get("RetentionInDays")
        for stage in template["Parameters"]["Stage"]["AllowedValues"]:
            days = _resolve_for_stage(template, retention, stage)
            if not isinstance(days, int) or days <= 0:
                problems.append(f"{lid}: no RetentionInDays for Stage={stage}")
    return problems


def _resolve_for_stage(template: dict[str, Any], value: Any, stage: str) -> Any:
    """Evaluates the few intrinsics stage-driven settings use (FindInMap on Stage, If IsProd)."""
    if isinstance(value, dict) and set(value) == {"Fn::FindInMap"}:
        name, top, key = value["Fn::FindInMap"]
        top = stage if top == {"Ref": "Stage"} else top
        return template["Mappings"][name][top][key]
    if isinstance(value, dict) and set(value) == {"Fn::If"}:
        condition, when_true, when_false = value["Fn::If"]
        definition = template["Conditions"][condition]
        if definition != {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}:
            raise AssertionError(f"condition {condition} is not a Stage test")
        return _resolve_for_stage(template, when_true if stage == "prod" else when_false, stage)
    return value


def _policy_statements(template: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(where, statement-or-policy) for every policy the template grants."""
    for lid, function in resources_of(template, FUNCTION).items():
        for policy in as_list(function_property(template, function, "Policies") or []):
            if isinstance(policy, dict) and "Statement" in policy:
                for statement in as_list(policy["Statement"]):
                    yield lid, statement
            else:
                yield lid, policy
    for lid, resource in template["Resources"].items():
        props = resource.get("Properties") or {}
        documents = []
        if resource.get("Type") == "AWS::IAM::Role":
            documents = [p.get("PolicyDocument") for p in as_list(props.get("Policies") or [])]
            for arn in props.get("ManagedPolicyArns") or []:
                yield lid, arn
        elif resource.get("Type") in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents = [props.get("PolicyDocument")]
        for document in documents:
            for statement in as_list((document or {}).get("Statement") or []):
                yield lid, statement


def check_least_privilege(template: dict[str, Any]) -> list[str]:
    problems = []
    for where, policy in _policy_statements(template):
        if isinstance(policy, str) or target(policy):
            problems.append(f"{where}: managed policy {policy!r} is not scoped to resources")
            continue
        if not isinstance(policy, dict):
            problems.append(f"{where}: unreadable policy {policy!r}")
            continue
        if "Effect" not in policy:
            # A SAM policy template: {Name: {Argument: value}}.
            (name, args), *rest = policy.items()
            argument = SCOPED_POLICY_TEMPLATES.get(name)
            if rest or argument is None:
                problems.append(f"{where}: policy template {name} is not known to be scoped")
                continue
            value = (args or {}).get(argument)
            if not value or value == "*" or (isinstance(value, str) and "*" in value):
                problems.append(f"{where}: {name}.{argument} is {value!r}, not one resource")
            continue
        if policy.get("Effect") != "Allow":
            continue
        actions = as_list(policy.get("Action") or [])
        if "NotAction" in policy or "NotResource" in policy:
            problems.append(f"{where}: NotAction/NotResource grants more than it names")
        broad_actions = [a for a in actions if not isinstance(a, str) or "*" in a]
        if broad_actions:
            problems.append(f"{where}: wildcard actions {broad_actions}")
        if "*" in as_list(policy.get("Resource")):
            unjustified = sorted(a for a in actions if a not in WILDCARD_RESOURCE_ACTIONS)
            if unjustified:
                problems.append(f"{where}: Resource '*' for {unjustified}")
    return problems


def check_async_edges(template: dict[str, Any]) -> list[str]:
    """SQS sources report partial failures; schedules retry boundedly and have a failure path."""
    problems = []
    for lid, function in resources_of(template, FUNCTION).items():
        props = function.get("Properties") or {}
        for name, event in (props.get("Events") or {}).items():
            kind, ev = event.get("Type"), event.get("Properties") or {}
            if kind == "SQS" and "ReportBatchItemFailures" not in (
                ev.get("FunctionResponseTypes") or []
            ):
                problems.append(f"{lid}.{name}: SQS source without ReportBatchItemFailures")
            if kind in ("Schedule", "ScheduleV2"):
                if not target((ev.get("DeadLetterConfig") or {}).get("Arn")):
                    problems.append(f"{lid}.{name}: schedule without a DeadLetterConfig queue")
                if "MaximumRetryAttempts" not in (ev.get("RetryPolicy") or {}):
                    problems.append(f"{lid}.{name}: schedule without a bounded RetryPolicy")
                invoke = props.get("EventInvokeConfig") or {}
                on_failure = (invoke.get("DestinationConfig") or {}).get("OnFailure") or {}
                if not target(on_failure.get("Destination")):
                    problems.append(f"{lid}: invoked asynchronously without OnFailure")
    return problems


def _is_webhook(path: Any) -> bool:
    """Public ingest: platform webhooks (signed) and the brands' feedback forms (refusals,
    a rate limit and an optional CAPTCHA in code)."""
    return str(path).startswith(("/webhooks/", "/feedback/"))


def _cognito_authorizers(template: dict[str, Any], api: dict[str, Any]) -> dict[str, list[str]]:
    """The API's JWT authorizers, each with the problems that keep it from being one that
    accepts only tokens of a user pool of this template, for an app client of that pool."""
    pools = resources_of(template, "AWS::Cognito::UserPool")
    clients = resources_of(template, "AWS::Cognito::UserPoolClient")
    found: dict[str, list[str]] = {}
    authorizers = ((api.get("Properties") or {}).get("Auth") or {}).get("Authorizers") or {}
    for name, authorizer in authorizers.items():
        jwt = {k.lower(): v for k, v in (authorizer.get("JwtConfiguration") or {}).items()}
        if not jwt:
            continue  # a Lambda authorizer: not one of ours
        problems = []
        if authorizer.get("IdentitySource") != "$request.header.Authorization":
            problems.append(f"IdentitySource {authorizer.get('IdentitySource')!r}")
        issuer = jwt.get("issuer")
        text = issuer.get("Fn::Sub") if isinstance(issuer, dict) else None
        pool = next(
            (
                p
                for p in pools
                if text == f"https://cognito-idp.${{AWS::Region}}.amazonaws.com/${{{p}}}"
            ),
            None,
        )
        if pool is None:
            problems.append(f"issuer {issuer!r} is not a user pool of the template")
        audience = [target(a) for a in as_list(jwt.get("audience") or [])]
        pool_of = {
            lid: target((c.get("Properties") or {}).get("UserPoolId")) for lid, c in clients.items()
        }
        if not audience or any(pool_of.get(a or "") != pool for a in audience):
            problems.append(f"audience {audience!r} is not the app client(s) of {pool}")
        found[name] = problems
    return found


# Routes open to anyone besides the webhooks: they hold no data.
PUBLIC_ROUTES = {("GET", "/openapi.json")}
# The web inbox: its files and sign-in are open; under /app/api the function itself requires
# the signed session cookie (heard.web.gateway, tests/unit/web).
APP_ROUTES = {("GET", "/app"), ("ANY", "/app/{proxy+}")}


def check_api_auth(template: dict[str, Any]) -> list[str]:
    """Only the signature-verified webhook routes and ``PUBLIC_ROUTES`` (the OpenAPI document)
    are open (``Authorizer: NONE``); every other route, now and future, needs a signed-in
    person: the API's default authorizer is a JWT authorizer for a user pool of the template,
    and no route names another."""
    problems = []
    apis = resources_of(template, "AWS::Serverless::HttpApi")
    checked: dict[str, dict[str, list[str]]] = {}
    for lid, api in apis.items():
        checked[lid] = _cognito_authorizers(template, api)
        auth = (api.get("Properties") or {}).get("Auth") or {}
        default = auth.get("DefaultAuthorizer")
        if default not in checked[lid]:
            problems.append(f"{lid}: DefaultAuthorizer {default!r} is not a Cognito JWT authorizer")
        for name, found in checked[lid].items():
            problems += [f"{lid}.{name}: {p}" for p in found]
    for lid, function in resources_of(template, FUNCTION).items():
        for name, event in ((function.get("Properties") or {}).get("Events") or {}).items():
            if event.get("Type") != "HttpApi":
                continue
            ev = event.get("Properties") or {}
            api_id = target(ev.get("ApiId")) or ""
            if api_id not in apis:
                problems.append(f"{lid}.{name}: not on an HttpApi of the template")
                continue
            api_auth = (apis[api_id].get("Properties") or {}).get("Auth") or {}
            authorizer = (ev.get("Auth") or {}).get("Authorizer") or api_auth.get(
                "DefaultAuthorizer"
            )
            where = f"{lid}.{name} {ev.get('Path')}"
            route = (ev.get("Method"), ev.get("Path"))
            if route in PUBLIC_ROUTES | APP_ROUTES and authorizer == "NONE":
                continue
            if _is_webhook(ev.get("Path")):
                if authorizer != "NONE":
                    problems.append(f"{where}: webhook route with authorizer {authorizer!r}")
            elif authorizer not in checked[api_id]:
                problems.append(f"{where}: authorizer {authorizer!r}, want the JWT authorizer")
    return problems


CHECKS = {
    "runtime": check_runtime,
    "redrive": check_redrive,
    "dlq_alarms": check_dlq_alarms,
    "function_error_alarms": check_function_error_alarms,
    "log_groups": check_log_groups,
    "least_privilege": check_least_privilege,
    "async_edges": check_async_edges,
    "api_auth": check_api_auth,
}


# --- the real template ----------------------------------------------------------------------------


def test_cfn_lint_finds_nothing():
    settings = yaml.safe_load((ROOT / ".cfnlintrc").read_text(encoding="utf-8"))
    matches = lint_file(
        TEMPLATE,
        config=ManualArgs(
            include_checks=settings.get("include_checks", []),
            regions=settings.get("regions", ["us-east-1"]),
        ),
    )
    assert [str(m) for m in matches] == []


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_template_keeps_convention(template, name):
    assert CHECKS[name](template) == []


def test_stage_sets_log_level_and_retention(template):
    level = template["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_LOG_LEVEL"]
    assert _resolve_for_stage(template, level, "dev") == "DEBUG"
    assert _resolve_for_stage(template, level, "prod") == "INFO"
    for lid, group in resources_of(template, LOG_GROUP).items():
        retention = group["Properties"]["RetentionInDays"]
        assert _resolve_for_stage(template, retention, "dev") == 14, lid
        assert _resolve_for_stage(template, retention, "prod") == 90, lid


def test_secrets_are_not_parameters(template):
    suspicious = [
        name
        for name in template.get("Parameters") or {}
        if any(word in name.lower() for word in ("secret", "token", "password", "apikey"))
    ]
    assert suspicious == []


def test_optional_alert_endpoints_are_conditional(template):
    params = template["Parameters"]
    assert params["AlertEmail"]["Default"] == ""
    assert params["AlertPhone"]["Default"] == ""
    subscriptions = resources_of(template, "AWS::SNS::Subscription")
    for lid, subscription in subscriptions.items():
        endpoint = target(subscription["Properties"]["Endpoint"])
        if endpoint in ("AlertEmail", "AlertPhone"):
            condition = template["Conditions"][subscription.get("Condition", "")]
            assert condition == {"Fn::Not": [{"Fn::Equals": [{"Ref": endpoint}, ""]}]}, lid


def test_outputs_name_the_deployed_resources(template):
    outputs = template["Outputs"]
    for name in (
        "ApiUrl",
        "MentionsTableName",
        "IngestQueueUrl",
        "AlertsTopicArn",
        "UserPoolId",
        "UserPoolClientId",
        "UserPoolIssuer",
    ):
        assert name in outputs
    issuer = _jwt(template)["JwtConfiguration"]["issuer"]
    assert outputs["UserPoolIssuer"]["Value"] == issuer  # what clients see is what is checked


def test_the_team_signs_in_to_an_admin_run_pool(template):
    """Email as username, admin-created accounts only, a real password policy, and a pool
    that survives a prod stack's deletion or replacement like the table."""
    [pool] = resources_of(template, "AWS::Cognito::UserPool").values()
    props = pool["Properties"]
    assert props["UsernameAttributes"] == ["email"]
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    policy = props["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12
    assert all(policy[k] for k in ("RequireLowercase", "RequireUppercase", "RequireNumbers"))
    assert _resolve_for_stage(template, props["DeletionProtection"], "prod") == "ACTIVE"
    assert _resolve_for_stage(template, props["DeletionProtection"], "dev") == "INACTIVE"
    table = template["Resources"]["MentionsTable"]
    assert pool["DeletionPolicy"] == table["DeletionPolicy"] == "Retain"
    assert pool["UpdateReplacePolicy"] == table["UpdateReplacePolicy"] == "Retain"


def test_the_inbox_client_is_public_with_password_srp_and_refresh(template):
    props = template["Resources"]["UserPoolClient"]["Properties"]
    assert props["GenerateSecret"] is False  # a browser and scripts cannot keep a secret
    assert set(props["ExplicitAuthFlows"]) == {
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }
    units = props["TokenValidityUnits"]
    assert (props["IdTokenValidity"], units["IdToken"]) == (60, "minutes")
    assert (props["AccessTokenValidity"], units["AccessToken"]) == (60, "minutes")
    assert (props["RefreshTokenValidity"], units["RefreshToken"]) == (30, "days")


def test_the_web_inbox_client_signs_in_with_the_code_flow_on_the_apis_callback(template):
    """The hosted UI's client: authorization code only (the API function exchanges it with
    PKCE; no implicit flow puts a token in a URL), back to /app/callback of HeardApi."""
    clients = resources_of(template, "AWS::Cognito::UserPoolClient")
    assert set(clients) == {"UserPoolClient", "InboxWebClient"}
    props = clients["InboxWebClient"]["Properties"]
    assert props["AllowedOAuthFlows"] == ["code"] and props["GenerateSecret"] is False
    assert props["ExplicitAuthFlows"] == ["ALLOW_REFRESH_TOKEN_AUTH"]
    [callback] = props["CallbackURLs"]
    assert "${HeardApi}" in json.dumps(callback) and json.dumps(callback).endswith(
        '/app/callback"}'
    )
    env = template["Resources"]["ApiFunction"]["Properties"]["Environment"]["Variables"]
    assert env["INBOX_WEB_CLIENT_NAME"] == {"Fn::Sub": props["ClientName"]["Fn::Sub"]}


# --- the checkers catch what they are for -----------------------------------------------------


def _break(template: dict[str, Any], edit) -> dict[str, Any]:
    broken = copy.deepcopy(template)
    edit(broken)
    return broken


def _set_global(name: str, value: Any):
    return lambda t: t["Globals"]["Function"].__setitem__(name, value)


def _del_prop(lid: str, name: str):
    return lambda t: t["Resources"][lid]["Properties"].pop(name)


def _first(t: dict[str, Any], resource_type: str) -> str:
    return next(iter(resources_of(t, resource_type)))


def _drop_alarm_on(metric: str):
    def edit(t: dict[str, Any]) -> None:
        for lid in [
            lid
            for lid, a in resources_of(t, ALARM).items()
            if a["Properties"]["MetricName"] == metric
        ]:
            del t["Resources"][lid]
            break

    return edit


def _add_statement(statement: dict[str, Any]):
    def edit(t: dict[str, Any]) -> None:
        function = t["Resources"][_first(t, FUNCTION)]["Properties"]
        function.setdefault("Policies", []).append({"Statement": [statement]})

    return edit


def _add_policy(policy: Any):
    def edit(t: dict[str, Any]) -> None:
        function = t["Resources"][_first(t, FUNCTION)]["Properties"]
        function.setdefault("Policies", []).append(policy)

    return edit


def _http_events(t: dict[str, Any], webhook: bool) -> Iterator[dict[str, Any]]:
    for function in resources_of(t, FUNCTION).values():
        for event in (function["Properties"].get("Events") or {}).values():
            props = event["Properties"]
            if event["Type"] == "HttpApi" and _is_webhook(props.get("Path")) == webhook:
                yield props


def _open_management_route(t: dict[str, Any]) -> None:
    next(_http_events(t, webhook=False))["Auth"] = {"Authorizer": "NONE"}


def _iam_management_route(t: dict[str, Any]) -> None:
    next(_http_events(t, webhook=False))["Auth"] = {"Authorizer": "AWS_IAM"}


def _webhook_behind_the_authorizer(t: dict[str, Any]) -> None:
    del next(_http_events(t, webhook=True))["Auth"]


def _no_default_authorizer(t: dict[str, Any]) -> None:
    t["Resources"]["HeardApi"]["Properties"]["Auth"].pop("DefaultAuthorizer")


def _jwt(t: dict[str, Any]) -> dict[str, Any]:
    authorizers = t["Resources"]["HeardApi"]["Properties"]["Auth"]["Authorizers"]
    return next(iter(authorizers.values()))


def _foreign_issuer(t: dict[str, Any]) -> None:
    _jwt(t)["JwtConfiguration"]["issuer"] = "https://issuer.example/"


def _any_audience(t: dict[str, Any]) -> None:
    _jwt(t)["JwtConfiguration"]["audience"] = ["anyone"]


def _token_from_the_query(t: dict[str, Any]) -> None:
    _jwt(t)["IdentitySource"] = "$request.querystring.token"


def _no_redrive(t: dict[str, Any]) -> None:
    for queue in resources_of(t, QUEUE).values():
        queue["Properties"].pop("RedrivePolicy", None)


def _no_retention(t: dict[str, Any]) -> None:
    t["Resources"][_first(t, LOG_GROUP)]["Properties"].pop("RetentionInDays")


def _no_logging_config(t: dict[str, Any]) -> None:
    t["Resources"][_first(t, FUNCTION)]["Properties"].pop("LoggingConfig")


def _schedule_without_dlq(t: dict[str, Any]) -> None:
    for function in resources_of(t, FUNCTION).values():
        for event in (function["Properties"].get("Events") or {}).values():
            if event["Type"] in ("Schedule", "ScheduleV2"):
                event["Properties"].pop("DeadLetterConfig")
                return
    raise AssertionError("no schedule in the template")


BREAKAGES = [
    ("runtime", _set_global("Runtime", "python3.12")),
    ("runtime", _set_global("Architectures", ["x86_64"])),
    ("redrive", _no_redrive),
    ("dlq_alarms", _drop_alarm_on("ApproximateNumberOfMessagesVisible")),
    ("function_error_alarms", _drop_alarm_on("Errors")),
    ("log_groups", _no_retention),
    ("log_groups", _no_logging_config),
    (
        "least_privilege",
        _add_statement({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}),
    ),
    (
        "least_privilege",
        _add_statement(
            {
                "Effect": "Allow",
                "Action": "sqs:*",
                "Resource": {"Fn::GetAtt": ["IngestQueue", "Arn"]},
            }
        ),
    ),
    ("least_privilege", _add_policy({"ComprehendBasicAccessPolicy": {}})),
    ("least_privilege", _add_policy({"SSMParameterReadPolicy": {"ParameterName": "x"}})),
    ("least_privilege", _add_policy({"DynamoDBCrudPolicy": {"TableName": "*"}})),
    ("least_privilege", _add_policy("AmazonDynamoDBFullAccess")),
    ("async_edges", _schedule_without_dlq),
    ("api_auth", _open_management_route),
    ("api_auth", _iam_management_route),
    ("api_auth", _webhook_behind_the_authorizer),
    ("api_auth", _no_default_authorizer),
    ("api_auth", _foreign_issuer),
    ("api_auth", _any_audience),
    ("api_auth", _token_from_the_query),
]


@pytest.mark.parametrize(
    ("name", "edit"), BREAKAGES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(BREAKAGES)]
)
def test_checker_reports_a_broken_template(template, name, edit):
    assert CHECKS[name](template) == []
    assert CHECKS[name](_break(template, edit)) != []


def test_dlq_without_alarm_is_reported_by_name(template):
    def edit(t: dict[str, Any]) -> None:
        t["Resources"]["ExtraDeadLetterQueue"] = {"Type": QUEUE, "Properties": {}}
        t["Resources"]["ExtraQueue"] = {
            "Type": QUEUE,
            "Properties": {
                "RedrivePolicy": {
                    "deadLetterTargetArn": {"Fn::GetAtt": ["ExtraDeadLetterQueue", "Arn"]},
                    "maxReceiveCount": 3,
                },
                "MessageRetentionPeriod": 60,
            },
        }

    problems = check_dlq_alarms(_break(template, edit))
    assert problems == ["ExtraDeadLetterQueue: no alarm on ApproximateNumberOfMessagesVisible > 0"]


def test_alert_claims_outlive_an_invocation_and_expire_before_a_redelivery(template):
    """A live triage invocation can never lose its alert claim; a dead one's claim is free
    by the time SQS redelivers its message (heard.store.CLAIM_TIMEOUT)."""
    from heard.store import CLAIM_TIMEOUT

    function = template["Resources"]["TriageFunction"]
    timeout = function_property(template, function, "Timeout")
    queue = template["Resources"]["IngestQueue"]["Properties"]
    assert timeout < CLAIM_TIMEOUT.total_seconds() < queue["VisibilityTimeout"]
    assert queue["VisibilityTimeout"] >= 6 * timeout  # Lambda's advice for SQS sources


def test_the_default_brand_config_is_valid_and_owns_its_accounts(template):
    from heard.config import parse_config

    text = template["Resources"]["BrandConfigParameter"]["Properties"]["Value"]
    brand = parse_config(text, "BrandConfigParameter").brands[0]
    assert brand.account_ids  # DMs and page comments match by account, not by name


def test_the_reply_function_gives_up_on_the_delivery_that_goes_to_the_dlq(template):
    """REPLY_MAX_ATTEMPTS names the reply queue's maxReceiveCount: the delivery that marks a
    waiting reply failed is the last one before the message moves to the DLQ."""
    function = template["Resources"]["ReplyFunction"]["Properties"]
    queue = template["Resources"]["ReplyQueue"]["Properties"]
    attempts = int(function["Environment"]["Variables"]["REPLY_MAX_ATTEMPTS"])
    assert attempts == queue["RedrivePolicy"]["maxReceiveCount"]
    assert queue["VisibilityTimeout"] >= 6 * function["Timeout"]
    assert function["Events"]["Replies"]["Properties"]["BatchSize"] == 1


def test_only_reply_and_poll_write_secrets_each_its_own_and_the_api_only_queues(template):
    resources = template["Resources"]
    api = json.dumps(resources["ApiFunction"]["Properties"]["Policies"])
    # The API reads one secret, the web inbox's session key, and no platform's.
    secrets = set(re.findall(r'"Ref": "(\w*Secret)"', api))
    assert "ReplyQueue" in api and secrets == {"WebSessionSecret"}
    assert "PutSecretValue" not in api
    writers = [
        lid
        for lid, function in resources_of(template, FUNCTION).items()
        if "secretsmanager:PutSecretValue" in json.dumps(function["Properties"].get("Policies"))
    ]
    assert sorted(writers) == ["PollFunction", "ReplyFunction"]

    def written(lid: str) -> list[object]:
        statements = [
            st
            for policy in resources[lid]["Properties"]["Policies"]
            if isinstance(policy, dict)
            for st in policy.get("Statement", [])
        ]
        return [
            st["Resource"] for st in statements if st["Action"] == "secretsmanager:PutSecretValue"
        ]

    # The reply function renews the X user token; the poll function keeps the Bluesky session.
    assert written("ReplyFunction") == [{"Ref": "XSecret"}]
    assert written("PollFunction") == [{"Ref": "ListenSecret"}]


def test_the_poll_schedule_queue_and_dead_letters_are_wired(template):
    resources = template["Resources"]
    poll = resources["PollFunction"]["Properties"]
    tick = poll["Events"]["Tick"]
    assert tick["Type"] == "ScheduleV2"
    assert tick["Properties"]["ScheduleExpression"] == "rate(1 minute)"
    assert tick["Properties"]["DeadLetterConfig"]["Arn"] == {
        "Fn::GetAtt": ["PollDeadLetterQueue", "Arn"]
    }
    runs = poll["Events"]["Runs"]["Properties"]
    assert runs["Queue"] == {"Fn::GetAtt": ["PollQueue", "Arn"]} and runs["BatchSize"] == 1
    queue = resources["PollQueue"]["Properties"]
    # A run in flight keeps its message invisible: at least six times the function's timeout.
    assert queue["VisibilityTimeout"] >= 6 * poll["Timeout"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["PollDeadLetterQueue", "Arn"]
    }
    alarmed = {
        json.dumps(r["Properties"].get("Dimensions"))
        for r in resources.values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }
    assert any("PollDeadLetterQueue" in d for d in alarmed)
    assert any("PollFunction" in d for d in alarmed)
    state = resources["PollStateTable"]["Properties"]
    assert state["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
