"""The Allegro emulator as a FastAPI app.

<base>/auth/oauth/device, /auth/oauth/token   OAuth (what ``auth_url`` points at)
<base>/skojarz-aplikacje                      the page where the seller approves a code
<base>/api/order/...                          the REST API (what ``api_url`` points at)
<base>/                                       the seller's orders, with buttons for a demo
<base>/_emulator/...                          control: create and change orders, faults
"""

from __future__ import annotations

import asyncio
import base64
import html
import threading
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from ihub.sandbox.allegro.authority import Authority, OAuthError
from ihub.sandbox.allegro.config import DEMO, EmulatorConfig, Faults
from ihub.sandbox.allegro.world import FULFILLMENT_STATUSES, World

MEDIA_TYPE = "application/vnd.allegro.public.v1+json"
FORM_STATUSES = ("BOUGHT", "FILLED_IN", "READY_FOR_PROCESSING", "CANCELLED")
FORM_SORTS = ("lineItems.boughtAt", "-lineItems.boughtAt", "updatedAt", "-updatedAt")
FILTER_TYPES = (
    "BOUGHT",
    "FILLED_IN",
    "READY_FOR_PROCESSING",
    "BUYER_CANCELLED",
    "FULFILLMENT_STATUS_CHANGED",
    "AUTO_CANCELLED",
)


def now() -> datetime:
    return datetime.now(UTC)


def allegro_error(
    status: int, code: str, message: str, path: str | None = None, user_message: str | None = None
) -> JSONResponse:
    """The error shape of the REST API (reference A.4)."""
    body = {
        "errors": [
            {
                "code": code,
                "message": message,
                "details": None,
                "path": path,
                "userMessage": user_message or message,
            }
        ]
    }
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


class Limiter:
    """9000 requests a minute per Client ID; over it the client is blocked for a minute, and
    every request during the block extends it (reference A.3)."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.lock = threading.Lock()
        self.windows: dict[str, deque[datetime]] = {}
        self.blocked_until: dict[str, datetime] = {}
        self.refused = 0

    def allow(self, client_id: str, moment: datetime) -> bool:
        block = timedelta(seconds=self.config.block_seconds)
        with self.lock:
            if moment < self.blocked_until.get(client_id, moment):
                self.blocked_until[client_id] = moment + block
                self.refused += 1
                return False
            window = self.windows.setdefault(client_id, deque())
            while window and window[0] <= moment - timedelta(minutes=1):
                window.popleft()
            if len(window) >= self.config.rate_limit_per_minute:
                self.blocked_until[client_id] = moment + block
                window.clear()
                self.refused += 1
                return False
            window.append(moment)
            return True


class Emulator:
    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.world = World(config)
        self.authority = Authority(config)
        self.limiter = Limiter(config)
        self.lock = threading.Lock()
        self.requests: dict[str, int] = {}

    def count(self, path: str) -> None:
        with self.lock:
            self.requests[path] = self.requests.get(path, 0) + 1

    def take_failure(self, path: str) -> tuple[int, float | None] | None:
        with self.lock:
            for rule in self.config.faults.fail:
                if path.startswith(rule.path) and rule.times > 0:
                    if rule.skip:
                        rule.skip -= 1
                        continue
                    rule.times -= 1
                    return rule.status, rule.retry_after
        return None


def _page(request: Request, path: str = "/") -> str:
    """The absolute URL of one of the emulator's pages, under /sandbox/allegro when mounted."""
    return str(request.url.replace(path=f"{request.scope.get('root_path', '')}{path}", query=""))


def _route_path(request: Request) -> str:
    path: str = request.scope["path"]
    root: str = request.scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def _basic_auth(request: Request) -> tuple[str | None, str | None]:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        client_id, _, secret = base64.b64decode(value).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None, None
    return client_id, secret


async def _params(request: Request) -> dict[str, str]:
    """OAuth parameters from the form body or the query string: clients use both (A.1)."""
    form = await request.form()
    return {**request.query_params, **{k: v for k, v in form.items() if isinstance(v, str)}}


