"""UT 11 rows to plain records: pure functions, no I/O.

1C conventions handled here: the empty reference is the zero GUID and the empty date is
``0001-01-01T00:00:00`` (both mean "no value"); fixed-length strings arrive space-padded;
``null`` may appear in any attribute added to the configuration later; Int64 travels as a
string. A row that cannot be mapped at all raises ``Unmappable`` (the import skips it and
lists it as an error); anything merely dubious is mapped and left to validation.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

__all__ = [
    "EMPTY_GUID",
    "Unmappable",
    "counterparty",
    "organization",
    "product",
    "stock_balance",
    "warehouse",
]

EMPTY_GUID = "00000000-0000-0000-0000-000000000000"
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_LEGAL_FORMS = {
    "ЮридическоеЛицо": "legal_entity",
    "ИндивидуальныйПредприниматель": "entrepreneur",
    "ФизическоеЛицо": "individual",
    "ЮрЛицо": "legal_entity",
    "ЮрЛицоНеРезидент": "foreign_entity",
}


class Unmappable(ValueError):
    def __init__(self, reason: str, *, field: str, value: Any = None) -> None:
        super().__init__(reason)
        self.reason, self.field, self.value = reason, field, value


def text(row: dict[str, Any], name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value).strip()


def reference(row: dict[str, Any], name: str) -> str | None:
    """A ``…_Key`` value, or None for the empty reference (or a missing/odd one)."""
    value = text(row, name).lower()
    return value if _GUID.fullmatch(value) and value != EMPTY_GUID else None


def flag(row: dict[str, Any], name: str) -> bool:
    return row.get(name) is True


def day(row: dict[str, Any], name: str) -> date | None:
    value = text(row, name)
    if not value or value.startswith("0001-01-01"):
        return None
    try:
        return datetime.fromisoformat(value).date()
    except ValueError:
        return None


def number(row: dict[str, Any], name: str) -> float:
    """A resource of a virtual table; empty comes back as 0 or null."""
    value = row.get(name)
    if value is None or value == "":
        return 0.0
    try:
        return float(value)
    except (TypeError, ValueError):
        raise Unmappable(f"{name} is not a number", field=name, value=value) from None


def _identity(row: dict[str, Any]) -> dict[str, Any]:
    key = reference(row, "Ref_Key")
    if key is None:
        raise Unmappable(
            "Ref_Key is missing or not a GUID", field="Ref_Key", value=row.get("Ref_Key")
        )
    version = text(row, "DataVersion")
    if not version:
        raise Unmappable(
            "DataVersion is missing", field="DataVersion", value=row.get("DataVersion")
        )
    return {"external_id": key, "data_version": version, "deletion_mark": flag(row, "DeletionMark")}


def _name(row: dict[str, Any]) -> str:
    return text(row, "Description") or text(row, "НаименованиеПолное") or "(без наименования)"


def legal_form(row: dict[str, Any], *, person_means_entrepreneur: bool) -> str:
    """legal_entity, entrepreneur, individual, foreign_entity or unknown.

    Newer UT has ``ЮридическоеФизическоеЛицо`` with the entrepreneur spelled out; older rows
    only say ``ЮрФизЛицо = ФизЛицо``, which for an own organisation always means an
    entrepreneur and for a counterparty means one when it has a 12-digit INN.
    """
    detailed = _LEGAL_FORMS.get(text(row, "ЮридическоеФизическоеЛицо"))
    if detailed:
        return detailed
    legacy = text(row, "ЮрФизЛицо")
    if legacy == "ФизЛицо":
        if person_means_entrepreneur or len(text(row, "ИНН")) == 12:
            return "entrepreneur"
        return "individual"
    return _LEGAL_FORMS.get(legacy, "unknown")


def organization(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **_identity(row),
        "name": _name(row),
        "full_name": text(row, "НаименованиеПолное") or None,
        "inn": text(row, "ИНН"),
        "kpp": text(row, "КПП"),
        "ogrn": text(row, "ОГРН"),
        "legal_form": legal_form(row, person_means_entrepreneur=True),
        "is_branch": flag(row, "ОбособленноеПодразделение"),
        "head_external_id": reference(row, "ГоловнаяОрганизация_Key"),
        "registration_date": day(row, "ДатаРегистрации"),
    }


def counterparty(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **_identity(row),
        "name": _name(row),
        "full_name": text(row, "НаименованиеПолное") or None,
        "inn": text(row, "ИНН"),
        "kpp": text(row, "КПП"),
        "ogrn": text(row, "ОГРН"),
        "legal_form": legal_form(row, person_means_entrepreneur=False),
        "is_branch": flag(row, "ОбособленноеПодразделение"),
        "partner_external_id": reference(row, "Партнер_Key"),
    }


def product(row: dict[str, Any]) -> dict[str, Any] | None:
    """None for a group: groups are not products."""
    if flag(row, "IsFolder"):
        return None
    unit = row.get("ЕдиницаИзмерения")
    return {
        **_identity(row),
        "name": _name(row)[:500],
        "full_name": text(row, "НаименованиеПолное") or None,
        "code": text(row, "Code")[:50] or None,
        "sku": text(row, "Артикул")[:100] or None,
        "unit": (text(unit, "Description")[:50] or None) if isinstance(unit, dict) else None,
        "product_type": text(row, "ТипНоменклатуры")[:50] or None,
        "group_external_id": reference(row, "Parent_Key"),
    }


def warehouse(row: dict[str, Any]) -> dict[str, Any] | None:
    if flag(row, "IsFolder"):
        return None
    return {
        **_identity(row),
        "name": _name(row),
        "warehouse_type": text(row, "ТипСклада") or None,
        "group_external_id": reference(row, "Parent_Key"),
    }


def stock_balance(row: dict[str, Any]) -> dict[str, Any]:
    product_key = reference(row, "Номенклатура_Key")
    if product_key is None:
        raise Unmappable(
            "the balance row names no product",
            field="Номенклатура_Key",
            value=row.get("Номенклатура_Key"),
        )
    warehouse_key = reference(row, "Склад_Key")
    if warehouse_key is None:
        raise Unmappable(
            "the balance row names no warehouse", field="Склад_Key", value=row.get("Склад_Key")
        )
    return {
        "product_external_id": product_key,
        "warehouse_external_id": warehouse_key,
        "quantity": number(row, "ВНаличииBalance"),
        "reserved": number(row, "КОтгрузкеBalance"),
    }
