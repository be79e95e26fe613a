"""Import runs from the 1C sandbox over real HTTP, worked on in-process by the runner."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ihub.db import Database
from ihub.models import (
    Counterparty,
    Organization,
    Product,
    ProductionVersion,
    StockBalance,
    Warehouse,
)
from ihub.runs import runner
from tests.fixtures.onec import OneCSandbox
from tests.fixtures.worker import wait_for
from tests.imports.helpers import (
    by_name,
    connect,
    products_processed,
    progress,
    run_import,
    start,
)

Start = Callable[..., OneCSandbox]


def count(database: Database, model: type[Any]) -> int:
    with database.scope(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_full_import_loads_all_five_aggregates(
    api: TestClient, onec_sandbox: Start, database: Database
) -> None:
    sandbox = onec_sandbox()
    document = run_import(api, connect(api, sandbox))
    assert document["status"] == "completed_with_errors", document["error"]
    aggregates = by_name(document)
    assert list(aggregates) == [
        "organizations",
        "counterparties",
        "products",
        "warehouses",
        "stock",
    ]
    assert [a["aggregate_index"] for a in document["aggregates"]] == [0, 1, 2, 3, 4]
    assert aggregates["organizations"]["inserted"] == 8
    assert aggregates["counterparties"]["inserted"] == 60
    assert aggregates["products"]["total"] == aggregates["products"]["inserted"] == 243
    assert aggregates["warehouses"]["inserted"] == 3  # the group is not a warehouse
    stock = aggregates["stock"]
    assert stock["processed"] == stock["total"] == stock["inserted"] > 0
    assert stock["errors"] == 0
    assert all(a["status"] == "completed" for a in document["aggregates"])
    assert document["total_processed"] == sum(a["processed"] for a in document["aggregates"])
    assert document["total_errors"] == len(document["errors"]) > 0
    assert (count(database, Organization), count(database, Warehouse)) == (8, 3)
    assert count(database, Product) == 243
    assert count(database, StockBalance) == stock["inserted"]

    # Every balance links to its imported product and warehouse.
    with database.scope(write=False) as session:
        unlinked = session.scalar(
            select(func.count())
            .select_from(StockBalance)
            .where((StockBalance.product_id.is_(None)) | (StockBalance.warehouse_id.is_(None)))
        )
    assert unlinked == 0


def test_invalid_requisites_are_loaded_flagged_and_listed(
    api: TestClient, onec_sandbox: Start
) -> None:
    document = run_import(api, connect(api, onec_sandbox()), aggregates=["organizations"])
    invalid = api.get("/api/v1/organizations", params={"valid": "false"}).json()["items"]
    names = {o["name"] for o in invalid}
    assert "АО «Сибирский торговый дом»" in names  # INN check digit wrong
    assert "ООО «Новая фирма»" in names  # INN missing
    assert "ИП Ёлкина Е. Ё." in names  # an entrepreneur with a KPP
    valid = {
        o["name"]
        for o in api.get("/api/v1/organizations", params={"valid": "true"}).json()["items"]
    }
    assert {"ООО «Ромашка»", "ООО «Ромашка» (филиал в Казани)", "ИП Кузнецов А. В."} <= valid
    entrepreneur = next(
        o for o in api.get("/api/v1/organizations", params={"q": "Кузнецов"}).json()["items"]
    )
    assert (entrepreneur["inn"], entrepreneur["kpp"], entrepreneur["legal_form"]) == (
        "772301234521",
        "",
        "entrepreneur",
    )
    errors = document["errors"]
    siberian = next(o for o in invalid if o["name"].startswith("АО «Сибирский"))
    assert {
        "aggregate": "organizations",
        "ref_key": siberian["external_id"],
        "field": "ИНН",
        "value": "5406234561",
        "reason": "INN check digit does not match",
    } in errors
    assert siberian["problems"] == [
        {"field": "ИНН", "value": "5406234561", "reason": "INN check digit does not match"}
    ]
    long_name = next(o for o in invalid if "Альфа-Омега" in o["name"])
    assert {p["field"] for p in long_name["problems"]} == {"КПП", "ОГРН"}


def test_a_second_import_of_unchanged_data_changes_nothing(
    api: TestClient, onec_sandbox: Start
) -> None:
    connection = connect(api, onec_sandbox())
    first = run_import(api, connection)
    second = run_import(api, connection)
    assert second["total_inserted"] == 0
    assert second["total_updated"] == 0
    assert second["total_unchanged"] == second["total_processed"] == first["total_processed"]
    assert second["status"] == "completed_with_errors"  # the invalid records are still invalid


def test_changed_rows_are_updated_by_data_version(
    api: TestClient, onec_sandbox: Start, database: Database
) -> None:
    def production_version() -> int:
        with database.scope(write=False) as session:
            return int(
                session.scalar(select(func.coalesce(func.sum(ProductionVersion.version), 0)))
            )

    before, after = onec_sandbox(), onec_sandbox(generation=3)
    connection = connect(api, before)
    run_import(api, connection, aggregates=["products"])
    version = production_version()
    api.patch(f"/api/v1/connections/{connection}", json={"settings": {"base_url": after.base_url}})
    document = run_import(api, connection, aggregates=["products"])
    products = by_name(document)["products"]
    edited = sum(
        1
        for i in range(250)
        if not after.state.data.is_product_folder(i) and after.state.data.version(3, i) > 1
    )
    assert products["updated"] == edited > 0
    assert products["unchanged"] == 243 - edited
    assert products["inserted"] == 0
    renamed = api.get("/api/v1/products", params={"q": "(ред."}).json()
    assert renamed["total"] == edited
    assert production_version() > version  # cached batch lists and analytics show the names


def test_deletion_marks_are_kept_as_a_flag(api: TestClient, onec_sandbox: Start) -> None:
    run_import(api, connect(api, onec_sandbox()), aggregates=["organizations", "warehouses"])
    marked = api.get("/api/v1/organizations", params={"deletion_mark": "true"}).json()["items"]
    assert [o["name"] for o in marked] == ["ООО «Закрытая» (не использовать)"]
    warehouses = api.get("/api/v1/warehouses", params={"deletion_mark": "true"}).json()
    assert warehouses["total"] == 0  # only three warehouses; the fourth carries the mark


def test_a_wrong_password_fails_the_run_and_changes_no_data(
    api: TestClient, onec_sandbox: Start, database: Database
) -> None:
    sandbox = onec_sandbox()
    connection = connect(api, sandbox)
    api.patch(f"/api/v1/connections/{connection}", json={"secrets": {"password": "неверный"}})
    document = run_import(api, connection)
    assert document["status"] == "failed"
    assert "rejected the login «Администратор»" in document["error"]
    assert document["total_processed"] == 0
    assert count(database, Organization) == count(database, Counterparty) == 0
    state = api.get(f"/api/v1/connections/{connection}").json()
    assert state["status"] == "needs_attention"
    assert state["last_error"] == document["error"]


def test_a_login_refused_mid_import_keeps_the_committed_pages(
    api: TestClient, onec_sandbox: Start, database: Database
) -> None:
    sandbox = onec_sandbox(faults={"unauthorized_after_pages": 3})
    connection = connect(api, sandbox, page_size=50)
    document = run_import(api, connection, aggregates=["products"])
    assert document["status"] == "failed"
    assert "rejected the login" in document["error"]
    assert by_name(document)["products"]["processed"] == 150
    assert count(database, Product) == 150  # three whole pages, committed before the 401


def test_a_wrong_url_fails_with_an_explanation(api: TestClient, onec_sandbox: Start) -> None:
    sandbox = onec_sandbox()
    connection = connect(api, sandbox, base_url=f"{sandbox.url}/nope")
    document = run_import(api, connection)
    assert document["status"] == "failed"
    assert document["error"].startswith("Nothing at")


def test_a_missing_optional_attribute_is_logged_not_fatal(
    api: TestClient, onec_sandbox: Start
) -> None:
    sandbox = onec_sandbox(missing_fields=["Catalog_Контрагенты.ОГРН"])
    document = run_import(api, connect(api, sandbox), aggregates=["counterparties"])
    assert by_name(document)["counterparties"]["inserted"] == 60
    logs = api.get("/api/v1/logs", params={"run_id": document["session_id"]}).json()["items"]
    assert any("has no attribute ОГРН" in entry["message"] for entry in logs)
    assert any(
        entry["step"] == "counterparties" and entry["status"] == "completed" for entry in logs
    )


def test_server_errors_are_retried_and_the_import_completes(
    api: TestClient, onec_sandbox: Start
) -> None:
    sandbox = onec_sandbox(faults={"error_rate": 0.3}, seed=7)
    connection = connect(api, sandbox, page_size=50)
    document = run_import(api, connection, aggregates=["products"])
    assert by_name(document)["products"]["inserted"] == 243
    assert sandbox.stats()["errors_injected"] > 0


def test_cancel_stops_within_a_page(
    api: TestClient, onec_sandbox: Start, database: Database
) -> None:
    sandbox = onec_sandbox(products=2000, faults={"latency_ms": 40})
    connection = connect(api, sandbox, page_size=50)
    import_id = start(api, connection, aggregates=["products"])
    worker = threading.Thread(target=runner.execute, args=(uuid.UUID(import_id),))
    worker.start()
    try:
        wait_for(lambda: products_processed(api, import_id) >= 100)
        assert api.post(f"/api/v1/runs/{import_id}/cancel").status_code == 202
    finally:
        worker.join(60)
    document = progress(api, import_id)
    assert document["status"] == "cancelled"
    processed = by_name(document)["products"]["processed"]
    assert processed < 1950
    assert processed % 50 == 0  # whole pages only
    assert count(database, Product) == processed


def test_only_the_chosen_aggregates_run_in_their_order(
    api: TestClient, onec_sandbox: Start
) -> None:
    connection = connect(api, onec_sandbox())
    document = run_import(api, connection, aggregates=["stock", "warehouses"])
    assert [a["aggregate_name"] for a in document["aggregates"]] == ["warehouses", "stock"]
    # No products were imported: balances are kept, each listed as unlinked.
    stock = by_name(document)["stock"]
    assert stock["inserted"] == stock["errors"] > 0
    assert document["errors"][0]["field"] == "Номенклатура_Key"


def test_balances_that_vanish_are_set_to_zero(
    api: TestClient, onec_sandbox: Start, database: Database
) -> None:
    few, more = onec_sandbox(products=120), onec_sandbox(products=80)
    connection = connect(api, few)
    run_import(api, connection, aggregates=["products", "warehouses", "stock"])
    api.patch(f"/api/v1/connections/{connection}", json={"settings": {"base_url": more.base_url}})
    document = run_import(api, connection, aggregates=["stock"])
    stock = by_name(document)["stock"]
    assert stock["updated"] > 0  # the balances of products 80..119 dropped to zero
    zero = api.get("/api/v1/stock", params={"in_stock": "false"}).json()
    assert zero["total"] == stock["updated"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"aggregates": []}, 422),
        ({"aggregates": ["orders"]}, 422),
        ({"mode": "incremental"}, 422),
    ],
)
def test_bad_import_requests_are_refused(
    api: TestClient, onec_sandbox: Start, body: dict[str, Any], status: int
) -> None:
    connection = connect(api, onec_sandbox())
    response = api.post("/api/v1/imports", json={"connection_id": connection, **body})
    assert response.status_code == status
    assert api.get("/api/v1/imports").json()["total"] == 0


def test_one_import_per_connection_at_a_time(api: TestClient, onec_sandbox: Start) -> None:
    connection = connect(api, onec_sandbox())
    start(api, connection)
    response = api.post("/api/v1/imports", json={"connection_id": connection})
    assert response.status_code == 409


def test_errors_are_filterable_and_exported_as_csv(api: TestClient, onec_sandbox: Start) -> None:
    document = run_import(
        api, connect(api, onec_sandbox()), aggregates=["organizations", "counterparties"]
    )
    import_id = document["session_id"]
    page = api.get(
        f"/api/v1/imports/{import_id}/errors", params={"aggregate": "organizations"}
    ).json()
    assert page["total"] == by_name(document)["organizations"]["errors"]
    assert {e["aggregate"] for e in page["items"]} == {"organizations"}
    csv = api.get(f"/api/v1/imports/{import_id}/errors", params={"format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.lstrip("\ufeff").splitlines()
    assert lines[0] == "aggregate,ref_key,field,value,reason"
    assert len(lines) == 1 + document["total_errors"]


def test_imports_are_listed_newest_first(api: TestClient, onec_sandbox: Start) -> None:
    connection = connect(api, onec_sandbox())
    first = run_import(api, connection, aggregates=["warehouses"])
    second = run_import(api, connection, aggregates=["warehouses"])
    listed = api.get("/api/v1/imports").json()
    assert [i["session_id"] for i in listed["items"]] == [second["session_id"], first["session_id"]]
    assert api.get(f"/api/v1/imports/{uuid.uuid4()}").status_code == 404
