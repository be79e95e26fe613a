"""``allegro.orders``: follow a seller's order journal and keep ihub's orders current.

Each page of journal events is one committed slice: the events (kept for audit), the orders
they point to and the cursor after the page, in one transaction. A crash repeats at most the
page in flight; a duplicate or late event finds its order already current and costs nothing.

The first run starts the journal where it ends now (``/order/event-stats``) and reads the
forms changed in the last ``backfill_days`` from the listing, so recent orders are there
from the start (reference A.7).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy.orm import Session

from ihub.allegro import service
from ihub.allegro.service import SYNC_KIND, SYSTEM_NAME
from ihub.connections.kinds import ALLEGRO
from ihub.connectors.allegro.client import AllegroApi
from ihub.connectors.allegro.mapping import FormProblem, map_checkout_form
from ihub.connectors.allegro.streams import (
    FormsPosition,
    fetch_forms,
    forms_changed_since,
    wanted,
)
from ihub.db import get_database
from ihub.errors import IhubError
from ihub.kit.clock import utcnow
from ihub.kit.failures import Terminal
from ihub.kit.http import RequestRejected
from ihub.models import SyncCursor
from ihub.oauth.service import ReauthorizationRequired
from ihub.orders import service as orders
from ihub.orders.repository import OrderRepository
from ihub.runs.context import RunContext, Step
from ihub.runs.cursors import SyncCursorRepository
from ihub.runs.registry import run_kind

STREAM = "allegro.order_events"
SOURCE = "allegro"


class SyncParams(BaseModel):
    backfill_days: int = Field(
        30, ge=0, le=365, description="First run: also read orders changed this many days back."
    )
    since: AwareDatetime | None = Field(
        None, description="First run: read orders changed since then instead of backfill_days."
    )
    events_per_page: int = Field(
        1000, ge=1, le=1000, description="Journal events per request and per committed slice."
    )
    max_pages: int = Field(
        100, ge=1, le=10_000, description="Journal pages per run; the next run goes on."
    )


class ConnectionUnusable(Terminal):
    """The connection is gone, of another kind, or its secrets cannot be read."""


@run_kind(
    SYNC_KIND,
    title="Allegro order sync",
    params=SyncParams,
    system=SYSTEM_NAME,
    connection_kind=ALLEGRO,
)
def sync_orders(ctx: RunContext, params: SyncParams) -> None:
    assert ctx.connection_id is not None
    connection_id = ctx.connection_id
    with _verdict(ctx, connection_id):
        opened = service.open_connection(ctx.session, ctx.tenant_id, connection_id)
        cursor = SyncCursorRepository(ctx.session, ctx.tenant_id).find(connection_id, STREAM)
        first = cursor is None and bool(params.since or params.backfill_days)
        backfilling = first or bool(cursor and cursor.state.get("backfill"))
        ctx.declare_steps(*(["backfill"] if backfilling else []), "events", "orders")
        ctx.save()  # ends the read: nothing is locked while Allegro answers
        with service.api_client(opened, ctx.tenant_id) as api:
            sync = _Sync(ctx, api, connection_id)
            cursor = cursor or sync.start(params)
            if cursor.state.get("backfill"):
                sync.backfill(cursor)
            sync.follow(cursor, params)


@contextmanager
def _verdict(ctx: RunContext, connection_id: uuid.UUID) -> Iterator[None]:
    """The run's outcome becomes the connection's status."""
    try:
        yield
    except ReauthorizationRequired as exc:
        _flag(ctx, connection_id, service.needs_reauthorization, str(exc))
        raise
    except IhubError as exc:
        raise ConnectionUnusable(exc.message) from exc
    except Terminal as exc:
        _flag(ctx, connection_id, service.needs_attention, str(exc))
        raise
    service.working(ctx.session, ctx.tenant_id, connection_id)


def _flag(
    ctx: RunContext,
    connection_id: uuid.UUID,
    mark: Callable[[Session, uuid.UUID, uuid.UUID, str], None],
    reason: str,
) -> None:
    ctx.session.rollback()  # the slice in flight is lost anyway; this frees SQLite's lock
    with get_database().scope() as session:
        mark(session, ctx.tenant_id, connection_id, reason)


class _Sync:
    def __init__(self, ctx: RunContext, api: AllegroApi, connection_id: uuid.UUID) -> None:
        self.ctx = ctx
        self.api = api
        self.connection_id = connection_id

    def start(self, params: SyncParams) -> SyncCursor:
        """First run: the journal's end is the cursor; the backfill covers what came before."""
        stats = self.api.event_stats()
        now = stats.server_time or utcnow()  # Allegro's clock, not ours (A.7)
        since = params.since or (
            now - timedelta(days=params.backfill_days) if params.backfill_days else None
        )
        cursor = SyncCursor(
            connection_id=self.connection_id,
            stream=STREAM,
            position=stats.latest_event_id or "0",
            state=_backfill_state(FormsPosition(since)) if since else {},
        )
        SyncCursorRepository(self.ctx.session, self.ctx.tenant_id).add(cursor)
        self.ctx.log(
            f"First sync: following the order journal after event {cursor.position}"
            + (f", with orders changed since {since:%Y-%m-%d %H:%M} UTC." if since else ".")
        )
        self.ctx.save({"position": cursor.position})
        return cursor

    def backfill(self, cursor: SyncCursor) -> None:
        step = self.ctx.step("backfill")
        state = cursor.state["backfill"]
        position = FormsPosition(datetime.fromisoformat(state["since"]), int(state["offset"]))
        for forms, following in forms_changed_since(self.api, position):
            self._store(step, forms)
            cursor.state = _backfill_state(following) if following else {}
            self.ctx.save({"position": cursor.position, **cursor.state})
        step.complete()

    def follow(self, cursor: SyncCursor, params: SyncParams) -> None:
        events_step, orders_step = self.ctx.step("events"), self.ctx.step("orders")
        restarted, listed_to = False, None
        for _ in range(params.max_pages):
            try:
                events = self.api.events(cursor.position, params.events_per_page)
            except RequestRejected as exc:
                if restarted:
                    raise
                self._restart(cursor, exc)
                restarted = True
                continue
            if not events:
                break
            wanted_forms = wanted(events)
            held = OrderRepository(self.ctx.session, self.ctx.tenant_id).versions(
                self.connection_id, wanted_forms
            )
            self.ctx.raise_if_cancelled()  # ends the read before the forms are fetched
            fetched = fetch_forms(
                self.api,
                {
                    form_id: w
                    for form_id, w in wanted_forms.items()
                    if form_id not in held or not w.satisfied_by(*held[form_id])
                },
                listed_to,
            )
            listed_to = fetched.listed_to
            new = orders.save_events(
                self.ctx.session, self.ctx.tenant_id, self.connection_id, events
            )
            events_step.add(processed=len(events), inserted=new, unchanged=len(events) - new)
            self._store(orders_step, fetched.forms)
            for form_id in fetched.gone:
                self.ctx.log(
                    f"Checkout form {form_id} no longer exists at Allegro (merged into another "
                    "purchase, whose events follow).",
                    step="orders",
                    level="warning",
                )
            cursor.position = events[-1].id
            events_step.current(
                f"event {cursor.position} ({events[-1].occurred_at:%Y-%m-%d %H:%M:%S})"
            )
            self.ctx.save({"position": cursor.position})
            if len(events) < params.events_per_page:
                break
        events_step.complete()
        orders_step.complete()

    def _restart(self, cursor: SyncCursor, exc: RequestRejected) -> None:
        """Allegro refused the stored position: start again at the journal's end and read the
        forms changed since this cursor last moved, so that no order is missed (A.7)."""
        since = cursor.updated_at - timedelta(hours=1)
        cursor.position = self.api.event_stats().latest_event_id or "0"
        cursor.state = _backfill_state(FormsPosition(since))
        self.ctx.log(
            f"Allegro refused the journal position ({exc.detail or exc.message}); reading orders "
            f"changed since {since:%Y-%m-%d %H:%M} UTC and following the journal from its end.",
            level="warning",
        )
        self.ctx.save({"position": cursor.position, **cursor.state})
        self.backfill(cursor)

    def _store(self, step: Step, forms: list[dict[str, Any]]) -> None:
        records = []
        for form in forms:
            mapped = map_checkout_form(form)
            if isinstance(mapped, FormProblem):
                step.error(
                    f"The checkout form cannot be read: {mapped.reason}",
                    external_id=mapped.external_id,
                    field=mapped.field,
                    value=mapped.value,
                )
                step.add(processed=1)
            else:
                records.append(mapped)
        saved = orders.save_orders(
            self.ctx.session, self.ctx.tenant_id, self.connection_id, records, source=SOURCE
        )
        step.add(
            processed=len(records),
            inserted=saved.inserted,
            updated=saved.updated,
            unchanged=saved.unchanged,
        )


def _backfill_state(position: FormsPosition) -> dict[str, Any]:
    return {"backfill": {"since": position.since.isoformat(), "offset": position.offset}}
