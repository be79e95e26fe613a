"""Work centers and batches over the API: CRUD, the status machine, list filters, history."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import event

from ihub.db import Database
from tests.fixtures import objects
from tests.fixtures.app import TenantHandle
from tests.production.conftest import complete, make_batch, move


class TestWorkCenters:
    def test_create_list_update_delete(self, api: TestClient) -> None:
        body = {"code": "L2", "name": "Line 2", "kind": "line", "capacity_per_shift": 250.5}
        created = api.post("/api/v1/work-centers", json=body)
        assert created.status_code == 201, created.text
        wc = created.json()
        assert wc["capacity_per_shift"] == 250.5
        assert wc["shifts_per_day"] == 1
        assert wc["active"] is True

        again = api.post("/api/v1/work-centers", json=body)
        assert again.status_code == 409
        assert "L2" in again.json()["detail"]

        patched = api.patch(f"/api/v1/work-centers/{wc['id']}", json={"active": False})
        assert patched.json()["active"] is False
        listed = api.get("/api/v1/work-centers", params={"active": "false"}).json()
        assert [w["code"] for w in listed["items"]] == ["L2"]
        assert api.delete(f"/api/v1/work-centers/{wc['id']}").status_code == 204
        assert api.get(f"/api/v1/work-centers/{wc['id']}").status_code == 404

    def test_a_work_center_with_batches_cannot_be_deleted(
        self, api: TestClient, product: str, work_center: str
    ) -> None:
        make_batch(api, product, work_center)
        response = api.delete(f"/api/v1/work-centers/{work_center}")
        assert response.status_code == 409
        assert "deactivate" in response.json()["detail"]

    def test_bad_input_is_a_problem(self, api: TestClient) -> None:
        response = api.post(
            "/api/v1/work-centers", json={"code": "", "name": "x", "capacity_per_shift": -1}
        )
        assert response.status_code == 422
        fields = {e["field"] for e in response.json()["errors"]}
        assert {"body.code", "body.capacity_per_shift"} <= fields

    def test_operators_cannot_change_work_centers(
        self, tenant: TenantHandle, anonymous: TestClient
    ) -> None:
        key = tenant.client.post("/api/v1/api-keys", json={"name": "op", "role": "operator"})
        headers = {"Authorization": f"Bearer {key.json()['key']}"}
        body = {"code": "X", "name": "X", "capacity_per_shift": 1}
        assert anonymous.post("/api/v1/work-centers", json=body, headers=headers).status_code == 403


class TestBatches:
    def test_create_defaults_and_history(
        self, api: TestClient, product: str, work_center: str
    ) -> None:
        batch = make_batch(api, product, work_center, number=" b-2026-001 ", notes="first")
        assert batch["number"] == "B-2026-001"
        assert batch["status"] == "planned"
        assert batch["unit"] == "pcs"  # the product's unit
        assert batch["product_name"] == "Bolt M8"
        assert batch["work_center_code"] == "L1"
        assert batch["produced_quantity"] == 0
        assert batch["yield_pct"] is None
        assert [(h["from_status"], h["to_status"]) for h in batch["history"]] == [(None, "planned")]

    def test_the_list_shows_every_change_at_once(
        self, api: TestClient, product: str, work_center: str
    ) -> None:
        """List pages are cached per data version: batch, product and work-center edits."""

        def listed() -> list[tuple[str, str, str, str]]:
            page = api.get("/api/v1/batches").json()
            keys = ("number", "status", "product_name", "work_center_code")
            return [tuple(item[k] for k in keys) for item in page["items"]]  # type: ignore[misc]

        batch = make_batch(api, product, work_center, number="C-1")
        assert listed() == [("C-1", "planned", "Bolt M8", "L1")]
        move(api, batch["id"], "in_progress")
        assert listed() == [("C-1", "in_progress", "Bolt M8", "L1")]
        api.patch(f"/api/v1/products/{product}", json={"name": "Bolt M10"}).raise_for_status()
        assert listed() == [("C-1", "in_progress", "Bolt M10", "L1")]
        api.patch(f"/api/v1/work-centers/{work_center}", json={"code": "L9"}).raise_for_status()
        assert listed() == [("C-1", "in_progress", "Bolt M10", "L9")]

    def test_a_cached_page_opens_no_transaction(
        self, api: TestClient, product: str, work_center: str, database: Database
    ) -> None:
        """A repeated read costs the version probe only: no BEGIN, no worker thread to end it."""
        make_batch(api, product, work_center)
        first = api.get("/api/v1/batches")
        begun: list[object] = []

        def note(connection: object) -> None:
            begun.append(connection)

        event.listen(database.engine, "begin", note)
        try:
            again = api.get("/api/v1/batches")
        finally:
            event.remove(database.engine, "begin", note)
        assert again.json() == first.json()
        assert begun == []

    def test_numbers_are_unique_per_tenant_ignoring_case(
        self,
        api: TestClient,
        product: str,
        work_center: str,
        make_tenant: Callable[..., TenantHandle],
    ) -> None:
        make_batch(api, product, work_center, number="B-1")
        again = api.post(
            "/api/v1/batches",
            json={
                "number": "b-1",
                "product_id": product,
                "work_center_id": work_center,
                "planned_quantity": 1,
                "planned_start": "2026-11-05T06:00:00Z",
            },
        )
        assert again.status_code == 409
        other = make_tenant("Other")
        assert objects.batch(other, number="B-1")  # another tenant may use the same number

    def test_unknown_product_or_inactive_work_center_is_422(
        self, api: TestClient, tenant: TenantHandle, product: str, work_center: str
    ) -> None:
        stranger_product = objects.product(tenant, "Other")
        api.patch(f"/api/v1/work-centers/{work_center}", json={"active": False})
        body = {
            "number": "B-9",
            "product_id": stranger_product,
            "work_center_id": work_center,
            "planned_quantity": 5,
            "planned_start": "2026-11-05T06:00:00Z",
        }
        response = api.post("/api/v1/batches", json=body)
        assert response.status_code == 422
        assert "inactive" in response.json()["detail"]
        body["product_id"] = "00000000-0000-0000-0000-000000000000"
        assert "does not exist" in api.post("/api/v1/batches", json=body).json()["detail"]

    def test_the_full_life_of_a_batch(
        self, api: TestClient, product: str, work_center: str
    ) -> None:
        batch = make_batch(api, product, work_center)
        started = move(api, batch["id"], "in_progress", at="2026-11-05T06:10:00Z")
        assert started["actual_start"] == "2026-11-05T06:10:00Z"
        progress = api.patch(f"/api/v1/batches/{batch['id']}", json={"produced_quantity": 40})
        assert progress.json()["produced_quantity"] == 40
        done = move(
            api,
            batch["id"],
            "completed",
            at="2026-11-05T14:00:00Z",
            produced_quantity=98.5,
            defective_quantity=1.5,
            note="shift A",
        )
        assert done["status"] == "completed"
        assert done["good_quantity"] == 97
        assert done["yield_pct"] == 98.48
        assert [h["to_status"] for h in done["history"]] == ["planned", "in_progress", "completed"]
        assert done["history"][-1]["note"] == "shift A"
        assert done["history"][-1]["actor_label"].startswith("bootstrap")  # the API key
        audit = api.get("/api/v1/audit", params={"object_id": batch["id"]}).json()["items"]
        assert {a["action"] for a in audit} == {
            "batch.created",
            "batch.updated",
            "batch.status_changed",
        }

    def test_illegal_moves_are_409_with_the_reason(
        self, api: TestClient, product: str, work_center: str
    ) -> None:
        batch = make_batch(api, product, work_center)
        url = f"/api/v1/batches/{batch['id']}/transition"
        early = api.post(url, json={"to": "completed"})
        assert early.status_code == 409
        assert "has not started" in early.json()["detail"]
        assert early.json()["allowed"] == ["cancelled", "in_progress"]
        move(api, batch["id"], "cancelled")
        final = api.post(url, json={"to": "in_progress"})
        assert final.status_code == 409
        assert "final" in final.json()["detail"]
        assert (
            api.post(url, json={"to": "cancelled"}).json()["detail"].endswith("already cancelled.")
        )

    def test_quantities_are_checked(self, api: TestClient, product: str, work_center: str) -> None:
        batch = make_batch(api, product, work_center)
        url = f"/api/v1/batches/{batch['id']}/transition"
        assert api.post(url, json={"to": "in_progress", "produced_quantity": 1}).status_code == 422
        move(api, batch["id"], "in_progress", at="2026-11-05T08:00:00Z")
        worse = api.post(
            url, json={"to": "completed", "produced_quantity": 5, "defective_quantity": 6}
        )
        assert worse.status_code == 422
        assert "exceeds" in worse.json()["detail"]
        before = api.post(url, json={"to": "completed", "at": "2026-11-05T07:00:00Z"})
        assert before.status_code == 422
        assert api.get(f"/api/v1/batches/{batch['id']}").json()["status"] == "in_progress"

    def test_plan_fields_change_only_while_planned(
        self, api: TestClient, product: str, work_center: str
    ) -> None:
        batch = make_batch(api, product, work_center)
        url = f"/api/v1/batches/{batch['id']}"
        assert api.patch(url, json={"produced_quantity": 3}).status_code == 409
        assert api.patch(url, json={"planned_quantity": 120}).json()["planned_quantity"] == 120
        move(api, batch["id"], "in_progress")
        refused = api.patch(url, json={"planned_quantity": 130})
        assert refused.status_code == 409
        assert "only change while the batch is planned" in refused.json()["detail"]
        assert api.patch(url, json={"notes": "late"}).json()["notes"] == "late"

    def test_only_planned_batches_are_deleted(
        self, api: TestClient, product: str, work_center: str
    ) -> None:
        planned = make_batch(api, product, work_center)
        started = make_batch(api, product, work_center)
        move(api, started["id"], "in_progress")
        assert api.delete(f"/api/v1/batches/{started['id']}").status_code == 409
        assert api.delete(f"/api/v1/batches/{planned['id']}").status_code == 204
        assert api.get(f"/api/v1/batches/{planned['id']}").status_code == 404


class TestBatchList:
    def test_filters_search_sort_and_pages(
        self, api: TestClient, tenant: TenantHandle, product: str, work_center: str
    ) -> None:
        other_product = objects.product(tenant, "Nut M8", sku="NUT-M8")
        other_wc = objects.work_center(tenant, "L9")
        for n in range(5):
            make_batch(
                api, product, work_center, number=f"A-{n}", planned_start=f"2026-11-0{n + 1}T08:00Z"
            )
        make_batch(api, other_product, other_wc, number="Z-1", planned_start="2026-10-01T08:00Z")
        done = make_batch(api, product, other_wc, number="Z-2", planned_start="2026-12-01T08:00Z")
        complete(api, done["id"], "2026-12-01T12:00:00Z", 10)

        def numbers(**params: object) -> list[str]:
            response = api.get("/api/v1/batches", params=params)
            assert response.status_code == 200, response.text
            return [b["number"] for b in response.json()["items"]]

        assert numbers() == ["Z-2", "A-4", "A-3", "A-2", "A-1", "A-0", "Z-1"]
        assert numbers(sort="number") == ["A-0", "A-1", "A-2", "A-3", "A-4", "Z-1", "Z-2"]
        assert numbers(q="a-") == ["A-0", "A-1", "A-2", "A-3", "A-4"]  # a search sorts by number
        assert numbers(q="a-", sort="-planned_start") == ["A-4", "A-3", "A-2", "A-1", "A-0"]
        assert numbers(q="z-1") == ["Z-1"]
        assert numbers(status="completed") == ["Z-2"]
        assert numbers(status=["completed", "planned"], product_id=other_product) == ["Z-1"]
        assert numbers(work_center_id=other_wc) == ["Z-2", "Z-1"]
        assert numbers(planned_from="2026-11-02T00:00:00", planned_to="2026-11-04") == [
            "A-2",
            "A-1",
        ]
        assert numbers(finished_from="2026-12-01T00:00:00Z") == ["Z-2"]
        page = api.get("/api/v1/batches", params={"page": 2, "page_size": 3}).json()
        assert [b["number"] for b in page["items"]] == ["A-2", "A-1", "A-0"]
        assert (page["total"], page["total_exact"]) == (7, True)

    def test_pages_stay_within_the_window(self, api: TestClient) -> None:
        response = api.get("/api/v1/batches", params={"page": 201, "page_size": 50})
        assert response.status_code == 422
        assert "narrow the filters" in response.json()["detail"]
        assert api.get("/api/v1/batches", params={"sort": "colour"}).status_code == 422
