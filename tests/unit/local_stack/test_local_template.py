"""The loader reads short-form tags; the resolver evaluates intrinsics like CloudFormation."""

from __future__ import annotations

from pathlib import Path

import pytest
from heard_local.template import (
    Resolver,
    TemplateError,
    UnresolvedReference,
    load_template,
    references,
)

ROOT = Path(__file__).resolve().parents[3]

SAMPLE = """
Parameters:
  Stage: {Type: String, Default: dev, AllowedValues: [dev, prod]}
  Email: {Type: String, Default: ""}
Conditions:
  HasEmail: !Not [!Equals [!Ref Email, ""]]
  IsProd: !Equals [!Ref Stage, prod]
  Both: !And [!Condition HasEmail, !Condition IsProd]
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt Dlq.Arn
      Name: !Sub "${AWS::StackName}-q-${Stage}"
      Level: !If [IsProd, INFO, DEBUG]
      Pick: !Select [1, [a, b, c]]
      Joined: !Join [",", [a, !Ref Stage]]
      Split: !Split ["/", "x/y"]
      Url: !Sub "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}"
      Literal: !Sub "${!NotAVar}"
      WithVars: !Sub ["${A}-${B}", {A: !Ref Stage, B: !GetAtt Dlq.QueueName}]
      Maybe: !If [HasEmail, !Ref Email, !Ref AWS::NoValue]
      Account: !Sub "${AWS::AccountId}:${AWS::Partition}"
  Dlq:
    Type: AWS::SQS::Queue
"""


@pytest.fixture
def template(tmp_path: Path) -> dict:
    path = tmp_path / "t.yaml"
    path.write_text(SAMPLE)
    return load_template(path)


def test_short_tags_become_long_form(template: dict) -> None:
    props = template["Resources"]["Queue"]["Properties"]
    assert props["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["Dlq", "Arn"]}
    assert props["Level"] == {"Fn::If": ["IsProd", "INFO", "DEBUG"]}
    assert template["Conditions"]["HasEmail"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "Email"}, ""]}]
    }
    assert template["Conditions"]["Both"] == {
        "Fn::And": [{"Condition": "HasEmail"}, {"Condition": "IsProd"}]
    }


def _resolver(template: dict, **parameters: str) -> Resolver:
    return Resolver(
        template,
        region="eu-west-1",
        stack_name="s1",
        parameters=parameters,
        refs={"Api": "abc123", "Dlq": "https://q/dlq"},
        attrs={
            ("Dlq", "Arn"): "arn:aws:sqs:eu-west-1:123456789012:dlq",
            ("Dlq", "QueueName"): "dlq",
        },
    )


def test_resolves_intrinsics_with_defaults(template: dict) -> None:
    props = _resolver(template).resolve(template["Resources"]["Queue"]["Properties"])
    assert props == {
        "RedrivePolicy": {"deadLetterTargetArn": "arn:aws:sqs:eu-west-1:123456789012:dlq"},
        "Name": "s1-q-dev",
        "Level": "DEBUG",
        "Pick": "b",
        "Joined": "a,dev",
        "Split": ["x", "y"],
        "Url": "https://abc123.execute-api.eu-west-1.amazonaws.com",
        "Literal": "${NotAVar}",
        "WithVars": "dev-dlq",
        "Account": "123456789012:aws",
    }


def test_parameter_overrides_drive_conditions(template: dict) -> None:
    resolver = _resolver(template, Stage="prod", Email="ops@example.com")
    props = resolver.resolve(template["Resources"]["Queue"]["Properties"])
    assert props["Level"] == "INFO"
    assert props["Maybe"] == "ops@example.com"
    assert resolver.condition("Both") is True
    assert resolver.is_enabled({"Condition": "HasEmail"})


def test_rejects_bad_parameters(template: dict) -> None:
    with pytest.raises(TemplateError, match="not one of"):
        _resolver(template, Stage="qa")
    with pytest.raises(TemplateError, match="unknown template parameter"):
        _resolver(template, Nope="1")


def test_unknown_reference_is_an_error(template: dict) -> None:
    with pytest.raises(UnresolvedReference):
        _resolver(template).resolve({"Ref": "Missing"})
    with pytest.raises(UnresolvedReference):
        _resolver(template).resolve({"Fn::GetAtt": ["Missing", "Arn"]})


def test_references_finds_dependencies(template: dict) -> None:
    props = template["Resources"]["Queue"]["Properties"]
    assert {"Dlq", "Api", "Stage", "Email"} <= references(props)
    assert "A" not in references(props)  # a Fn::Sub local variable


def test_loads_the_project_template() -> None:
    template = load_template(ROOT / "template.yaml")
    resolver = Resolver(template)
    assert resolver.condition("HasAlertEmail") is False
    assert resolver.condition("IsProd") is False
    assert "MentionsTable" in template["Resources"]
