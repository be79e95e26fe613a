from __future__ import annotations

import copy
from datetime import UTC, datetime

from ihub.connectors.allegro.mapping import FormProblem, OrderRecord, map_checkout_form
from tests.fixtures.allegro import AllegroSandbox


def sample_form(sandbox: AllegroSandbox) -> dict[str, object]:
    (form_id,) = sandbox.create_orders(1, paid=True)
    return dict(sandbox.emulator.world.forms[form_id].history[-1][1])


def test_a_checkout_form_becomes_an_order(allegro_sandbox: AllegroSandbox) -> None:
    form = sample_form(allegro_sandbox)
    order = map_checkout_form(form)
    assert isinstance(order, OrderRecord)
    assert order.external_id == form["id"]
    assert order.status == "READY_FOR_PROCESSING"
    assert order.fulfillment_status == "NEW"
    assert all((order.buyer_login, order.buyer_email, order.buyer_name))
    assert order.delivery_address is not None
    assert order.delivery_address["zip_code"]
    lines_total = sum(
        int(float(line["unit_price"]) * 100) * line["quantity"] for line in order.lines
    )
    assert order.total_cents > lines_total > 0  # goods plus delivery
    assert order.bought_at.tzinfo is UTC
    assert order.raw is form


def test_amounts_are_exact_hundredths() -> None:
    form = {
        "id": "a",
        "status": "BOUGHT",
        "updatedAt": "2026-10-10T20:24:28.005Z",
        "buyer": {"login": "x"},
        "lineItems": [],
        "summary": {"totalToPay": {"amount": "85.97", "currency": "PLN"}},
    }
    order = map_checkout_form(form)
    assert isinstance(order, OrderRecord)
    assert order.total_cents == 8597
    assert order.bought_at == datetime(2026, 10, 10, 20, 24, 28, 5000, tzinfo=UTC)


def test_a_malformed_form_names_its_bad_field(allegro_sandbox: AllegroSandbox) -> None:
    form = copy.deepcopy(sample_form(allegro_sandbox))
    form["summary"] = {"totalToPay": {"amount": "12,50", "currency": "PLN"}}
    problem = map_checkout_form(form)
    assert isinstance(problem, FormProblem)
    assert problem.external_id == form["id"]
    assert problem.field == "summary.totalToPay.amount"
    assert problem.value == "12,50"
