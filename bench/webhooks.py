"""Webhook delivery: deliveries per second and emit-to-receive latency, with one worker.

A receiver process on 127.0.0.1 answers 204 and notes when each event arrived; one
``ihub worker`` delivers. Two phases:

* latency: single events, one per transaction, at a steady rate the worker keeps up with;
  from the emitting transaction's commit to the receiver's arrival (median, p99);
* throughput: a backlog of events committed in batches before the worker starts; deliveries
  per second from the first arrival to the last.

    python -m bench.webhooks                                            # SQLite, embedded broker
    python -m bench.webhooks --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        --broker-url redis://127.0.0.1:6379/15                          # PostgreSQL + Redis

With ``--database-url`` a fresh database ``ihub_bench_webhooks`` is created on that server
and dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

BENCH_DATABASE = "ihub_bench_webhooks"


def receiver_app() -> Callable[..., Any]:
    """A bare ASGI app: POST notes the arrival of ``data.seq``; GET returns all arrivals."""
    arrivals: dict[int, float] = {}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["method"] == "GET":
            body = json.dumps(arrivals).encode()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": body})
            return
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        arrivals[json.loads(b"".join(chunks))["data"]["seq"]] = time.time()
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    return app


def serve_receiver(port: int) -> None:
    import uvicorn

    uvicorn.run(
        receiver_app(),
        host="127.0.0.1",
        port=port,
        lifespan="off",
        access_log=False,
        log_level="warning",
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(predicate: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up after {timeout} s")
        time.sleep(0.05)


def admin_sql(url: str, statement: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE need that)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="server URL; default SQLite in a temp folder")
    parser.add_argument("--broker-url", help="default: the embedded SQLite broker")
    parser.add_argument("--events", type=int, default=5000, help="throughput burst size")
    parser.add_argument("--batch", type=int, default=100, help="events per transaction")
    parser.add_argument("--latency-events", type=int, default=300)
    parser.add_argument("--rate", type=float, default=20.0, help="latency phase, events/s")
    parser.add_argument("--concurrency", type=int, default=4, help="worker threads")
    parser.add_argument("--receiver", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receiver:
        serve_receiver(args.receiver)
        return

    data_dir = tempfile.mkdtemp(prefix="ihub-bench-webhooks-")
    env = {
        "IHUB_DATA_DIR": data_dir,
        "IHUB_QUEUE": f"bench-{uuid.uuid4().hex[:8]}",
        "IHUB_LOG_LEVEL": "WARNING",
        "IHUB_WEBHOOKS_ALLOW_PRIVATE_NETWORKS": "true",
    }
    admin_url = None
    if args.database_url:
        from sqlalchemy.engine import make_url

        admin_url = args.database_url
        admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
        admin_sql(admin_url, f'CREATE DATABASE "{BENCH_DATABASE}"')
        url = make_url(admin_url).set(database=BENCH_DATABASE)
        env["IHUB_DATABASE_URL"] = url.render_as_string(hide_password=False)
    if args.broker_url:
        env["IHUB_BROKER_URL"] = args.broker_url
    os.environ.update(env)

    # ihub reads its settings on import, so only now.
    import ihub.tasks  # noqa: F401 - run kinds the new tenant's schedule refers to
    from ihub.audit.actor import SYSTEM
    from ihub.bootstrap import create_tenant
    from ihub.config import get_settings
    from ihub.db import get_database
    from ihub.migrate import upgrade
    from ihub.webhooks import emit, service
    from ihub.webhooks.schemas import EndpointCreate

    settings = get_settings()
    database = get_database()
    upgrade(database)
    port = free_port()
    children = [subprocess.Popen([sys.executable, "-m", "bench.webhooks", "--receiver", str(port)])]
    receiver = f"http://127.0.0.1:{port}"

    def arrivals() -> dict[int, float]:
        try:
            return {int(k): v for k, v in httpx.get(receiver, timeout=5).json().items()}
        except httpx.HTTPError:
            return {}

    try:
        with database.scope() as session:
            tenant = create_tenant(
                session, name="Bench", admin_email="bench@example.com", timezone="UTC"
            ).tenant
            service.create_endpoint(
                session,
                tenant.id,
                SYSTEM,
                EndpointCreate.model_validate({"url": f"{receiver}/hook"}),
            )
        tenant_id = tenant.id

        def send(seqs: range) -> float:
            with database.scope() as session:
                for seq in seqs:
                    emit(session, tenant_id, "order.created", {"seq": seq, "number": f"A-{seq}"})
            return time.time()

        # Throughput: a backlog committed before the worker starts, drained by it.
        burst = range(args.events)
        started = time.time()
        for start in range(0, args.events, args.batch):
            emitted_at = send(range(start, min(start + args.batch, args.events)))
        children.append(
            subprocess.Popen(
                [sys.executable, "-m", "ihub", "worker", "--concurrency", str(args.concurrency)]
            )
        )
        wait_until(lambda: len(arrivals()) >= args.events, 600)
        got = arrivals()
        first, last = min(got[s] for s in burst), max(got[s] for s in burst)
        rate = (args.events - 1) / (last - first)

        # Latency: single events at a rate the idle worker keeps up with.
        committed: dict[int, float] = {}
        for seq in range(args.events, args.events + args.latency_events):
            committed[seq] = send(range(seq, seq + 1))
            time.sleep(1 / args.rate)
        wait_until(lambda: len(arrivals()) >= args.events + args.latency_events, 120)
        got = arrivals()
        latencies = sorted((got[s] - committed[s]) * 1000 for s in committed)
        p99 = latencies[int(len(latencies) * 0.99) - 1]

        database_kind = "PostgreSQL" if args.database_url else "SQLite"
        broker_kind = "Redis" if args.broker_url else "embedded"
        print(
            json.dumps(
                {
                    "database": database_kind,
                    "broker": broker_kind,
                    "worker_threads": args.concurrency,
                    "endpoint_concurrency": settings.webhooks_endpoint_concurrency,
                    "burst_events": args.events,
                    "burst_emit_seconds": round(emitted_at - started, 2),
                    "deliveries_per_second": round(rate),
                    "latency_events": args.latency_events,
                    "latency_rate_per_second": args.rate,
                    "latency_median_ms": round(statistics.median(latencies), 1),
                    "latency_p99_ms": round(p99, 1),
                },
                indent=2,
            )
        )
    finally:
        for child in children:
            child.send_signal(signal.SIGTERM)
        for child in children:
            child.wait(60)
        database.dispose()
        if admin_url:
            admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')


if __name__ == "__main__":
    main()
