"""Through a real worker process and broker: a finished run reaches a subscriber, signed."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from standardwebhooks import Webhook

from tests.fixtures.worker import wait_for
from tests.runs.test_runner import start
from tests.webhooks.conftest import Receiver, new_endpoint

pytestmark = pytest.mark.worker


def test_a_run_completed_event_reaches_the_receiver_through_a_worker(
    api: TestClient, receiver: Receiver, worker_process: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IHUB_WEBHOOKS_ALLOW_PRIVATE_NETWORKS", "true")
    worker_process()
    endpoint = new_endpoint(api, receiver.url, event_types=["run.completed"])
    run_id = start(api, count=3, delay_ms=0)

    (got,) = wait_for(lambda: receiver.received, timeout=60)
    body = Webhook(endpoint["secret"]).verify(got.body, got.headers)
    assert body["type"] == "run.completed"
    assert body["data"]["run_id"] == run_id
    assert body["data"]["totals"]["inserted"] == 3
