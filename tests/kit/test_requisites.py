"""Known values from the reference (synthetic ones checked by hand, plus Сбербанк's INN)."""

from __future__ import annotations

import pytest

from ihub.kit.requisites import inn_problem, kpp_problem, ogrn_problem


@pytest.mark.parametrize(
    "inn",
    [
        "7708123450",
        "6670123457",
        "1655123453",
        "5406234560",
        "7816012349",
        "5003000128",
        "7707083893",
        "772301234521",
        "540312345698",
    ],
)
def test_valid_inns(inn: str) -> None:
    assert inn_problem(inn) is None


@pytest.mark.parametrize(
    ("inn", "reason"),
    [
        ("5406234561", "check digit"),
        ("772301234522", "check digit"),
        ("770812345", "10 digits"),
        ("77081234AB", "digits only"),
        ("0000000000", "all zeros"),
        ("７７０８１２３４５０", "digits only"),  # full-width digits pass str.isdigit()
    ],
)
def test_invalid_inns(inn: str, reason: str) -> None:
    assert reason in (inn_problem(inn) or "")


@pytest.mark.parametrize("kpp", ["770801001", "770843001", "7708AB001", "997750001"])
def test_valid_kpps(kpp: str) -> None:
    assert kpp_problem(kpp) is None


@pytest.mark.parametrize("kpp", ["16550100", "7708ab001", "77080100A", " 770801001"])
def test_invalid_kpps(kpp: str) -> None:
    assert kpp_problem(kpp) is not None


@pytest.mark.parametrize(
    "ogrn",
    [
        "1027700123450",
        "1206600123454",
        "1055400123459",
        "1167847123454",
        "317774600123458",
        "319547600123451",
    ],
)
def test_valid_ogrns(ogrn: str) -> None:
    assert ogrn_problem(ogrn) is None


@pytest.mark.parametrize(
    ("ogrn", "reason"),
    [
        ("1027700123451", "OGRN check digit"),
        ("317774600123459", "OGRNIP check digit"),
        ("417774600123458", "start with 3"),
        ("10277001234", "13 digits"),
    ],
)
def test_invalid_ogrns(ogrn: str, reason: str) -> None:
    assert reason in (ogrn_problem(ogrn) or "")
