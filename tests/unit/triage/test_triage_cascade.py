"""The cascade: the local models decide, and a Bedrock model only where they are unsure in a way
that decides whether a mention alerts. Bedrock is a fake Converse API on loopback, reached over
HTTP by boto3 with SigV4, answering in the service's shapes, errors included."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import unquote

import boto3
import pytest
from botocore.config import Config
from heard_local.fakes.bedrock import DEFAULT_MODEL, FakeBedrockRuntime

from heard.config import Brand
from heard.models import Intent, Priority, Sentiment
from heard.settings import TriageBackendSettings
from heard.triage import Reach, Triager, get_triager
from heard.triage.backends import CascadeTriager
from heard.triage.doubt import doubt
from heard.triage.intents import Found, Hit

# The shipped model is unsure of these (probabilities near one half), so from a big account
# the local answer decides whether someone is alerted.
WRY = "the acme app has a dark mode now, only took them 5 years"
# A crisis word of the demo brand's ("explosion") about something else, in a mention the model
# reads as no complaint and no incident: a crisis pages someone at night.
ELSEWHERE = (
    "massive explosion at the chemical plant down the road, we're sheltering in the acme car park"
)
# A hazard's word the model does not read as one: a safety hazard alerts.
FIREWORKS = (
    "the fireworks over the acme arena were an explosion of noise, my dog hid under the bed "
    "all night"
)
# A gripe the author says is not the brand's: a rule caps its complaint probability.
NOT_THEIRS = "my acme parcel is three days late, not acme's fault though, the courier is useless"
SURE_COMPLAINT = "@acme my order never arrived and nobody answers. three weeks. I want a refund"
SURE_PRAISE = "acme's support sorted my return in ten minutes, lovely people, thank you!"
BIG = 80_000

COMPLAINT = {
    "sentiment": "negative",
    "sentiment_score": -0.6,
    "complaint": True,
    "complaint_probability": 0.9,
    "intents": ["outage"],
}
NOT_A_COMPLAINT = {
    "sentiment": "positive",
    "sentiment_score": 0.3,
    "complaint": False,
    "complaint_probability": 0.1,
    "intents": ["praise"],
}


@pytest.fixture
def bedrock() -> Iterator[FakeBedrockRuntime]:
    with FakeBedrockRuntime() as fake:
        yield fake  # type: ignore[misc]


@pytest.fixture
def cascade(bedrock: FakeBedrockRuntime, monkeypatch: pytest.MonkeyPatch) -> CascadeTriager:
    monkeypatch.delenv("AWS_BEARER_TOKEN_BEDROCK", raising=False)  # SigV4 here, not a key
    client = boto3.client(
        "bedrock-runtime",
        endpoint_url=bedrock.url,
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 2, "mode": "standard"}, read_timeout=5),
    )
    return CascadeTriager(client=client, model_id=DEFAULT_MODEL)


def _doubt(text: str, followers: int, brand: Brand) -> str | None:
    triager = Triager()
    found = doubt(triager._read(text, None, brand), Reach(followers), brand)
    return found.reason if found else None


def test_the_shipped_model_is_unsure_of_the_cases_below(acme: Brand) -> None:
    # The premise of the tests that follow: if a retrained model reads these surely, pick
    # other cases rather than loosen the checks.
    assert _doubt(WRY, BIG, acme) is not None
    assert _doubt(NOT_THEIRS, BIG, acme) is None
    assert "read as crisis" in (_doubt(ELSEWHERE, 0, acme) or "")
    assert "read as safety" in (_doubt(FIREWORKS, 0, acme) or "")


def test_an_unsure_mention_from_a_big_account_is_decided_by_bedrock(
    cascade: CascadeTriager, bedrock: FakeBedrockRuntime, acme: Brand
) -> None:
    bedrock.reply("only took them 5 years", COMPLAINT)
    result = cascade.triage(WRY, followers=BIG, brand=acme)
    assert result.backend == "bedrock"
    assert result.model_version == DEFAULT_MODEL
    assert result.complaint is True
    assert Intent.OUTAGE in result.intents
    assert result.priority.rank >= acme.routing.alert_min_priority.rank
    assert any(r.startswith("local model unsure (complaint p=") for r in result.reasons)
    (request,) = bedrock.received("/converse")
    assert unquote(request["path"]) == f"/model/{DEFAULT_MODEL}/converse"
    assert request["headers"]["authorization"].startswith("AWS4-HMAC-SHA256")
    (prompt,) = bedrock.prompts()
    assert WRY in prompt
    assert "mentions of Acme" in prompt
    assert "- public: a threat to go public" in prompt


def test_bedrock_stands_down_an_alert_the_local_model_was_unsure_of(
    cascade: CascadeTriager, bedrock: FakeBedrockRuntime, acme: Brand
) -> None:
    local = Triager().triage(WRY, followers=BIG, brand=acme)
    assert local.priority.rank >= acme.routing.alert_min_priority.rank  # would have alerted
    bedrock.reply("only took them 5 years", NOT_A_COMPLAINT)
    result = cascade.triage(WRY, followers=BIG, brand=acme)
    assert result.backend == "bedrock"
    assert result.complaint is False
    assert result.sentiment is Sentiment.POSITIVE
    assert result.priority.rank < acme.routing.alert_min_priority.rank


@pytest.mark.parametrize("text", [SURE_COMPLAINT, SURE_PRAISE])
def test_a_mention_the_local_model_is_sure_of_is_never_sent(
    cascade: CascadeTriager, bedrock: FakeBedrockRuntime, acme: Brand, text: str
) -> None:
    result = cascade.triage(text, followers=BIG, brand=acme)
    assert result == Triager().triage(text, followers=BIG, brand=acme)
    assert bedrock.received() == []


def test_an_unsure_mention_that_alerts_neither_way_is_not_sent(
    cascade: CascadeTriager, bedrock: FakeBedrockRuntime, acme: Brand
) -> None:
    # From a small account the same doubt decides nothing: normal at most, no alert.
    result = cascade.triage(WRY, followers=0, brand=acme)
    assert result.backend == "local"
    assert result.priority.rank < acme.routing.alert_min_priority.rank
    assert bedrock.received() == []


def test_a_crisis_word_the_model_does_not_read_as_one_pages_only_if_bedrock_agrees(
    cascade: CascadeTriager, bedrock: FakeBedrockRuntime, acme: Brand
) -> None:
    assert Triager().triage(ELSEWHERE, brand=acme).priority is Priority.CRITICAL
    bedrock.reply("chemical plant", {**NOT_A_COMPLAINT, "sentiment": "negative", "intents": []})
    calm = cascade.triage(ELSEWHERE, brand=acme)
    assert calm.backend == "bedrock"
    assert Intent.CRISIS not in calm.intents
    assert Intent.SAFETY not in calm.intents
    assert calm.priority.rank < acme.routing.alert_min_priority.rank
    assert not any(r.startswith("crisis word") for r in calm.reasons)

    bedrock.reply("chemical plant", {**NOT_A_COMPLAINT, "intents": ["crisis", "safety"]})
    paged = cascade.triage(ELSEWHERE, brand=acme)
    assert Intent.CRISIS in paged.intents
    assert paged.priority is Priority.CRITICAL


def test_a_disputed_crisis_word_stands_where_bedrock_reads_a_complaint(
    cascade: CascadeTriager, bedrock: FakeBedrockRuntime, acme: Brand
) -> None:
    bedrock.reply("chemical plant", {**COMPLAINT, "intents": []})
    result = cascade.triage(ELSEWHERE, brand=acme)
    assert result.backend == "bedrock"
    assert Intent.CRISIS in result.intents
    assert result.priority is Priority.CRITICAL


def test_a_hazard_word_the_model_does_not_read_as_one_alerts_only_if_bedrock_agrees(
    cascade: CascadeTriager, bedrock: FakeBedrockRuntime, acme: Brand
) -> None:
    local = Triager().triage(FIREWORKS, brand=acme)
    assert Intent.SAFETY in local.intents
    assert local.priority.rank >= acme.routing.alert_min_priority.rank
    bedrock.reply("fireworks", {**NOT_A_COMPLAINT, "sentiment": "neutral", "intents": []})
    result = cascade.triage(FIREWORKS, brand=acme)
    assert Intent.SAFETY not in result.intents
    assert result.priority.rank < acme.routing.alert_min_priority.rank

    bedrock.reply("fireworks", {**NOT_A_COMPLAINT, "sentiment": "negative", "intents": ["safety"]})
    assert Intent.SAFETY in cascade.triage(FIREWORKS, brand=acme).intents


def test_bedrock_throttled_leaves_the_local_decision_and_says_so(
    cascade: CascadeTriager, bedrock: FakeBedrockRuntime, acme: Brand
) -> None:
    bedrock.fail(429, times=10)  # every attempt the client makes
    result = cascade.triage(WRY, followers=BIG, brand=acme)
    local = Triager().triage(WRY, followers=BIG, brand=acme)
    assert result.backend == "local"
    assert (result.priority, result.complaint) == (local.priority, local.complaint)
    assert result.reasons[-1].endswith(f"{DEFAULT_MODEL} not reached")
    statuses = [r["status"] for r in bedrock.received("/converse")]
    assert len(statuses) > 1  # retried
    assert set(statuses) == {429}


def test_bedrock_recovers_after_one_throttle(
    cascade: CascadeTriager, bedrock: FakeBedrockRuntime, acme: Brand
) -> None:
    bedrock.fail(429, times=1)
    bedrock.reply("only took them 5 years", COMPLAINT)
    result = cascade.triage(WRY, followers=BIG, brand=acme)
    assert result.backend == "bedrock"
    assert [r["status"] for r in bedrock.received("/converse")] == [429, 200]


@pytest.mark.parametrize(
    "reply", ["I think this is a complaint.", '{"sentiment": "angry", "complaint": true}']
)
def test_a_reply_that_is_not_the_json_asked_for_leaves_the_local_decision(
    cascade: CascadeTriager, bedrock: FakeBedrockRuntime, acme: Brand, reply: str
) -> None:
    bedrock.reply("only took them 5 years", reply)
    result = cascade.triage(WRY, followers=BIG, brand=acme)
    assert result.backend == "local"
    assert result.reasons[-1].endswith("not reached")


def test_a_model_the_account_cannot_use_leaves_the_local_decision(
    bedrock: FakeBedrockRuntime, cascade: CascadeTriager, acme: Brand
) -> None:
    cascade.model_id = "anthropic.claude-3-opus-v1:0"  # exists, not enabled for the account
    result = cascade.triage(WRY, followers=BIG, brand=acme)
    assert result.backend == "local"
    assert [r["status"] for r in bedrock.received("/converse")] == [403]


def test_a_complaint_probability_a_rule_set_is_not_the_models_doubt(
    cascade: CascadeTriager, bedrock: FakeBedrockRuntime, acme: Brand
) -> None:
    # "not acme's fault" caps the complaint at 0.2, inside the band: that is the rule's
    # reading, not the model's doubt, so nothing is sent.
    result = cascade.triage(NOT_THEIRS, followers=BIG, brand=acme)
    assert result.complaint_probability == pytest.approx(0.0, abs=0.2)
    assert result.backend == "local"
    assert bedrock.received() == []


def test_what_the_local_model_was_sure_of_stands_where_bedrock_does_not_name_it(
    cascade: CascadeTriager,
    bedrock: FakeBedrockRuntime,
    acme: Brand,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A churn threat the model read surely (0.97, no rule's words) in a mention whose
    # complaint it is unsure of: Bedrock is asked about the complaint, and its silence on
    # churn does not drop what nobody questioned.
    text = "six years with acme and next month is my last, the app is fine i suppose"
    sure = Hit(Intent.CANCEL, "", False, 0.97)
    reading = Triager()._read(text, None, acme)
    reading = reading.but(
        complaint_probability=0.45, found=Found([sure]), pinned=False, p_negative=0.9
    )
    monkeypatch.setattr(cascade, "_read", lambda *_: reading)
    bedrock.reply("next month is my last", {**COMPLAINT, "intents": []})
    result = cascade.triage(text, followers=0, brand=acme)
    assert result.backend == "bedrock"
    assert Intent.CANCEL in result.intents
    assert result.priority.rank >= acme.routing.alert_min_priority.rank


def test_cascade_is_a_backend_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARD_TRIAGE_BACKEND", "Cascade")
    monkeypatch.setenv("HEARD_BEDROCK_MODEL_ID", "amazon.nova-micro-v1:0")
    triager = get_triager(settings=TriageBackendSettings.from_env())
    assert isinstance(triager, CascadeTriager)
    assert triager.model_id == "amazon.nova-micro-v1:0"
