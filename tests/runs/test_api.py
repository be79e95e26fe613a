from __future__ import annotations

import json
import threading
import uuid
from datetime import timedelta

from fastapi.testclient import TestClient

from ihub.kit.clock import utcnow
from ihub.runs import runner
from tests.runs.test_runner import start


def test_filters_by_kind_status_and_time(api: TestClient) -> None:
    done = start(api, count=1, delay_ms=0)
    runner.execute(uuid.UUID(done))
    waiting = start(api, count=1, delay_ms=0)
    by_status = api.get("/api/v1/runs", params={"status": "queued"}).json()
    assert [r["id"] for r in by_status["items"]] == [waiting]
    both = api.get("/api/v1/runs", params=[("status", "queued"), ("status", "completed")]).json()
    assert both["total"] == 2
    assert api.get("/api/v1/runs", params={"kind": "maintenance.cleanup"}).json()["total"] == 0
    future = (utcnow() + timedelta(hours=1)).isoformat()
    assert api.get("/api/v1/runs", params={"since": future}).json()["total"] == 0
    assert api.get("/api/v1/runs", params={"until": future}).json()["total"] == 2
    assert api.get("/api/v1/runs", params={"connection_id": str(uuid.uuid4())}).json()["total"] == 0


def test_kinds_are_listed_with_parameter_schemas(api: TestClient) -> None:
    kinds = {k["name"]: k for k in api.get("/api/v1/runs/kinds").json()}
    assert "count" in kinds["demo.counter"]["params_schema"]["properties"]
    assert kinds["maintenance.cleanup"]["schedulable"] is True


def test_unknown_kind_and_bad_params_are_422(api: TestClient) -> None:
    assert api.post("/api/v1/runs", json={"kind": "nope"}).status_code == 422
    response = api.post("/api/v1/runs", json={"kind": "demo.counter", "params": {"count": 0}})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "count"


def test_event_stream_sends_progress_then_one_final(api: TestClient) -> None:
    run_id = start(api, count=30, delay_ms=20, batch=5)
    worker = threading.Thread(target=runner.execute, args=(uuid.UUID(run_id),))
    events: list[tuple[str, dict[str, object]]] = []
    with api.stream("GET", f"/api/v1/runs/{run_id}/events") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        worker.start()
        event = None
        for line in response.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                events.append((str(event), json.loads(line.split(":", 1)[1])))
    worker.join()
    names = [name for name, _ in events]
    assert names[-1] == "final"
    assert names.count("final") == 1
    assert set(names[:-1]) == {"progress"}
    processed = [doc["totals"]["processed"] for _, doc in events]  # type: ignore[index]
    assert processed == sorted(processed)
    assert len(set(processed)) > 2  # counters moved while we watched
    assert events[-1][1]["status"] == "completed"


def test_event_stream_of_another_tenants_run_is_404(api: TestClient, make_tenant: object) -> None:
    run_id = start(api, count=1)
    other = make_tenant("Other")  # type: ignore[operator]
    assert other.client.get(f"/api/v1/runs/{run_id}/events").status_code == 404
