"""The ``heard`` command line: ``heard config validate FILE``, ``heard classify``,
``heard x rules``, ``heard poll``, ``heard spikes scan``, ``heard digest``, ``heard alerts
examples`` and friends."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from heard.config import ConfigError, load_config_file


def _config_validate(args: argparse.Namespace) -> int:
    status = 0
    for path in args.files:
        try:
            config = load_config_file(path)
        except ConfigError as exc:
            status = 1
            print(f"{path}: {len(exc.errors)} error(s)", file=sys.stderr)
            for error in exc.errors:
                print(f"  {error}", file=sys.stderr)
            continue
        names = ", ".join(b.name for b in config.brands)
        print(f"{path}: OK ({len(config.brands)} brand(s): {names})")
    return status


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="heard", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    config = commands.add_parser("config", help="brand configuration")
    config_commands = config.add_subparsers(dest="config_command", required=True)
    validate = config_commands.add_parser(
        "validate", help="check configuration files and report every error with its location"
    )
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.set_defaults(func=_config_validate)

    from heard_cli import classify as triage_cli

    triage_cli.add_parser(commands)

    from heard_cli import x_rules

    x_rules.add_parser(commands)

    from heard_cli import poll

    poll.add_parser(commands)

    from heard_cli import spikes

    spikes.add_parser(commands)

    from heard_cli import digest

    digest.add_parser(commands)

    from heard_cli import alerts

    alerts.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
