"""The 1C client, streams and mapping against the sandbox over real HTTP."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ihub.connectors.onec_odata import mapping, streams
from ihub.connectors.onec_odata.check import check_connection
from ihub.connectors.onec_odata.client import OneCClient, service_url
from ihub.kit.failures import Terminal, Transient
from ihub.kit.http import AuthenticationFailed, ResourceNotFound, RetryPolicy, TimedOut, Unreachable
from tests.fixtures.onec import OneCSandbox
from tests.fixtures.server import free_port

Start = Callable[..., OneCSandbox]


def client(sandbox: OneCSandbox, **settings: object) -> OneCClient:
    quick = RetryPolicy(attempts=3, initial_wait=0.01, max_wait=0.05)
    return OneCClient(sandbox.settings(**settings), sandbox.config.password, retry=quick)


def test_service_url_accepts_the_publication_or_the_full_odata_path() -> None:
    expected = "https://erp.example/ut11/odata/standard.odata/"
    assert service_url("https://erp.example/ut11") == expected
    assert service_url("https://erp.example/ut11/odata/standard.odata/") == expected


def test_pages_cover_the_set_once_with_the_total_on_the_first(onec_sandbox: Start) -> None:
    sandbox = onec_sandbox()
    with client(sandbox) as onec:
        pages = list(streams.pages(onec, streams.products(), skip=0, page_size=100))
    assert [len(p.rows) for p in pages] == [100, 100, 43]
    assert pages[0].total == 243
    assert pages[1].total is None
    keys = [row["Ref_Key"] for page in pages for row in page.rows]
    assert len(set(keys)) == 243
    assert all(row["ЕдиницаИзмерения"]["Description"] for page in pages for row in page.rows)


def test_resuming_from_a_skip_continues_where_it_stopped(onec_sandbox: Start) -> None:
    sandbox = onec_sandbox()
    with client(sandbox) as onec:
        whole = [
            r["Ref_Key"]
            for p in streams.pages(onec, streams.products(), skip=0, page_size=50)
            for r in p.rows
        ]
        rest = [
            r["Ref_Key"]
            for p in streams.pages(onec, streams.products(), skip=100, page_size=50)
            for r in p.rows
        ]
    assert rest == whole[100:]


def test_an_attribute_the_base_lacks_is_dropped_not_fatal(onec_sandbox: Start) -> None:
    sandbox = onec_sandbox(missing_fields=["Catalog_Контрагенты.ОГРН"])
    stream = streams.counterparties()
    with client(sandbox) as onec:
        pages = list(streams.pages(onec, stream, skip=0, page_size=500))
    assert stream.missing == {"ОГРН"}
    assert pages[0].missing == ["ОГРН"]
    assert len(pages[0].rows) == 60
    assert "ОГРН" not in pages[0].rows[0]


def test_stock_balances_per_warehouse(onec_sandbox: Start) -> None:
    sandbox = onec_sandbox()
    with client(sandbox) as onec:
        stores = onec.collection(
            "Catalog_Склады", select=["Ref_Key"], filter="IsFolder eq false"
        ).rows
        counted = 0
        for store in stores:
            stream = streams.stock(store["Ref_Key"])
            for page in streams.pages(onec, stream, skip=0, page_size=40):
                assert {row["Склад_Key"] for row in page.rows} <= {store["Ref_Key"]}
                counted += len(page.rows)
    assert 0 < counted < 243 * 3


def test_a_wrong_password_is_terminal_and_names_the_login(onec_sandbox: Start) -> None:
    sandbox = onec_sandbox()
    with (
        OneCClient(sandbox.settings(), "неверный") as onec,
        pytest.raises(AuthenticationFailed) as caught,
    ):
        onec.probe("Catalog_Склады")
    assert isinstance(caught.value, Terminal)
    assert "«Администратор»" in str(caught.value)


def test_an_unpublished_object_is_named(onec_sandbox: Start) -> None:
    sandbox = onec_sandbox(published=["Catalog_Склады"])
    with (
        client(sandbox) as onec,
        pytest.raises(ResourceNotFound, match="Catalog_Номенклатура is not published"),
    ):
        onec.probe("Catalog_Номенклатура")


def test_a_wrong_address_is_explained(onec_sandbox: Start) -> None:
    sandbox = onec_sandbox()
    with (
        client(sandbox, base_url=f"{sandbox.url}/no-such-base") as onec,
        pytest.raises(ResourceNotFound, match="Nothing at .*/no-such-base/odata/standard.odata"),
    ):
        onec.probe("Catalog_Склады")
    with (
        OneCClient(
            sandbox.settings(base_url=f"http://127.0.0.1:{free_port()}/ut"),
            "x",
            retry=RetryPolicy(attempts=1),
        ) as onec,
        pytest.raises(Unreachable, match="Cannot reach"),
    ):
        onec.probe("Catalog_Склады")


def test_a_hang_past_the_timeout_is_transient(onec_sandbox: Start) -> None:
    sandbox = onec_sandbox(faults={"hang_every": 1, "hang_seconds": 3})
    with client(sandbox, timeout_seconds=1) as onec, pytest.raises(TimedOut) as caught:
        onec.probe("Catalog_Склады")
    assert isinstance(caught.value, Transient)
    assert "did not answer within 1 s" in str(caught.value)


def test_server_errors_are_retried(onec_sandbox: Start) -> None:
    sandbox = onec_sandbox(faults={"error_rate": 0.5}, seed=3)
    with client(sandbox) as onec:
        pages = list(streams.pages(onec, streams.products(), skip=0, page_size=25))
    assert sum(len(p.rows) for p in pages) == 243
    assert sandbox.stats()["errors_injected"] > 0


def test_check_reports_every_object(onec_sandbox: Start) -> None:
    sandbox = onec_sandbox()
    report = check_connection(sandbox.settings(), sandbox.secrets())
    assert report.ok, report.message
    assert [step.name for step in report.steps] == [
        "Catalog_Организации",
        "Catalog_Контрагенты",
        "Catalog_Номенклатура",
        "Catalog_Склады",
        "AccumulationRegister_ТоварыНаСкладах/Balance",
    ]


def test_check_names_what_is_not_published(onec_sandbox: Start) -> None:
    sandbox = onec_sandbox(
        published=["Catalog_Организации", "Catalog_Контрагенты", "Catalog_Склады"]
    )
    report = check_connection(sandbox.settings(), sandbox.secrets())
    assert not report.ok
    assert report.message.startswith("Catalog_Номенклатура is not published")
    assert "and 1 more" in report.message
    assert [s.name for s in report.steps if not s.ok] == [
        "Catalog_Номенклатура",
        "AccumulationRegister_ТоварыНаСкладах/Balance",
    ]


def test_check_stops_at_a_wrong_login(onec_sandbox: Start) -> None:
    sandbox = onec_sandbox()
    report = check_connection(sandbox.settings(), sandbox.secrets("неверный"))
    assert not report.ok
    assert len(report.steps) == 1
    assert "rejected the login" in report.message


class TestMapping:
    def test_empty_guid_and_date_mean_no_value(self) -> None:
        row = {
            "Ref_Key": "B1C89D94-CB6A-11E6-AEDE-5404A6B4B8ED",
            "DataVersion": "AAAAAAAAAAE=",
            "DeletionMark": True,
            "Description": "  ООО «Ромашка»   ",
            "ИНН": "7708123450 ",
            "КПП": None,
            "ГоловнаяОрганизация_Key": mapping.EMPTY_GUID,
            "ДатаРегистрации": "0001-01-01T00:00:00",
            "ЮрФизЛицо": "ЮрЛицо",
        }
        record = mapping.organization(row)
        assert record["external_id"] == "b1c89d94-cb6a-11e6-aede-5404a6b4b8ed"
        assert record["deletion_mark"] is True
        assert record["name"] == "ООО «Ромашка»"
        assert (record["inn"], record["kpp"]) == ("7708123450", "")
        assert record["head_external_id"] is None
        assert record["registration_date"] is None
        assert record["legal_form"] == "legal_entity"

    @pytest.mark.parametrize(
        ("row", "field"),
        [
            ({"DataVersion": "AAAA"}, "Ref_Key"),
            ({"Ref_Key": mapping.EMPTY_GUID, "DataVersion": "AAAA"}, "Ref_Key"),
            ({"Ref_Key": "not-a-guid", "DataVersion": "AAAA"}, "Ref_Key"),
            ({"Ref_Key": "b1c89d94-cb6a-11e6-aede-5404a6b4b8ed"}, "DataVersion"),
        ],
    )
    def test_rows_without_identity_cannot_be_mapped(
        self, row: dict[str, object], field: str
    ) -> None:
        with pytest.raises(mapping.Unmappable) as caught:
            mapping.counterparty(row)
        assert caught.value.field == field

    @pytest.mark.parametrize(
        ("row", "organization", "expected"),
        [
            ({"ЮридическоеФизическоеЛицо": "ИндивидуальныйПредприниматель"}, False, "entrepreneur"),
            ({"ЮрФизЛицо": "ФизЛицо"}, True, "entrepreneur"),
            ({"ЮрФизЛицо": "ФизЛицо", "ИНН": "772301234521"}, False, "entrepreneur"),
            ({"ЮрФизЛицо": "ФизЛицо"}, False, "individual"),
            ({"ЮрФизЛицо": "ЮрЛицоНеРезидент"}, False, "foreign_entity"),
            ({}, False, "unknown"),
        ],
    )
    def test_legal_forms(self, row: dict[str, object], organization: bool, expected: str) -> None:
        assert mapping.legal_form(row, person_means_entrepreneur=organization) == expected

    def test_groups_are_not_products_and_null_attributes_are_fine(self) -> None:
        base = {"Ref_Key": "b1c89d94-cb6a-11e6-aede-5404a6b4b8ed", "DataVersion": "AAAA"}
        assert mapping.product({**base, "IsFolder": True}) is None
        record = mapping.product({**base, "IsFolder": False, "Description": None, "Артикул": None})
        assert record is not None
        assert record["name"] == "(без наименования)"
        assert record["sku"] is None

    def test_balance_rows(self) -> None:
        key = "b1c89d94-cb6a-11e6-aede-5404a6b4b8ed"
        row = {
            "Номенклатура_Key": key,
            "Склад_Key": key,
            "ВНаличииBalance": 2.5,
            "КОтгрузкеBalance": None,
        }
        assert mapping.stock_balance(row)["reserved"] == 0.0
        with pytest.raises(mapping.Unmappable):
            mapping.stock_balance({**row, "Склад_Key": mapping.EMPTY_GUID})
        with pytest.raises(mapping.Unmappable):
            mapping.stock_balance({**row, "ВНаличииBalance": "много"})
