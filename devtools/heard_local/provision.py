"""Create in moto every resource template.yaml declares that moto can hold, and read the rest.

One source of truth: the local stack and the tests build their AWS resources from the real
template, so a table key or a queue's redrive policy cannot drift between AWS and the tests.
Tables, queues, topics, subscriptions, parameters, secrets, log groups and Cognito user pools
(with their app clients and groups) are created; functions are read into ``FunctionSpec`` (code,
handler, resolved environment, event sources) so the local stack can invoke them in-process, and
the HTTP APIs' JWT authorizers into ``JwtAuthorizerSpec`` so the local API checks tokens as API
Gateway does. Roles, alarms and the layer have no local meaning.
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets as _secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import boto3

from heard_local.defaults import ACCOUNT_ID, REGION, STACK_NAME
from heard_local.template import Resolver, TemplateError, load_template, references

log = logging.getLogger(__name__)

CREATED_TYPES = (
    "AWS::DynamoDB::Table",
    "AWS::SQS::Queue",
    "AWS::SNS::Topic",
    "AWS::SNS::Subscription",
    "AWS::SSM::Parameter",
    "AWS::SecretsManager::Secret",
    "AWS::Logs::LogGroup",
    "AWS::Cognito::UserPool",
    "AWS::Cognito::UserPoolClient",
    "AWS::Cognito::UserPoolGroup",
)
# Protocols moto can deliver to on loopback; email/SMS subscriptions are recorded, not created.
_LOCAL_PROTOCOLS = {"sqs"}
_FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")


class HttpRoute(NamedTuple):
    method: str  # "GET", "POST", ..., or "ANY"
    path: str  # "/mentions/{id}"
    auth: str | None  # an authorizer of the API ("CognitoAuthorizer"), "AWS_IAM" or None
    scopes: tuple[str, ...] = ()  # AuthorizationScopes the route asks of a JWT


class JwtAuthorizerSpec(NamedTuple):
    """A JWT authorizer of an HttpApi, its intrinsics resolved (issuer, audience)."""

    name: str
    issuer: str
    audience: tuple[str, ...]
    identity_source: str = "$request.header.Authorization"
    scopes: tuple[str, ...] = ()  # the authorizer's default AuthorizationScopes


class SqsSource(NamedTuple):
    queue: str  # logical id of the queue
    batch_size: int
    batching_window: int  # MaximumBatchingWindowInSeconds
    report_batch_item_failures: bool


class ScheduleSpec(NamedTuple):
    expression: str  # "rate(5 minutes)" or "cron(...)"
    input: Any  # the event Input (parsed JSON) or None
    name: str  # logical id of the event


@dataclass
class FunctionSpec:
    logical_id: str
    code_dir: Path
    handler: str
    environment: dict[str, str]
    http_routes: list[HttpRoute] = field(default_factory=list)
    sqs: list[SqsSource] = field(default_factory=list)
    schedules: list[ScheduleSpec] = field(default_factory=list)
    timeout: int = 3
    memory_size: int = 128


@dataclass
class SubscriptionSpec:
    """A template subscription; ``arn`` is None when it was only recorded (email, SMS)."""

    logical_id: str
    topic_arn: str
    protocol: str
    endpoint: str
    filter_policy: dict[str, Any] | None
    arn: str | None = None


@dataclass
class Stack:
    endpoint_url: str
    region: str
    stack_name: str
    template_path: Path
    refs: dict[str, Any] = field(default_factory=dict)
    attrs: dict[tuple[str, str], Any] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)  # logical id -> resource type (created)
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    subscriptions: list[SubscriptionSpec] = field(default_factory=list)
    authorizers: dict[str, JwtAuthorizerSpec] = field(default_factory=dict)  # by name
    outputs: dict[str, Any] = field(default_factory=dict)

    def logical_ids(self, resource_type: str) -> list[str]:
        return [lid for lid, rtype in self.types.items() if rtype == resource_type]

    def client(self, service: str) -> Any:
        """A boto3 client for this stack's moto (dummy credentials)."""
        return boto3.client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def queue_url(self, logical_id: str) -> str:
        return self.refs[logical_id]

    def queue_arn(self, logical_id: str) -> str:
        return self.attrs[(logical_id, "Arn")]

    def table_name(self, logical_id: str) -> str:
        return self.refs[logical_id]

    def topic_arn(self, logical_id: str) -> str:
        return self.refs[logical_id]

    def queue_for_arn(self, arn: str) -> str:
        """Logical id of the queue with this ARN."""
        for lid in self.logical_ids("AWS::SQS::Queue"):
            if self.attrs[(lid, "Arn")] == arn:
                return lid
        raise KeyError(arn)

    def outputs_for_local_json(self) -> dict[str, Any]:
        """Physical names of everything created, for ``.heard/local.json`` and its readers."""

        def names(resource_type: str) -> dict[str, Any]:
            return {lid: self.refs[lid] for lid in self.logical_ids(resource_type)}

        return {
            "aws_endpoint_url": self.endpoint_url,
            "region": self.region,
            "stack_name": self.stack_name,
            "tables": names("AWS::DynamoDB::Table"),
            "queues": names("AWS::SQS::Queue"),
            "queue_arns": {
                lid: self.attrs[(lid, "Arn")] for lid in self.logical_ids("AWS::SQS::Queue")
            },
            "topics": names("AWS::SNS::Topic"),
            "secrets": names("AWS::SecretsManager::Secret"),
            "parameters": names("AWS::SSM::Parameter"),
            "log_groups": names("AWS::Logs::LogGroup"),
            "user_pools": names("AWS::Cognito::UserPool"),
            "user_pool_clients": names("AWS::Cognito::UserPoolClient"),
            "outputs": self.outputs,
        }


