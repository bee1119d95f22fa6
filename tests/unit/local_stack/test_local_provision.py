"""Provisioning creates in moto what template.yaml declares, with the template's own settings."""

from __future__ import annotations

import json
from pathlib import Path

from heard_local.defaults import DEMO_USERS
from heard_local.people import create_demo_users, sign_in, sign_in_target
from heard_local.provision import (
    JwtAuthorizerSpec,
    Stack,
    generate_secret_string,
    physical_name,
    provision,
)
from heard_local.template import load_template

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "template.yaml"


def test_table_has_the_template_keys_indexes_and_ttl(stack: Stack) -> None:
    ddb = stack.client("dynamodb")
    declared = load_template(TEMPLATE)["Resources"]["MentionsTable"]["Properties"]
    table = ddb.describe_table(TableName=stack.table_name("MentionsTable"))["Table"]
    assert table["KeySchema"] == declared["KeySchema"]
    assert {i["IndexName"]: i["KeySchema"] for i in table["GlobalSecondaryIndexes"]} == {
        i["IndexName"]: i["KeySchema"] for i in declared["GlobalSecondaryIndexes"]
    }
    assert table["BillingModeSummary"]["BillingMode"] == declared["BillingMode"]
    ttl = ddb.describe_time_to_live(TableName=stack.table_name("MentionsTable"))
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"
    assert ttl["TimeToLiveDescription"]["TimeToLiveStatus"] == "ENABLED"


def test_queue_redrives_to_its_dead_letter_queue(stack: Stack) -> None:
    attributes = stack.client("sqs").get_queue_attributes(
        QueueUrl=stack.queue_url("IngestQueue"), AttributeNames=["All"]
    )["Attributes"]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == stack.queue_arn("IngestDeadLetterQueue")
    declared = load_template(stack.template_path)["Resources"]["IngestQueue"]["Properties"]
    assert int(redrive["maxReceiveCount"]) == declared["RedrivePolicy"]["maxReceiveCount"]
    assert attributes["VisibilityTimeout"] == str(declared["VisibilityTimeout"])


def test_names_follow_cloudformation_and_stack(stack: Stack) -> None:
    topic = stack.attrs[("AlertsTopic", "TopicName")]
    assert topic.startswith(f"{stack.stack_name}-AlertsTopic-")
    # One moto server serves the whole session: list every page, not only the first 100.
    pages = stack.client("sns").get_paginator("list_topics").paginate()
    arns = [t["TopicArn"] for page in pages for t in page["Topics"]]
    assert stack.topic_arn("AlertsTopic") in arns
    assert len(physical_name("s" * 100, "Queue", 80)) == 80


def test_secrets_and_parameter_exist(stack: Stack) -> None:
    value = stack.client("secretsmanager").get_secret_value(SecretId=stack.refs["XSecret"])
    assert len(json.loads(value["SecretString"])["consumer_secret"]) == 32
    parameter = stack.client("ssm").get_parameter(Name=stack.refs["BrandConfigParameter"])
    assert "Acme" in parameter["Parameter"]["Value"]


def test_functions_are_read_with_resolved_environment(stack: Stack) -> None:
    webhook = stack.functions["WebhookFunction"]
    assert webhook.code_dir == ROOT / "functions" / "webhook"
    assert webhook.handler == "app.handler"
    assert webhook.environment["INGEST_QUEUE_URL"] == stack.queue_url("IngestQueue")
    assert webhook.environment["POWERTOOLS_SERVICE_NAME"] == "heard"  # from Globals
    assert ("POST", "/webhooks/{platform}", None, ()) in webhook.http_routes  # Authorizer: NONE
    api = stack.functions["ApiFunction"]
    # The API's DefaultAuthorizer, which the event does not name.
    assert ("GET", "/mentions/{id}", "CognitoAuthorizer", ()) in api.http_routes
    assert ("GET", "/me", "CognitoAuthorizer", ()) in api.http_routes
    (source,) = stack.functions["TriageFunction"].sqs
    assert source.queue == "IngestQueue"
    assert source.report_batch_item_failures is True


def test_user_pool_client_and_group_follow_the_template(stack: Stack) -> None:
    declared = load_template(TEMPLATE)["Resources"]
    cognito = stack.client("cognito-idp")
    pool_id = stack.refs["UserPool"]
    pool = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    props = declared["UserPool"]["Properties"]
    assert pool["Name"] == f"{stack.stack_name}-people"
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["Policies"] == props["Policies"]
    assert pool["DeletionProtection"] == "INACTIVE"  # Stage dev
    client = cognito.describe_user_pool_client(
        UserPoolId=pool_id, ClientId=stack.refs["UserPoolClient"]
    )["UserPoolClient"]
    client_props = declared["UserPoolClient"]["Properties"]
    assert "ClientSecret" not in client
    assert client["ExplicitAuthFlows"] == client_props["ExplicitAuthFlows"]
    assert client["TokenValidityUnits"] == client_props["TokenValidityUnits"]
    groups = cognito.list_groups(UserPoolId=pool_id)["Groups"]
    assert [g["GroupName"] for g in groups] == ["managers"]
    assert stack.attrs[("UserPool", "ProviderURL")] == (
        f"https://cognito-idp.{stack.region}.amazonaws.com/{pool_id}"
    )


