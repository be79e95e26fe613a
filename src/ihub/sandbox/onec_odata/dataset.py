"""A deterministic UT 11 base whose rows are computed from their index, never stored.

Every value is a function of (seed, set, row index, generation), so a set of a million rows
costs no memory, two sandboxes with the same seed serve the same bytes, and raising
``generation`` edits a deterministic tenth of the rows (new ``DataVersion``, new text).

Awkward records on purpose: groups (``IsFolder``) among products and warehouses, deletion
marks, wrong and missing INN/KPP/OGRN, individual entrepreneurs with a 12-digit INN and no KPP,
a branch sharing its head's INN, long names, quotes of every kind, ``null`` attributes.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ihub.kit.requisites import inn_check_digits, ogrn_check_digit
from ihub.sandbox.onec_odata.config import SandboxConfig

EMPTY_GUID = "00000000-0000-0000-0000-000000000000"
EMPTY_DATE = "0001-01-01T00:00:00"
_MASK = (1 << 64) - 1
FOLDER_EVERY = 40  # one product group per 40 catalog rows
STOCK_REGISTER = "AccumulationRegister_ТоварыНаСкладах"
BALANCE = f"{STOCK_REGISTER}_Balance"


def _mix(x: int) -> int:
    """splitmix64's finaliser: a cheap, well-spread hash of one integer."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


@dataclass(frozen=True)
class Column:
    edm: str
    value: Callable[[int], Any]


@dataclass
class EntitySet:
    """One entity set (or a virtual table's row type) of the emulated base.

    ``exists`` makes a sparse set: rows 0..count-1 are candidates and only those it accepts
    are served. ``links`` maps a reference attribute (without ``_Key``) to its target set, for
    navigation links and ``$expand``.
    """

    name: str
    count: int
    columns: dict[str, Column]
    code: int = 0
    exists: Callable[[int], bool] | None = None
    links: dict[str, str] = field(default_factory=dict)

    @property
    def keyed(self) -> bool:
        return "Ref_Key" in self.columns


NOUNS = (
    "Кабель ВВГнг",
    "Провод ПВС",
    "Автомат выключатель",
    "Розетка двойная",
    "Лампа светодиодная",
    "Саморез по дереву",
    "Дюбель-гвоздь",
    "Краска фасадная",
    "Грунтовка глубокого проникновения",
    "Клей плиточный",
    "Смеситель для кухни",
    "Труба ПНД",
    "Муфта соединительная",
    "Перчатки х/б",
    "Лента изоляционная",
    "Герметик силиконовый",
    "Шуруповёрт аккумуляторный",
    "Сверло по металлу",
    "Уровень строительный",
    "Рулетка измерительная",
)
SPECS = ("3х2,5", "2х1,5", "16А", "10 Вт", "4,2х76", "6х40", "10 л", "25 кг", '½"', "Ø32", "XL", "")
BRANDS = (
    '"Электрокабель"',
    "«ИЭК»",
    "«Тикурила»",
    "'Русь'",
    "«Ceresit»",
    '"Мастер & Ко"',
    "«Зубр»",
)
GROUPS = (
    "Кабельная продукция",
    "Электроустановочные изделия",
    "Крепёж",
    "Лакокрасочные материалы",
    "Сухие смеси",
    "Сантехника",
    "Инструмент",
    "Спецодежда",
)
SURNAMES = ("Иванов", "Смирнова", "Кузнецов", "Попова", "Соколов", "Лебедева", "Новиков", "Ёлкин")
COMPANY_WORDS = (
    "Ромашка",
    "Северный ветер",
    "Альфа-Строй",
    'Торговый дом "Восток"',
    "ЭлектроМир",
    "Уральские зори",
    "Стройресурс",
    "Берёзка",
    "Кама-Трейд",
    "Балтийская логистика",
)
FORMS = (("ООО", "Общество с ограниченной ответственностью"), ("АО", "Акционерное общество"))
REGIONS = ("77", "78", "50", "66", "16", "54", "23", "52")
UNITS = (("шт", "штука"), ("кг", "килограмм"), ("л", "литр"), ("м", "метр"), ("упак", "упаковка"))
WAREHOUSES = ("Основной склад", "Склад «Север»", "Розничный магазин на Ленина", "Склад брака")
LONG_TAIL = (
    " — поставка по договору № 17/2024 от 01.02.2024 с учётом дополнительного соглашения"
    ' "О порядке приёмки товаров по количеству и качеству"'
)


