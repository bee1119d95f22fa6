"""``python -m heard_local``: the whole of Heard on loopback (what ``make run`` starts).

python -m heard_local              start, replay the demo, run until Ctrl-C
python -m heard_local --no-demo    start and wait for your own requests
python -m heard_local --once       start, replay the demo, drain, print a summary, exit
python -m heard_local send FILE    sign FILE and POST it to the running stack's webhook
python -m heard_local token USER   sign in as a demo user; print their ID token
python -m heard_local storm        seed a brand's counts, then post a storm of angry mentions
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from heard_local import defaults
from heard_local.demo import DEMO_DIR, Delivered, replay, webhook_path
from heard_local.stack import LocalStack


def _configure_logging() -> None:
    formatter = logging.Formatter("%(asctime)s %(name)-24s %(message)s", datefmt="%H:%M:%S")
    # The functions' Powertools Logger owns the "heard" logger (service name "heard") and adds
    # a filter to the root handlers that drops "heard.*" records, so the local stack's own
    # lines get a handler of their own, not shared with the root logger.
    local_handler = logging.StreamHandler(sys.stderr)
    local_handler.setFormatter(formatter)
    local = logging.getLogger("heard_local")
    local.addHandler(local_handler)
    local.setLevel(logging.INFO)
    local.propagate = False
    root_handler = logging.StreamHandler(sys.stderr)
    root_handler.setFormatter(formatter)
    logging.basicConfig(level=logging.WARNING, handlers=[root_handler])


_FAKES = {"x": "X API", "meta": "Meta Graph"}


def banner(stack: LocalStack) -> str:
    info = stack.local_json()
    endpoint, region = info["aws_endpoint_url"], info["region"]
    table = next(iter(info["tables"].values()), "TABLE")
    queue = info["queues"].get("IngestQueue") or next(iter(info["queues"].values()), "QUEUE")
    token = info["api_token"]
    lines = [
        "",
        "Heard is running locally (no AWS account, no Docker).",
        "",
        *_app_lines(info),
        f"  API            {info['api_url']}",
    ]
    for route in info["routes"]:
        auth = ""
        if route["auth"] == "AWS_IAM":
            auth = "  (Authorization: Bearer $HEARD_API_TOKEN)"
        elif route["auth"]:
            auth = "  (Authorization: Bearer <ID token>)"
        lines.append(f"                 {route['method']:<5} {route['path']}{auth}")
    lines += [
        f"  Feedback form  {url}   ({name}; no sign-in)"
        for name, url in info.get("feedback_forms", {}).items()
    ]
    lines += [
        f"  AWS endpoint   {endpoint}   (moto, region {region})",
        *[
            f"  {_FAKES.get(name, name):<14} {url}   (fake; replies it got: {url}/_heard/requests)"
            for name, url in info.get("platform_fakes", {}).items()
        ],
        f"  State file     {stack.state_dir / 'local.json'}",
        "",
        "  Local secrets (export these to change them):",
        *[f"    {name}={value}" for name, value in info["secrets_env"].items()],
        *_people_lines(info),
        "",
        "  Try:",
        *_inbox_lines(info, token),
        f"    curl -s '{info['api_url']}/webhooks/x?crc_token=hello'",
        "    python -m heard_local send events/demo/01-x-angry-customer-lawyer.json",
        f"    aws --endpoint-url {endpoint} --region {region} dynamodb scan --table-name {table}",
        f"    aws --endpoint-url {endpoint} --region {region} sqs get-queue-attributes "
        f"--queue-url {queue} --attribute-names All",
        "  (the aws CLI needs any credentials: AWS_ACCESS_KEY_ID=testing "
        "AWS_SECRET_ACCESS_KEY=testing)",
        "",
        "  Alerts that SNS delivers and replies the fakes receive are printed below. Ctrl-C stops.",
        "",
    ]
    return "\n".join(lines)


def _app_lines(info: dict[str, Any]) -> list[str]:
    """Where the web inbox is, and who to sign in as."""
    users = info.get("demo_users") or []
    lines = [f"  Web inbox      {info['app_url']}"]
    if users:
        lines.append(
            f"                 sign in as {users[0]['username']} / {users[0]['password']}"
            + (f" (or {users[1]['username']} / {users[1]['password']})" if len(users) > 1 else "")
        )
    return lines


def _people_lines(info: dict[str, Any]) -> list[str]:
    if not info.get("demo_users"):
        return []
    lines = ["", f"  People (user pool {info['user_pool']['id']}; local passwords):"]
    for user in info["demo_users"]:
        groups = f"  [{', '.join(user['groups'])}]" if user["groups"] else ""
        lines.append(f"    {user['username']:<22} {user['password']:<20} {user['name']}{groups}")
    lines.append(f"  An ID token for one: {info['token_command']}")
    return lines


def _inbox_lines(info: dict[str, Any], admin_token: str) -> list[str]:
    api = info["api_url"]
    if not info.get("token_command"):
        return [f"    curl -s -H 'Authorization: Bearer {admin_token}' {api}/mentions"]
    return [
        f"    token=$(.venv/bin/{info['token_command']})",
        f'    curl -s -H "Authorization: Bearer $token" {api}/mentions',
        f'    curl -s -H "Authorization: Bearer $token" {api}/me',
        f"    curl -s -H 'Authorization: Bearer {admin_token}' {api}/me   (the local admin token)",
    ]


def _print_replay(results: list[Delivered]) -> None:
    for result in results:
        print(f"  demo  {result.file:<40} {result.path:<18} -> {result.status} {result.response}")


def _count_items(stack: LocalStack) -> dict[str, int]:
    assert stack.stack is not None
    ddb = stack.stack.client("dynamodb")
    counts = {}
    for lid in stack.stack.logical_ids("AWS::DynamoDB::Table"):
        counts[lid] = ddb.scan(TableName=stack.stack.refs[lid], Select="COUNT")["Count"]
    return counts


def _dead_letters(stack: LocalStack) -> dict[str, int]:
    assert stack.stack is not None
    sqs = stack.stack.client("sqs")
    counts = {}
    for lid in stack.stack.logical_ids("AWS::SQS::Queue"):
        if "DeadLetter" in lid or lid.endswith("Dlq"):
            attrs = sqs.get_queue_attributes(
                QueueUrl=stack.stack.refs[lid], AttributeNames=["ApproximateNumberOfMessages"]
            )["Attributes"]
            counts[lid] = int(attrs["ApproximateNumberOfMessages"])
    return counts


def run(args: argparse.Namespace) -> int:
    _configure_logging()
    stop = threading.Event()
    stack = LocalStack(port=args.port, demo_posts=not args.no_demo)

    def _on_signal(signum: int, _frame: Any) -> None:
        if stop.is_set():
            stack.abandon_drain()  # a second Ctrl-C: do not wait for the queues
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)

    try:
        stack.start()
    except OSError as exc:
        print(f"heard_local: cannot start: {exc}", file=sys.stderr)
        stack.stop()
        return 1
    code = 0
    try:
        print(banner(stack), flush=True)
        if not args.no_demo:
            print(f"Replaying the demo deliveries in {DEMO_DIR}:", flush=True)
            results = replay(stack.api_url, stack.secrets)
            _print_replay(results)
            if any(r.status >= 300 for r in results):
                code = 1
            elif not args.no_respond:
                code = respond(stack) or code
            if code == 0:
                code = listen(stack)
        if not args.once:
            print("\n" + "\n".join(_app_lines(stack.local_json())) + "\n", flush=True)
        if args.once:
            drained = stack.wait_drained(timeout_s=args.timeout)
            if stack.alerts is not None:
                stack.alerts.stop()
            alerts = len(stack.alerts.delivered) if stack.alerts else 0
            summary = {
                "drained": drained,
                "items": _count_items(stack),
                "alerts_delivered": alerts,
                "dead_letters": _dead_letters(stack),
            }
            print("Summary: " + json.dumps(summary), flush=True)
            if not drained:
                code = 1
        else:
            while not stop.wait(0.5):
                pass
            print(
                "\nStopping Heard: no new requests; finishing the queued work "
                "(Ctrl-C again to skip)...",
                flush=True,
            )
    finally:
        stack.stop()
    return code


def respond(stack: LocalStack) -> int:
    """The respond loop on the demo's most urgent case, as a demo agent (see ``walkthrough``)."""
    from heard_local.people import sign_in
    from heard_local.walkthrough import WalkthroughError, walk

    if not stack.wait_drained(timeout_s=60) or stack.sign_in is None or stack.stack is None:
        print("  respond  skipped: the demo did not drain, or there is no user pool")
        return 1
    agent = defaults.DEMO_USERS[0]
    print(f"Answering the most urgent case as {agent.username}:", flush=True)
    tokens = sign_in(
        stack.stack.client("cognito-idp"), stack.sign_in.client_id, agent.username, agent.password
    )
    fakes = stack.fakes.urls() if stack.fakes is not None else {}
    try:
        walk(stack.api_url, tokens["IdToken"], fakes, say=lambda line: print(line, flush=True))
    except WalkthroughError as exc:
        print(f"  respond  FAILED: {exc}", flush=True)
        return 1
    return 0


