"""The emulated seller's world: checkout forms, the order event journal and an agenda of
things that happen to orders over time (payments, cancellations, shipping).

Nothing runs in the background: every request first lets the world catch up with the clock,
so a generator "runs" in a mounted sub-application, in a test thread and in the CLI alike.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import itertools
import json
import random
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from ihub.sandbox.allegro import data
from ihub.sandbox.allegro.config import EmulatorConfig

FULFILLMENT_STATUSES = (
    "NEW",
    "PROCESSING",
    "READY_FOR_SHIPMENT",
    "READY_FOR_PICKUP",
    "SENT",
    "PICKED_UP",
    "CANCELLED",
    "SUSPENDED",
    "RETURNED",
)


def iso(moment: datetime) -> str:
    """Allegro's time format: UTC, milliseconds, a Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"amount": f"{amount:.2f}", "currency": currency}


@dataclass
class Form:
    id: str
    buyer: dict[str, Any]
    lines: list[dict[str, Any]]
    delivery: tuple[str, str, str, bool]
    currency: str
    marketplace: str
    payment_kind: tuple[str, str]
    created_at: datetime
    status: str = "BOUGHT"
    fulfillment: str = "NEW"
    payment_id: str | None = None
    paid_at: datetime | None = None
    address: dict[str, Any] | None = None
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    history: list[tuple[datetime, dict[str, Any]]] = field(default_factory=list)

    def total(self) -> Decimal:
        goods = sum(
            (Decimal(line["price"]["amount"]) * line["quantity"] for line in self.lines),
            Decimal(0),
        )
        return goods + Decimal(self.delivery[2])

    def document(self) -> dict[str, Any]:
        """The checkout form as ``GET /order/checkout-forms/{id}`` shows it (reference A.6)."""
        method_id, method_name, cost, pickup = self.delivery
        paid = self.paid_at is not None
        state: dict[str, Any] = {
            "id": self.id,
            "messageToSeller": None,
            "buyer": self.buyer,
            "payment": None
            if self.payment_id is None
            else {
                "id": self.payment_id,
                "type": self.payment_kind[0],
                "provider": self.payment_kind[1],
                "finishedAt": iso(self.paid_at) if self.paid_at else None,
                "paidAmount": money(self.total(), self.currency) if paid else None,
                "reconciliation": None,
                "features": [],
            },
            "status": self.status,
            "fulfillment": {
                "status": self.fulfillment,
                "shipmentSummary": {
                    "lineItemsSent": "ALL" if self.fulfillment == "SENT" else "NONE"
                },
                "provider": {"id": "SELLER"},
            },
            "delivery": {
                "address": self.address,
                "method": {"id": method_id, "name": method_name},
                "pickupPoint": {
                    "id": "WAW21M",
                    "name": "Paczkomat WAW21M",
                    "description": "przy sklepie",
                    "address": {
                        "street": "Polna 1",
                        "zipCode": "00-950",
                        "city": "Warszawa",
                        "countryCode": "PL",
                    },
                }
                if pickup and self.address
                else None,
                "cost": money(Decimal(cost), self.currency),
                "time": None,
                "smart": False,
                "cancellation": None,
                "calculatedNumberOfPackages": 1,
            },
            "invoice": {"required": False, "address": None, "dueDate": None, "features": []},
            "lineItems": self.lines,
            "surcharges": [],
            "discounts": [],
            "note": None,
            "marketplace": {"id": self.marketplace},
            "summary": {"totalToPay": money(self.total(), self.currency)},
        }
        # A hash of the state, not a counter: equal states share a revision (A.6).
        state["revision"] = hashlib.sha1(
            json.dumps(state, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()[:8]
        state["updatedAt"] = iso(self.updated_at)
        return state


class World:
    def __init__(self, config: EmulatorConfig, now: datetime | None = None) -> None:
        self.config = config
        self.lock = threading.RLock()
        self.rng = random.Random(config.seed)
        self.forms: dict[str, Form] = {}
        self.gone: set[str] = set()
        self.journal: list[dict[str, Any]] = []
        self._ids: list[int] = []  # the journal's ids, for bisecting
        self._last_id = 0
        self._agenda: list[tuple[datetime, int, str, str]] = []
        self._seq = itertools.count()
        now = now or datetime.now(UTC)
        if config.initial_orders:
            start = now - timedelta(days=config.initial_days)
            span = (now - timedelta(hours=1) - start).total_seconds()
            for offset in sorted(self.rng.uniform(0, span) for _ in range(config.initial_orders)):
                self._plan(start + timedelta(seconds=offset), "new", "")
        if config.orders_per_minute:
            self._plan(now + self._gap(), "tick", "")
        self.advance(now)

    # --- time -------------------------------------------------------------------------------

    def _gap(self) -> timedelta:
        return timedelta(minutes=self.rng.expovariate(self.config.orders_per_minute))

    def _plan(self, at: datetime, action: str, form_id: str) -> None:
        heapq.heappush(self._agenda, (at, next(self._seq), action, form_id))

    def advance(self, now: datetime | None = None) -> None:
        """Let everything on the agenda up to ``now`` happen, in time order."""
        now = now or datetime.now(UTC)
        with self.lock:
            while self._agenda and self._agenda[0][0] <= now:
                at, _, action, form_id = heapq.heappop(self._agenda)
                self._happen(at, action, form_id, now)
            # Events are readable for 60 days (A.5).
            cutoff = now - timedelta(days=self.config.journal_retention_days)
            expired = 0
            while expired < len(self.journal) and self.journal[expired]["_at"] < cutoff:
                expired += 1
            del self.journal[:expired], self._ids[:expired]

    def _happen(self, at: datetime, action: str, form_id: str, now: datetime) -> None:
        if action == "tick":
            self._plan(max(at, now - timedelta(hours=1)) + self._gap(), "tick", "")
            if at < now - timedelta(hours=1):
                return  # nobody watched for a long time: do not flood the journal
            action = "new"
        if action == "new":
            self._follow_up_new(self.create(at), at)
            return
        form = self.forms.get(form_id)
        if form is None or form.status == "CANCELLED":
            return
        if action == "pay" and form.paid_at is None:
            self.pay(form, at)
            roll = self.rng.random()
            if roll < 0.08:
                self._plan(
                    at + timedelta(seconds=self.rng.uniform(60, 900)), "buyer_cancel", form.id
                )
            elif roll < 0.8:
                self._plan(at + timedelta(seconds=self.rng.uniform(60, 600)), "processing", form.id)
        elif action == "auto_cancel" and form.paid_at is None:
            self.cancel(form, at, automatic=True)
        elif action == "buyer_cancel":
            self.cancel(form, at)
        elif action == "processing":
            self.set_fulfillment(form, "PROCESSING", at)
            self._plan(at + timedelta(seconds=self.rng.uniform(300, 3600)), "sent", form.id)
        elif action == "sent":
            self.set_fulfillment(form, "SENT", at)

    def _follow_up_new(self, form: Form, at: datetime) -> None:
        if self.rng.random() < 0.85:
            self._plan(at + timedelta(seconds=self.rng.uniform(20, 300)), "pay", form.id)
        else:
            self._plan(at + timedelta(seconds=self.rng.uniform(600, 1800)), "auto_cancel", form.id)

    # --- the journal ------------------------------------------------------------------------

    def _journal(self, events: list[tuple[str, Form, dict[str, Any], datetime]]) -> None:
        """Append events (type, form, form state at the time, time) with increasing ids."""
        faults = self.config.faults
        if faults.out_of_order:
            events = list(reversed(events))
        for kind, form, state, at in events:
            for _ in range(2 if faults.duplicate_events else 1):
                # Ids look like Unix time in microseconds and only grow (A.5).
                self._last_id = max(self._last_id + 1, int(at.timestamp() * 1_000_000))
                self._ids.append(self._last_id)
                self.journal.append(
                    {
                        "_at": at,
                        "id": str(self._last_id),
                        "occurredAt": iso(at),
                        "type": kind,
                        "order": {
                            "seller": {"id": self.config.seller_id},
                            "buyer": {
                                key: form.buyer[key]
                                for key in ("id", "email", "login", "guest", "preferences")
                            },
                            "lineItems": [
                                {
                                    key: line[key]
                                    for key in (
                                        "id",
                                        "offer",
                                        "quantity",
                                        "price",
                                        "originalPrice",
                                        "boughtAt",
                                    )
                                }
                                for line in form.lines
                            ],
                            "checkoutForm": {"id": form.id, "revision": state["revision"]},
                            "marketplace": {"id": form.marketplace},
                        },
                    }
                )

    def _change(self, form: Form, at: datetime) -> dict[str, Any]:
        form.updated_at = max(at, form.updated_at)
        state = form.document()
        form.history.append((at, state))
        return state

    # --- what happens to orders -------------------------------------------------------------

    def _uuid1(self) -> str:
        return str(uuid.uuid1(node=self.rng.getrandbits(48), clock_seq=self.rng.getrandbits(14)))

    def create(self, at: datetime, *, paid: bool = False) -> Form:
        """A purchase: BOUGHT, then FILLED_IN when the buyer completes the checkout form."""
        with self.lock:
            rng = self.rng
            first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)
            city, post_code = rng.choice(data.CITIES)
            login = f"{first.lower()}_{rng.randint(100, 9999)}"
            czech = rng.random() < 0.1
            currency = "CZK" if czech else "PLN"
            rate = Decimal(6) if czech else Decimal(1)
            lines: list[dict[str, Any]] = []
            for offer_id, name, sku, price in rng.sample(data.OFFERS, rng.choice((1, 1, 1, 2, 3))):
                amount = money(Decimal(price) * rate, currency)
                lines.append(
                    {
                        "id": self._uuid1(),
                        "offer": {
                            "id": offer_id,
                            "name": name,
                            "external": {"id": sku},
                            "productSet": None,
                        },
                        "quantity": rng.choice((1, 1, 1, 2, 3)),
                        "originalPrice": amount,
                        "price": amount,
                        "reconciliation": None,
                        "selectedAdditionalServices": [],
                        "vouchers": [],
                        "tax": None,
                        "boughtAt": iso(at),
                    }
                )
            form = Form(
                id=self._uuid1(),
                buyer={
                    "id": str(rng.randint(10_000_000, 99_999_999)),
                    "email": f"{login}+{rng.randint(1000, 9999)}@user.allegrogroup.pl",
                    "login": login,
                    "firstName": first,
                    "lastName": last,
                    "companyName": None,
                    "guest": False,
                    "personalIdentity": None,
                    "phoneNumber": f"+48 {rng.randint(500, 799)} {rng.randint(100, 999)} "
                    f"{rng.randint(100, 999)}",
                    "preferences": {"language": "pl-PL"},
                    "address": {
                        "street": f"{rng.choice(data.STREETS)} {rng.randint(1, 120)}",
                        "city": city,
                        "postCode": post_code,
                        "countryCode": "PL",
                    },
                },
                lines=lines,
                delivery=rng.choice(data.DELIVERIES),
                currency=currency,
                marketplace="allegro-cz" if czech else "allegro-pl",
                payment_kind=rng.choice(data.PAYMENTS),
                created_at=at,
                updated_at=at,
            )
            self.forms[form.id] = form
            bought = self._change(form, at)
            form.status = "FILLED_IN"
            form.payment_id = self._uuid1()
            events = [("BOUGHT", form, bought, at), ("FILLED_IN", form, self._change(form, at), at)]
            if paid:
                events.append(("READY_FOR_PROCESSING", form, self._ready(form, at), at))
            self._journal(events)
            return form

    def _ready(self, form: Form, at: datetime) -> dict[str, Any]:
        form.status = "READY_FOR_PROCESSING"
        if form.payment_kind[0] != "CASH_ON_DELIVERY":
            form.paid_at = at
        buyer = form.buyer
        form.address = {
            "firstName": buyer["firstName"],
            "lastName": buyer["lastName"],
            "street": buyer["address"]["street"],
            "city": buyer["address"]["city"],
            "zipCode": buyer["address"]["postCode"],
            "countryCode": "PL",
            "companyName": None,
            "phoneNumber": buyer["phoneNumber"],
            "modifiedAt": None,
        }
        return self._change(form, at)

    def pay(self, form: Form, at: datetime) -> None:
        with self.lock:
            self._journal([("READY_FOR_PROCESSING", form, self._ready(form, at), at)])

    def cancel(self, form: Form, at: datetime, *, automatic: bool = False) -> None:
        with self.lock:
            form.status = "CANCELLED"
            kind = "AUTO_CANCELLED" if automatic else "BUYER_CANCELLED"
            self._journal([(kind, form, self._change(form, at), at)])

    def set_fulfillment(self, form: Form, status: str, at: datetime) -> None:
        with self.lock:
            form.fulfillment = status
            self._journal([("FULFILLMENT_STATUS_CHANGED", form, self._change(form, at), at)])

    def modify(self, form: Form, at: datetime) -> None:
        """The buyer changed the delivery address after paying (BUYER_MODIFIED)."""
        with self.lock:
            if form.address is not None:
                form.address = {**form.address, "street": f"{self.rng.choice(data.STREETS)} 7"}
            self._journal([("BUYER_MODIFIED", form, self._change(form, at), at)])

    def merge(self, form_ids: list[str], at: datetime) -> Form:
        """Several purchases become one form with a new id; the old ids are gone (A.5)."""
        with self.lock:
            parts = [self.forms.pop(form_id) for form_id in form_ids]
            self.gone.update(form_ids)
            merged = Form(
                id=self._uuid1(),
                buyer=parts[0].buyer,
                lines=[line for part in parts for line in part.lines],
                delivery=parts[0].delivery,
                currency=parts[0].currency,
                marketplace=parts[0].marketplace,
                payment_kind=parts[0].payment_kind,
                created_at=at,
                status="FILLED_IN",
                payment_id=self._uuid1(),
                updated_at=at,
            )
            self.forms[merged.id] = merged
            self._journal([("FILLED_IN", merged, self._change(merged, at), at)])
            return merged

    # --- reading ----------------------------------------------------------------------------

    def listed(self, now: datetime) -> list[dict[str, Any]]:
        """Every form as the listing shows it: possibly a little behind (list lag, A.6)."""
        horizon = now - timedelta(seconds=self.config.faults.list_lag_seconds)
        with self.lock:
            if not self.config.faults.list_lag_seconds:
                return [form.history[-1][1] for form in self.forms.values()]
            shown = []
            for form in self.forms.values():
                states = [state for at, state in form.history if at <= horizon]
                if states:
                    shown.append(states[-1])
            return shown

    def events_after(self, after: int | None, limit: int, types: set[str]) -> list[dict[str, Any]]:
        with self.lock:
            picked = []
            start = 0 if after is None else bisect.bisect_right(self._ids, after)
            for event in itertools.islice(self.journal, start, None):
                if types and event["type"] not in types:
                    continue
                picked.append({k: v for k, v in event.items() if not k.startswith("_")})
                if len(picked) == limit:
                    break
            return picked

    def latest_event(self) -> dict[str, Any] | None:
        with self.lock:
            if not self.journal:
                return None
            event = self.journal[-1]
            return {"id": event["id"], "occurredAt": event["occurredAt"]}
