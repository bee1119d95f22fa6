"""``heard digest --brand NAME [--period daily|hourly|weekly] [--at ISO]``: a digest, now.

Prints the plain-text digest (``--html`` the HTML one, ``--json`` the figures) of the period
that had ended at ``--at`` (default: now) in the brand's time zone, read from:

- a running local stack (``make run``; found through ``.heard/local.json``): its mentions
  table;
- ``--aws``: the deployed stack's table named by ``MENTIONS_TABLE`` (your AWS credentials).

Nothing is sent and nothing is claimed: the scheduled run still sends the period's digest. The
brand config is ``--config``, else ``HEARD_CONFIG``, else the demo config. Exit status 0, or 2
for bad arguments, an unknown brand or no stack to read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

import boto3
from heard_local import defaults

from heard.api.stats import parse_instant
from heard.config import ConfigError, HeardConfig, load_config_file
from heard.digest import render
from heard.digest.compute import compute
from heard.digest.periods import Cadence, latest
from heard.models import utcnow
from heard.store import MentionStore, MentionTable


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("digest", help="print a brand's digest from the store, now")
    parser.add_argument("--brand", required=True, help="the brand (any case)")
    parser.add_argument(
        "--period", choices=[c.value for c in Cadence], default="daily", help="default daily"
    )
    parser.add_argument(
        "--at", help="the instant (ISO; UTC unless it says): the period that ended by then"
    )
    parser.add_argument("--config", help="brand config (default: HEARD_CONFIG, else the demo)")
    parser.add_argument("--aws", action="store_true", help="the deployed stack (MENTIONS_TABLE)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--html", action="store_true", help="the HTML digest (as SES sends it)")
    output.add_argument("--json", action="store_true", help="the figures as JSON")
    parser.set_defaults(func=run)


def _config(args: argparse.Namespace) -> HeardConfig:
    path = args.config or os.environ.get("HEARD_CONFIG") or str(defaults.DEMO_CONFIG)
    return load_config_file(path)


def _store(args: argparse.Namespace) -> MentionStore:
    if args.aws:
        table = os.environ.get("MENTIONS_TABLE")
        if not table:
            raise RuntimeError("--aws needs MENTIONS_TABLE (the stack's MentionsTable)")
        return MentionStore(MentionTable(boto3.resource("dynamodb").Table(table)))
    from heard_cli.poll import _local_session, _running_stack

    info = _running_stack()
    if info is None:
        raise RuntimeError(
            f"no running local stack ({defaults.state_dir() / 'local.json'}): start one with "
            "`make run`, or read the deployed stack with --aws"
        )
    resource = _local_session(info["region"]).resource(
        "dynamodb", endpoint_url=info["aws_endpoint_url"]
    )
    return MentionStore(MentionTable(resource.Table(info["tables"]["MentionsTable"])))


def run(args: argparse.Namespace) -> int:
    try:
        config = _config(args)
    except ConfigError as exc:
        print("\n".join([str(exc.source), *exc.errors]), file=sys.stderr)
        return 2
    brand = config.brand(args.brand)
    if brand is None:
        names = ", ".join(b.name for b in config.brands)
        print(f"no brand named {args.brand!r} (the config has: {names})", file=sys.stderr)
        return 2
    try:
        now = parse_instant("--at", args.at) if args.at else utcnow()
    except Exception:
        print("--at must be an ISO date or datetime, e.g. 2026-11-23T08:00", file=sys.stderr)
        return 2
    try:
        store = _store(args)
    except RuntimeError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    period = latest(brand.digest, Cadence(args.period), now)
    digest = compute(store, brand, period, now=now)
    if args.json:
        print(json.dumps(digest.model_dump(mode="json"), indent=2, ensure_ascii=False))
    elif args.html:
        print(render.html(digest), end="")
    else:
        print(render.subject(digest))
        print()
        print(render.text(digest), end="")
    return 0
