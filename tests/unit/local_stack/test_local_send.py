"""``python -m heard_local send FILE``: one clear line and exit 1 for every kind of problem."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from heard_local import defaults
from heard_local.__main__ import main
from heard_local.http_api import LocalHttpApi, Route


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("HEARD_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    yield tmp_path / "state"


def _write_state(state: Path, api_url: str) -> None:
    state.mkdir(parents=True, exist_ok=True)
    (state / "local.json").write_text(
        json.dumps({"api_url": api_url, "secrets_env": dict(defaults.LOCAL_SECRETS)})
    )


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_missing_file(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_state(state, _closed_port_url())
    assert main(["send", "missing.json"]) == 1
    assert "missing.json: no such file" in _one_error_line(capsys)


def test_directory(state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_state(state, _closed_port_url())
    (tmp_path / "01-x-folder.json").mkdir()
    assert main(["send", "01-x-folder.json"]) == 1
    assert "is a directory" in _one_error_line(capsys)


def test_unreadable_file(
    state: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_state(state, _closed_port_url())
    (tmp_path / "01-x-secret.json").write_text("{}")

    def denied(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    assert main(["send", "01-x-secret.json"]) == 1
    assert "cannot read it (Permission denied)" in _one_error_line(capsys)


def test_webhook_cannot_be_told_from_the_name(
    state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_state(state, _closed_port_url())
    (tmp_path / "notes.json").write_text("{}")
    assert main(["send", "notes.json"]) == 1
    line = _one_error_line(capsys)
    assert "notes.json" in line and "--path" in line
    assert main(["send", "notes.json", "--path", "/webhooks/nowhere"]) == 1
    assert "/webhooks/nowhere" in _one_error_line(capsys)


def test_no_running_stack(state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "01-x-hello.json").write_text("{}")
    assert main(["send", "01-x-hello.json"]) == 1
    assert "no running stack" in _one_error_line(capsys)
    _write_state(state, _closed_port_url())  # a stale state file: the stack has gone
    assert main(["send", "01-x-hello.json"]) == 1
    assert "no answer from" in _one_error_line(capsys)
    (state / "local.json").write_text("{not json")
    assert main(["send", "01-x-hello.json"]) == 1
    assert "local.json" in _one_error_line(capsys)


def test_good_file_is_sent_and_a_bad_one_still_fails_the_run(
    state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    received: list[dict[str, Any]] = []
    api = LocalHttpApi(
        [Route("POST", "/webhooks/x", None, "Webhook")],
        lambda function, event: received.append(event) or {"statusCode": 200, "body": "{}"},
        api_token="t",
    )
    api.start()
    try:
        _write_state(state, api.url)
        (tmp_path / "01-x-hello.json").write_text('{"hello": 1}')
        assert main(["send", "01-x-hello.json"]) == 0
        assert "01-x-hello.json -> /webhooks/x: 200" in capsys.readouterr().out
        assert main(["send", "missing.json", "01-x-hello.json"]) == 1
        assert "missing.json: no such file" in _one_error_line(capsys)
    finally:
        api.stop()
    assert len(received) == 2
    assert "x-twitter-webhooks-signature" in received[0]["headers"]