@dataclass(frozen=True)
class Party:
    """The requisites of an organisation or a counterparty row."""

    description: str
    full_name: str
    inn: str
    kpp: str
    ogrn: str
    kind: str  # ЮридическоеФизическоеЛицо
    deleted: bool = False
    branch_of: int | None = None


class Dataset:
    def __init__(self, config: SandboxConfig) -> None:
        self.seed = config.seed
        self.generation = config.generation
        self.n_orgs = config.organizations
        self.n_parties = config.counterparties
        self.n_products = config.products
        self.n_warehouses = config.warehouses
        self._clock_seq = (config.seed * 7919) & 0xFFFF
        self.sets: dict[str, EntitySet] = {}
        for entity in (
            self._organizations(),
            self._counterparties(),
            self._products(),
            self._units(),
            self._warehouses(),
            self._balance(),
        ):
            self.sets[entity.name] = entity
        for missing in config.missing_fields:
            set_name, _, column = missing.partition(".")
            self.sets[set_name].columns.pop(column, None)

    # --- helpers shared by every set ---

    def rnd(self, salt: int, i: int, extra: int = 0) -> int:
        return _mix(_mix(self.seed * 1_000_003 + salt) ^ (i * 2_654_435_761 + extra))

    def guid(self, code: int, i: int) -> str:
        # Time-based-looking GUIDs whose string order is the row order, so ``$orderby=Ref_Key``
        # pages without sorting, and whose row index can be read back from the key.
        return f"{i + 1:08x}-{code:04x}-11e6-{self._clock_seq:04x}-5404a6b4b8ed"

    def index_of(self, entity: EntitySet, key: str) -> int | None:
        suffix = f"-{entity.code:04x}-11e6-{self._clock_seq:04x}-5404a6b4b8ed"
        if len(key) != 36 or not key.endswith(suffix):
            return None
        try:
            i = int(key[:8], 16) - 1
        except ValueError:
            return None
        return i if 0 <= i < entity.count and (entity.exists is None or entity.exists(i)) else None

    def version(self, salt: int, i: int) -> int:
        return 1 + sum(1 for g in range(2, self.generation + 1) if self.rnd(salt, i, g) % 10 == 0)

    @staticmethod
    def data_version(version: int) -> str:
        return base64.b64encode(struct.pack(">Q", version)).decode()

    def _standard(self, code: int, salt: int) -> dict[str, Column]:
        return {
            "Ref_Key": Column("Edm.Guid", lambda i: self.guid(code, i)),
            "DataVersion": Column("Edm.String", lambda i: self.data_version(self.version(salt, i))),
        }

    def _edited(self, salt: int, i: int, text: str) -> str:
        version = self.version(salt, i)
        return f"{text} (ред. {version})" if version > 1 else text

    # --- organisations and counterparties ---

    def _inn10(self, salt: int, i: int) -> str:
        r = self.rnd(salt, i, 101)
        body = REGIONS[r % len(REGIONS)] + f"{r // 8 % 100:02d}" + f"{r // 800 % 100_000:05d}"
        return body + inn_check_digits(body)

    def _inn12(self, salt: int, i: int) -> str:
        r = self.rnd(salt, i, 102)
        body = REGIONS[r % len(REGIONS)] + f"{r // 8 % 100:02d}" + f"{r // 800 % 1_000_000:06d}"
        return body + inn_check_digits(body)

    def _ogrn(self, salt: int, i: int, inn: str, individual: bool) -> str:
        r = self.rnd(salt, i, 103)
        if individual:
            body = "3" + f"{r % 25:02d}" + inn[:2] + f"{r // 25 % 10**9:09d}"
        else:
            body = "1" + f"{r % 25:02d}" + inn[:2] + f"{r // 25 % 10**7:07d}"
        return body + ogrn_check_digit(body)

    def _company(self, salt: int, i: int) -> tuple[str, str]:
        r = self.rnd(salt, i, 104)
        short, full = FORMS[r % len(FORMS)]
        name = COMPANY_WORDS[r // 2 % len(COMPANY_WORDS)]
        suffix = "" if r // 32 % 4 == 0 else f"-{r // 128 % 900 + 100}"
        quoted = f"«{name}{suffix}»"
        long = LONG_TAIL if r // 100_000 % 25 == 0 else ""
        return f"{short} {quoted}"[:100], f"{full} {quoted}{long}"

    def _person(self, salt: int, i: int) -> str:
        r = self.rnd(salt, i, 105)
        initials = "АБВГДЕЖЗИКЛМНОПРСТ"
        return f"{SURNAMES[r % len(SURNAMES)]} {initials[r // 8 % 18]}. {initials[r // 200 % 18]}."

    def _generated_party(self, salt: int, i: int) -> Party:
        r = self.rnd(salt, i, 106) % 100
        deleted = self.rnd(salt, i, 107) % 40 == 0
        if 68 <= r < 82 or 96 <= r < 98:  # individual entrepreneurs
            inn = self._inn12(salt, i)
            ogrn = self._ogrn(salt, i, inn, individual=True)
            if r >= 96:  # a mistyped OGRNIP
                ogrn = ogrn[:-1] + str((int(ogrn[-1]) + 1) % 10)
            person = self._person(salt, i)
            return Party(
                f"ИП {person}",
                f"Индивидуальный предприниматель {person}",
                inn,
                "",
                ogrn,
                "ИндивидуальныйПредприниматель",
                deleted,
            )
        if 82 <= r < 85:  # a private person: no INN, no KPP
            person = self._person(salt, i)
            return Party(person, person, "", "", "", "ФизическоеЛицо", deleted)
        description, full_name = self._company(salt, i)
        inn = self._inn10(salt, i)
        kpp = inn[:4] + "01001"
        ogrn = self._ogrn(salt, i, inn, individual=False)
        if 85 <= r < 89:
            inn = inn[:-1] + str((int(inn[-1]) + 1) % 10)  # wrong check digit
        elif 89 <= r < 92:
            kpp = ""  # a legal entity without KPP
        elif 92 <= r < 94:
            kpp = kpp[:8]  # KPP one character short
        elif 94 <= r < 96:
            inn = inn + "7"  # 11 digits
        elif r >= 98:
            inn, ogrn = "", ""  # never filled in
        return Party(description, full_name, inn, kpp, ogrn, "ЮридическоеЛицо", deleted)

    @lru_cache(maxsize=4096)  # noqa: B019 - the dataset lives as long as the app
    def organization(self, i: int) -> Party:
        fixed = (
            Party(
                "ООО «Ромашка»",
                "Общество с ограниченной ответственностью «Ромашка»",
                "7708123450",
                "770801001",
                "1027700123450",
                "ЮридическоеЛицо",
            ),
            Party(
                "ООО «Ромашка» (филиал в Казани)",
                "Казанский филиал общества с ограниченной ответственностью «Ромашка»",
                "7708123450",
                "165543001",
                "1027700123450",
                "ЮридическоеЛицо",
                branch_of=0,
            ),
            Party(
                "ИП Кузнецов А. В.",
                "Индивидуальный предприниматель Кузнецов Алексей Викторович",
                "772301234521",
                "",
                "317774600123458",
                "ИндивидуальныйПредприниматель",
            ),
            Party(
                "АО «Сибирский торговый дом»",
                "Акционерное общество «Сибирский торговый дом»",
                "5406234561",  # check digit wrong
                "540601001",
                "1055400123459",
                "ЮридическоеЛицо",
            ),
            Party(
                "ООО «Новая фирма»",
                "Общество с ограниченной ответственностью «Новая фирма»",
                "",  # INN never filled in
                "",
                "",
                "ЮридическоеЛицо",
            ),
            Party(
                "ООО «Закрытая» (не использовать)",
                "Общество с ограниченной ответственностью «Закрытая»",
                "6670123457",
                "667001001",
                "1206600123454",
                "ЮридическоеЛицо",
                deleted=True,
            ),
            Party(
                'ООО "Торговый дом «Северо-Западная оптово-розничная компания ""Альфа-Омега""»"',
                'Общество с ограниченной ответственностью "Торговый дом «Северо-Западная'
                ' оптово-розничная компания ""Альфа-Омега""»"' + LONG_TAIL,
                "7816012349",
                "16550100",  # eight characters
                "1027700123451",  # check digit wrong
                "ЮридическоеЛицо",
            ),
            Party(
                "ИП Ёлкина Е. Ё.",
                "Индивидуальный предприниматель Ёлкина Елена Ёрешевна",
                "540312345698",
                "540301001",  # an entrepreneur has no KPP
                "319547600123451",
                "ИндивидуальныйПредприниматель",
            ),
        )
        return fixed[i] if i < len(fixed) else self._generated_party(1, i)

    def _party_columns(
        self, code: int, salt: int, party: Callable[[int], Party]
    ) -> dict[str, Column]:
        def legacy_kind(i: int) -> str:
            return "ЮрЛицо" if party(i).kind == "ЮридическоеЛицо" else "ФизЛицо"

        return {
            **self._standard(code, salt),
            "DeletionMark": Column("Edm.Boolean", lambda i: party(i).deleted),
            "Description": Column(
                "Edm.String", lambda i: self._edited(salt, i, party(i).description)
            ),
            "Predefined": Column("Edm.Boolean", lambda i: False),
            "PredefinedDataName": Column("Edm.String", lambda i: ""),
            "НаименованиеПолное": Column("Edm.String", lambda i: party(i).full_name),
            "ИНН": Column("Edm.String", lambda i: party(i).inn),
            "КПП": Column("Edm.String", lambda i: party(i).kpp),
            "ОГРН": Column("Edm.String", lambda i: party(i).ogrn),
            "ЮрФизЛицо": Column("Edm.String", legacy_kind),
            "ЮридическоеФизическоеЛицо": Column("Edm.String", lambda i: party(i).kind),
            "ОбособленноеПодразделение": Column(
                "Edm.Boolean", lambda i: party(i).branch_of is not None
            ),
        }

    def _organizations(self) -> EntitySet:
        code, salt = 0x0A01, 1

        def head(i: int) -> str:
            branch_of = self.organization(i).branch_of
            return self.guid(code, i if branch_of is None else branch_of)

        columns = self._party_columns(code, salt, self.organization)
        columns["ГоловнаяОрганизация_Key"] = Column("Edm.Guid", head)
        columns["Префикс"] = Column("Edm.String", lambda i: f"{i + 1:02d}"[-2:])
        columns["ДатаРегистрации"] = Column(
            "Edm.DateTime",
            lambda i: EMPTY_DATE if i % 3 == 2 else f"20{10 + i % 14:02d}-0{1 + i % 9}-15T00:00:00",
        )
        return EntitySet("Catalog_Организации", self.n_orgs, columns, code)

    @lru_cache(maxsize=4096)  # noqa: B019
    def counterparty(self, i: int) -> Party:
        return self._generated_party(2, i)

    def _counterparties(self) -> EntitySet:
        code, salt = 0x0A02, 2
        columns = self._party_columns(code, salt, self.counterparty)
        columns["Партнер_Key"] = Column("Edm.Guid", lambda i: self.guid(0x0A06, i))
        columns["ГоловнойКонтрагент_Key"] = Column("Edm.Guid", lambda i: self.guid(code, i))
        columns["ДополнительнаяИнформация"] = Column(
            "Edm.String", lambda i: "Работаем по предоплате" if i % 7 == 0 else ""
        )
        columns["НалоговыйНомер"] = Column("Edm.String", lambda i: "")
        return EntitySet("Catalog_Контрагенты", self.n_parties, columns, code)

    # --- products, units, warehouses ---

    def is_product_folder(self, i: int) -> bool:
        return i % FOLDER_EVERY == 0

    def product_group(self, i: int) -> int:
        return i - i % FOLDER_EVERY

    def _product_name(self, i: int) -> str:
        if self.is_product_folder(i):
            group = i // FOLDER_EVERY
            return GROUPS[group % len(GROUPS)] + (f" {group // len(GROUPS) + 1}" if group else "")
        r = self.rnd(3, i, 201)
        spec = SPECS[r // 32 % len(SPECS)]
        name = f"{NOUNS[r % len(NOUNS)]} {spec} {BRANDS[r // 1024 % len(BRANDS)]}"
        return " ".join(name.split())

    def _products(self) -> EntitySet:
        code, salt = 0x0A03, 3
        folder = self.is_product_folder

        def parent(i: int) -> str:
            if folder(i):
                group = i // FOLDER_EVERY
                # Every third group nests under the one before it; the rest sit at the root.
                return self.guid(code, (group - 1) * FOLDER_EVERY) if group % 3 == 2 else EMPTY_GUID
            return self.guid(code, self.product_group(i))

        def article(i: int) -> str:
            r = self.rnd(salt, i, 202)
            return "" if folder(i) or r % 10 == 0 else f"КБ-{r % 100_000:05d}/{'АБВ'[r // 7 % 3]}"

        def description(i: int) -> str:
            return self._edited(salt, i, self._product_name(i))

        def full_name(i: int) -> str:
            if folder(i):
                return ""
            long = LONG_TAIL if self.rnd(salt, i, 203) % 30 == 0 else ""
            return f"{self._product_name(i)}, артикул {article(i) or 'не указан'}{long}"

        def unit(i: int) -> str:
            return EMPTY_GUID if folder(i) else self.guid(0x0A04, self.rnd(salt, i, 204) % 5)

        columns = {
            **self._standard(code, salt),
            "DeletionMark": Column(
                "Edm.Boolean", lambda i: not folder(i) and self.rnd(salt, i, 205) % 50 == 0
            ),
            "Parent_Key": Column("Edm.Guid", parent),
            "IsFolder": Column("Edm.Boolean", folder),
            "Code": Column("Edm.String", lambda i: f"УТ-{i + 1:08d}"),
            "Description": Column("Edm.String", description),
            "Predefined": Column("Edm.Boolean", lambda i: False),
            "PredefinedDataName": Column("Edm.String", lambda i: ""),
            "НаименованиеПолное": Column("Edm.String", full_name),
            "Артикул": Column("Edm.String", article),
            "ЕдиницаИзмерения_Key": Column("Edm.Guid", unit),
            "ВидНоменклатуры_Key": Column(
                "Edm.Guid",
                lambda i: EMPTY_GUID if folder(i) else self.guid(0x0A07, i % 4),
            ),
            "ТипНоменклатуры": Column(
                "Edm.String",
                lambda i: "" if folder(i) else ("Услуга" if i % 25 == 7 else "Товар"),
            ),
            "СтавкаНДС_Key": Column("Edm.Guid", lambda i: self.guid(0x0A08, i % 3)),
            "СрокГодности": Column("Edm.Int64", lambda i: "0"),  # Int64 travels as a string
            "Описание": Column(
                "Edm.String",
                lambda i: 'Хранить в сухом месте.\nНе бросать! "Хрупкое"' if i % 11 == 3 else "",
            ),
            # An attribute added to the configuration later: NULL in old rows.
            "ИспользоватьСерии": Column("Edm.Boolean", lambda i: None if i % 13 == 5 else False),
        }
        links = {
            "Parent": "Catalog_Номенклатура",
            "ЕдиницаИзмерения": "Catalog_УпаковкиЕдиницыИзмерения",
        }
        return EntitySet("Catalog_Номенклатура", self.n_products, columns, code, links=links)

    def _units(self) -> EntitySet:
        code, salt = 0x0A04, 4
        columns = {
            **self._standard(code, salt),
            "DeletionMark": Column("Edm.Boolean", lambda i: False),
            "Description": Column("Edm.String", lambda i: UNITS[i][0]),
            "НаименованиеПолное": Column("Edm.String", lambda i: UNITS[i][1]),
            "Числитель": Column("Edm.Double", lambda i: 1),
            "Знаменатель": Column("Edm.Double", lambda i: 1),
            "ТипУпаковки": Column("Edm.String", lambda i: "Единица"),
        }
        return EntitySet("Catalog_УпаковкиЕдиницыИзмерения", len(UNITS), columns, code)

    def warehouse_name(self, i: int) -> str:
        if i == 0:
            return "Склады (группа)"
        base = WAREHOUSES[(i - 1) % len(WAREHOUSES)]
        return base if i <= len(WAREHOUSES) else f"{base} {i}"

    def _warehouses(self) -> EntitySet:
        code, salt = 0x0A05, 5
        columns = {
            **self._standard(code, salt),
            "DeletionMark": Column("Edm.Boolean", lambda i: i == len(WAREHOUSES)),
            "Parent_Key": Column(
                "Edm.Guid", lambda i: EMPTY_GUID if i == 0 else self.guid(code, 0)
            ),
            "IsFolder": Column("Edm.Boolean", lambda i: i == 0),
            "Description": Column(
                "Edm.String", lambda i: self._edited(salt, i, self.warehouse_name(i))
            ),
            "Predefined": Column("Edm.Boolean", lambda i: False),
            "PredefinedDataName": Column("Edm.String", lambda i: ""),
            "ТипСклада": Column(
                "Edm.String",
                lambda i: "" if i == 0 else ("РозничныйМагазин" if i % 3 == 0 else "ОптовыйСклад"),
            ),
            "Подразделение_Key": Column("Edm.Guid", lambda i: self.guid(0x0A09, 0)),
        }
        count = self.n_warehouses + 1 if self.n_warehouses else 0  # the group comes first
        return EntitySet("Catalog_Склады", count, columns, code)

    # --- the stock balance virtual table ---

    def _balance(self) -> EntitySet:
        warehouses = max(self.n_warehouses, 1)

        def split(j: int) -> tuple[int, int]:
            return j // warehouses, j % warehouses + 1  # product row, warehouse row

        def exists(j: int) -> bool:
            product, store = split(j)
            return (
                self.n_warehouses > 0
                and not self.is_product_folder(product)
                and self.rnd(6, product, store) % 10 < 6
            )

        def quantity(j: int) -> float:
            product, store = split(j)
            r = self.rnd(7, product, store)
            return float(r % 500 + 1) if r % 4 else (r % 2000 + 1) / 4  # some by weight

        def to_ship(j: int) -> float | None:
            product, store = split(j)
            r = self.rnd(8, product, store) % 10
            return None if r == 9 else (float(r) if r < 3 else 0.0)  # empty can come as null

        columns = {
            "Номенклатура_Key": Column("Edm.Guid", lambda j: self.guid(0x0A03, split(j)[0])),
            "Характеристика_Key": Column("Edm.Guid", lambda j: EMPTY_GUID),
            "Склад_Key": Column("Edm.Guid", lambda j: self.guid(0x0A05, split(j)[1])),
            "ВНаличииBalance": Column("Edm.Double", quantity),
            "КОтгрузкеBalance": Column("Edm.Double", to_ship),
        }
        links = {"Номенклатура": "Catalog_Номенклатура", "Склад": "Catalog_Склады"}
        return EntitySet(BALANCE, self.n_products * warehouses, columns, exists=exists, links=links)