def physical_name(stack_name: str, logical_id: str, max_length: int = 80) -> str:
    """``{stack}-{LogicalId}-{SUFFIX}`` like CloudFormation, trimmed to the service's limit."""
    suffix = "".join(_secrets.choice(string.ascii_uppercase + string.digits) for _ in range(12))
    head = f"{stack_name}-{logical_id}"[: max_length - len(suffix) - 1]
    return f"{head}-{suffix}"


def _creation_order(resources: Mapping[str, Any]) -> list[str]:
    """Created resources in dependency order (Ref/GetAtt/Sub/DependsOn), stable otherwise."""
    wanted = [lid for lid, r in resources.items() if r.get("Type") in CREATED_TYPES]
    deps: dict[str, set[str]] = {}
    for lid in wanted:
        resource = resources[lid]
        found = references(resource.get("Properties") or {})
        depends = resource.get("DependsOn") or []
        found |= {depends} if isinstance(depends, str) else set(depends)
        deps[lid] = {d for d in found if d in wanted and d != lid}
    order: list[str] = []
    visiting: set[str] = set()

    def visit(lid: str) -> None:
        if lid in order:
            return
        if lid in visiting:
            raise TemplateError(f"circular dependency through {lid}")
        visiting.add(lid)
        for dep in sorted(deps[lid]):
            visit(dep)
        visiting.discard(lid)
        order.append(lid)

    for lid in wanted:
        visit(lid)
    return order


