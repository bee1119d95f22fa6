"""The whole system on loopback: moto, the template's resources, the API, queues, schedules.

``LocalStack().start()`` starts a moto server, provisions template.yaml into it, serves the
HTTP API routes, feeds SQS batches to their functions, runs the schedules and prints alerts,
then writes ``.heard/local.json`` so any client can find the API and look inside.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from heard_local import defaults
from heard_local.alert_printer import AlertPrinter
from heard_local.authorizer import JwtAuthorizer, MotoJwks
from heard_local.control import handle_control
from heard_local.fakes import PlatformFakes
from heard_local.http_api import LocalHttpApi, Route
from heard_local.motoserver import MotoServer, start_moto
from heard_local.people import SignInTarget, create_demo_users
from heard_local.provision import FunctionSpec, Stack, provision
from heard_local.runtime import Handler, load_handler, make_context
from heard_local.schedules import Scheduler
from heard_local.sqs_source import SqsEventSource

log = logging.getLogger("heard_local")

REPO_ROOT = Path(__file__).resolve().parents[2]


def default_template() -> Path:
    """template.yaml in the working directory, else the repository's."""
    here = Path.cwd() / "template.yaml"
    return here if here.is_file() else REPO_ROOT / "template.yaml"


class FunctionPool:
    """Execution environments of one function: each serves one invocation at a time.

    Like Lambda, concurrent invocations get separate instances (each a fresh import of the
    handler module), so module-level state such as an event resolver's current event is never
    shared between two requests in flight.
    """

    def __init__(self, spec: FunctionSpec, env: dict[str, str], region: str, max_size: int = 8):
        self.spec = spec
        self.env = env
        self.region = region
        self._idle: list[Handler] = []
        self._size = 0
        self._max = max_size
        self._cond = threading.Condition()
        self.invocations = 0

    def warm(self) -> None:
        """One instance now, so import errors show at start and the first request is warm."""
        self._idle.append(load_handler(self.spec, self.env))
        self._size = 1

    def invoke(self, event: Any) -> Any:
        handler = self._acquire()
        try:
            self.invocations += 1
            return handler(event, make_context(self.spec, self.region))
        finally:
            with self._cond:
                self._idle.append(handler)
                self._cond.notify()

    def _acquire(self) -> Handler:
        with self._cond:
            while not self._idle and self._size >= self._max:
                self._cond.wait()
            if self._idle:
                return self._idle.pop()
            self._size += 1
        try:
            return load_handler(self.spec, self.env)
        except BaseException:
            with self._cond:
                self._size -= 1
                self._cond.notify()
            raise


