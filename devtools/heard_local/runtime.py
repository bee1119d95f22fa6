"""Load a function's handler in-process, as the Lambda runtime would, with a fake context.

Each load imports ``functions/<dir>/app.py`` afresh under a unique module name, after the
function's environment is in ``os.environ``: module-scope code (boto3 clients, Powertools
utilities) sees the same variables it would see in Lambda, and a test that loads a handler
twice gets two cold starts, not a cached module wired to an earlier stack.
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from heard_local.defaults import ACCOUNT_ID, REGION
from heard_local.provision import FunctionSpec

Handler = Callable[[Any, Any], Any]

_counter = itertools.count(1)
_import_lock = threading.Lock()


@dataclass
class LambdaContext:
    """The attributes and method handlers use from Lambda's context object."""

    function_name: str
    memory_limit_in_mb: int = 128
    timeout_s: int = 3
    region: str = REGION
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "local"
    identity: Any = None
    client_context: Any = None
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s
        self.log_group_name = self.log_group_name or f"/aws/lambda/{self.function_name}"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def make_context(spec: FunctionSpec, region: str = REGION) -> LambdaContext:
    """A fresh context per invocation (new request id, full time budget)."""
    return LambdaContext(
        function_name=spec.logical_id,
        memory_limit_in_mb=spec.memory_size,
        timeout_s=spec.timeout,
        region=region,
    )


def function_environment(
    spec: FunctionSpec, env_overrides: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The function's template environment with the local overrides on top."""
    return {**spec.environment, **(env_overrides or {})}


def load_handler(spec: FunctionSpec, env_overrides: Mapping[str, str] | None = None) -> Handler:
    """Import the function's module fresh, with its environment set, and return its handler.

    The environment goes into ``os.environ`` (process-wide, as the functions share the
    process locally); ``env_overrides`` is usually ``heard_local.defaults.local_environment``.
    """
    os.environ.update(function_environment(spec, env_overrides))
    module_name, _, attribute = spec.handler.rpartition(".")
    path = spec.code_dir / (module_name.replace(".", "/") + ".py")
    if not path.is_file():
        raise FileNotFoundError(f"{spec.logical_id}: handler module {path} does not exist")
    unique = f"heard_local_fn_{spec.logical_id}_{next(_counter)}"
    with _import_lock:
        # Lambda puts the code folder first on sys.path; do the same while importing.
        sys.path.insert(0, str(spec.code_dir))
        try:
            module_spec = importlib.util.spec_from_file_location(unique, path)
            assert module_spec is not None and module_spec.loader is not None
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[unique] = module
            module_spec.loader.exec_module(module)
        finally:
            with contextlib.suppress(ValueError):
                sys.path.remove(str(spec.code_dir))
    handler = getattr(module, attribute, None)
    if not callable(handler):
        raise AttributeError(f"{spec.logical_id}: {path} has no callable {attribute!r}")
    return handler


def invoke(handler: Handler, spec: FunctionSpec, event: Any, region: str = REGION) -> Any:
    """Call a handler with a fresh context."""
    return handler(event, make_context(spec, region))
