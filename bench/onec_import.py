"""Import products from the 1C sandbox with ihub, against a bare loop that only downloads
the same pages (the source-bound limit), on SQLite and PostgreSQL.

    .venv/bin/python bench/onec_import.py --rows 100000 --rows 1000000 --db sqlite --db postgres

The sandbox runs in a process of its own (``ihub sandbox onec``) with a latency per request;
every measurement runs in a fresh process, so its peak RSS is its own. The ihub side is the
real import run (``onec.import``, products only) worked on in-process by the runner, exactly
as a worker does, minus the Celery message.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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
LOGIN, PASSWORD = "Администратор", "пароль"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def sandbox(rows: int, latency_ms: int, port: int) -> Iterator[str]:
    command = [
        sys.executable, "-m", "ihub", "sandbox", "onec", "--port", str(port),
        "--products", str(rows), "--latency-ms", str(latency_ms),
        "--organizations", "0", "--counterparties", "0", "--warehouses", "1",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/ut11"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{url}/odata/standard.odata/$metadata", auth=(LOGIN, PASSWORD))
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def warm_up(url: str) -> None:
    """The sandbox indexes a filter on first use; neither side should pay for that."""
    httpx.get(
        f"{url}/odata/standard.odata/Catalog_Номенклатура",
        params={"$format": "json", "$top": "1", "$filter": "IsFolder eq false",
                "$orderby": "Ref_Key", "$select": "Ref_Key"},
        auth=(LOGIN, PASSWORD),
        timeout=120,
    )  # fmt: skip


def child(mode: str, url: str, rows: int, db: str, page_size: int) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IHUB_")}
    data_dir = tempfile.mkdtemp(prefix="ihub-bench-")
    env.update(IHUB_DATA_DIR=data_dir, IHUB_LOG_LEVEL="WARNING", IHUB_LOG_FORMAT="console")
    database = None
    if db == "postgres":
        database = f"ihub_bench_{uuid.uuid4().hex[:8]}"
        _pg(f'CREATE DATABASE "{database}"')
        env["IHUB_DATABASE_URL"] = PG_ADMIN.rsplit("/", 1)[0] + f"/{database}"
    try:
        out = subprocess.run(
            [sys.executable, __file__, "--child", mode, "--url", url, "--rows", str(rows),
             "--page-size", str(page_size)],
            env=env, capture_output=True, text=True, check=True, cwd=ROOT,
        )  # fmt: skip
        return dict(json.loads(out.stdout.strip().splitlines()[-1]))
    except subprocess.CalledProcessError as exc:
        raise SystemExit(f"{mode} on {db} failed:\n{exc.stderr[-3000:]}") from None
    finally:
        if database:
            _pg(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _pg(statement: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


def bare(url: str, rows: int, page_size: int) -> dict[str, Any]:
    """Download every page the import reads, with the same client, and do nothing else."""
    from ihub.connectors.onec_odata import streams
    from ihub.connectors.onec_odata.client import OneCClient
    from ihub.connectors.onec_odata.spec import OneCSettings

    settings = OneCSettings(base_url=url, username=LOGIN, page_size=page_size)
    started, cpu = time.perf_counter(), time.process_time()
    seen = 0
    with OneCClient(settings, PASSWORD) as client:
        for page in streams.pages(client, streams.products(), skip=0, page_size=page_size):
            seen += len(page.rows)
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "rows": seen,
    }


def ihub_import(url: str, rows: int, page_size: int) -> dict[str, Any]:
    import ihub.tasks  # noqa: F401 - registers every run kind, as a worker does
    from ihub.audit.actor import SYSTEM
    from ihub.bootstrap import create_tenant
    from ihub.connections import service as connections
    from ihub.connections.schemas import ConnectionCreate
    from ihub.db import get_database
    from ihub.imports import service as imports
    from ihub.imports.schemas import ImportCreate
    from ihub.migrate import upgrade
    from ihub.runs import runner

    database = get_database()
    upgrade(database)
    with database.scope() as session:
        tenant = create_tenant(session, name="Bench", admin_email="b@x.example", timezone="UTC")
        tenant_id = tenant.tenant.id
        connection = connections.create_connection(
            session,
            tenant_id,
            SYSTEM,
            ConnectionCreate(
                kind="onec_odata",
                name="bench",
                settings={"base_url": url, "username": LOGIN, "page_size": page_size},
                secrets={"password": PASSWORD},
            ),
        )
        run = imports.start_import(
            session,
            tenant_id,
            SYSTEM,
            ImportCreate(connection_id=connection.id, aggregates=["products"]),
            "bench",
        )
        run_id = run.id
    started, cpu = time.perf_counter(), time.process_time()
    runner.execute(run_id)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    with database.scope(write=False) as session:
        document = imports.full_progress(session, tenant_id, run_id)
    products = document.aggregates[0]
    assert document.status.value == "completed", document.error
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "rows": products.inserted}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", type=int, action="append", help="Catalog rows (repeatable).")
    parser.add_argument("--db", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--child", choices=["bare", "ihub"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = args.rows or [100_000]
    if args.child:
        measure = bare if args.child == "bare" else ihub_import
        result = measure(args.url, sizes[0], args.page_size)
        result["peak_rss_mb"] = round(peak_rss_mb(), 1)
        print(json.dumps(result))
        return
    results = []
    for rows in sizes:
        with sandbox(rows, args.latency_ms, args.port) as url:
            warm_up(url)
            download = child("bare", url, rows, "-", args.page_size)
            for db in args.db or ["sqlite"]:
                imported = child("ihub", url, rows, db, args.page_size)
                results.append(
                    {
                        "catalog_rows": rows,
                        "db": db,
                        "imported": imported["rows"],
                        "bare_rows_per_s": round(download["rows"] / download["seconds"]),
                        "ihub_rows_per_s": round(imported["rows"] / imported["seconds"]),
                        "ratio": round(download["seconds"] / imported["seconds"], 3),
                        "bare_seconds": round(download["seconds"], 2),
                        "ihub_seconds": round(imported["seconds"], 2),
                        # CPU of the measuring process per 1000 rows: independent of the load
                        # other processes put on the machine, unlike the wall-clock rates.
                        "bare_cpu_ms_per_1000": round(
                            1e6 * download["cpu_seconds"] / download["rows"]
                        ),
                        "ihub_cpu_ms_per_1000": round(
                            1e6 * imported["cpu_seconds"] / imported["rows"]
                        ),
                        "load_avg_1m": round(os.getloadavg()[0], 1),
                        "ihub_peak_rss_mb": imported["peak_rss_mb"],
                        "bare_peak_rss_mb": download["peak_rss_mb"],
                    }
                )
                print(json.dumps(results[-1]), flush=True)


if __name__ == "__main__":
    main()
