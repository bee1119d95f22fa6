"""The local stack's throughput and latency: signed webhooks in, SNS alerts out.

Starts the local stack in-process (no demo; moto in a child process so it has a core of its
own), sends signed X deliveries over HTTP and captures every alert through an SQS subscription
on the alerts topic. Each mention is an angry complaint from a high-follower account, so every
one is stored and alerts, and carries a unique token, so each alert is matched to its request.

Two phases, because a saturating sender measures queueing, not latency:

1. throughput: ``--count`` deliveries as fast as ``--threads`` senders go while at most
   ``--max-in-flight`` mentions are between request and alert; prints accepted and stored per
   second (and the request -> alert times, which include that backlog). The cap is there
   because moto's ReceiveMessage scans every message in the queue, so an unbounded backlog
   slows the emulated SQS in a way real SQS does not;
2. latency: deliveries paced at half the stored rate of phase 1 for ``--paced-seconds``; prints
   p50/p90/p99 from the webhook request to the SNS delivery at a load the stack sustains.

    python bench/pipeline.py [--count 2000] [--threads 4] [--workers 2] [--paced-seconds 30]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from heard_local import defaults
from heard_local.capture import Delivery
from heard_local.signing import x_headers
from heard_local.stack import LocalStack

TOKEN = re.compile(r"bench-([0-9a-f]{32})")
TEXT = (
    "@acme worst service ever: my order arrived broken and I'm still waiting for a refund "
    "after three weeks. bench-{token}"
)


def delivery_body(index: int, token: str) -> bytes:
    """One X Account Activity delivery with one tweet from a high-follower customer."""
    return json.dumps(
        {
            "for_user_id": defaults.DEMO_X_USER_ID,
            "tweet_create_events": [
                {
                    "created_at": "Thu Nov 20 09:14:03 +0000 2025",
                    "id_str": str(1_900_000_000_000_000_000 + index),
                    "text": TEXT.format(token=token),
                    "truncated": False,
                    "user": {
                        "id_str": str(500_000 + index % 997),
                        "name": "Bench Customer",
                        "screen_name": f"customer{index % 997}",
                        "followers_count": 50_000 + index % 1000,
                        "verified": False,
                    },
                    "lang": "en",
                }
            ],
        }
    ).encode()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000, help="phase 1: mentions to send")
    parser.add_argument("--threads", type=int, default=4, help="concurrent webhook senders")
    parser.add_argument("--workers", type=int, default=2, help="SQS pollers for triage")
    parser.add_argument(
        "--max-in-flight", type=int, default=100, help="phase 1: backlog cap (0: none)"
    )
    parser.add_argument("--paced-seconds", type=float, default=30.0, help="phase 2 length")
    parser.add_argument("--rate", type=float, default=None, help="phase 2 rate (default: half)")
    parser.add_argument(
        "--moto-thread",
        action="store_true",
        help="run moto in this process (default: a child process, so it has its own core)",
    )
    parser.add_argument(
        "--timeout", type=float, default=300.0, help="seconds to wait for a phase's last alert"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as state:
        bench = Bench(args, state)
        try:
            return bench.run()
        finally:
            bench.stack.stop()


class Bench:
    def __init__(self, args: argparse.Namespace, state: str):
        self.args = args
        self.sent_at: dict[str, float] = {}
        self.alerted_at: dict[str, float] = {}
        self.failures: list[int] = []
        self.expected = 0
        self.lock = threading.Lock()
        self.all_alerted = threading.Event()
        self.local = threading.local()
        self.index = 0
        self.stack = LocalStack(
            port=0,
            state_dir=state,
            print_alerts=False,
            on_alert=self.on_alert,
            sqs_workers=args.workers,
            moto_in_process=args.moto_thread,
        )
        self.stack.start()
        self.secret = self.stack.secrets["HEARD_X_CONSUMER_SECRET"]

    def on_alert(self, _topic: str, delivery: Delivery) -> None:
        found = TOKEN.search(delivery.message)
        if found:
            with self.lock:
                self.alerted_at.setdefault(found.group(1), delivery.received_at)
                if len(self.alerted_at) >= self.expected:
                    self.all_alerted.set()

    def send(self, index: int, token: str, cap: int = 0) -> None:
        while cap and len(self.sent_at) - len(self.alerted_at) >= cap:
            time.sleep(0.01)
        client = getattr(self.local, "client", None)
        if client is None:
            client = self.local.client = httpx.Client(base_url=self.stack.api_url, timeout=30)
        body = delivery_body(index, token)
        headers = x_headers(body, self.secret)
        self.sent_at[token] = time.time()
        response = client.post("/webhooks/x", content=body, headers=headers)
        if response.status_code != 200:
            self.failures.append(response.status_code)

    def _tokens(self, count: int) -> list[tuple[int, str]]:
        tokens = [(self.index + i, uuid.uuid4().hex) for i in range(count)]
        self.index += count
        with self.lock:
            self.expected += count
            self.all_alerted.clear()
        return tokens

    def _wait(self) -> None:
        self.all_alerted.wait(timeout=self.args.timeout)
        self.stack.wait_drained(timeout_s=10)

    def stored(self) -> int:
        assert self.stack.stack is not None
        ddb = self.stack.stack.client("dynamodb")
        kwargs: dict[str, Any] = {
            "TableName": self.stack.stack.refs["MentionsTable"],
            "Select": "COUNT",
        }
        total = 0
        while True:
            page = ddb.scan(**kwargs)
            total += page["Count"]
            if "LastEvaluatedKey" not in page:
                return total
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def latencies(self, tokens: list[tuple[int, str]]) -> list[float]:
        return [
            self.alerted_at[t] - self.sent_at[t]
            for _, t in tokens
            if t in self.alerted_at and t in self.sent_at
        ]

    def run(self) -> int:
        args = self.args
        print(
            f"Phase 1: {args.count} signed X deliveries from {args.threads} threads to "
            f"{self.stack.api_url} (triage pollers: {args.workers}, "
            f"at most {args.max_in_flight or 'unlimited'} in flight)",
            flush=True,
        )
        tokens = self._tokens(args.count)
        started = time.time()
        with ThreadPoolExecutor(max_workers=args.threads) as pool:
            list(pool.map(lambda it: self.send(*it, cap=args.max_in_flight), tokens))
        sent_done = time.time()
        self._wait()
        saturated = self.latencies(tokens)
        finished = max(
            (self.alerted_at[t] for _, t in tokens if t in self.alerted_at), default=time.time()
        )
        stored = self.stored()
        stored_rate = stored / max(finished - started, 1e-9)
        accepted = args.count - len(self.failures)
        print(
            f"  webhook requests     {args.count} sent, {accepted} accepted, "
            f"{len(self.failures)} refused {sorted(set(self.failures)) or ''}"
        )
        print(f"  accepted per second  {accepted / max(sent_done - started, 1e-9):.1f}")
        print(f"  stored               {stored} mentions in DynamoDB")
        print(f"  stored per second    {stored_rate:.1f}")
        print(f"  alerts delivered     {len(saturated)} of {args.count}")
        _print_latency("request -> SNS delivery, saturated (includes the backlog)", saturated)

        rate = args.rate or max(stored_rate / 2, 0.5)
        count = max(1, int(rate * args.paced_seconds))
        print(f"\nPhase 2: {count} deliveries paced at {rate:.1f}/s", flush=True)
        paced_tokens = self._tokens(count)
        begin = time.monotonic()
        with ThreadPoolExecutor(max_workers=args.threads) as pool:
            for n, item in enumerate(paced_tokens):
                delay = begin + n / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(self.send, *item)
        self._wait()
        paced = self.latencies(paced_tokens)
        print(f"  alerts delivered     {len(paced)} of {count}")
        _print_latency("request -> SNS delivery at a sustained load", paced)
        if paced:
            p99 = percentile(paced, 99)
            print(f"  target p99 < 2 s     {'met' if p99 < 2 else 'NOT met'} ({p99:.2f} s)")
        complete = len(saturated) == args.count and len(paced) == count
        return 0 if complete and not self.failures else 1


def _print_latency(title: str, latencies: list[float]) -> None:
    if not latencies:
        print(f"  {title}: no alerts")
        return
    figures = (
        ("p50", percentile(latencies, 50)),
        ("p90", percentile(latencies, 90)),
        ("p99", percentile(latencies, 99)),
        ("max", max(latencies)),
        ("mean", statistics.fmean(latencies)),
    )
    print(f"  {title}:")
    print("    " + "  ".join(f"{label} {value * 1000:.0f} ms" for label, value in figures))


if __name__ == "__main__":
    sys.exit(main())
