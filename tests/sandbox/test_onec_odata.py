"""The emulator answers like the reference says 1C does, over real HTTP."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ihub.kit.requisites import inn_problem
from ihub.sandbox import mount_sandboxes
from tests.fixtures.onec import OneCSandbox

Start = Callable[..., OneCSandbox]


def get(sandbox: OneCSandbox, path: str, **kwargs: Any) -> httpx.Response:
    auth = kwargs.pop("auth", (sandbox.config.username, sandbox.config.password))
    url = f"{sandbox.base_url}/odata/standard.odata/{path}"
    return httpx.get(url, auth=auth, timeout=10, **kwargs)


def rows(sandbox: OneCSandbox, path: str) -> list[dict[str, Any]]:
    response = get(sandbox, path)
    assert response.status_code == 200, response.text
    return list(response.json()["value"])


def test_collections_are_json_light_with_string_counts(onec_sandbox: Start) -> None:
    sandbox = onec_sandbox()
    body = get(sandbox, "Catalog_Организации?$format=json&$inlinecount=allpages").json()
    assert body["odata.metadata"].endswith("/$metadata#Catalog_Организации")
    assert body["odata.count"] == "8"
    head = body["value"][0]
    assert list(head)[:3] == ["Ref_Key", "DataVersion", "DeletionMark"]
    assert "Code" not in head
    assert "Parent_Key" not in head
    assert "odata.nextLink" not in body


def test_without_format_json_the_answer_is_atom(onec_sandbox: Start) -> None:
    response = get(onec_sandbox(), "Catalog_Организации")
    assert response.headers["content-type"].startswith("application/atom+xml")


def test_paging_with_orderby_is_stable_and_complete(onec_sandbox: Start) -> None:
    sandbox = onec_sandbox()
    seen = []
    for skip in range(0, 300, 70):
        seen += rows(
            sandbox,
            f"Catalog_Номенклатура?$format=json&$orderby=Ref_Key&$top=70&$skip={skip}"
            "&$select=Ref_Key",
        )
    keys = [row["Ref_Key"] for row in seen]
    assert len(keys) == 250 == len(set(keys))
    assert keys == sorted(keys)


def test_paging_without_orderby_shuffles(onec_sandbox: Start) -> None:
    sandbox = onec_sandbox()
    first = rows(sandbox, "Catalog_Номенклатура?$format=json&$top=50&$select=Ref_Key")
    second = rows(sandbox, "Catalog_Номенклатура?$format=json&$top=50&$select=Ref_Key")
    assert first != second


def test_filter_select_and_expand(onec_sandbox: Start) -> None:
    sandbox = onec_sandbox()
    page = rows(
        sandbox,
        "Catalog_Номенклатура?$format=json&$filter=IsFolder%20eq%20false&$orderby=Code"
        "&$select=Ref_Key,IsFolder,ЕдиницаИзмерения/Description&$expand=ЕдиницаИзмерения",
    )
    assert page
    assert not any(row["IsFolder"] for row in page)
    assert len(page) == 250 - 7  # one group per 40 rows
    assert {row["ЕдиницаИзмерения"]["Description"] for row in page} <= {
        "шт",
        "кг",
        "л",
        "м",
        "упак",
    }
    assert set(page[0]) == {"Ref_Key", "IsFolder", "ЕдиницаИзмерения"}
    # $expand is silently ignored without the matching $select path.
    bare = rows(
        sandbox, "Catalog_Номенклатура?$format=json&$top=1&$select=Ref_Key&$expand=ЕдиницаИзмерения"
    )
    assert set(bare[0]) == {"Ref_Key"}


def test_full_rows_carry_navigation_links_for_non_empty_references(onec_sandbox: Start) -> None:
    row = rows(onec_sandbox(), "Catalog_Номенклатура?$format=json&$orderby=Ref_Key&$top=2")[1]
    own = f"Catalog_Номенклатура(guid'{row['Ref_Key']}')"
    assert row["ЕдиницаИзмерения@navigationLinkUrl"] == f"{own}/ЕдиницаИзмерения"
    assert row["СрокГодности"] == "0"  # Int64 travels as a string


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("Catalog_Номенклатура?$format=json&$select=Нет", 400, "6"),
        ("Catalog_Номенклатура?$format=json&$filter=IsFolder%20eq", 400, "14"),
        ("Catalog_Номенклатура?$format=json&$filter=IsFolder+eq+false", 400, "14"),
        ("Catalog_Неопубликованный?$format=json", 404, "6"),
        ("Catalog_Номенклатура(guid'ffffffff-0000-0000-0000-000000000000')?$format=json", 404, "9"),
        ("Catalog_Номенклатура?$format=json&$top=ten", 400, "14"),
    ],
)
def test_errors_use_the_odata_error_shape(
    onec_sandbox: Start, path: str, status: int, code: str
) -> None:
    response = get(onec_sandbox(), path)
    assert response.status_code == status
    error = response.json()["odata.error"]
    assert error["code"] == code
    assert error["message"]["lang"] == "ru"


def test_basic_auth_is_utf8_and_a_401_is_an_html_page(onec_sandbox: Start) -> None:
    sandbox = onec_sandbox()
    assert get(sandbox, "Catalog_Склады?$format=json").status_code == 200
    wrong = get(sandbox, "Catalog_Склады?$format=json", auth=("Администратор", "нет"))
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"].startswith("Basic")
    assert wrong.headers["content-type"].startswith("text/html")
    cp1251 = base64.b64encode("Администратор:пароль".encode("cp1251")).decode()
    mangled = httpx.get(
        f"{sandbox.base_url}/odata/standard.odata/Catalog_Склады?$format=json",
        headers={"Authorization": f"Basic {cp1251}"},
    )
    assert mangled.status_code == 401


def test_unpublished_objects_are_404(onec_sandbox: Start) -> None:
    sandbox = onec_sandbox(published=["Catalog_Номенклатура"])
    assert get(sandbox, "Catalog_Номенклатура?$format=json&$top=1").status_code == 200
    assert get(sandbox, "Catalog_Склады?$format=json").status_code == 404
    assert "Catalog_Склады" not in get(sandbox, "$metadata").text


def test_metadata_declares_sets_and_the_balance_function(onec_sandbox: Start) -> None:
    xml = get(onec_sandbox(), "$metadata").text
    assert 'Namespace="StandardODATA"' in xml
    assert '<EntitySet Name="Catalog_Номенклатура"' in xml
    assert 'FunctionImport Name="Balance" IsBindable="true"' in xml
    assert 'ComplexType Name="AccumulationRegister_ТоварыНаСкладах_Balance"' in xml


def test_balance_with_a_condition_of_nested_quotes(onec_sandbox: Start) -> None:
    sandbox = onec_sandbox()
    store = rows(
        sandbox, "Catalog_Склады?$format=json&$filter=IsFolder%20eq%20false&$orderby=Ref_Key"
    )[0]
    condition = f"Condition='Склад_Key eq guid'{store['Ref_Key']}'',Dimensions='Номенклатура,Склад'"
    body = get(
        sandbox,
        f"AccumulationRegister_ТоварыНаСкладах/Balance({condition})"
        "?$format=json&$inlinecount=allpages&$orderby=Номенклатура_Key",
    ).json()
    assert int(body["odata.count"]) == len(body["value"]) > 0
    assert {row["Склад_Key"] for row in body["value"]} == {store["Ref_Key"]}
    assert "Ref_Key" not in body["value"][0]
    assert "Характеристика_Key" not in body["value"][0]


def test_the_data_is_deterministic_and_awkward(onec_sandbox: Start) -> None:
    first, second = onec_sandbox(), onec_sandbox()
    path = "Catalog_Контрагенты?$format=json&$orderby=Ref_Key"
    parties = rows(first, path)
    assert parties == rows(second, path)
    kinds = {p["ЮридическоеФизическоеЛицо"] for p in parties}
    assert kinds == {"ЮридическоеЛицо", "ИндивидуальныйПредприниматель", "ФизическоеЛицо"}
    assert any(p["ИНН"] and inn_problem(p["ИНН"]) for p in parties)
    entrepreneurs = [
        p for p in parties if p["ЮридическоеФизическоеЛицо"] == "ИндивидуальныйПредприниматель"
    ]
    assert all(len(p["ИНН"]) == 12 and p["КПП"] == "" for p in entrepreneurs)
    assert any(p["DeletionMark"] for p in parties)


def test_a_new_generation_edits_some_rows(onec_sandbox: Start) -> None:
    path = (
        "Catalog_Номенклатура?$format=json&$orderby=Ref_Key&$select=Ref_Key,DataVersion,Description"
    )
    before, after = rows(onec_sandbox(), path), rows(onec_sandbox(generation=2), path)
    changed = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert 0 < len(changed) < len(before) / 4
    assert all(b["DataVersion"] != a["DataVersion"] for b, a in changed)


def test_faults_can_be_switched_on_at_run_time(onec_sandbox: Start) -> None:
    sandbox = onec_sandbox()
    sandbox.faults(error_rate=1.0)
    statuses = {get(sandbox, "Catalog_Склады?$format=json").status_code for _ in range(4)}
    assert statuses == {500, 503}
    sandbox.faults(error_rate=0, unauthorized_after_pages=sandbox.stats().get("pages", 0) + 1)
    assert get(sandbox, "Catalog_Склады?$format=json").status_code == 200
    assert get(sandbox, "Catalog_Склады?$format=json").status_code == 401


def test_a_million_rows_are_served_without_materialising_them(onec_sandbox: Start) -> None:
    sandbox = onec_sandbox(products=1_000_000)
    body = get(
        sandbox,
        "Catalog_Номенклатура?$format=json&$orderby=Ref_Key&$top=3&$skip=999990"
        "&$select=Ref_Key,Code&$inlinecount=allpages",
    ).json()
    assert body["odata.count"] == "1000000"
    assert [row["Code"] for row in body["value"]] == ["УТ-00999991", "УТ-00999992", "УТ-00999993"]


def test_the_demo_mounts_the_sandbox_under_sandbox_onec() -> None:
    app = FastAPI()
    mount_sandboxes(app)
    with TestClient(app) as client:
        response = client.get(
            "/sandbox/onec/ut11/odata/standard.odata/Catalog_Склады?$format=json&$top=1",
            auth=("Администратор", "пароль"),
        )
    assert response.status_code == 200
    assert response.json()["odata.metadata"] == (
        "http://testserver/sandbox/onec/ut11/odata/standard.odata/$metadata#Catalog_Склады"
    )
