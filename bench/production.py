"""Production benchmark: 1 000 000 batches, batch list and analytics under 50 clients.

    .venv/bin/python -m bench.production --db sqlite
    .venv/bin/python -m bench.production --db postgresql   # postgres on 127.0.0.1:5432, trust

Fills a fresh database with bulk inserts, starts ``ihub serve --no-worker`` on loopback and
drives each endpoint with ``wrk`` (Debian: ``apt-get install wrk``): 50 connections, two
threads, a fixed duration. Prints a Markdown table of p50/p99 latency and requests/s. wrk
repeats one URL, which the per-version cache then answers; the "first request" and, for lists,
"one client, uncached" columns give the cost of an answer the cache does not hold. Two seconds
of the same load, not counted, come first: each API process computes its first answer once.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = "ihub_bench_production"
WORK_CENTERS, PRODUCTS, DAYS = 20, 200, 730
CHUNK = 20_000


def database_url(kind: str, data_dir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{data_dir / 'ihub.sqlite'}"
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{PG_DATABASE}"


def batch_rows(
    tenant_id: uuid.UUID, centers: list[uuid.UUID], products: list[uuid.UUID], count: int
) -> Iterator[list[dict[str, Any]]]:
    """``count`` batches over the last two years: done in the past, running now, planned later."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    first = now - timedelta(days=DAYS)
    step = timedelta(days=DAYS + 7) / count
    chunk: list[dict[str, Any]] = []
    for n in range(count):
        start = first + step * n
        planned = float(rng.randrange(50, 1000, 10))
        finish = start + timedelta(hours=rng.uniform(2, 10))
        done = finish < now and rng.random() > 0.02
        produced = round(planned * rng.uniform(0.9, 1.05)) if done else 0
        status = (
            "completed"
            if done
            else "cancelled"
            if finish < now
            else "in_progress"
            if start < now
            else "planned"
        )
        chunk.append(
            {
                "id": uuid.uuid4(),
                "tenant_id": tenant_id,
                "number": f"B-{start:%Y%m%d}-{n:07d}",
                "product_id": rng.choice(products),
                "work_center_id": rng.choice(centers),
                "status": status,
                "planned_quantity": planned,
                "produced_quantity": float(produced),
                "defective_quantity": float(round(produced * rng.uniform(0, 0.05))),
                "unit": "pcs",
                "planned_start": start,
                "planned_finish": start + timedelta(hours=8),
                "actual_start": start if status in ("completed", "in_progress") else None,
                "actual_finish": finish if done else None,
                "notes": None,
                "created_at": start - timedelta(days=1),
                "updated_at": finish if done else start,
            }
        )
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def fill(count: int) -> dict[str, Any]:
    """Migrate, create a tenant, bulk-insert the plant; returns what the load needs."""
    from sqlalchemy import insert, text

    import ihub.tasks  # noqa: F401 - the run kinds a new tenant schedules
    from ihub.bootstrap import create_tenant
    from ihub.db import get_database
    from ihub.migrate import upgrade
    from ihub.models import Batch, Product, WorkCenter

    database = get_database()
    upgrade(database)
    with database.scope() as session:
        created = create_tenant(session, name="Bench", admin_email="b@x.example", timezone="UTC")
        tenant_id = created.tenant.id
        centers = [
            WorkCenter(
                tenant_id=tenant_id,
                code=f"WC-{n:02d}",
                name=f"Line {n}",
                kind="line",
                capacity_per_shift=5000,
                shifts_per_day=2,
            )
            for n in range(WORK_CENTERS)
        ]
        products = [
            Product(tenant_id=tenant_id, name=f"Product {n:03d}", sku=f"P-{n:03d}", unit="pcs")
            for n in range(PRODUCTS)
        ]
        session.add_all([*centers, *products])
        session.flush()
        center_ids, product_ids = [c.id for c in centers], [p.id for p in products]
    started = time.perf_counter()
    for chunk in batch_rows(tenant_id, center_ids, product_ids, count):
        with database.engine.begin() as conn:  # Core executemany: no ORM bookkeeping per row
            conn.execute(insert(Batch.__table__), chunk)
    inserted = time.perf_counter() - started
    if database.is_sqlite:  # statistics, and the bulk load's write-ahead log folded in
        raw = database.engine.raw_connection()
        raw.driver_connection.execute("ANALYZE")  # type: ignore[union-attr]
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
        raw.close()
    else:  # statistics, and the bulk load's WAL written out now rather than during the load
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
            conn.execute(text("CHECKPOINT"))
    return {
        "api_key": created.api_key,
        "work_center": center_ids[3],
        "product": product_ids[7],
        "insert_seconds": round(inserted, 1),
    }


