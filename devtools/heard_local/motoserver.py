"""A moto server on loopback: the local stack's AWS, with no account and no Docker.

By default moto runs in a thread of this process (``ThreadedMotoServer``): nothing to clean up
and quick to start, which suits tests. ``in_process=False`` runs ``python -m moto.server`` as a
child process instead, so moto's work does not share this interpreter's GIL with the handlers;
the stack then uses two cores, which is what the throughput bench wants.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

import httpx

from heard_local.defaults import HOST


@dataclass
class MotoServer:
    """A running moto; ``endpoint_url`` is what boto3 clients point at."""

    endpoint_url: str
    server: Any = None  # ThreadedMotoServer when in-process
    process: subprocess.Popen[bytes] | None = None

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def start_moto(port: int = 0, *, in_process: bool = True) -> MotoServer:
    """Start moto on 127.0.0.1 (``port=0``: a free port) with its request log silenced."""
    if not in_process:
        return _start_process(port or _free_port())
    from moto.server import ThreadedMotoServer

    cheap_transactions()
    # Werkzeug logs every request at INFO; the local stack prints what matters itself.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)
    server.start()
    host, bound = server.get_host_and_port()
    return MotoServer(f"http://{host}:{bound}", server=server)


def cheap_transactions() -> None:
    """Make moto's TransactWriteItems cost what it touches, not the tables it touches.

    moto backs up every table a transaction names (a deep copy of all its items) to roll back
    a cancelled one, so each counted mention (the put and its counter, one transaction) costs a
    copy of the whole mentions table: a storm of thousands of mentions slows to a crawl. This
    backs up the items the transaction names instead, and puts them back when it is cancelled,
    which is all a rollback needs. In-process moto only (this process's moto).
    """
    import copy as _copy
    import types

    from moto.dynamodb import models

    backend = models.DynamoDBBackend
    if getattr(backend.transact_write_items, "heard_cheap", False):
        return

    def deepcopy(value: Any, memo: Any = None) -> Any:
        if isinstance(value, models.Table):
            return value  # the items are backed up one by one below
        return _copy.deepcopy(value, memo)

    models.copy = types.SimpleNamespace(deepcopy=deepcopy)  # type: ignore[assignment]
    original = backend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = []
        for entry in transact_items:
            op = next(iter(entry.values()))
            name = op.get("TableName")
            if name not in self.tables:
                continue
            table = self.tables[name]
            key = op.get("Key")
            if key is None:
                item = op.get("Item") or {}
                key = {a: item[a] for a in (table.hash_key_attr, table.range_key_attr) if a}
            try:
                current = self.get_item(name, key)
            except Exception:
                continue  # a malformed key: the transaction itself reports it
            saved.append((name, key, current.to_json()["Attributes"] if current else None))
        try:
            original(self, transact_items)
        except Exception:
            for name, key, attributes in reversed(saved):
                if attributes is None:
                    self.delete_item(name, key)
                else:
                    self.put_item(name, _copy.deepcopy(attributes))
            raise

    transact_write_items.heard_cheap = True  # type: ignore[attr-defined]
    backend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def _start_process(port: int, timeout_s: float = 30.0) -> MotoServer:
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://{HOST}:{port}"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise OSError(f"moto server exited with code {process.returncode} (port {port} busy?)")
        try:
            httpx.get(f"{url}/moto-api/", timeout=1)
            return MotoServer(url, process=process)
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    process.wait()
    raise OSError(f"moto server did not answer on {url} within {timeout_s:.0f} s")