def listen(stack: LocalStack) -> int:
    """One tick of the poll schedule now, rather than a minute after start: every scheduled
    source polls its fake, and the mentions it finds go through triage and alerts."""
    from heard.models import Platform
    from heard_local.schedules import scheduled_event

    if stack.stack is None or "PollFunction" not in stack.pools:
        return 0
    print("Polling the scheduled sources (their fakes) once:", flush=True)
    before = _stored_keys(stack)
    ticked = stack.invoke("PollFunction", {**scheduled_event("poll"), "tick": True})
    runs = ticked.get("queued", []) if isinstance(ticked, dict) else []
    if not stack.wait_drained(timeout_s=90):
        print("  listen  FAILED: the polled mentions did not drain", flush=True)
        return 1
    new = _stored_keys(stack) - before
    for run in runs:
        platform = Platform.X.value if run["source"] == "x" else run["source"]
        found = sorted(k for k in new if k.startswith(f"{platform}:"))
        print(
            f"  listen  {run['source']:<10} {run['brand']}: {len(found)} new mention(s)"
            + (f", e.g. {found[0]}" if found else ""),
            flush=True,
        )
    return 0


def _stored_keys(stack: LocalStack) -> set[str]:
    assert stack.stack is not None
    ddb = stack.stack.client("dynamodb")
    keys: set[str] = set()
    scan: dict[str, Any] = {
        "TableName": stack.stack.table_name("MentionsTable"),
        "ProjectionExpression": "pk",
    }
    while True:
        page = ddb.scan(**scan)
        keys |= {item["pk"]["S"] for item in page["Items"]}
        if "LastEvaluatedKey" not in page:
            return keys
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _read_body(file: Path) -> bytes:
    """FILE's bytes, or OSError with a one-line reason."""
    if file.is_dir():
        raise OSError(f"{file}: is a directory, not a JSON file")
    try:
        return file.read_bytes()
    except FileNotFoundError:
        raise OSError(f"{file}: no such file") from None
    except OSError as exc:
        raise OSError(f"{file}: cannot read it ({exc.strerror or exc})") from None


