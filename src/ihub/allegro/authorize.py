"""``allegro.authorize``: the OAuth device authorization grant as a run.

``start_authorization`` asks Allegro for a code and starts this run; the run polls the token
endpoint at the interval Allegro asked for (5 s longer after each ``slow_down``) until the
seller approves, refuses, or the code expires (reference A.1). It saves between polls, so a
cancel or a dead worker behave as for any other run. On approval it stores the tokens,
creates the connection's sync schedule and starts the first sync.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy.orm import Session

from ihub import audit
from ihub.allegro import service
from ihub.allegro.service import AUTHORIZE_KIND, SYNC_KIND, SYSTEM_NAME
from ihub.audit.actor import SYSTEM, Actor
from ihub.connections.kinds import ALLEGRO
from ihub.connectors.allegro.auth import Polling, TokenSet
from ihub.connectors.allegro.errors import AuthorizationDenied, AuthorizationExpired
from ihub.errors import Conflict, Unprocessable, UpstreamFailed
from ihub.kit.clock import utcnow
from ihub.kit.failures import Terminal
from ihub.kit.http import ConnectorError
from ihub.models import Run
from ihub.oauth import service as oauth
from ihub.runs import service as runs
from ihub.runs.context import RunContext
from ihub.runs.registry import run_kind


class AuthorizeParams(BaseModel):
    device_code: str = Field(description="Sealed: only this connection's run can read it.")
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_at: AwareDatetime
    interval: int = Field(ge=0, description="Seconds between polls, as Allegro asked.")


def _owner(connection_id: uuid.UUID) -> str:
    return f"allegro_device_code:{connection_id}"


def start_authorization(
    session: Session, tenant_id: uuid.UUID, actor: Actor, connection_id: uuid.UUID
) -> Run:
    """Ask Allegro for a device code and start waiting for the seller's approval; a pending
    authorization of the connection is returned as it is.

    Commits the caller's transaction before calling Allegro, so that no SQLite write lock is
    held while Allegro answers.
    """
    opened = service.open_connection(session, tenant_id, connection_id)
    pending = service.latest_authorization(session, tenant_id, connection_id)
    if pending is not None and not pending.status.is_terminal:
        return pending
    session.commit()
    client = service.oauth_client(opened)
    try:
        with client.requester.client:
            code = client.start_device_flow()
    except ConnectorError as exc:
        problem = Unprocessable if isinstance(exc, Terminal) else UpstreamFailed
        raise problem(f"Allegro did not start the authorization: {exc.message}") from exc
    params = AuthorizeParams(
        device_code=oauth.seal(code.device_code, _owner(connection_id)),
        user_code=code.user_code,
        verification_uri=code.verification_uri,
        verification_uri_complete=code.verification_uri_complete,
        expires_at=utcnow() + timedelta(seconds=code.expires_in),
        interval=code.interval,
    )
    run = runs.create_run(
        session,
        tenant_id,
        AUTHORIZE_KIND,
        params.model_dump(mode="json"),
        actor=actor,
        trigger="api",
        connection_id=connection_id,
    )
    audit.record(
        session,
        tenant_id,
        actor,
        "connection.authorization_started",
        "connection",
        connection_id,
        {"run_id": str(run.id), "user_code": code.user_code},
    )
    return run


@run_kind(
    AUTHORIZE_KIND,
    title="Allegro authorization",
    params=AuthorizeParams,
    system=SYSTEM_NAME,
    schedulable=False,
    connection_kind=ALLEGRO,
)
def authorize(ctx: RunContext, params: AuthorizeParams) -> None:
    assert ctx.connection_id is not None
    step = ctx.step("seller approval")
    opened = service.open_connection(ctx.session, ctx.tenant_id, ctx.connection_id)
    device_code = oauth.unseal(params.device_code, _owner(ctx.connection_id))
    interval = int(ctx.checkpoint.get("interval", params.interval))
    ctx.save()  # ends the read: nothing is locked while Allegro answers
    client = service.oauth_client(opened)
    with client.requester.client:
        while True:
            if utcnow() >= params.expires_at:
                _outcome(ctx, "expired")
                raise AuthorizationExpired(
                    "The code expired before the seller approved it; start the authorization again."
                )
            time.sleep(interval)
            try:
                polled = client.poll(device_code)
            except AuthorizationDenied:
                _outcome(ctx, "failed")
                raise
            except AuthorizationExpired:
                _outcome(ctx, "expired")
                raise
            if isinstance(polled, TokenSet):
                break
            if polled is Polling.slow_down:
                interval += 5  # Allegro asked for a slower pace (RFC 8628)
            step.current(f"waiting for the seller to confirm {params.user_code}")
            ctx.save({"interval": interval})
    _authorized(ctx, ctx.connection_id, opened.name, polled)
    step.complete()


def _outcome(ctx: RunContext, outcome: str) -> None:
    ctx.run.result = {"outcome": outcome}
    ctx.save()


def _authorized(ctx: RunContext, connection_id: uuid.UUID, name: str, tokens: TokenSet) -> None:
    session, tenant_id = ctx.session, ctx.tenant_id
    oauth.store(
        session,
        tenant_id,
        connection_id,
        provider=ALLEGRO,
        pair=tokens,
        account_id=tokens.seller_id,
    )
    service.working(session, tenant_id, connection_id)
    service.ensure_sync_schedule(session, tenant_id, connection_id, name)
    audit.record(
        session,
        tenant_id,
        SYSTEM,
        "connection.authorized",
        "connection",
        connection_id,
        {"account_id": tokens.seller_id, "scope": tokens.scope},
    )
    ctx.log(f"Allegro seller {tokens.seller_id or '?'} authorized {name!r}.", status="authorized")
    ctx.run.result = {"outcome": "completed", "account_id": tokens.seller_id}
    try:
        with session.begin_nested():
            runs.create_run(
                session,
                tenant_id,
                SYNC_KIND,
                {},
                actor=SYSTEM,
                trigger="authorization",
                connection_id=connection_id,
            )
    except Conflict:
        pass  # a sync is already on its way