def test_the_jwt_authorizer_is_read_with_its_issuer_and_audience(stack: Stack) -> None:
    pool_id = stack.refs["UserPool"]
    issuer = f"https://cognito-idp.{stack.region}.amazonaws.com/{pool_id}"
    assert stack.authorizers == {
        "CognitoAuthorizer": JwtAuthorizerSpec(
            "CognitoAuthorizer",
            issuer,
            (stack.refs["UserPoolClient"],),
            "$request.header.Authorization",
        )
    }
    assert stack.outputs["UserPoolIssuer"] == issuer
    target = sign_in_target(stack)
    assert target is not None
    assert (target.user_pool_id, target.client_id) == (pool_id, stack.refs["UserPoolClient"])


def test_demo_users_are_created_confirmed_in_their_groups_and_sign_in(stack: Stack) -> None:
    target = create_demo_users(stack)
    assert target is not None
    cognito = stack.client("cognito-idp")
    for user in DEMO_USERS:
        found = cognito.admin_get_user(UserPoolId=target.user_pool_id, Username=user.username)
        assert found["UserStatus"] == "CONFIRMED"
        attributes = {a["Name"]: a["Value"] for a in found["UserAttributes"]}
        assert (attributes["email"], attributes["name"]) == (user.username, user.name)
        groups = cognito.admin_list_groups_for_user(
            UserPoolId=target.user_pool_id, Username=user.username
        )["Groups"]
        assert tuple(g["GroupName"] for g in groups) == user.groups
        tokens = sign_in(cognito, target.client_id, user.username, user.password)
        assert {"IdToken", "AccessToken", "RefreshToken"} <= set(tokens)
    assert any("managers" in u.groups for u in DEMO_USERS)
    assert any(not u.groups for u in DEMO_USERS)


def test_local_json_names_everything(stack: Stack) -> None:
    out = stack.outputs_for_local_json()
    assert out["tables"]["MentionsTable"] == stack.table_name("MentionsTable")
    assert set(out["queues"]) >= {"IngestQueue", "IngestDeadLetterQueue"}
    assert out["topics"]["AlertsTopic"] == stack.topic_arn("AlertsTopic")
    assert out["outputs"]["MentionsTableName"] == stack.table_name("MentionsTable")
    assert out["user_pools"] == {"UserPool": stack.refs["UserPool"]}
    assert out["user_pool_clients"] == {
        "UserPoolClient": stack.refs["UserPoolClient"],
        "InboxWebClient": stack.refs["InboxWebClient"],
    }


def test_subscriptions_follow_conditions(moto_server: str) -> None:
    plain = provision(TEMPLATE, moto_server, stack_name="conds")
    assert not [s for s in plain.subscriptions if s.protocol in ("email", "sms")]
    stack = provision(
        TEMPLATE, moto_server, stack_name="conds", parameters={"AlertEmail": "ops@example.com"}
    )
    email = {s.logical_id: s for s in stack.subscriptions}["AlertEmailSubscription"]
    assert email.arn is None  # recorded with its filter policy, not created locally
    assert email.endpoint == "ops@example.com"
    assert email.filter_policy == {
        "$or": [{"severity": ["high", "critical"]}, {"kind": ["digest"]}]
    }
    assert not [s for s in stack.subscriptions if s.protocol == "sms"]


def test_dependency_order_creates_dlq_first(tmp_path: Path, moto_server: str) -> None:
    (tmp_path / "t.yaml").write_text(
        """
Resources:
  A:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy: {deadLetterTargetArn: !GetAtt Z.Arn, maxReceiveCount: 2}
  Z:
    Type: AWS::SQS::Queue
  Sub:
    Type: AWS::SNS::Subscription
    Properties: {TopicArn: !Ref T, Protocol: sqs, Endpoint: !GetAtt A.Arn}
  T:
    Type: AWS::SNS::Topic
"""
    )
    stack = provision(tmp_path / "t.yaml", moto_server, stack_name="order")
    assert stack.refs["Sub"].startswith(stack.topic_arn("T"))


def test_generated_secret_follows_the_spec() -> None:
    value = json.loads(
        generate_secret_string(
            {
                "SecretStringTemplate": '{"user": "u"}',
                "GenerateStringKey": "password",
                "PasswordLength": 20,
                "ExcludePunctuation": True,
            }
        )
    )
    assert value["user"] == "u"
    assert len(value["password"]) == 20
    assert value["password"].isalnum()