def send(args: argparse.Namespace) -> int:
    """Sign FILE for its webhook and POST it to the stack described by local.json.

    Every problem (no stack, a file that is missing or unreadable, a webhook that cannot be
    told from the name, the stack not answering) is one line on stderr and exit status 1.
    """
    import httpx

    from heard_local.signing import sign_for

    def fail(message: str) -> None:
        print(f"heard_local send: {message}", file=sys.stderr)

    state = defaults.state_dir() / "local.json"
    if not state.is_file():
        fail(f"no running stack: {state} is missing (start one with `make run`)")
        return 1
    try:
        info = json.loads(state.read_text(encoding="utf-8"))
        api_url, secrets = info["api_url"], info["secrets_env"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        fail(f"{state} is not a running stack's state file ({exc!r}); restart the stack")
        return 1
    code = 0
    for name in args.files:
        file = Path(name)
        try:
            body = _read_body(file)
            try:
                path = args.path or webhook_path(file)
            except ValueError as exc:
                raise ValueError(f"{exc}, or pass --path /webhooks/...") from None
            headers = sign_for(path, body, secrets)
        except (OSError, ValueError) as exc:
            fail(str(exc))
            code = 1
            continue
        try:
            response = httpx.post(api_url + path, content=body, headers=headers)
        except httpx.HTTPError as exc:
            fail(f"{file.name}: no answer from {api_url} ({exc}); is the stack still running?")
            code = 1
            continue
        print(f"{file.name} -> {path}: {response.status_code} {response.text}")
        code = code or int(response.status_code >= 300)
    return code


def token(args: argparse.Namespace) -> int:
    """Sign in to the running stack's user pool as a demo user; print a token.

    The password comes from ``demo_users`` in local.json (or ``--password``). Every problem is
    one line on stderr and exit status 1.
    """
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from heard_local.people import sign_in

    def fail(message: str) -> int:
        print(f"heard_local token: {message}", file=sys.stderr)
        return 1

    state = defaults.state_dir() / "local.json"
    if not state.is_file():
        return fail(f"no running stack: {state} is missing (start one with `make run`)")
    try:
        info = json.loads(state.read_text(encoding="utf-8"))
        client_id = info["user_pool"]["client_id"]
        endpoint, region = info["aws_endpoint_url"], info["region"]
        users = {u["username"].lower(): u for u in info.get("demo_users") or []}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return fail(f"{state} names no user pool ({exc!r}); restart the stack")
    user = users.get(args.username.lower())
    password = args.password or (user or {}).get("password")
    if not password:
        known = ", ".join(users) or "none"
        return fail(f"{args.username} is not a demo user ({known}); pass --password")
    cognito = boto3.client(
        "cognito-idp",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    try:
        tokens = sign_in(cognito, client_id, args.username, password)
    except ClientError as exc:
        return fail(f"cannot sign in as {args.username}: {exc.response['Error']['Message']}")
    except BotoCoreError as exc:
        return fail(f"no answer from {endpoint} ({exc}); is the stack still running?")
    print(tokens["AccessToken" if args.access else "IdToken"])
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["token"]:
        parser = argparse.ArgumentParser(
            prog="python -m heard_local token",
            description="Sign in as a person of the running stack's user pool; print a token.",
        )
        parser.add_argument("username", help="e.g. alice@acme.example (see local.json)")
        parser.add_argument("--password", help="default: the demo user's, from local.json")
        parser.add_argument(
            "--access", action="store_true", help="print the access token, not the ID token"
        )
        return token(parser.parse_args(argv[1:]))
    if argv[:1] == ["storm"]:
        from heard_local import storm

        parser = argparse.ArgumentParser(
            prog="python -m heard_local storm",
            description=storm.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        parser.add_argument("--brand", default="Acme", help="the brand (default: Acme)")
        parser.add_argument("--count", type=int, default=5000, help="mentions (default 5000)")
        parser.add_argument(
            "--minutes", type=float, default=10.0, help="spread over (default 10; 0: at once)"
        )
        parser.add_argument(
            "--seed-days", type=int, default=storm.SEED_DAYS, help="days of seeded history"
        )
        parser.add_argument(
            "--seed-volume",
            type=float,
            default=storm.SEED_VOLUME,
            help="seeded mentions a bucket at the daily mean",
        )
        parser.add_argument(
            "--critical", type=int, default=3, help="legal threats from big accounts (default 3)"
        )
        parser.add_argument(
            "--high", type=int, default=None, help="mentions from big accounts (default 1%%)"
        )
        parser.add_argument(
            "--until-over",
            action="store_true",
            help="keep the clock running until the crisis is over (up to 4 hours of it)",
        )
        parser.add_argument(
            "--real-time",
            action="store_true",
            help="post over real minutes and leave the check to the stack's own schedule",
        )
        parser.add_argument(
            "--no-seed",
            action="store_true",
            help="--real-time: post the storm only (no seeding, no reset)",
        )
        return storm.main(parser.parse_args(argv[1:]))
    if argv[:1] == ["send"]:
        parser = argparse.ArgumentParser(prog="python -m heard_local send")
        parser.add_argument("files", nargs="+", help="JSON bodies to sign and POST")
        parser.add_argument("--path", help="webhook path (default: from the file name)")
        return send(parser.parse_args(argv[1:]))
    parser = argparse.ArgumentParser(
        prog="python -m heard_local",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--no-demo", action="store_true", help="do not replay events/demo/")
    parser.add_argument(
        "--no-respond",
        action="store_true",
        help="replay the demo but do not walk the respond loop on its most urgent case",
    )
    parser.add_argument(
        "--once",
        action="store_true",
        help="replay, wait for the pipeline to drain, print a summary, exit",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help=f"API port (default: $PORT or {defaults.DEFAULT_PORT})",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        help="--once: seconds to wait for the pipeline to drain",
    )
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