class LocalStack:
    """Everything ``make run`` starts; ``stop()`` stops accepting first, then drains."""

    def __init__(
        self,
        *,
        template_path: str | Path | None = None,
        port: int | None = None,
        region: str = defaults.REGION,
        stack_name: str = defaults.STACK_NAME,
        parameters: dict[str, Any] | None = None,
        state_dir: str | Path | None = None,
        print_alerts: bool = True,
        out: TextIO = sys.stdout,
        schedule_speedup: float | None = None,
        sqs_workers: int = 1,
        retry_after_s: int = 1,
        quiet_handlers: bool = True,
        on_alert: Callable[[str, Any], None] | None = None,
        moto_in_process: bool = True,
        drain_timeout_s: float = 10.0,
        platform_fakes: bool = True,
        demo_posts: bool = True,
    ):
        self.template_path = Path(template_path) if template_path else default_template()
        env_port = os.environ.get("PORT")
        self.port = port if port is not None else int(env_port or defaults.DEFAULT_PORT)
        self.region = region
        self.stack_name = stack_name
        self.parameters = parameters or {}
        self.state_dir = Path(state_dir) if state_dir else defaults.state_dir()
        self.print_alerts = print_alerts
        self.out = out
        speedup = os.environ.get("HEARD_SCHEDULE_SPEEDUP")
        self.schedule_speedup = schedule_speedup or float(speedup or 1)
        self.sqs_workers = sqs_workers
        self.retry_after_s = retry_after_s
        self.quiet_handlers = quiet_handlers
        self.on_alert = on_alert
        self.moto_in_process = moto_in_process

        self.moto: MotoServer | None = None
        self.stack: Stack | None = None
        self.api: LocalHttpApi | None = None
        self.pools: dict[str, FunctionPool] = {}
        self.sources: list[SqsEventSource] = []
        self.scheduler: Scheduler | None = None
        self.alerts: AlertPrinter | None = None
        self.secrets = defaults.secrets()
        self.sign_in: SignInTarget | None = None  # the user pool and client of the API
        self.drain_timeout_s = drain_timeout_s
        self._abandon = threading.Event()
        # Fake X and Meta APIs that receive replies (started first: the functions' environment
        # carries their URLs).
        self.fakes: PlatformFakes | None = (
            # Without demo traffic, the scheduled sources' fakes start empty too.
            PlatformFakes(defaults.HOST, out=self.out, demo_posts=demo_posts)
            if platform_fakes
            else None
        )

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> LocalStack:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        # Metrics are disabled locally; Powertools still warns on every empty flush.
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        if self.fakes is not None:
            self.fakes.start()
        self.moto = start_moto(in_process=self.moto_in_process)
        self.stack = provision(
            self.template_path,
            self.moto.endpoint_url,
            region=self.region,
            stack_name=self.stack_name,
            parameters=self.parameters,
        )
        env = self._environment()
        os.environ.update(env)
        for lid, spec in self.stack.functions.items():
            pool = FunctionPool(spec, env, self.region)
            pool.warm()
            self.pools[lid] = pool

        self.sign_in = create_demo_users(self.stack)
        # SES sends only from verified identities: verify the local sender, as a deployer would.
        self.stack.client("ses").verify_email_identity(EmailAddress=env["REPLY_FROM_ADDRESS"])
        routes = [
            Route(r.method, r.path, r.auth, lid, r.scopes)
            for lid, spec in self.stack.functions.items()
            for r in spec.http_routes
        ]
        # Swagger UI for the API (local only; a deployed API serves /openapi.json alone).
        routes.append(Route("GET", "/swagger", None, "ApiFunction"))
        keys = MotoJwks(self.moto.endpoint_url)
        authorizers = {
            name: JwtAuthorizer(spec, keys, admin_token=self.secrets["HEARD_API_TOKEN"])
            for name, spec in self.stack.authorizers.items()
        }
        self.api = LocalHttpApi(
            routes,
            self.invoke,
            api_token=self.secrets["HEARD_API_TOKEN"],
            authorizers=authorizers,
            host=defaults.HOST,
            port=self.port,
            control=lambda method, path, body: handle_control(self.scheduler, method, path, body),
        )
        self.api.start()

        sqs = self.stack.client("sqs")
        for lid, spec in self.stack.functions.items():
            for source in spec.sqs:
                self.sources.append(
                    SqsEventSource(
                        sqs,
                        queue_url=self.stack.queue_url(source.queue),
                        queue_arn=self.stack.queue_arn(source.queue),
                        region=self.region,
                        invoke=self.pools[lid].invoke,
                        batch_size=source.batch_size,
                        batching_window_s=source.batching_window,
                        report_batch_item_failures=source.report_batch_item_failures,
                        retry_after_s=self.retry_after_s,
                        workers=self.sqs_workers,
                        name=f"{source.queue}->{lid}",
                    )
                )
        for event_source in self.sources:
            event_source.start()

        self.scheduler = Scheduler(
            [(lid, s) for lid, spec in self.stack.functions.items() for s in spec.schedules],
            self.invoke,
            region=self.region,
            speedup=self.schedule_speedup,
        )
        self.scheduler.start()

        topics = {
            lid: self.stack.topic_arn(lid) for lid in self.stack.logical_ids("AWS::SNS::Topic")
        }
        if self.print_alerts or self.on_alert is not None:
            self.alerts = AlertPrinter(
                sqs,
                self.stack.client("sns"),
                topics,
                out=self.out if self.print_alerts else None,
                queue_prefix=f"{self.stack_name}-local-alerts",
                on_delivery=self.on_alert,
            )
            self.alerts.start()
        self.write_local_json()

    def stop(self, drain_timeout_s: float | None = None) -> None:
        """Stop everything started; safe to call twice.

        The API stops accepting first, so no webhook is acknowledged that will not be
        processed; the schedules stop; what the API acknowledged is processed (for up to
        ``drain_timeout_s``, or until ``abandon_drain()``); then the queue readers and the
        alert printer stop, and moto last.
        """
        if self.api is not None:
            self._stop_part(self.api)
            self.api = None
        if self.scheduler is not None:
            self._stop_part(self.scheduler)
            self.scheduler = None
        if self.sources:
            self._drain(self.drain_timeout_s if drain_timeout_s is None else drain_timeout_s)
        for part in (*self.sources, self.alerts):
            if part is not None:
                self._stop_part(part)
        self.alerts, self.sources = None, []
        if self.moto is not None:
            self.moto.stop()
            self.moto = None
        if self.fakes is not None:
            self._stop_part(self.fakes)
        with contextlib.suppress(OSError):
            (self.state_dir / "local.json").unlink(missing_ok=True)

    @staticmethod
    def _stop_part(part: Any) -> None:
        try:
            part.stop()
        except Exception as exc:
            log.debug("stopping %s: %s", part, exc)

    def abandon_drain(self) -> None:
        """Let a ``stop()`` in progress go on without waiting for the queues (a second Ctrl-C)."""
        self._abandon.set()

    def _drain(self, timeout_s: float) -> None:
        try:
            pending = self.backlog()
            if pending == 0 and not any(s.busy for s in self.sources):
                return
            log.info("processing %d queued message(s) before stopping", pending)
            if not self.wait_drained(timeout_s=timeout_s):
                log.warning("stopping with %d queued message(s) not processed", self.backlog())
        except Exception as exc:  # moto already gone, say: nothing left to drain
            log.debug("draining the queues: %s", exc)

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- use ----------------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        assert self.api is not None, "start() first"
        return self.api.url

    @property
    def endpoint_url(self) -> str:
        assert self.moto is not None, "start() first"
        return self.moto.endpoint_url

    def invoke(self, function: str, event: Any) -> Any:
        """Invoke a function of the stack in-process (as ``sam local invoke`` would)."""
        return self.pools[function].invoke(event)

    def _environment(self) -> dict[str, str]:
        assert self.stack is not None and self.moto is not None
        env: dict[str, str] = {}
        for lid, spec in self.stack.functions.items():
            for name, value in spec.environment.items():
                if name in env and env[name] != value:
                    log.warning("%s: %s differs between functions; the last one wins", lid, name)
                env[name] = value
        env.update(defaults.local_environment(self.moto.endpoint_url, self.region))
        if self.fakes is not None:
            env.update(self.fakes.environment())
        # The alerts' case links: the web inbox on the local HTTP API.
        env["HEARD_INBOX_URL"] = os.environ.get("HEARD_INBOX_URL") or (
            f"http://{defaults.HOST}:{self.port}/app/"
        )
        if self.quiet_handlers:
            env["POWERTOOLS_LOG_LEVEL"] = os.environ.get("HEARD_LOCAL_LOG_LEVEL", "WARNING")
        return env

    def local_json(self) -> dict[str, Any]:
        assert self.stack is not None
        return {
            "api_url": self.api_url,
            "app_url": f"{self.api_url}/app/",  # the web inbox
            **self.stack.outputs_for_local_json(),
            "api_token": self.secrets["HEARD_API_TOKEN"],
            # The stack's clock and schedules (heard_local.control; the api_token only).
            "control_url": f"{self.api_url}/_heard",
            "secrets_env": self.secrets,
            "routes": [
                {"method": r.method, "path": r.path, "auth": r.auth, "function": r.function}
                for r in (self.api.routes if self.api else [])
            ],
            "platform_fakes": self.fakes.urls() if self.fakes is not None else {},
            # The brands' public feedback forms: brand name -> the form's URL.
            "feedback_forms": self._feedback_forms(),
            # Where each scheduled source's fake is, as its base_url (heard poll reads it).
            "poll_urls": self.fakes.poll_urls() if self.fakes is not None else {},
            **self._people_json(),
        }

    def _feedback_forms(self) -> dict[str, str]:
        from heard.config import ConfigError, load_config_file

        try:
            config = load_config_file(defaults.config_file())
        except ConfigError as exc:
            log.warning("no feedback forms: %s", exc)
            return {}
        return {
            brand.name: f"{self.api_url}/feedback/{brand.feedback_slug}"
            for brand in config.brands
            if brand.feedback.enabled
        }

    def _people_json(self) -> dict[str, Any]:
        """The user pool the API accepts, its demo people and how to get a token for one."""
        if self.sign_in is None:
            return {}
        first = defaults.DEMO_USERS[0].username
        return {
            "user_pool": {
                "id": self.sign_in.user_pool_id,
                "client_id": self.sign_in.client_id,
                "issuer": self.sign_in.issuer,
            },
            "demo_users": [
                {
                    "username": u.username,
                    "password": u.password,
                    "name": u.name,
                    "groups": list(u.groups),
                }
                for u in defaults.DEMO_USERS
            ],
            "token_command": f"python -m heard_local token {first}",
        }

    def write_local_json(self) -> Path:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        path = self.state_dir / "local.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.local_json(), indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)  # readers never see a half-written file
        return path

    def backlog(self) -> int:
        return sum(source.backlog() for source in self.sources)

    def wait_drained(self, timeout_s: float = 30.0, settle_s: float = 0.5) -> bool:
        """Wait until every event source queue is empty and no batch is in a handler."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and not self._abandon.is_set():
            if self.backlog() == 0 and not any(s.busy for s in self.sources):
                time.sleep(settle_s)  # deliveries still on their way to the alert queues
                if self.backlog() == 0 and not any(s.busy for s in self.sources):
                    return True
            self._abandon.wait(0.2)
        return False
