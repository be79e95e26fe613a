"""Requisites checks for organisations and counterparties.

Real bases hold legacy bad values, so nothing here rejects a record: it returns the problems
found, which the import stores on the row, lists as per-record errors and makes filterable.
"""

from __future__ import annotations

from typing import Any

from ihub.kit.requisites import inn_problem, kpp_problem, ogrn_problem

__all__ = ["requisites_problems"]

_PERSONS = ("entrepreneur", "individual")


def requisites_problems(record: dict[str, Any]) -> list[dict[str, str]]:
    """Problems with INN, KPP and OGRN given the record's legal form.

    Each problem is ``{"field", "value", "reason"}``; the field is the ERP's attribute name.
    """
    inn, kpp, ogrn = record["inn"], record["kpp"], record["ogrn"]
    form = record["legal_form"]
    problems: list[dict[str, str]] = []

    def problem(field: str, value: str, reason: str) -> None:
        problems.append({"field": field, "value": value, "reason": reason})

    if form == "foreign_entity":
        return problems  # no Russian requisites to check
    if inn:
        if reason := inn_problem(inn):
            problem("ИНН", inn, reason)
        elif form == "legal_entity" and len(inn) != 10:
            problem("ИНН", inn, "an organisation's INN has 10 digits; 12 digits belong to a person")
        elif form in _PERSONS and len(inn) != 12:
            problem("ИНН", inn, "a person's INN has 12 digits; 10 digits belong to an organisation")
    elif form in ("legal_entity", "entrepreneur"):
        problem("ИНН", "", "INN is missing")

    if form == "legal_entity":
        if not kpp:
            problem("КПП", "", "KPP is missing; an organisation has one")
        elif reason := kpp_problem(kpp):
            problem("КПП", kpp, reason)
    elif form in _PERSONS:
        if kpp:
            problem("КПП", kpp, "an individual entrepreneur or a person has no KPP; leave it empty")
    elif kpp and (reason := kpp_problem(kpp)):
        problem("КПП", kpp, reason)

    if ogrn:
        if reason := ogrn_problem(ogrn):
            problem("ОГРН", ogrn, reason)
        elif form == "legal_entity" and len(ogrn) != 13:
            problem("ОГРН", ogrn, "an organisation's OGRN has 13 digits; 15 digits is an OGRNIP")
        elif form == "entrepreneur" and len(ogrn) != 15:
            problem("ОГРН", ogrn, "an individual entrepreneur's OGRNIP has 15 digits")
    return problems
