"""The ``onec.import`` run: 1C:UT 11 catalogs and stock into ihub, page by page.

Pages flow through three threads (``prefetched`` twice): one downloads page k+2, one maps and
validates page k+1, the run thread writes page k (mostly waiting for the database, with the
GIL released), so the download goes at the source's pace. Each page is upserted and
committed together with the run's counters and its checkpoint (aggregate, warehouse,
``$skip``). A resumed run continues from the checkpoint: a page is either wholly committed or
not at all, so nothing is counted twice and nothing is skipped. Cancellation is noticed at
every commit, so a run stops within one page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ihub.catalog.repository import (
    CounterpartyRepository,
    ImportedRepository,
    OrganizationRepository,
    ProductRepository,
    StockRepository,
    WarehouseRepository,
)
from ihub.catalog.validation import requisites_problems
from ihub.catalog.writer import (
    Counts,
    Statistics,
    upsert_stock,
    upsert_versioned,
    zero_unseen_stock,
)
from ihub.config import get_settings
from ihub.connections import service as connections
from ihub.connections.kinds import ONEC_ODATA
from ihub.connectors.onec_odata import mapping, streams
from ihub.connectors.onec_odata.client import OneCClient, Page
from ihub.errors import IhubError
from ihub.imports.schemas import ImportParams
from ihub.kit.failures import Terminal
from ihub.kit.prefetch import prefetched
from ihub.production import cache as production_cache
from ihub.runs.context import RunContext, Step
from ihub.runs.registry import run_kind
from ihub.runs.service import COUNTERS

KIND = "onec.import"
_NO_PROBLEMS = ()


class ConnectionUnusable(Terminal):
    """The run's connection cannot be used as it is (wrong kind, unreadable secrets)."""


@dataclass(frozen=True)
class Catalog:
    stream: Callable[[], streams.CatalogStream]
    map: Callable[[dict[str, Any]], dict[str, Any] | None]
    repository: type[ImportedRepository[Any]]
    validate: Callable[[dict[str, Any]], list[dict[str, str]]] | None = None
    flagged: bool = True  # the table has is_valid / problems
    named_in_production: bool = False  # batch lists and analytics show its names

    def prepare(self, row: dict[str, Any]) -> dict[str, Any] | None:
        """The row mapped, with its validation problems; pure, so it runs in the read-ahead."""
        record = self.map(row)
        if record is not None and self.flagged:
            problems = self.validate(record) if self.validate else []
            # Valid records share one empty tuple, which the bulk insert converts once.
            record.update(problems=problems or _NO_PROBLEMS, is_valid=not problems)
        return record


@dataclass(frozen=True)
class Mapped:
    """A page and its rows as records, plus the rows that could not be mapped at all."""

    page: Page
    records: list[dict[str, Any]]
    skipped: list[tuple[Any, mapping.Unmappable]]  # (Ref_Key, why)


CATALOGS: dict[str, Catalog] = {
    "organizations": Catalog(
        streams.organizations, mapping.organization, OrganizationRepository, requisites_problems
    ),
    "counterparties": Catalog(
        streams.counterparties, mapping.counterparty, CounterpartyRepository, requisites_problems
    ),
    "products": Catalog(
        streams.products, mapping.product, ProductRepository, named_in_production=True
    ),
    "warehouses": Catalog(
        streams.warehouses, mapping.warehouse, WarehouseRepository, flagged=False
    ),
}


@run_kind(
    KIND,
    title="Import from 1C:UT 11",
    params=ImportParams,
    system="onec",
    connection_kind=ONEC_ODATA,
)
def import_from_onec(ctx: RunContext, params: ImportParams) -> None:
    assert ctx.connection_id is not None
    try:
        opened = connections.open_connection(
            ctx.session, ctx.tenant_id, ctx.connection_id, kind=ONEC_ODATA
        )
    except IhubError as exc:
        raise ConnectionUnusable(exc.message) from None
    ctx.declare_steps(*params.aggregates)
    ctx.raise_if_cancelled()  # ends the read: no transaction stays open while 1C answers
    client = OneCClient(
        opened.settings,
        opened.secrets.password.get_secret_value(),
        throttle_key=f"onec:{opened.id}",
        throttle_storage=get_settings().rate_limit_storage_url,
    )
    importer = _Import(ctx, client, opened.settings.page_size)
    with client:
        try:
            for index, aggregate in enumerate(params.aggregates):
                if index >= ctx.checkpoint.get("aggregate", 0):
                    importer.run(index, aggregate)
        except Terminal as exc:
            _connection_failed(ctx, str(exc))
            raise
    connections.mark_ok(connections.get_connection(ctx.session, ctx.tenant_id, opened.id))


def _connection_failed(ctx: RunContext, message: str) -> None:
    """Tell the connection page why the import failed; the failed page's writes are dropped."""
    assert ctx.connection_id is not None
    ctx.session.rollback()
    connections.mark_failed(
        connections.get_connection(ctx.session, ctx.tenant_id, ctx.connection_id), message
    )
    ctx.session.commit()


def _count(step: Step, page: Page, counts: Counts) -> None:
    step.add(
        processed=len(page.rows),
        inserted=counts.inserted,
        updated=counts.updated,
        unchanged=counts.unchanged,
    )