def serve(env: dict[str, str], port: int, log: Path, processes: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ihub",
            "serve",
            "--no-worker",
            "--port",
            str(port),
            "--processes",
            str(processes),
        ],  # fmt: skip
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"ihub serve did not start; see {log}")


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, key: str, seconds: int, clients: int) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{clients}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            "10s",
            "-H",
            f"Authorization: Bearer {key}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    latency = {
        p: float(v) * _UNITS[u]
        for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    }
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "p50": latency["50"],
        "p99": latency["99"],
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "errors": float(errors.group(1)) if errors else 0.0,
    }


def one_client(urls: list[str], headers: dict[str, str]) -> float:
    """Median latency of requests sent one after the other: the cost of one request."""
    timings = []
    with httpx.Client(headers=headers, timeout=120) as client:
        for url in urls:
            started = time.perf_counter()
            client.get(url).raise_for_status()
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def uncached(url: str) -> list[str]:
    """Twenty list requests the cache has not seen: each asks for another page size."""
    separator = "&" if "?" in url else "?"
    return [f"{url}{separator}page_size={size}" for size in range(30, 50)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--processes", type=int, default=1, help="ihub serve --processes")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")

    data_dir = Path(tempfile.mkdtemp(prefix=f"ihub-bench-production-{args.db}-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("IHUB_")}
    env.update(
        IHUB_DATA_DIR=str(data_dir),
        IHUB_DATABASE_URL=database_url(args.db, data_dir),
        # No effective limit, but per second: the moving window keeps one entry per request
        # in the window, and a per-minute window this wide grew to ~90 000 entries a key,
        # slowing every later request (the default, 1200/minute, keeps at most 1200).
        IHUB_API_RATE_LIMIT="100000000/second",
        IHUB_LOG_LEVEL="WARNING",
        IHUB_QUEUE=f"bench-{uuid.uuid4().hex[:6]}",
    )
    os.environ.update(env)
    print(f"filling {args.rows} batches into {args.db} …", flush=True)
    plant = fill(args.rows)
    print(f"inserted in {plant['insert_seconds']} s", flush=True)

    server = serve(env, args.port, data_dir / "serve.log", args.processes)
    base = f"http://127.0.0.1:{args.port}/api/v1"
    today = datetime.now(UTC).date()
    targets = {
        "batch list, first page": "/batches",
        "batch list, filtered (status + work center, page 3)": (
            f"/batches?status=completed&work_center_id={plant['work_center']}&page=3"
        ),
        "batch list, number search": "/batches?q=B-2025",
        "batch list, product + planned range": (
            f"/batches?product_id={plant['product']}"
            f"&planned_from={today - timedelta(days=90)}&planned_to={today}"
        ),
        "analytics dashboard": "/analytics/dashboard",
        "analytics work centers (30 days)": "/analytics/work-centers",
        "analytics output by day (30 days)": "/analytics/output?group_by=day",
        "analytics output by week (1 year)": (
            f"/analytics/output?group_by=week&date_from={today - timedelta(days=364)}"
        ),
        "analytics output by product (30 days)": "/analytics/output?group_by=product",
    }
    try:
        rows = []
        headers = {"Authorization": f"Bearer {plant['api_key']}"}
        for name, path in targets.items():
            started = time.perf_counter()  # the first request: nothing cached yet
            httpx.get(base + path, headers=headers, timeout=120).raise_for_status()
            cold = (time.perf_counter() - started) * 1000
            alone = one_client([base + path] * 20, headers)
            missed = one_client(uncached(base + path), headers) if "/batches" in path else None
            # Warm every API process: the kernel hands wrk's connections to all of them.
            wrk(base + path, plant["api_key"], 2, args.clients)
            load = wrk(base + path, plant["api_key"], args.seconds, args.clients)
            result = {"cold": cold, "alone": alone, "missed": missed, **load}
            rows.append((name, result))
            print(f"{name}: {result}", flush=True)
    finally:
        server.terminate()
        server.wait(30)
    print(
        f"\n{args.db}, {args.rows} batches, {args.clients} connections, {args.seconds} s each, "
        f"{args.processes} API process(es)\n"
    )
    print(
        "| request | first request ms | one client, median ms | one client, uncached ms "
        "| p50 ms | p99 ms | req/s | errors |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in rows:
        shown = "–" if r["missed"] is None else f"{r['missed']:.1f}"
        print(
            f"| {name} | {r['cold']:.0f} | {r['alone']:.1f} | {shown} | {r['p50']:.1f} "
            f"| {r['p99']:.1f} | {r['rps']:.0f} | {r['errors']:.0f} |"
        )


if __name__ == "__main__":
    main()