def create_app(config: EmulatorConfig | None = None) -> FastAPI:
    """An emulator with its own world; ``app.state.emulator`` gives tests direct access."""
    emulator = Emulator((config or DEMO).model_copy(deep=True))
    app = FastAPI(title="Allegro emulator", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.emulator = emulator

    @app.middleware("http")
    async def world_and_faults(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        path = _route_path(request)
        emulator.count(path)
        emulator.world.advance()
        if emulator.config.faults.latency_ms:
            await asyncio.sleep(emulator.config.faults.latency_ms / 1000)
        failure = None if path.startswith("/_emulator") else emulator.take_failure(path)
        if failure is not None:
            status, retry_after = failure
            response: Response = allegro_error(status, "InjectedFailure", "Injected by a test")
            if retry_after is not None:
                response.headers["Retry-After"] = str(retry_after)
        else:
            response = await call_next(request)
        response.headers["Trace-Id"] = uuid.uuid4().hex
        return response

    # --- OAuth ------------------------------------------------------------------------------

    def oauth_error(exc: OAuthError) -> JSONResponse:
        return JSONResponse(exc.body, status_code=exc.status)

    def client_of(request: Request, params: dict[str, str]) -> str:
        client_id, secret = _basic_auth(request)
        if not emulator.authority.client_ok(client_id, secret):
            raise OAuthError(401, "invalid_client", "Client authentication failed")
        if params.get("client_id") not in (None, client_id):
            raise OAuthError(401, "invalid_client", "Client authentication failed")
        assert client_id is not None
        return client_id

    @app.post("/auth/oauth/device")
    async def device(request: Request) -> Response:
        params = await _params(request)
        try:
            client_id = client_of(request, params)
        except OAuthError as exc:
            return oauth_error(exc)
        grant = emulator.authority.start(client_id, now())
        page = _page(request, "/skojarz-aplikacje")
        return JSONResponse(
            {
                "device_code": grant.device_code,
                "user_code": grant.user_code,
                "verification_uri": page,
                "verification_uri_complete": f"{page}?code={grant.user_code}",
                "expires_in": emulator.config.device_code_ttl,
                "interval": grant.interval,
            }
        )

    @app.post("/auth/oauth/token")
    async def token(request: Request) -> Response:
        params = await _params(request)
        try:
            client_id = client_of(request, params)
            grant_type = params.get("grant_type")
            if grant_type == "urn:ietf:params:oauth:grant-type:device_code":
                body = emulator.authority.poll(client_id, params.get("device_code", ""), now())
            elif grant_type == "refresh_token":
                body = emulator.authority.refresh_grant(
                    client_id, params.get("refresh_token", ""), now()
                )
            else:
                raise OAuthError(
                    400, "unsupported_grant_type", f"Unsupported grant type: {grant_type}"
                )
        except OAuthError as exc:
            return oauth_error(exc)
        return JSONResponse(body)

    @app.get("/skojarz-aplikacje", response_class=HTMLResponse)
    def approval_page(code: str = "") -> HTMLResponse:
        return HTMLResponse(_approval_html(emulator, code, None))

    @app.post("/skojarz-aplikacje", response_class=HTMLResponse)
    async def decide(request: Request) -> HTMLResponse:
        form = await request.form()
        code, decision = str(form.get("code", "")), str(form.get("decision", ""))
        grant = emulator.authority.decide(code, decision == "approve", now())
        if grant is None:
            message = "This code is unknown, expired or already used."
        elif grant.state == "approved":
            message = f"Application {grant.client_id} may now access the account."
        else:
            message = f"Access for {grant.client_id} was refused."
        return HTMLResponse(_approval_html(emulator, code, message))

    # --- REST API ---------------------------------------------------------------------------

    def api_guard(request: Request) -> Response | None:
        if MEDIA_TYPE not in request.headers.get("accept", ""):
            return allegro_error(406, "NotAcceptableException", f"Accept {MEDIA_TYPE} required")
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        try:
            client_id = emulator.authority.check(
                token.strip() if scheme.lower() == "bearer" else None, now()
            )
        except OAuthError as exc:
            response = oauth_error(exc)
            if exc.body["error"] == "invalid_token":
                response.headers["WWW-Authenticate"] = (
                    f'Bearer realm="oauth2-resource", error="invalid_token", '
                    f'error_description="{exc.body["error_description"]}"'
                )
            return response
        if not emulator.limiter.allow(client_id, now()):
            response = allegro_error(
                429,
                "RateLimitExceedException",
                "An error has occurred",
                user_message="Przekroczony limit zapytań.",
            )
            if emulator.config.retry_after_header:
                response.headers["Retry-After"] = str(int(emulator.config.block_seconds))
            return response
        return None

    def api_json(body: dict[str, Any]) -> JSONResponse:
        return JSONResponse(body, media_type=MEDIA_TYPE)

    @app.get("/api/order/event-stats")
    def event_stats(request: Request) -> Response:
        if (refused := api_guard(request)) is not None:
            return refused
        return api_json({"latestEvent": emulator.world.latest_event()})

    @app.get("/api/order/events")
    def events(request: Request) -> Response:
        if (refused := api_guard(request)) is not None:
            return refused
        query = request.query_params
        after: int | None = None
        if "from" in query:
            try:
                after = int(query["from"])
                if not 0 <= after < 2**63:
                    raise ValueError
            except ValueError:
                return allegro_error(
                    422,
                    "VALIDATION_ERROR",
                    "must be a number between 0 and 9223372036854775807",
                    "getOrderEvents.from",
                )
        try:
            limit = int(query.get("limit", 100))
            if not 1 <= limit <= 1000:
                raise ValueError
        except ValueError:
            return allegro_error(
                422, "VALIDATION_ERROR", "must be between 1 and 1000", "getOrderEvents.limit"
            )
        types = set(query.getlist("type"))
        if unknown := types - set(FILTER_TYPES):
            return allegro_error(
                422, "VALIDATION_ERROR", f"unknown type {sorted(unknown)[0]}", "getOrderEvents.type"
            )
        return api_json({"events": emulator.world.events_after(after, limit, types)})

    @app.get("/api/order/checkout-forms")
    def checkout_forms(request: Request) -> Response:
        if (refused := api_guard(request)) is not None:
            return refused
        return _listing(emulator, request)

    @app.get("/api/order/checkout-forms/{form_id}")
    def checkout_form(request: Request, form_id: str) -> Response:
        if (refused := api_guard(request)) is not None:
            return refused
        try:
            if uuid.UUID(form_id).version != 1:
                raise ValueError
        except ValueError:
            return allegro_error(
                422, "VALIDATION_ERROR", "Not valid time UUID", "getOrder.checkoutFormId"
            )
        with emulator.world.lock:
            form = emulator.world.forms.get(form_id)
            document = form.history[-1][1] if form else None
        if document is None:
            return allegro_error(
                404, "CheckoutFormNotFoundException", f"Checkout form {form_id} not found"
            )
        return api_json(document)

    # --- the seller's page, for the demo ----------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    def seller_page() -> HTMLResponse:
        return HTMLResponse(_seller_html(emulator))

    @app.post("/seller/orders")
    def seller_new_orders(request: Request) -> RedirectResponse:
        for _ in range(3):
            emulator.world.create(now(), paid=True)
        return RedirectResponse(_page(request), status_code=303)

    @app.post("/seller/orders/{form_id}/cancel")
    def seller_cancel(request: Request, form_id: str) -> RedirectResponse:
        form = emulator.world.forms.get(form_id)
        if form is not None and form.status != "CANCELLED":
            emulator.world.cancel(form, now())
        return RedirectResponse(_page(request), status_code=303)

    _control_routes(app, emulator)
    return app


def _listing(emulator: Emulator, request: Request) -> Response:
    """``GET /order/checkout-forms`` with its limits, filters and sorts (reference A.6)."""
    query = request.query_params
    try:
        offset, limit = int(query.get("offset", 0)), int(query.get("limit", 100))
    except ValueError:
        return allegro_error(400, "IllegalArgumentException", "offset and limit must be numbers")
    if offset < 0 or not 1 <= limit <= 100:
        return allegro_error(
            422,
            "VALIDATION_ERROR",
            "limit must be between 1 and 100 and offset at least 0",
            "/order/checkout-forms",
        )
    if offset + limit > 10_000:
        return allegro_error(
            422,
            "VALIDATION_ERROR",
            "Offset and limit parameters exceed maximal result size of 10000 items",
            "/order/checkout-forms",
        )
    sort = query.get("sort", "-lineItems.boughtAt")
    if sort not in FORM_SORTS:
        return allegro_error(400, "IllegalArgumentException", f"Unknown sort {sort}")
    status = query.get("status")
    if status is not None and status not in FORM_STATUSES:
        return allegro_error(400, "IllegalArgumentException", f"Unknown status {status}")
    fulfillment = query.get("fulfillment.status")
    if fulfillment is not None and fulfillment not in FULFILLMENT_STATUSES:
        return allegro_error(400, "IllegalArgumentException", f"Unknown status {fulfillment}")

    def bought(form: dict[str, Any]) -> str:
        return str(max(line["boughtAt"] for line in form["lineItems"]))

    times = {}
    for name in (
        "updatedAt.gte",
        "updatedAt.lte",
        "lineItems.boughtAt.gte",
        "lineItems.boughtAt.lte",
    ):
        if name in query:
            try:
                parsed = datetime.fromisoformat(query[name].replace("Z", "+00:00"))
            except ValueError:
                return allegro_error(400, "IllegalArgumentException", f"{name} is not a date-time")
            times[name] = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    def keep(form: dict[str, Any]) -> bool:
        checks = {
            "updatedAt": datetime.fromisoformat(form["updatedAt"].replace("Z", "+00:00")),
            "lineItems.boughtAt": datetime.fromisoformat(bought(form).replace("Z", "+00:00")),
        }
        for name, limit_at in times.items():
            field, _, op = name.rpartition(".")
            if (op == "gte" and checks[field] < limit_at) or (
                op == "lte" and checks[field] > limit_at
            ):
                return False
        return bool(
            (status is None or form["status"] == status)
            and (fulfillment is None or form["fulfillment"]["status"] == fulfillment)
            and query.get("buyer.login", form["buyer"]["login"]) == form["buyer"]["login"]
            and query.get("marketplace.id", form["marketplace"]["id"]) == form["marketplace"]["id"]
        )

    forms = [form for form in emulator.world.listed(now()) if keep(form)]
    key = sort.lstrip("-")
    forms.sort(
        key=lambda f: f["updatedAt"] if key == "updatedAt" else bought(f),
        reverse=sort.startswith("-"),
    )
    page = forms[offset : offset + limit]
    return JSONResponse(
        {"checkoutForms": page, "count": len(page), "totalCount": len(forms)},
        media_type=MEDIA_TYPE,
    )


class NewOrders(BaseModel):
    count: int = Field(1, ge=1, le=100_000)
    paid: bool = True


class Approval(BaseModel):
    user_code: str
    approve: bool = True


class Merge(BaseModel):
    ids: list[str] = Field(min_length=2)


def _control_routes(app: FastAPI, emulator: Emulator) -> None:
    world = emulator.world

    @app.post("/_emulator/orders")
    def create_orders(body: NewOrders) -> dict[str, Any]:
        moment = now()
        return {"ids": [world.create(moment, paid=body.paid).id for _ in range(body.count)]}

    @app.post("/_emulator/orders/{form_id}/{action}")
    def change_order(form_id: str, action: str, status: str = "SENT") -> Response:
        form = world.forms.get(form_id)
        if form is None:
            return JSONResponse({"detail": "no such form"}, status_code=404)
        actions: dict[str, Callable[[], None]] = {
            "pay": lambda: world.pay(form, now()),
            "cancel": lambda: world.cancel(form, now()),
            "auto-cancel": lambda: world.cancel(form, now(), automatic=True),
            "modify": lambda: world.modify(form, now()),
            "fulfillment": lambda: world.set_fulfillment(form, status, now()),
        }
        if action not in actions:
            return JSONResponse({"detail": f"actions: {sorted(actions)}"}, status_code=404)
        if status not in FULFILLMENT_STATUSES:
            return JSONResponse({"detail": f"statuses: {FULFILLMENT_STATUSES}"}, status_code=422)
        actions[action]()
        return JSONResponse(form.history[-1][1])

    @app.post("/_emulator/merge")
    def merge(body: Merge) -> dict[str, str]:
        return {"id": world.merge(body.ids, now()).id}

    @app.patch("/_emulator/faults")
    def set_faults(body: dict[str, Any]) -> dict[str, Any]:
        merged = {**emulator.config.faults.model_dump(), **body}
        emulator.config.faults = Faults.model_validate(merged)
        return emulator.config.faults.model_dump()

    @app.post("/_emulator/approve")
    def approve(body: Approval) -> Response:
        grant = emulator.authority.decide(body.user_code, body.approve, now())
        if grant is None:
            return JSONResponse({"detail": "unknown, expired or used code"}, status_code=404)
        return JSONResponse({"state": grant.state})

    @app.post("/_emulator/revoke")
    def revoke() -> dict[str, bool]:
        emulator.authority.revoke_all()
        return {"revoked": True}

    @app.get("/_emulator/stats")
    def stats() -> dict[str, Any]:
        counters = emulator.authority.counters
        return {
            "requests": dict(emulator.requests),
            "api_requests": sum(n for p, n in emulator.requests.items() if p.startswith("/api/")),
            "token_grants": counters.token_grants,
            "refreshes": counters.refreshes,
            "refused_refreshes": counters.refused_refreshes,
            "rate_limited": emulator.limiter.refused,
            "orders": len(world.forms),
            "events": len(world.journal),
        }


_STYLE = """<style>
body{font:15px system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#222}
.code{font:600 2rem monospace;letter-spacing:.2em}
button{font-size:1rem;padding:.5rem 1rem;margin:.2rem}
.ok{background:#1f7a3a;color:#fff;border:0}.no{background:#b3261e;color:#fff;border:0}
table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left}
.note{background:#f3f3f3;padding:.8rem}</style>"""


def _approval_html(emulator: Emulator, code: str, message: str | None) -> str:
    grant = emulator.authority.by_user_code(code) if code else None
    client = html.escape(grant.client_id) if grant else "an application"
    note = f'<p class="note" id="decision">{html.escape(message)}</p>' if message else ""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Allegro sandbox · connect an application</title>{_STYLE}</head><body>
<h1>Allegro sandbox</h1>
<p>Signed in as seller <b>{html.escape(emulator.config.seller_login)}</b>.</p>
<p>{client} asks for access to your orders. Check that the code matches the one it shows:</p>
<form method="post"><p><input name="code" class="code" size="10" value="{html.escape(code)}"></p>
<button class="ok" name="decision" value="approve" type="submit">Approve</button>
<button class="no" name="decision" value="deny" type="submit">Deny</button></form>
{note}</body></html>"""


def _seller_html(emulator: Emulator) -> str:
    with emulator.world.lock:
        forms = sorted(emulator.world.forms.values(), key=lambda f: f.created_at, reverse=True)
        rows = "".join(
            f"<tr><td><code>{f.id[:8]}</code></td><td>{f.created_at:%Y-%m-%d %H:%M}</td>"
            f"<td>{html.escape(f.buyer['login'])}</td><td>{f.status}</td><td>{f.fulfillment}</td>"
            f"<td>{f.total():.2f} {f.currency}</td><td>"
            + (
                f'<form method="post" action="seller/orders/{f.id}/cancel">'
                '<button type="submit">Cancel</button></form>'
                if f.status != "CANCELLED"
                else ""
            )
            + "</td></tr>"
            for f in forms[:50]
        )
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Allegro sandbox · orders</title>{_STYLE}</head><body><h1>Allegro sandbox</h1>
<p>Seller <b>{html.escape(emulator.config.seller_login)}</b>: {len(forms)} orders,
{len(emulator.world.journal)} events. New orders keep arriving on their own.</p>
<form method="post" action="seller/orders">
<button type="submit">Three new paid orders</button></form>
<table><thead><tr><th>Form</th><th>Bought</th><th>Buyer</th><th>Status</th><th>Fulfillment</th>
<th>Total</th><th></th></tr></thead><tbody>{rows}</tbody></table></body></html>"""
