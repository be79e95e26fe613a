"""Every event type ihub can send, with what it means and an example of its ``data``.

Domain code may only ``emit`` a type listed here; subscribers pick from this list, and
``GET /api/v1/webhooks/event-types`` shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["CATALOG", "PING", "EventType", "get_event_type"]


@dataclass(frozen=True)
class EventType:
    name: str
    description: str
    example: dict[str, Any]


_RUN_EXAMPLE = {
    "run_id": "0b7f3c1e-5d2a-4f7e-9a51-2c8e0f6d4b13",
    "kind": "moysklad.import_products",
    "title": "MoySklad product import",
    "status": "completed_with_errors",
    "with_errors": True,
    "trigger": "schedule",
    "connection_id": "6f1d9c52-0e4b-4a8e-b3f7-91c2d5a7e804",
    "schedule_id": None,
    "started_at": "2026-12-01T06:00:02Z",
    "finished_at": "2026-12-01T06:03:41Z",
    "error": None,
    "totals": {"processed": 1200, "inserted": 40, "updated": 150, "unchanged": 1008, "errors": 2},
    "steps": {
        "products": {
            "total": 1200,
            "processed": 1200,
            "inserted": 40,
            "updated": 150,
            "unchanged": 1008,
            "errors": 2,
        }
    },
}

_ORDER_EXAMPLE = {
    "order_id": "3c2a9e4d-7b1f-4c6a-8d05-e19f2b7a6c30",
    "connection_id": "6f1d9c52-0e4b-4a8e-b3f7-91c2d5a7e804",
    "system": "allegro",
    "external_id": "29b5a1f0-8d3e-11ef-b8a4-3f1c2e9d7a60",
    "number": "A-100512",
    "status": "READY_FOR_PROCESSING",
    "total": "1499.00",
    "currency": "PLN",
    "updated_at": "2026-12-01T09:15:27Z",
}

_BATCH_EXAMPLE = {
    "id": "9e4c2f1a-3b7d-4e58-a6c0-5d1f8b2e7a94",
    "number": "B-2026-0412",
    "status": "in_progress",
    "product_id": "1d8e5b3c-6a2f-4c9e-b071-4f3a9d2c8e65",
    "product_name": "Паллета деревянная 1200×800",
    "work_center_id": "3c7a1e9d-5b2f-4d8e-a061-9f4b2c7d1e53",
    "work_center_code": "WC-01",
    "planned_quantity": 500.0,
    "produced_quantity": 0.0,
    "defective_quantity": 0.0,
    "good_quantity": 0.0,
    "yield_pct": None,
    "unit": "шт",
    "planned_start": "2026-12-01T06:00:00Z",
    "planned_finish": "2026-12-01T14:00:00Z",
    "actual_start": "2026-12-01T06:12:00Z",
    "actual_finish": None,
    "notes": None,
    "created_at": "2026-11-30T15:20:00Z",
    "updated_at": "2026-12-01T06:12:00Z",
}

PING = "webhook.ping"

CATALOG: dict[str, EventType] = {
    t.name: t
    for t in (
        EventType(
            "run.completed",
            "A run of any kind finished. `status` is `completed` or `completed_with_errors` "
            "(then `with_errors` is true and `totals.errors` counts the bad records).",
            _RUN_EXAMPLE,
        ),
        EventType(
            "run.failed",
            "A run of any kind failed; `error` says why, `totals` what it did before.",
            {
                **_RUN_EXAMPLE,
                "status": "failed",
                "with_errors": False,
                "error": "MoySklad refused the credentials (401); check the connection's token.",
            },
        ),
        EventType(
            "connection.needs_attention",
            "A connection stopped working until a person acts (credentials, permissions, URL).",
            {
                "connection_id": "6f1d9c52-0e4b-4a8e-b3f7-91c2d5a7e804",
                "system": "moysklad",
                "name": "MoySklad main account",
                "reason": "The token was rejected (401).",
            },
        ),
        EventType("order.created", "A new order landed from a sales channel.", _ORDER_EXAMPLE),
        EventType(
            "order.updated",
            "An order changed (status, items, amounts); `changes` lists the fields.",
            {**_ORDER_EXAMPLE, "changes": ["status"]},
        ),
        EventType("batch.created", "A production batch was created.", _BATCH_EXAMPLE),
        EventType(
            "batch.status_changed",
            "A production batch moved to another status.",
            {**_BATCH_EXAMPLE, "from_status": "planned"},
        ),
        EventType(
            "report.ready",
            "A report run wrote its file; `GET /api/v1/reports/{report_id}` gives a fresh "
            "signed download link until `expires_at`.",
            {
                "report_id": "5a3e1c9b-2f7d-4b6e-8c04-7d9e2a1f3b58",
                "kind": "output_by_product",
                "format": "xlsx",
                "rows": 42,
                "file_id": "0b7e2d4c-8a1f-4c3e-9d56-2e7f1a9c4b80",
                "expires_at": "2026-12-31T09:00:00Z",
            },
        ),
        EventType(
            "outbox.message_failed",
            "A write-back to an external system gave up after its retries.",
            {
                "message_id": "7c1b4e2d-9a3f-4d6e-b5a8-0e2f9c7d1a36",
                "connection_id": "6f1d9c52-0e4b-4a8e-b3f7-91c2d5a7e804",
                "topic": "moysklad.customerorder.update",
                "attempts": 8,
                "error": "MoySklad answered 412: the document was changed meanwhile.",
            },
        ),
        EventType(
            "webhook.endpoint_disabled",
            "ihub stopped sending to an endpoint: it answered 410 Gone, or every attempt failed "
            "for days. Re-enable it once the receiver works again.",
            {
                "endpoint_id": "2e9a7c4b-1d3f-4e5a-9b80-6c1d2f7e3a49",
                "url": "https://erp.example.com/hooks/ihub",
                "reason": "Every delivery failed for 5 days.",
                "failing_since": "2026-11-26T10:00:00Z",
            },
        ),
        EventType(
            PING,
            "Sent by the endpoint's test button, to that endpoint only.",
            {"endpoint_id": "2e9a7c4b-1d3f-4e5a-9b80-6c1d2f7e3a49", "message": "ping"},
        ),
    )
}


def get_event_type(name: str) -> EventType:
    try:
        return CATALOG[name]
    except KeyError:
        raise ValueError(f"unknown webhook event type {name!r}; add it to the catalog") from None
