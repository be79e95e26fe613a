"""Catalog API: local products, read-only imported ones, search and filters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ihub.catalog.validation import requisites_problems
from tests.fixtures.app import TenantHandle
from tests.fixtures.onec import OneCSandbox
from tests.imports.helpers import connect, run_import

Start = Callable[..., OneCSandbox]


def test_local_products_can_be_created_changed_and_deleted(api: TestClient) -> None:
    created = api.post("/api/v1/products", json={"name": "Гвоздь 100 мм", "sku": "G-100"})
    assert created.status_code == 201, created.text
    product = created.json()
    assert (product["source"], product["connection_id"], product["is_valid"]) == (
        "local",
        None,
        True,
    )
    changed = api.patch(f"/api/v1/products/{product['id']}", json={"unit": "кг", "name": None})
    assert changed.json()["unit"] == "кг"
    assert changed.json()["name"] == "Гвоздь 100 мм"
    assert api.get("/api/v1/products", params={"source": "local"}).json()["total"] == 1
    assert api.delete(f"/api/v1/products/{product['id']}").status_code == 204
    assert api.get(f"/api/v1/products/{product['id']}").status_code == 404
    audit = api.get("/api/v1/audit", params={"object_type": "product"}).json()["items"]
    assert [a["action"] for a in audit] == ["product.deleted", "product.updated", "product.created"]


@pytest.mark.parametrize(
    "body", [{}, {"name": ""}, {"name": "x", "colour": "red"}, {"name": "x" * 501}]
)
def test_bad_products_are_refused(api: TestClient, body: dict[str, Any]) -> None:
    response = api.post("/api/v1/products", json=body)
    assert response.status_code == 422
    assert api.get("/api/v1/products").json()["total"] == 0


def test_imported_products_are_read_only_and_searchable(
    api: TestClient, onec_sandbox: Start
) -> None:
    connection = connect(api, onec_sandbox())
    run_import(api, connection, aggregates=["products"])
    api.post("/api/v1/products", json={"name": "Местный товар"})
    imported = api.get("/api/v1/products", params={"source": "imported", "page_size": 5}).json()
    assert imported["total"] == 243
    product = imported["items"][0]
    assert product["source"] == "imported"
    assert product["external_id"]
    assert product["unit"] in {"шт", "кг", "л", "м", "упак"}
    assert api.patch(f"/api/v1/products/{product['id']}", json={"name": "x"}).status_code == 409
    assert api.delete(f"/api/v1/products/{product['id']}").status_code == 409
    by_code = api.get("/api/v1/products", params={"q": "УТ-00000002"}).json()
    assert [p["code"] for p in by_code["items"]] == ["УТ-00000002"]
    mine = api.get("/api/v1/products", params={"connection_id": connection}).json()
    assert mine["total"] == 243
    assert api.get("/api/v1/products", params={"source": "local"}).json()["total"] == 1
    services = api.get("/api/v1/products", params={"product_type": "Услуга"}).json()
    assert 0 < services["total"] < 243


def test_stock_lists_names_and_filters(api: TestClient, onec_sandbox: Start) -> None:
    run_import(api, connect(api, onec_sandbox()))
    warehouse = api.get("/api/v1/warehouses").json()["items"][0]
    page = api.get("/api/v1/stock", params={"warehouse_id": warehouse["id"]}).json()
    assert page["total"] > 0
    row = page["items"][0]
    assert row["warehouse_name"] == warehouse["name"]
    assert row["product_name"]
    assert row["quantity"] > 0
    one = api.get(f"/api/v1/stock/{row['id']}").json()
    assert one == row
    product_rows = api.get("/api/v1/stock", params={"product_id": row["product_id"]}).json()
    assert {r["product_id"] for r in product_rows["items"]} == {row["product_id"]}
    searched = api.get("/api/v1/stock", params={"q": row["product_name"][:12]}).json()
    assert searched["total"] >= 1


def test_filters_accept_the_empty_values_forms_send(api: TestClient) -> None:
    for path in ("/api/v1/organizations", "/api/v1/products", "/api/v1/stock"):
        response = api.get(path, params={"connection_id": "", "deletion_mark": "", "q": ""})
        assert response.status_code == 200, (path, response.text)


def test_catalog_rows_of_another_tenant_are_invisible(
    make_tenant: Callable[..., TenantHandle], onec_sandbox: Start
) -> None:
    owner, stranger = make_tenant("Owner"), make_tenant("Stranger")
    run_import(owner.client, connect(owner.client, onec_sandbox()), aggregates=["organizations"])
    assert owner.client.get("/api/v1/organizations").json()["total"] == 8
    assert stranger.client.get("/api/v1/organizations").json()["total"] == 0


@pytest.mark.parametrize(
    ("record", "fields"),
    [
        (
            {
                "inn": "7708123450",
                "kpp": "770801001",
                "ogrn": "1027700123450",
                "legal_form": "legal_entity",
            },
            [],
        ),
        (
            {
                "inn": "772301234521",
                "kpp": "",
                "ogrn": "317774600123458",
                "legal_form": "entrepreneur",
            },
            [],
        ),
        ({"inn": "", "kpp": "", "ogrn": "", "legal_form": "individual"}, []),
        ({"inn": "", "kpp": "", "ogrn": "", "legal_form": "foreign_entity"}, []),
        ({"inn": "", "kpp": "770801001", "ogrn": "", "legal_form": "legal_entity"}, ["ИНН"]),
        ({"inn": "7708123450", "kpp": "", "ogrn": "", "legal_form": "legal_entity"}, ["КПП"]),
        (
            {"inn": "772301234521", "kpp": "770801001", "ogrn": "", "legal_form": "entrepreneur"},
            ["КПП"],
        ),
        ({"inn": "7708123450", "kpp": "", "ogrn": "", "legal_form": "entrepreneur"}, ["ИНН"]),
        (
            {"inn": "772301234521", "kpp": "770801001", "ogrn": "", "legal_form": "legal_entity"},
            ["ИНН"],
        ),
        (
            {
                "inn": "7708123450",
                "kpp": "770801001",
                "ogrn": "317774600123458",
                "legal_form": "legal_entity",
            },
            ["ОГРН"],
        ),
        (
            {
                "inn": "7708123450",
                "kpp": "7708010",
                "ogrn": "1027700123451",
                "legal_form": "unknown",
            },
            ["КПП", "ОГРН"],
        ),
    ],
)
def test_requisites_rules(record: dict[str, str], fields: list[str]) -> None:
    assert [p["field"] for p in requisites_problems(record)] == fields
