"""The brand configuration read from the template's SSM parameter, as the functions read it."""

import pytest

from heard.config import ConfigError, ConfigSource

GOOD = "brands:\n  - name: Acme\n    keywords: [acme]\n  - name: Globex\n    keywords: [globex]\n"
BAD = "brands:\n  - name: Acme\n    keywords: [acme]\n    routing: {alert_min_priority: loud}\n"


@pytest.fixture
def parameter(stack, monkeypatch):
    name = stack.refs["BrandConfigParameter"]
    monkeypatch.delenv("HEARD_CONFIG", raising=False)
    monkeypatch.setenv("HEARD_CONFIG_PARAMETER", name)
    monkeypatch.setenv("HEARD_CONFIG_MAX_AGE_S", "0")  # read the parameter on every get()
    ssm = stack.client("ssm")
    return lambda text: ssm.put_parameter(Name=name, Value=text, Type="String", Overwrite=True)


def test_an_edit_takes_effect_without_a_redeploy(parameter):
    source = ConfigSource()
    parameter(GOOD)
    assert [b.name for b in source.get().brands] == ["Acme", "Globex"]
    parameter(GOOD.replace("Globex", "Initech").replace("globex", "initech"))
    assert [b.name for b in source.get().brands] == ["Acme", "Initech"]


def test_a_bad_edit_keeps_the_last_good_config(parameter, caplog):
    source = ConfigSource()
    parameter(GOOD)
    good = source.get()
    parameter(BAD)
    assert source.get() is good  # one typo in the parameter does not stop triage
    assert "keeping the last good one" in caplog.text
    assert "brands[0] (Acme).routing.alert_min_priority" in caplog.text


def test_a_bad_config_with_nothing_to_fall_back_on_is_an_error(parameter):
    parameter(BAD)
    with pytest.raises(ConfigError, match="alert_min_priority"):
        ConfigSource().get()
