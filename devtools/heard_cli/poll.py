"""``heard poll SOURCE [--brand B] [--once]``: one run of a scheduled source, here and now.

Where the run's state and mentions go:

- a running local stack (``make run``; found through ``.heard/local.json``): its poll state
  table and ingest queue, so the mentions go through its triage, store and alerts like the
  scheduled ones; the source polls the stack's fake unless ``--base-url`` says otherwise;
- ``--aws``: the deployed stack named by ``POLL_STATE_TABLE`` and ``INGEST_QUEUE_URL`` (and your
  AWS credentials), with the credentials from ``LISTEN_SECRET_NAME`` / ``X_SECRET_NAME``;
- otherwise a throwaway moto server provisioned from template.yaml: the run's mentions are
  printed, and its cursors are gone when the command exits.

The brand config is ``--config``, else ``HEARD_CONFIG``, else the demo config. The report (what
was fetched and queued, requests, budget spent, why the run stopped) is printed as JSON; the
exit status is 0 when the run ended well, 1 when it ended on an error, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import boto3
import httpx
from heard_local import defaults

from heard.config import ConfigError, HeardConfig, SourceSettings, load_config_file
from heard.ingest import IngestQueue
from heard.ingest.polling import Poller, RunReport
from heard.ingest.runs import load_source
from heard.models import MentionMessage
from heard.platforms import SOURCES
from heard.store.pollstate import PollState

OK_STOPS = ("done", "deadline", "rate-limit-window", "budget")


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "poll", help="run one poll of a scheduled source (reddit, bluesky, mastodon, ...)"
    )
    parser.add_argument("source", choices=SOURCES, metavar="SOURCE", help=", ".join(SOURCES))
    parser.add_argument("--brand", help="one brand (default: every brand in the config)")
    parser.add_argument("--once", action="store_true", help="one run (the only mode; default)")
    parser.add_argument("--config", help="brand config (default: HEARD_CONFIG, else the demo)")
    parser.add_argument("--base-url", help="the source's base URL (a fake, a proxy)")
    parser.add_argument(
        "--aws", action="store_true", help="the deployed stack (POLL_STATE_TABLE, ...)"
    )
    parser.add_argument(
        "--ignore-backoff", action="store_true", help="run even if the source is backing off"
    )
    parser.set_defaults(func=run)


def _config(args: argparse.Namespace) -> HeardConfig:
    path = args.config or os.environ.get("HEARD_CONFIG") or str(defaults.DEMO_CONFIG)
    return load_config_file(path)


def _running_stack() -> dict[str, Any] | None:
    state = defaults.state_dir() / "local.json"
    try:
        info: dict[str, Any] = json.loads(state.read_text(encoding="utf-8"))
        httpx.get(info["aws_endpoint_url"], timeout=1.0)
    except (OSError, ValueError, KeyError, httpx.HTTPError):
        return None
    return info


class _Printing:
    """The ingest queue of a throwaway stack: keeps what was queued, to print it."""

    def __init__(self, queue: IngestQueue):
        self.queue = queue
        self.sent: list[MentionMessage] = []

    def send(self, messages: Any) -> int:
        self.sent += list(messages)
        return self.queue.send(messages)


def run(args: argparse.Namespace) -> int:
    try:
        config = _config(args)
    except ConfigError as exc:
        print(f"heard poll: {exc}", file=sys.stderr)
        return 2
    if config.source(args.source) is None:
        config = config.model_copy(
            update={"sources": {**config.sources, args.source: SourceSettings()}}
        )
        print(f"(the config does not enable {args.source}: running it with the defaults)")
    brands = [config.brand(args.brand)] if args.brand else list(config.brands)
    if any(b is None for b in brands):
        known = ", ".join(b.name for b in config.brands)
        print(f"heard poll: no brand {args.brand!r}; known: {known}", file=sys.stderr)
        return 2
    with ExitStack() as stack:
        try:
            state, queue, base_urls, where = _wire(args, stack)
        except RuntimeError as exc:
            print(f"heard poll: {exc}", file=sys.stderr)
            return 2
        client = stack.enter_context(httpx.Client(follow_redirects=True))
        printing = _Printing(queue)
        poller = Poller(state, printing, client, base_urls=base_urls)
        source = load_source(args.source)
        print(f"polling {args.source} ({where})")
        reports: list[RunReport] = []
        for brand in brands:
            assert brand is not None
            report = poller.run(source, config, brand, ignore_backoff=args.ignore_backoff)
            reports.append(report)
            print(json.dumps(report.as_dict()))
        if where.startswith("a throwaway"):
            for message in printing.sent:
                mention = message.mention
                text = " ".join(mention.text.split())
                print(f"  {mention.key}  @{mention.author.handle or '?'}: {text[:100]}")
    return 0 if all(r.stopped in OK_STOPS for r in reports) else 1


def _local_session(region: str) -> boto3.session.Session:
    """A session of its own for moto (any credentials do), leaving boto3's default alone."""
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
    )


def _wire(
    args: argparse.Namespace, stack: ExitStack
) -> tuple[PollState, IngestQueue, dict[str, str], str]:
    base = {args.source: args.base_url} if args.base_url else {}
    if args.aws:
        table, queue_url = os.environ.get("POLL_STATE_TABLE"), os.environ.get("INGEST_QUEUE_URL")
        if not table or not queue_url:
            raise RuntimeError("--aws needs POLL_STATE_TABLE and INGEST_QUEUE_URL")
        state = PollState(boto3.resource("dynamodb").Table(table))
        return state, IngestQueue(boto3.client("sqs"), queue_url), base, "the deployed stack"
    info = _running_stack()
    if info is not None:
        for name, value in info.get("secrets_env", {}).items():
            os.environ.setdefault(name, value)
        kwargs = {"endpoint_url": info["aws_endpoint_url"], "region_name": info["region"]}
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            os.environ.setdefault(name, "testing")
        state = PollState(
            boto3.resource("dynamodb", **kwargs).Table(info["tables"]["PollStateTable"])
        )
        queue = IngestQueue(boto3.client("sqs", **kwargs), info["queues"]["IngestQueue"])
        urls = {**info.get("poll_urls", {}), **base}
        return state, queue, urls, f"the local stack at {info['api_url']}"
    from heard_local.motoserver import start_moto
    from heard_local.provision import provision

    for name, value in defaults.secrets().items():
        os.environ.setdefault(name, value)
    moto = start_moto(in_process=True)
    stack.callback(moto.stop)
    template = Path(__file__).resolve().parents[2] / "template.yaml"
    provisioned = provision(template, moto.endpoint_url, region=defaults.REGION)
    session = _local_session(defaults.REGION)
    kwargs = {"endpoint_url": moto.endpoint_url}
    table = session.resource("dynamodb", **kwargs).Table(provisioned.table_name("PollStateTable"))
    queue = IngestQueue(session.client("sqs", **kwargs), provisioned.queue_url("IngestQueue"))
    state = PollState(table)
    return state, queue, base, "a throwaway moto stack: nothing is kept"


__all__ = ["add_parser", "run"]
