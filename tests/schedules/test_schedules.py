from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import update

from ihub.db import Database
from ihub.kit.clock import utcnow
from ihub.models import Run, Schedule
from ihub.runs import runner
from ihub.schedules.cron import next_fire_times
from ihub.schedules.service import tick

WEEKDAYS_9 = {
    "name": "Replenishment",
    "kind": "demo.counter",
    "cron": "0 9 * * 1-5",
    "params": {"count": 2, "delay_ms": 0},
}


def make_due(database: Database, schedule_id: str) -> None:
    with database.scope() as session:
        session.execute(
            update(Schedule)
            .where(Schedule.id == uuid.UUID(schedule_id))
            .values(next_run_at=utcnow() - timedelta(seconds=1))
        )


class TestCron:
    def test_weekdays_nine_moscow_is_six_utc(self) -> None:
        friday_noon = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
        times = next_fire_times("0 9 * * 1-5", "Europe/Moscow", friday_noon, 2)
        assert times == [
            datetime(2026, 12, 7, 6, 0, tzinfo=UTC),
            datetime(2026, 12, 8, 6, 0, tzinfo=UTC),
        ]

    def test_local_time_holds_across_a_dst_change(self) -> None:
        before_switch = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)  # Berlin switches on 29 March
        times = next_fire_times("0 9 * * *", "Europe/Berlin", before_switch, 3)
        assert [t.astimezone(ZoneInfo("Europe/Berlin")).hour for t in times] == [9, 9, 9]
        assert [t.hour for t in times] == [8, 7, 7]  # 28 March CET, then CEST


class TestApi:
    def test_create_defaults_to_the_tenant_timezone_and_computes_next_run(
        self, api: TestClient
    ) -> None:
        response = api.post("/api/v1/schedules", json=WEEKDAYS_9)
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["timezone"] == "Europe/Moscow"
        next_run = datetime.fromisoformat(body["next_run_at"])
        assert next_run.astimezone(ZoneInfo("Europe/Moscow")).hour == 9
        assert next_run.weekday() < 5

    def test_bad_cron_timezone_and_params_are_field_errors(self, api: TestClient) -> None:
        response = api.post(
            "/api/v1/schedules", json={**WEEKDAYS_9, "cron": "every day", "timezone": "Mars/Base"}
        )
        assert response.status_code == 422
        fields = {e["field"] for e in response.json()["errors"]}
        assert fields == {"body.cron", "body.timezone"}
        response = api.post("/api/v1/schedules", json={**WEEKDAYS_9, "params": {"count": -1}})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "count"

    def test_unknown_kind_is_rejected(self, api: TestClient) -> None:
        response = api.post("/api/v1/schedules", json={**WEEKDAYS_9, "kind": "no.such"})
        assert response.status_code == 422
        assert "demo.counter" in response.json()["detail"]

    def test_disable_clears_next_run_and_enable_restores_it(self, api: TestClient) -> None:
        schedule = api.post("/api/v1/schedules", json=WEEKDAYS_9).json()
        disabled = api.patch(f"/api/v1/schedules/{schedule['id']}", json={"enabled": False}).json()
        assert disabled["next_run_at"] is None
        enabled = api.patch(f"/api/v1/schedules/{schedule['id']}", json={"enabled": True}).json()
        assert enabled["next_run_at"] == schedule["next_run_at"]

    def test_changes_are_audited(self, api: TestClient) -> None:
        schedule = api.post("/api/v1/schedules", json=WEEKDAYS_9).json()
        api.patch(f"/api/v1/schedules/{schedule['id']}", json={"cron": "30 9 * * 1-5"})
        api.delete(f"/api/v1/schedules/{schedule['id']}")
        entries = api.get("/api/v1/audit", params={"object_id": schedule["id"]}).json()["items"]
        assert [e["action"] for e in entries] == [
            "schedule.deleted",
            "schedule.updated",
            "schedule.created",
        ]
        assert entries[1]["changes"]["cron"] == ["0 9 * * 1-5", "30 9 * * 1-5"]
        assert entries[1]["actor_type"] == "api_key"

    def test_run_now_starts_a_run_linked_to_the_schedule(self, api: TestClient) -> None:
        schedule = api.post("/api/v1/schedules", json=WEEKDAYS_9).json()
        run = api.post(f"/api/v1/schedules/{schedule['id']}/run").json()
        assert run["schedule_id"] == schedule["id"]
        assert run["trigger"] == "manual"


class TestTick:
    def test_a_due_schedule_starts_one_run_and_moves_on(
        self, api: TestClient, database: Database
    ) -> None:
        schedule = api.post("/api/v1/schedules", json=WEEKDAYS_9).json()
        make_due(database, schedule["id"])
        with database.scope() as session:
            assert tick(session) == {"started": 1, "skipped": 0}
        with database.scope() as session:
            assert tick(session) == {"started": 0, "skipped": 0}  # next time is in the future
        runs = api.get("/api/v1/runs", params={"schedule_id": schedule["id"]}).json()
        assert runs["total"] == 1
        assert runs["items"][0]["trigger"] == "schedule"
        assert runs["items"][0]["triggered_by"] == "schedule: Replenishment"
        after = api.get(f"/api/v1/schedules/{schedule['id']}").json()
        assert after["last_run_id"] == runs["items"][0]["id"]
        assert datetime.fromisoformat(after["next_run_at"]) > utcnow()

    def test_never_two_runs_of_one_schedule_at_once(
        self, api: TestClient, database: Database
    ) -> None:
        schedule = api.post("/api/v1/schedules", json=WEEKDAYS_9).json()
        make_due(database, schedule["id"])
        with database.scope() as session:
            tick(session)
        make_due(database, schedule["id"])
        with database.scope() as session:
            assert tick(session) == {"started": 0, "skipped": 1}
        logs = api.get("/api/v1/logs", params={"step": "schedule", "status": "skipped"}).json()
        assert "already queued" in logs["items"][0]["message"]
        first = api.get("/api/v1/runs", params={"schedule_id": schedule["id"]}).json()["items"][0]
        runner.execute(uuid.UUID(first["id"]))
        make_due(database, schedule["id"])
        with database.scope() as session:
            assert tick(session) == {"started": 1, "skipped": 0}

    def test_the_database_refuses_a_second_active_run_even_past_the_service(
        self, api: TestClient, database: Database
    ) -> None:
        schedule = api.post("/api/v1/schedules", json=WEEKDAYS_9).json()
        api.post(f"/api/v1/schedules/{schedule['id']}/run")
        response = api.post(f"/api/v1/schedules/{schedule['id']}/run")
        assert response.status_code == 409
        with database.scope() as session:
            assert session.query(Run).count() == 1
