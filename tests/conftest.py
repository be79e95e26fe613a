"""Test environment: a private data dir, database and broker queue per xdist worker.

SQLite always; with IHUB_TEST_DATABASE_URL / IHUB_TEST_BROKER_URL set, the same suite runs on
PostgreSQL and Redis/RabbitMQ, each worker in a database and queue of its own.
The environment is set before ihub is imported: its Celery app reads settings on import.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
_RUN = uuid.uuid4().hex[:8]
DATA_DIR = Path(tempfile.mkdtemp(prefix=f"ihub-test-{_WORKER}-"))
PG_URL = os.environ.get("IHUB_TEST_DATABASE_URL")
BROKER_URL = os.environ.get("IHUB_TEST_BROKER_URL")
PG_DATABASE = f"ihub_test_{_WORKER}_{_RUN}"

for _name in list(os.environ):
    if _name.startswith("IHUB_") and not _name.startswith("IHUB_TEST_"):
        del os.environ[_name]
os.environ.update(
    IHUB_DATA_DIR=str(DATA_DIR),
    IHUB_QUEUE=f"ihub-test-{_WORKER}-{_RUN}",
    IHUB_LOG_FORMAT="console",
    IHUB_LOG_LEVEL=os.environ.get("IHUB_TEST_LOG_LEVEL", "WARNING"),
    IHUB_API_RATE_LIMIT="100000/minute",
)
if PG_URL:
    from sqlalchemy.engine import make_url

    os.environ["IHUB_DATABASE_URL"] = (
        make_url(PG_URL).set(database=PG_DATABASE).render_as_string(hide_password=False)
    )
if BROKER_URL:
    os.environ["IHUB_BROKER_URL"] = BROKER_URL

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.app",
    "tests.fixtures.worker",
    "tests.fixtures.browser",
    "tests.fixtures.onec",
    "tests.fixtures.s3",
    "tests.fixtures.allegro",
]
