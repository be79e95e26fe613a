"""What ihub reads from UT 11, and how: entity set, fields, filter, order, paging.

Attributes that not every UT release has are *optional*: when the base answers that one does
not exist (400, code 6) the stream drops it and asks again, instead of failing the import.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ihub.connectors.onec_odata.client import MissingField, OneCClient, Page

__all__ = [
    "BalanceStream",
    "CatalogStream",
    "Stream",
    "counterparties",
    "organizations",
    "pages",
    "products",
    "stock",
    "warehouses",
]


@dataclass
class CatalogStream:
    entity_set: str
    fields: tuple[str, ...]
    optional: tuple[str, ...] = ()
    filter: str | None = None
    # Ref_Key is the one order every catalog has; upserts key on it, so a row seen twice
    # across pages (should 1C order by presentation) is merely counted as unchanged.
    orderby: str = "Ref_Key"
    missing: set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        return self.entity_set

    def select(self) -> list[str]:
        return [f for f in (*self.fields, *self.optional) if f not in self.missing]

    def expand(self) -> list[str]:
        paths = [f.partition("/")[0] for f in self.select() if "/" in f]
        return list(dict.fromkeys(paths))

    def read(self, client: OneCClient, skip: int, top: int, count: bool) -> Page:
        return client.collection(
            self.entity_set,
            select=self.select(),
            filter=self.filter,
            orderby=self.orderby,
            expand=self.expand(),
            top=top,
            skip=skip,
            count=count,
        )


@dataclass
class BalanceStream:
    """Current balances of an accumulation register, one ``Condition`` at a time."""

    register: str
    dimensions: tuple[str, ...]
    fields: tuple[str, ...]
    optional: tuple[str, ...] = ()
    orderby: str = "Номенклатура_Key"
    condition: str | None = None
    missing: set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        return f"{self.register}/Balance"

    def select(self) -> list[str]:
        return [f for f in (*self.fields, *self.optional) if f not in self.missing]

    def read(self, client: OneCClient, skip: int, top: int, count: bool) -> Page:
        return client.balance(
            self.register,
            dimensions=self.dimensions,
            select=self.select(),
            condition=self.condition,
            orderby=self.orderby,
            top=top,
            skip=skip,
            count=count,
        )


Stream = CatalogStream | BalanceStream


def pages(client: OneCClient, stream: Stream, *, skip: int, page_size: int) -> Iterator[Page]:
    """Pages from ``skip`` on; the first carries the total (``$inlinecount``).

    The last page is the first one shorter than ``page_size``.
    """
    first = True
    while True:
        try:
            page = stream.read(client, skip, page_size, first)
        except MissingField as exc:
            if exc.field_name not in stream.optional or exc.field_name in stream.missing:
                raise
            stream.missing.add(exc.field_name)
            continue
        page.missing = sorted(stream.missing)
        yield page
        if len(page.rows) < page_size:
            return
        skip += len(page.rows)
        first = False


def organizations() -> CatalogStream:
    return CatalogStream(
        "Catalog_Организации",
        ("Ref_Key", "DataVersion", "DeletionMark", "Description", "ИНН", "КПП"),
        optional=(
            "НаименованиеПолное",
            "ОГРН",
            "ЮрФизЛицо",
            "ЮридическоеФизическоеЛицо",
            "ОбособленноеПодразделение",
            "ГоловнаяОрганизация_Key",
            "ДатаРегистрации",
        ),
    )


def counterparties() -> CatalogStream:
    return CatalogStream(
        "Catalog_Контрагенты",
        ("Ref_Key", "DataVersion", "DeletionMark", "Description", "ИНН", "КПП"),
        optional=(
            "НаименованиеПолное",
            "ОГРН",
            "ЮрФизЛицо",
            "ЮридическоеФизическоеЛицо",
            "ОбособленноеПодразделение",
            "Партнер_Key",
        ),
    )


def products() -> CatalogStream:
    return CatalogStream(
        "Catalog_Номенклатура",
        ("Ref_Key", "DataVersion", "DeletionMark", "IsFolder", "Parent_Key", "Description"),
        optional=(
            "Code",
            "Артикул",
            "НаименованиеПолное",
            "ТипНоменклатуры",
            "ЕдиницаИзмерения/Description",
        ),
        filter="IsFolder eq false",  # groups are not products
    )


def warehouses() -> CatalogStream:
    return CatalogStream(
        "Catalog_Склады",
        ("Ref_Key", "DataVersion", "DeletionMark", "IsFolder", "Description"),
        optional=("Parent_Key", "ТипСклада"),
        filter="IsFolder eq false",
    )


def stock(warehouse_key: str) -> BalanceStream:
    """One warehouse's balances: the ``Condition`` keeps each virtual-table call small."""
    return BalanceStream(
        "AccumulationRegister_ТоварыНаСкладах",
        ("Номенклатура", "Склад"),
        ("Номенклатура_Key", "Склад_Key", "ВНаличииBalance"),
        optional=("КОтгрузкеBalance",),
        condition=f"Склад_Key eq guid'{warehouse_key}'",
    )