class _Import:
    def __init__(self, ctx: RunContext, client: OneCClient, page_size: int) -> None:
        self.ctx = ctx
        self.client = client
        self.page_size = page_size
        assert ctx.connection_id is not None
        self.connection_id = ctx.connection_id

    def run(self, index: int, aggregate: str) -> None:
        step = self.ctx.step(aggregate)
        if aggregate == "stock":
            self.stock(index, step)
        else:
            self.catalog(index, step, CATALOGS[aggregate])
        step.complete()
        row = step.row
        self.ctx.log(
            f"{aggregate}: {row.processed} read, {row.inserted} new, {row.updated} updated, "
            f"{row.unchanged} unchanged, {row.errors} record errors.",
            step=aggregate,
            status="completed",
            level="warning" if row.errors else "info",
            details={name: getattr(row, name) for name in COUNTERS},
        )
        self.ctx.save({"aggregate": index + 1})

    def _resume(self, index: int, key: str) -> int:
        checkpoint = self.ctx.checkpoint
        return int(checkpoint.get(key, 0)) if checkpoint.get("aggregate") == index else 0

    def _pages(
        self,
        stream: streams.Stream,
        skip: int,
        prepare: Callable[[dict[str, Any]], dict[str, Any] | None],
    ) -> Iterator[Mapped]:
        def mapped() -> Iterator[Mapped]:
            for page in prefetched(
                streams.pages(self.client, stream, skip=skip, page_size=self.page_size)
            ):
                records, skipped = [], []
                for row in page.rows:
                    try:
                        record = prepare(row)
                    except mapping.Unmappable as exc:
                        skipped.append((row.get("Ref_Key"), exc))
                        continue
                    if record is not None:
                        records.append(record)
                yield Mapped(page, records, skipped)

        return prefetched(mapped())

    @staticmethod
    def _record_errors(step: Step, mapped: Mapped) -> None:
        for key, exc in mapped.skipped:
            step.error(
                f"skipped: {exc.reason}",
                external_id=str(key) if key else None,
                field=exc.field,
                value=exc.value,
            )
        for record in mapped.records:
            for problem in record.get("problems", ()):
                step.error(
                    problem["reason"],
                    external_id=record["external_id"],
                    field=problem["field"],
                    value=problem["value"],
                )

    def _note_missing(self, step: Step, page: Page, reported: set[str], source: str) -> None:
        for name in set(page.missing) - reported:
            reported.add(name)
            self.ctx.log(
                f"{source} has no attribute {name} in this base; importing without it.",
                step=step.name,
                status="warning",
                level="warning",
            )

    def catalog(self, index: int, step: Step, catalog: Catalog) -> None:
        ctx = self.ctx
        stream = catalog.stream()
        skip = self._resume(index, "skip")
        repository = catalog.repository(ctx.session, ctx.tenant_id)
        ctx.log(
            f"{step.name}: reading {stream.entity_set}" + (f" from row {skip}." if skip else "."),
            step=step.name,
            status="started",
        )
        reported: set[str] = set()
        statistics = Statistics(repository)
        for mapped in self._pages(stream, skip, catalog.prepare):
            page, records = mapped.page, mapped.records
            if page.total is not None:
                step.set_total(page.total)
            self._record_errors(step, mapped)
            counts = upsert_versioned(repository, self.connection_id, records)
            if counts.updated and catalog.named_in_production:
                production_cache.changed(ctx.session, ctx.tenant_id)
            _count(step, page, counts)
            step.current(records[-1]["name"] if records else None)
            self._note_missing(step, page, reported, stream.entity_set)
            ctx.save({"aggregate": index, "skip": page.skip + len(page.rows)})
            statistics.grew(counts.inserted)

    def stock(self, index: int, step: Step) -> None:
        ctx = self.ctx
        warehouses = WarehouseRepository(ctx.session, ctx.tenant_id).for_connection(
            self.connection_id
        )
        ctx.raise_if_cancelled()  # ends the read before the first call to 1C
        if not warehouses:
            ctx.log(
                "stock: no warehouses of this connection are imported yet; import warehouses "
                "first.",
                step="stock",
                status="skipped",
                level="warning",
            )
            return
        stock = StockRepository(ctx.session, ctx.tenant_id)
        products = ProductRepository(ctx.session, ctx.tenant_id)
        first, skip = self._resume(index, "warehouse"), self._resume(index, "skip")
        reported: set[str] = set()
        statistics = Statistics(stock)
        for position, warehouse in enumerate(warehouses):
            if position < first:
                continue
            stream = streams.stock(warehouse.external_id)
            start = skip if position == first else 0
            for mapped in self._pages(stream, start, mapping.stock_balance):
                page, records = mapped.page, mapped.records
                if page.total is not None and page.skip == 0:
                    step.set_total((step.row.total or 0) + page.total)
                self._record_errors(step, mapped)
                counts = upsert_stock(
                    stock, products, self.connection_id, warehouse, ctx.run_id, records
                )
                for record in counts.unlinked or ():
                    step.error(
                        "the product is not imported (a group, or import products first); "
                        "the balance is kept without a link",
                        external_id=record["product_external_id"],
                        field="Номенклатура_Key",
                        value=record["product_external_id"],
                    )
                _count(step, page, counts)
                step.current(warehouse.name)
                self._note_missing(step, page, reported, stream.name)
                ctx.save(
                    {"aggregate": index, "warehouse": position, "skip": page.skip + len(page.rows)}
                )
                statistics.grew(counts.inserted)
        zeroed = zero_unseen_stock(stock, self.connection_id, ctx.run_id)
        if zeroed:
            step.add(updated=zeroed)
            ctx.log(
                f"stock: {zeroed} balances no longer in 1C were set to zero.",
                step="stock",
                status="info",
            )