class _Provisioner:
    def __init__(self, stack: Stack, template: dict[str, Any], resolver: Resolver):
        self.stack = stack
        self.template = template
        self.resolver = resolver
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.stack.client(service)
        return self._clients[service]

    def run(self) -> None:
        resources = self.template["Resources"]
        # Resources that are read, not created, still answer Ref (e.g. an env var naming them).
        for lid, resource in resources.items():
            if resource.get("Type") not in CREATED_TYPES:
                self.stack.refs.setdefault(lid, f"{self.stack.stack_name}-{lid}-local")
        for lid in _creation_order(resources):
            resource = resources[lid]
            if not self.resolver.is_enabled(resource):
                log.debug("skipping %s: condition %s is false", lid, resource.get("Condition"))
                continue
            props = self.resolver.resolve(resource.get("Properties") or {}) or {}
            rtype = resource["Type"]
            getattr(self, "_" + rtype.split("::", 1)[1].replace("::", "_").lower())(lid, props)
            if rtype != "AWS::SNS::Subscription" or lid in self.stack.refs:
                self.stack.types[lid] = rtype
        for lid, resource in resources.items():
            kind = resource.get("Type")
            if kind == "AWS::Serverless::HttpApi" and self.resolver.is_enabled(resource):
                self._http_api_authorizers(lid, resource)
            if kind in _FUNCTION_TYPES and self.resolver.is_enabled(resource):
                self.stack.functions[lid] = self._function(lid, resource)
        for name, output in (self.template.get("Outputs") or {}).items():
            if self.resolver.is_enabled(output):
                try:
                    self.stack.outputs[name] = self.resolver.resolve(output.get("Value"))
                except TemplateError:
                    continue

    # --- created resources --------------------------------------------------------------------

    def _dynamodb_table(self, lid: str, props: dict[str, Any]) -> None:
        name = props.get("TableName") or physical_name(self.stack.stack_name, lid, 255)
        kwargs: dict[str, Any] = {
            "TableName": name,
            "KeySchema": props["KeySchema"],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "BillingMode": props.get("BillingMode", "PROVISIONED"),
        }
        if kwargs["BillingMode"] == "PROVISIONED":
            kwargs["ProvisionedThroughput"] = props.get(
                "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
            )
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes", "StreamSpecification"):
            if props.get(key):
                kwargs[key] = props[key]
        ddb = self.client("dynamodb")
        description = ddb.create_table(**kwargs)["TableDescription"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        self.stack.refs[lid] = name
        self.stack.attrs[(lid, "Arn")] = description["TableArn"]
        if description.get("LatestStreamArn"):
            self.stack.attrs[(lid, "StreamArn")] = description["LatestStreamArn"]

    _SQS_ATTRIBUTES = {
        "DelaySeconds",
        "MaximumMessageSize",
        "MessageRetentionPeriod",
        "ReceiveMessageWaitTimeSeconds",
        "VisibilityTimeout",
        "FifoQueue",
        "ContentBasedDeduplication",
        "DeduplicationScope",
        "FifoThroughputLimit",
        "KmsMasterKeyId",
        "KmsDataKeyReusePeriodSeconds",
        "SqsManagedSseEnabled",
        "RedrivePolicy",
        "RedriveAllowPolicy",
    }

    def _sqs_queue(self, lid: str, props: dict[str, Any]) -> None:
        fifo = str(props.get("FifoQueue", "false")).lower() == "true"
        name = props.get("QueueName") or physical_name(
            self.stack.stack_name, lid, 75 if fifo else 80
        ) + (".fifo" if fifo else "")
        attributes: dict[str, str] = {}
        for key, value in props.items():
            if key not in self._SQS_ATTRIBUTES:
                continue
            if isinstance(value, dict):
                value = json.dumps(value)
            elif isinstance(value, bool):
                value = str(value).lower()
            attributes[key] = str(value)
        sqs = self.client("sqs")
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
        self.stack.refs[lid] = url
        self.stack.attrs[(lid, "QueueName")] = name
        self.stack.attrs[(lid, "QueueUrl")] = url
        self.stack.attrs[(lid, "Arn")] = arn["QueueArn"]

    def _sns_topic(self, lid: str, props: dict[str, Any]) -> None:
        fifo = str(props.get("FifoTopic", "false")).lower() == "true"
        name = props.get("TopicName") or physical_name(
            self.stack.stack_name, lid, 251 if fifo else 256
        ) + (".fifo" if fifo else "")
        attributes = {"DisplayName": props["DisplayName"]} if props.get("DisplayName") else {}
        if fifo:
            attributes["FifoTopic"] = "true"
        arn = self.client("sns").create_topic(Name=name, Attributes=attributes)["TopicArn"]
        self.stack.refs[lid] = arn
        self.stack.attrs[(lid, "TopicArn")] = arn
        self.stack.attrs[(lid, "TopicName")] = name
        for sub in props.get("Subscription") or []:
            self._subscribe(f"{lid}/inline", arn, sub["Protocol"], sub["Endpoint"], None, {})

    def _sns_subscription(self, lid: str, props: dict[str, Any]) -> None:
        extra: dict[str, str] = {
            key: json.dumps(props[key]) if isinstance(props[key], dict) else str(props[key])
            for key in ("FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy")
            if key in props
        }
        self._subscribe(
            lid,
            props["TopicArn"],
            props["Protocol"],
            props["Endpoint"],
            props.get("FilterPolicy"),
            extra,
        )

    def _subscribe(
        self,
        lid: str,
        topic_arn: str,
        protocol: str,
        endpoint: str,
        filter_policy: dict[str, Any] | None,
        extra: dict[str, str],
    ) -> None:
        spec = SubscriptionSpec(lid, topic_arn, protocol, endpoint, filter_policy)
        if protocol in _LOCAL_PROTOCOLS:
            attributes = dict(extra)
            if filter_policy:
                attributes["FilterPolicy"] = json.dumps(filter_policy)
            spec.arn = self.client("sns").subscribe(
                TopicArn=topic_arn,
                Protocol=protocol,
                Endpoint=endpoint,
                Attributes=attributes,
                ReturnSubscriptionArn=True,
            )["SubscriptionArn"]
            self.stack.refs[lid] = spec.arn
        else:
            log.debug("%s: %s subscription to %s recorded, not created", lid, protocol, endpoint)
        self.stack.subscriptions.append(spec)

    def _ssm_parameter(self, lid: str, props: dict[str, Any]) -> None:
        name = props.get("Name") or physical_name(self.stack.stack_name, lid, 1011)
        kwargs: dict[str, Any] = {"Name": name, "Type": props["Type"], "Value": props["Value"]}
        for key in ("Description", "AllowedPattern", "Tier", "DataType"):
            if props.get(key):
                kwargs[key] = props[key]
        self.client("ssm").put_parameter(**kwargs)
        self.stack.refs[lid] = name
        self.stack.attrs[(lid, "Type")] = props["Type"]
        self.stack.attrs[(lid, "Value")] = props["Value"]

    def _secretsmanager_secret(self, lid: str, props: dict[str, Any]) -> None:
        name = props.get("Name") or physical_name(self.stack.stack_name, lid, 256)
        if "SecretString" in props:
            value = props["SecretString"]
        else:
            value = generate_secret_string(props.get("GenerateSecretString") or {})
        kwargs: dict[str, Any] = {"Name": name, "SecretString": value}
        if props.get("Description"):
            kwargs["Description"] = props["Description"]
        arn = self.client("secretsmanager").create_secret(**kwargs)["ARN"]
        self.stack.refs[lid] = arn
        self.stack.attrs[(lid, "Id")] = arn

    def _logs_loggroup(self, lid: str, props: dict[str, Any]) -> None:
        name = props.get("LogGroupName") or physical_name(self.stack.stack_name, lid, 512)
        try:
            logs = self.client("logs")
            logs.create_log_group(logGroupName=name)
            if props.get("RetentionInDays"):
                logs.put_retention_policy(
                    logGroupName=name, retentionInDays=int(props["RetentionInDays"])
                )
        except Exception as exc:  # moto without the logs backend: the name still resolves
            log.info("log group %s not created locally: %s", name, exc)
        self.stack.refs[lid] = name
        self.stack.attrs[(lid, "Arn")] = (
            f"arn:aws:logs:{self.stack.region}:{ACCOUNT_ID}:log-group:{name}:*"
        )

    # Cognito: CloudFormation's properties are the API's parameters, bar the pool's name.
    _USER_POOL_PARAMETERS = {
        "Policies",
        "DeletionProtection",
        "LambdaConfig",
        "AutoVerifiedAttributes",
        "AliasAttributes",
        "UsernameAttributes",
        "VerificationMessageTemplate",
        "MfaConfiguration",
        "UserAttributeUpdateSettings",
        "DeviceConfiguration",
        "EmailConfiguration",
        "SmsConfiguration",
        "UserPoolTags",
        "AdminCreateUserConfig",
        "Schema",
        "UserPoolAddOns",
        "UsernameConfiguration",
        "AccountRecoverySetting",
    }
    _CLIENT_PARAMETERS = {
        "ClientName",
        "GenerateSecret",
        "RefreshTokenValidity",
        "AccessTokenValidity",
        "IdTokenValidity",
        "TokenValidityUnits",
        "ReadAttributes",
        "WriteAttributes",
        "ExplicitAuthFlows",
        "SupportedIdentityProviders",
        "CallbackURLs",
        "LogoutURLs",
        "DefaultRedirectURI",
        "AllowedOAuthFlows",
        "AllowedOAuthScopes",
        "AllowedOAuthFlowsUserPoolClient",
        "PreventUserExistenceErrors",
        "EnableTokenRevocation",
        "EnablePropagateAdditionalUserContextData",
        "AuthSessionValidity",
    }

    def _cognito_userpool(self, lid: str, props: dict[str, Any]) -> None:
        name = props.get("UserPoolName") or physical_name(self.stack.stack_name, lid, 128)
        kwargs = {k: v for k, v in props.items() if k in self._USER_POOL_PARAMETERS}
        pool = self.client("cognito-idp").create_user_pool(PoolName=name, **kwargs)["UserPool"]
        provider = f"cognito-idp.{self.stack.region}.amazonaws.com/{pool['Id']}"
        self.stack.refs[lid] = pool["Id"]
        self.stack.attrs[(lid, "UserPoolId")] = pool["Id"]
        self.stack.attrs[(lid, "Arn")] = pool["Arn"]
        self.stack.attrs[(lid, "ProviderName")] = provider
        self.stack.attrs[(lid, "ProviderURL")] = f"https://{provider}"

    def _cognito_userpoolclient(self, lid: str, props: dict[str, Any]) -> None:
        kwargs = {k: v for k, v in props.items() if k in self._CLIENT_PARAMETERS}
        kwargs.setdefault("ClientName", physical_name(self.stack.stack_name, lid, 128))
        client = self.client("cognito-idp").create_user_pool_client(
            UserPoolId=props["UserPoolId"], **kwargs
        )["UserPoolClient"]
        self.stack.refs[lid] = client["ClientId"]
        self.stack.attrs[(lid, "ClientId")] = client["ClientId"]
        self.stack.attrs[(lid, "Name")] = client["ClientName"]
        if client.get("ClientSecret"):
            self.stack.attrs[(lid, "ClientSecret")] = client["ClientSecret"]

    def _cognito_userpoolgroup(self, lid: str, props: dict[str, Any]) -> None:
        name = props.get("GroupName") or physical_name(self.stack.stack_name, lid, 128)
        kwargs = {k: props[k] for k in ("Description", "Precedence") if k in props}
        self.client("cognito-idp").create_group(
            UserPoolId=props["UserPoolId"], GroupName=name, **kwargs
        )
        self.stack.refs[lid] = name

    # --- the HTTP API's authorizers (read, not created) ---------------------------------------

    def _http_api_authorizers(self, lid: str, resource: dict[str, Any]) -> None:
        auth = (resource.get("Properties") or {}).get("Auth") or {}
        for name, authorizer in (auth.get("Authorizers") or {}).items():
            jwt = self.resolver.resolve(authorizer.get("JwtConfiguration"))
            if not jwt:
                log.debug("%s.%s: not a JWT authorizer; not emulated", lid, name)
                continue
            jwt = {k.lower(): v for k, v in jwt.items()}
            audience = jwt.get("audience") or []
            self.stack.authorizers[name] = JwtAuthorizerSpec(
                name=name,
                issuer=str(jwt.get("issuer") or ""),
                audience=tuple(str(a) for a in audience),
                identity_source=str(
                    self.resolver.resolve(authorizer.get("IdentitySource"))
                    or "$request.header.Authorization"
                ),
                scopes=tuple(self.resolver.resolve(authorizer.get("AuthorizationScopes")) or ()),
            )

    # --- functions (read, not created) --------------------------------------------------------

    def _function(self, lid: str, resource: dict[str, Any]) -> FunctionSpec:
        globals_ = ((self.template.get("Globals") or {}).get("Function")) or {}
        raw = {**globals_, **(resource.get("Properties") or {})}
        variables = {
            **(((globals_.get("Environment") or {}).get("Variables")) or {}),
            **(
                (((resource.get("Properties") or {}).get("Environment") or {}).get("Variables"))
                or {}
            ),
        }
        environment = {k: _env_str(self.resolver.resolve(v)) for k, v in variables.items()}
        code_uri = self.resolver.resolve(raw.get("CodeUri", "."))
        if not isinstance(code_uri, str):
            raise TemplateError(f"{lid}: CodeUri must be a local folder for the local stack")
        spec = FunctionSpec(
            logical_id=lid,
            code_dir=(self.stack.template_path.parent / code_uri).resolve(),
            handler=self.resolver.resolve(raw.get("Handler", "app.handler")),
            environment=environment,
            timeout=int(self.resolver.resolve(raw.get("Timeout", 3))),
            memory_size=int(self.resolver.resolve(raw.get("MemorySize", 128))),
        )
        for event_name, event in (raw.get("Events") or {}).items():
            kind = event.get("Type")
            props = event.get("Properties") or {}
            if kind == "HttpApi":
                own = props.get("Auth") or {}
                auth = own.get("Authorizer") or self._default_auth(props)
                auth = None if auth in (None, "NONE") else auth
                scopes = self.resolver.resolve(own.get("AuthorizationScopes")) or ()
                if auth in self.stack.authorizers and not scopes:
                    scopes = self.stack.authorizers[auth].scopes
                spec.http_routes.append(
                    HttpRoute(
                        str(self.resolver.resolve(props.get("Method", "ANY"))).upper(),
                        self.resolver.resolve(props.get("Path", "/{proxy+}")),
                        auth,
                        tuple(scopes) if auth not in (None, "AWS_IAM") else (),
                    )
                )
            elif kind == "SQS":
                arn = self.resolver.resolve(props["Queue"])
                spec.sqs.append(
                    SqsSource(
                        self.stack.queue_for_arn(arn),
                        int(props.get("BatchSize", 10)),
                        int(props.get("MaximumBatchingWindowInSeconds", 0)),
                        "ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
                    )
                )
            elif kind in ("Schedule", "ScheduleV2"):
                if str(self.resolver.resolve(props.get("Enabled", True))).lower() == "false":
                    continue
                if props.get("State") == "DISABLED":
                    continue
                expression = props.get("Schedule") or props.get("ScheduleExpression")
                payload = self.resolver.resolve(props.get("Input"))
                if isinstance(payload, str):
                    with contextlib.suppress(ValueError):
                        payload = json.loads(payload)
                spec.schedules.append(
                    ScheduleSpec(self.resolver.resolve(expression), payload, event_name)
                )
        return spec

    def _default_auth(self, props: dict[str, Any]) -> str | None:
        api_ref = props.get("ApiId")
        api_id = api_ref.get("Ref") if isinstance(api_ref, dict) else None
        api = self.template["Resources"].get(api_id or "", {})
        return ((api.get("Properties") or {}).get("Auth") or {}).get("DefaultAuthorizer")


def _env_str(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return "" if value is None else str(value)


def generate_secret_string(spec: Mapping[str, Any]) -> str:
    """A value per CloudFormation's ``GenerateSecretString`` (length, exclusions, template)."""
    alphabet = string.ascii_letters + string.digits
    if not spec.get("ExcludePunctuation"):
        alphabet += "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
    if spec.get("ExcludeUppercase"):
        alphabet = "".join(c for c in alphabet if not c.isupper())
    if spec.get("ExcludeLowercase"):
        alphabet = "".join(c for c in alphabet if not c.islower())
    if spec.get("ExcludeNumbers"):
        alphabet = "".join(c for c in alphabet if not c.isdigit())
    excluded = set(spec.get("ExcludeCharacters", ""))
    alphabet = "".join(c for c in alphabet if c not in excluded)
    if spec.get("IncludeSpace"):
        alphabet += " "
    value = "".join(_secrets.choice(alphabet) for _ in range(int(spec.get("PasswordLength", 32))))
    template = spec.get("SecretStringTemplate")
    key = spec.get("GenerateStringKey")
    if template is not None and key:
        data = json.loads(template)
        data[key] = value
        return json.dumps(data)
    return value


def provision(
    template_path: str | Path,
    endpoint_url: str,
    *,
    region: str = REGION,
    stack_name: str = STACK_NAME,
    parameters: Mapping[str, Any] | None = None,
) -> Stack:
    """Create the template's resources in the moto server at ``endpoint_url``; read the rest."""
    template_path = Path(template_path).resolve()
    template = load_template(template_path)
    stack = Stack(
        endpoint_url=endpoint_url,
        region=region,
        stack_name=stack_name,
        template_path=template_path,
    )
    resolver = Resolver(
        template,
        region=region,
        account_id=ACCOUNT_ID,
        stack_name=stack_name,
        parameters=parameters,
        refs=stack.refs,
        attrs=stack.attrs,
    )
    _Provisioner(stack, template, resolver).run()
    return stack
