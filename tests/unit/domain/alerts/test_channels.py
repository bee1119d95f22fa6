"""The SNS channel: attributes subscribers filter on, a request within SNS's size limit, and
refusals told apart from transient failures."""

import json
from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError

from heard.alerts.channels import (
    SNS_MESSAGE_LIMIT,
    Alert,
    PermanentDeliveryError,
    SnsChannel,
    attributes,
    publish_size,
    sns_request,
)
from heard.alerts.render import SlaNotice

NOTICE = SlaNotice(
    "breach", "first_response", datetime(2026, 11, 23, 10, 15, tzinfo=UTC), 0, "team"
)


def test_attributes_carry_severity_platform_brand_intents_and_channel(make_record, brand):
    attrs = attributes(make_record(), brand("Acme"))
    assert attrs["severity"] == {"DataType": "String", "StringValue": "critical"}
    assert attrs["platform"]["StringValue"] == "x"
    assert attrs["brand"]["StringValue"] == "Acme"
    assert attrs["intent"]["DataType"] == "String.Array"
    assert json.loads(attrs["intent"]["StringValue"]) == ["legal", "billing"]
    assert attrs["channel"]["StringValue"] == "#social-care"
    assert json.loads(attributes(make_record(intents=[]))["intent"]["StringValue"]) == ["none"]


def _size(request):
    return publish_size(request["Subject"], request["Message"], request["MessageAttributes"])


def test_a_short_alert_is_sent_whole_with_every_rendering(make_record, brand):
    request = sns_request(Alert(make_record(text="acme broke it 😡"), brand("Acme")))
    message = json.loads(request["Message"])
    assert set(message) == {"default", "email", "sms"}
    assert '"acme broke it 😡"' in message["email"]
    assert "😡" in request["Message"]  # UTF-8, not \ud83d escapes
    assert request["MessageStructure"] == "json"


@pytest.mark.parametrize(
    "text",
    [
        "😡" * 50_000,  # 200 KB of emoji
        "my acme blender caught fire " * 10_000,  # 280 KB of ASCII
        "\x01\n" * 100_000,  # escapes six times its size in JSON
    ],
)
def test_a_huge_text_is_cut_to_fit_the_whole_request(make_record, brand, text):
    request = sns_request(Alert(make_record(text=text), brand("Acme"), sla=NOTICE))
    assert _size(request) <= SNS_MESSAGE_LIMIT
    assert _size(request) > SNS_MESSAGE_LIMIT - 1000  # cut no more than needed
    message = json.loads(request["Message"])
    for full in (message["default"], message["email"]):
        assert full.startswith("SLA breach (team): [CRITICAL]")
        assert '…"' in full
        assert "Link: https://x.com/angrycustomer/status/1849" in full
        assert "Mention: x:1849 at " in full
    assert len(message["sms"]) <= 160


class StubSns:
    def __init__(self, error=None):
        self.error = error
        self.requests = []

    def publish(self, **request):
        self.requests.append(request)
        if self.error:
            raise self.error
        return {"MessageId": "m-1"}


def _client_error(code, status=400):
    return ClientError(
        {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "Publish",
    )


def test_sns_channel_publishes_to_its_topic(make_record):
    sns = StubSns()
    assert SnsChannel(sns, "arn:topic").send(Alert(make_record())) == "m-1"
    assert sns.requests[0]["TopicArn"] == "arn:topic"


@pytest.mark.parametrize("code", ["InvalidParameter", "InvalidParameterValue"])
def test_a_refused_message_is_a_permanent_error(make_record, code):
    channel = SnsChannel(StubSns(_client_error(code)), "arn:topic")
    with pytest.raises(PermanentDeliveryError) as raised:
        channel.send(Alert(make_record()))
    assert raised.value.code == code


@pytest.mark.parametrize(
    "error",
    [_client_error("Throttling"), _client_error("InternalError", 500), ConnectionError("down")],
)
def test_throttling_server_and_connection_errors_stay_transient(make_record, error):
    channel = SnsChannel(StubSns(error), "arn:topic")
    with pytest.raises(type(error)):
        channel.send(Alert(make_record()))


def test_an_sla_alert_says_which_clock_and_route_and_subscribers_can_filter_on_them(
    make_record, brand
):
    request = sns_request(Alert(make_record(), brand("Acme"), sla=NOTICE))
    assert request["Subject"].startswith("SLA breach (team): [")
    assert (
        "first response was due by 2026-11-23 10:15 UTC" in json.loads(request["Message"])["email"]
    )
    attrs = request["MessageAttributes"]
    assert attrs["sla"]["StringValue"] == "breach" and attrs["route"]["StringValue"] == "team"
    warning = SlaNotice("warning", "resolution", NOTICE.deadline)
    plain = sns_request(Alert(make_record(), brand("Acme"), sla=warning))
    assert (
        plain["Subject"].startswith("SLA warning: ") and "route" not in plain["MessageAttributes"]
    )
