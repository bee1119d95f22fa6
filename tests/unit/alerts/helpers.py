"""Records and brands for the alert channel tests."""

from __future__ import annotations

from fakes.records import angry_record

from heard.config import Brand, parse_config

record = angry_record


def brand(alerts_yaml: str) -> Brand:
    text = "brands:\n  - name: Acme\n    keywords: [acme]\n" + "".join(
        f"    {line}\n" for line in alerts_yaml.strip("\n").splitlines()
    )
    return parse_config(text).brands[0]
