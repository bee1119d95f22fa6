"""What `make run` prints when the stack is up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from heard_local.__main__ import banner


class _Stack:
    state_dir = Path(".heard")

    def local_json(self) -> dict[str, Any]:
        return {
            "api_url": "http://127.0.0.1:3000",
            "aws_endpoint_url": "http://127.0.0.1:5000",
            "region": "us-east-1",
            "tables": {"MentionsTable": "t"},
            "queues": {"IngestQueue": "q"},
            "api_token": "local-api-token",
            "secrets_env": {},
            "routes": [],
            "feedback_forms": {"Acme": "http://127.0.0.1:3000/feedback/acme"},
            "app_url": "http://127.0.0.1:3000/app/",
            "demo_users": [
                {
                    "username": "alice@acme.example",
                    "password": "pw-1",
                    "name": "Alice",
                    "groups": [],
                }
            ],
            "user_pool": {"id": "pool-1", "client_id": "client-1", "issuer": "http://x"},
            "token_command": "python -m heard_local token alice@acme.example",
        }


def test_the_banner_prints_each_feedback_forms_url() -> None:
    text = banner(_Stack())  # type: ignore[arg-type]
    assert "Feedback form  http://127.0.0.1:3000/feedback/acme   (Acme; no sign-in)" in text


def test_the_banner_prints_the_web_inbox_and_who_to_sign_in_as() -> None:
    text = banner(_Stack())  # type: ignore[arg-type]
    assert "Web inbox      http://127.0.0.1:3000/app/" in text
    assert "sign in as alice@acme.example / pw-1" in text
