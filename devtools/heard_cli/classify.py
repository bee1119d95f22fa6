"""``heard classify``: triage from the command line.

    heard classify "some text"            one text, printed for a person
    heard classify < mentions.jsonl       JSON lines in, one JSON object per line out, in order

Each input line is an object with ``text`` and optionally ``author_followers``, ``verified``,
``engagement``, ``handle``, ``lang``, ``brand`` and ``id`` (echoed back). A bad line gives an
``{"line": n, "error": "..."}`` object and the stream goes on; the exit status is 1 if any
line failed. Brands are looked up in the configuration (``HEARD_CONFIG``, else the demo config);
with no brand named, a config with a single brand uses that one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Annotated, Any, TextIO

from heard_local.defaults import DEMO_CONFIG
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from heard.config import Brand, ConfigError, HeardConfig, load_config_file


class ClassifyRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    text: str
    author_followers: Annotated[int, Field(ge=0)] = 0
    verified: bool = False
    engagement: Annotated[int, Field(ge=0)] = 0
    handle: str | None = None
    lang: str | None = None
    brand: str | None = None
    id: str | int | None = None


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "classify",
        help="triage text: one argument, or JSON lines on stdin",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("text", nargs="?", help="a text to classify (omit to read JSON lines)")
    parser.add_argument("--brand", help="brand name from the config (default: the only brand)")
    parser.add_argument("--followers", type=int, default=0, help="author's followers (with TEXT)")
    parser.add_argument("--verified", action="store_true", help="author is verified (with TEXT)")
    parser.add_argument("--json", action="store_true", help="print TEXT's result as JSON")
    parser.add_argument(
        "--backend",
        help="local | local-fast | comprehend | bedrock | cascade (default: HEARD_TRIAGE_BACKEND)",
    )
    parser.set_defaults(func=run)
    return parser


def _error(line: int, message: str) -> str:
    return json.dumps({"line": line, "error": message})


def _brand(config: HeardConfig | None, name: str | None) -> Brand | None:
    if config is None:
        return None
    if name is None:
        return config.brands[0] if len(config.brands) == 1 else None
    brand = config.brand(name)
    if brand is None:
        known = ", ".join(b.name for b in config.brands)
        raise LookupError(f"brand: unknown brand {name!r} (the config has: {known})")
    return brand


def _pydantic_message(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '(line)'}: {e['msg']}" for e in exc.errors()
    )


def classify_stream(
    triager: Any, config: HeardConfig | None, default_brand: str | None, src: TextIO, out: TextIO
) -> int:
    failed = 0
    for n, raw in enumerate(src, start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            failed += 1
            print(_error(n, f"not valid JSON ({exc.msg} at column {exc.colno})"), file=out)
            continue
        if not isinstance(data, dict):
            failed += 1
            print(_error(n, "expected a JSON object with at least 'text'"), file=out)
            continue
        try:
            req = ClassifyRequest.model_validate(data)
            brand = _brand(config, req.brand or default_brand)
        except ValidationError as exc:
            failed += 1
            print(_error(n, _pydantic_message(exc)), file=out)
            continue
        except LookupError as exc:
            failed += 1
            print(_error(n, str(exc)), file=out)
            continue
        result = triager.triage(
            req.text,
            followers=req.author_followers,
            verified=req.verified,
            engagement=req.engagement,
            lang=req.lang,
            handle=req.handle,
            brand=brand,
        )
        record: dict[str, Any] = {"line": n}
        if req.id is not None:
            record["id"] = req.id
        record.update(result.model_dump(mode="json"))
        print(json.dumps(record, ensure_ascii=False), file=out)
        out.flush()
    return 1 if failed else 0


def _readable(result: Any) -> str:
    rows = [
        ("sentiment", f"{result.sentiment} ({result.sentiment_score:+.2f})"),
        (
            "complaint",
            f"{'yes' if result.complaint else 'no'} (p={result.complaint_probability:.2f})",
        ),
        ("intents", ", ".join(result.intents) or "-"),
        ("priority", str(result.priority)),
        ("reasons", "; ".join(result.reasons) or "-"),
        ("lang", result.lang + ("" if result.lang_supported else " (not supported)")),
        ("model", f"{result.backend} {result.model_version}"),
    ]
    return "\n".join(f"{k:<10} {v}" for k, v in rows)


def run(args: argparse.Namespace) -> int:
    from heard.triage import get_triager

    try:
        triager = get_triager(args.backend)
    except ValueError as exc:
        print(f"heard classify: {exc}", file=sys.stderr)
        return 2
    try:
        config: HeardConfig | None = load_config_file(os.environ.get("HEARD_CONFIG") or DEMO_CONFIG)
    except ConfigError as exc:
        print(f"heard classify: {exc}", file=sys.stderr)
        return 2
    if args.text is None:
        return classify_stream(triager, config, args.brand, sys.stdin, sys.stdout)
    try:
        brand = _brand(config, args.brand)
    except LookupError as exc:
        print(f"heard classify: {exc}", file=sys.stderr)
        return 2
    result = triager.triage(
        args.text, followers=max(0, args.followers), verified=args.verified, brand=brand
    )
    print(result.model_dump_json() if args.json else _readable(result))
    return 0
