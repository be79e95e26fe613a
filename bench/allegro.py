"""Sync 1 000 new Allegro orders from the sandbox with ihub and count the requests it makes.

    .venv/bin/python bench/allegro.py --orders 1000 --latency-ms 50 --db sqlite --db postgres

The sandbox runs in a process of its own (``ihub sandbox allegro``) and answers every request
after ``--latency-ms``. Each measurement runs in a fresh process with a fresh database: it
authorizes a connection through the device flow, lets the first sync fix the journal position,
has the sandbox sell ``--orders`` paid orders (three journal events each), then times one
``allegro.orders`` run worked on in-process by the runner, exactly as a worker does minus the
Celery message. Scenarios:

- ``journal``: the incremental sync the schedule runs (events, then the forms they point to);
- ``journal-one-by-one``: the same with the forms fetched one request each (no listing);
- ``backfill``: a first sync that finds the orders already there (read from the listing).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SCENARIOS = ("journal", "journal-one-by-one", "backfill")


@contextmanager
def sandbox(latency_ms: int, port: int) -> Iterator[str]:
    command = [
        sys.executable, "-m", "ihub", "sandbox", "allegro", "--port", str(port),
        "--latency-ms", str(latency_ms), "--initial-orders", "0", "--orders-per-minute", "0",
        "--poll-interval", "0",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{url}/_emulator/stats")
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def measure(scenario: str, url: str, orders: int) -> dict[str, Any]:
    """The child's side: everything here runs against a fresh database."""
    from ihub.allegro.authorize import start_authorization
    from ihub.audit.actor import SYSTEM
    from ihub.bootstrap import create_tenant
    from ihub.connections import service as connections
    from ihub.connections.schemas import ConnectionCreate
    from ihub.connectors.allegro import streams
    from ihub.db import get_database
    from ihub.migrate import upgrade
    from ihub.models import Order, Run
    from ihub.orders.repository import OrderRepository
    from ihub.runs import runner
    from ihub.runs import service as runs
    from ihub.sandbox.allegro import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

    control = httpx.Client(base_url=url, timeout=300)
    database = get_database()
    upgrade(database)
    with database.scope() as session:
        tenant_id = create_tenant(
            session, name="Bench", admin_email="bench@example.com", timezone="UTC"
        ).tenant.id
        connection_id = connections.create_connection(
            session,
            tenant_id,
            SYSTEM,
            ConnectionCreate(
                kind="allegro",
                name="Allegro",
                settings={
                    "client_id": DEMO_CLIENT_ID,
                    "environment": "custom",
                    "auth_url": url,
                    "api_url": f"{url}/api",
                },  # fmt: skip
                secrets={"client_secret": DEMO_CLIENT_SECRET},
            ),
        ).id
    with database.scope() as session:
        authorization = start_authorization(session, tenant_id, SYSTEM, connection_id)
        code, authorize_id = authorization.params["user_code"], authorization.id
    control.post("/_emulator/approve", json={"user_code": code}).raise_for_status()
    runner.execute(authorize_id)

    def queued_sync() -> uuid.UUID:
        with database.scope() as session:
            (run,) = session.query(Run).filter_by(kind="allegro.orders", status="queued").all()
            return run.id

    if scenario != "backfill":
        runner.execute(queued_sync())  # the first sync: the journal is followed from here
        with database.scope() as session:
            run_id = runs.create_run(
                session, tenant_id, "allegro.orders", {}, actor=SYSTEM, trigger="api",
                connection_id=connection_id,
            ).id  # fmt: skip
    else:
        run_id = queued_sync()
    if scenario == "journal-one-by-one":
        streams.BULK_FROM = 10**9  # type: ignore[misc]

    control.post("/_emulator/orders", json={"count": orders, "paid": True}).raise_for_status()
    before = control.get("/_emulator/stats").json()
    started = time.perf_counter()
    runner.execute(run_id)
    seconds = time.perf_counter() - started
    after = control.get("/_emulator/stats").json()
    with database.scope() as session:
        run = session.get(Run, run_id)
        assert run is not None
        held = len(OrderRepository(session, tenant_id).list(
            OrderRepository(session, tenant_id).select(Order.connection_id == connection_id)
        ))  # fmt: skip
        status = run.status.value
    paths = {
        path: n - before["requests"].get(path, 0)
        for path, n in after["requests"].items()
        if path.startswith("/api/") and n - before["requests"].get(path, 0)
    }
    by_id = sum(n for path, n in paths.items() if path.startswith("/api/order/checkout-forms/"))
    return {
        "status": status,
        "orders": held,
        "seconds": round(seconds, 2),
        "requests": sum(paths.values()),
        "events": paths.get("/api/order/events", 0),
        "listing": paths.get("/api/order/checkout-forms", 0),
        "by_id": by_id,
        "token_refreshes": after["refreshes"] - before["refreshes"],
        "rate_limited": after["rate_limited"] - before["rate_limited"],
    }


def child(scenario: str, url: str, orders: int, db: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IHUB_")}
    env.update(
        IHUB_DATA_DIR=tempfile.mkdtemp(prefix="ihub-bench-"),
        IHUB_LOG_LEVEL="WARNING",
        IHUB_LOG_FORMAT="console",
    )
    database = None
    if db == "postgres":
        database = f"ihub_bench_{uuid.uuid4().hex[:8]}"
        _pg(f'CREATE DATABASE "{database}"')
        env["IHUB_DATABASE_URL"] = PG_ADMIN.rsplit("/", 1)[0] + f"/{database}"
    try:
        output = subprocess.run(
            [sys.executable, __file__, "--child", json.dumps([scenario, url, orders])],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        if database:
            _pg(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    return dict(json.loads(output.strip().splitlines()[-1]))


def _pg(statement: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--db", action="append", choices=("sqlite", "postgres"))
    parser.add_argument("--scenario", action="append", choices=SCENARIOS)
    parser.add_argument("--port", type=int, default=18702)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        scenario, url, orders = json.loads(args.child)
        print(json.dumps(measure(scenario, url, orders)))
        return
    print(f"{args.orders} new orders, {args.latency_ms} ms per request\n")
    print("| scenario | database | run | time, s | requests | events | listing | by id "
          "| orders held |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for scenario in args.scenario or list(SCENARIOS):
        for db in args.db or ["sqlite"]:
            with sandbox(args.latency_ms, args.port) as url:
                r = child(scenario, url, args.orders, db)
            print(
                f"| {scenario} | {db} | {r['status']} | {r['seconds']} | {r['requests']} "
                f"| {r['events']} | {r['listing']} | {r['by_id']} | {r['orders']} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
