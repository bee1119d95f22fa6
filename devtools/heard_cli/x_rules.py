"""``heard x rules --dry-run | --apply``: the Filtered Stream rules the brand configuration
asks for, shown, and with ``--apply`` written to X (missing rules added, stale ``heard:`` rules
deleted, every other rule left alone). The work is in ``heard.platforms.x.rules``.

The configuration is ``--config``, else ``HEARD_CONFIG``, else the demo config. Talking to X
takes an app-only bearer token in ``HEARD_X_BEARER_TOKEN``; without one, ``--dry-run`` shows
the rules without comparing them with X's. ``--api-url`` points at another X API (a fake).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import httpx
from heard_local.defaults import DEMO_CONFIG

from heard.config import ConfigError, load_config_file
from heard.platforms.x import rules

TOKEN_ENV = "HEARD_X_BEARER_TOKEN"
DEFAULT_API_URL = "https://api.x.com"


def add_parser(commands: Any) -> None:
    x = commands.add_parser("x", help="X: Filtered Stream rules")
    x_commands = x.add_subparsers(dest="x_command", required=True)
    parser = x_commands.add_parser(
        "rules", help="build Filtered Stream rules from the brand config; show or apply them"
    )
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--dry-run", action="store_true", help="show, change nothing")
    mode.add_argument("--apply", action="store_true", help="make X's rules match")
    parser.add_argument("--config", help="brand config (default: HEARD_CONFIG, else the demo)")
    parser.add_argument("--api-url", default=DEFAULT_API_URL, help="X API base URL")
    parser.add_argument(
        "--max-length",
        type=int,
        default=rules.MAX_RULE_LENGTH,
        help="longest rule X accepts (1024 pay-per-use, 2048 Enterprise)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path = args.config or os.environ.get("HEARD_CONFIG") or str(DEMO_CONFIG)
    try:
        wanted = rules.build_all(load_config_file(path), args.max_length)
    except (ConfigError, rules.RuleError) as exc:
        print(f"heard x rules: {exc}", file=sys.stderr)
        return 2
    print(f"{len(wanted)} rule(s) from {path}:")
    for rule in wanted:
        print(f"  [{rule.tag}] {rule.value}")
    token = os.environ.get(TOKEN_ENV, "")
    if not token:
        if args.apply:
            print(f"heard x rules: --apply needs {TOKEN_ENV}", file=sys.stderr)
            return 2
        print(f"({TOKEN_ENV} is not set: not compared with the rules on X)")
        return 0
    try:
        with rules.client(args.api_url, token) as client:
            changes = rules.sync(client, wanted, dry_run=args.dry_run)
    except rules.SyncError as exc:
        print(f"heard x rules: {exc}", file=sys.stderr)
        return 1
    except httpx.HTTPError as exc:
        print(f"heard x rules: {exc}", file=sys.stderr)
        return 1
    verb = ("would add", "would delete") if args.dry_run else ("added", "deleted")
    for rule in changes.add:
        print(f"+ {verb[0]} [{rule.tag}] {rule.value}")
    for old in changes.delete:
        print(f"- {verb[1]} {old.id} [{old.tag}] {old.value}")
    print(
        f"{len(changes.add)} {verb[0]}, {len(changes.delete)} {verb[1]}, "
        f"{len(changes.keep)} unchanged, {len(changes.others)} other rule(s) left alone"
    )
    return 0
