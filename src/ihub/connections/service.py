"""Connection CRUD, secrets at rest and the connection test. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

import ihub.connections.kinds  # noqa: F401 - registers the kinds ihub ships
from ihub import audit
from ihub.audit.actor import Actor
from ihub.config import get_secret_box
from ihub.connections.registry import ConnectionKind, get_kind
from ihub.connections.repository import ConnectionRepository
from ihub.connections.schemas import (
    CheckStepRead,
    ConnectionCreate,
    ConnectionRead,
    ConnectionTestRead,
    ConnectionUpdate,
)
from ihub.connectors.base import CheckReport
from ihub.errors import Conflict, NotFound, Unprocessable
from ihub.kit.clock import utcnow
from ihub.kit.pagination import PageParams
from ihub.models import ACTIVE_STATUSES, Connection, ConnectionStatus, Run, Schedule
from ihub.runs.repository import RunRepository
from ihub.schedules.repository import ScheduleRepository

__all__ = [
    "OpenConnection",
    "create_connection",
    "delete_connection",
    "document",
    "get_connection",
    "list_connections",
    "mark_failed",
    "mark_ok",
    "open_connection",
    "record_check",
    "run_check",
    "test_result",
    "update_connection",
]


def _bound_to(connection_id: uuid.UUID, field: str) -> str:
    # The associated data ties each ciphertext to its row and field: a ciphertext copied to
    # another connection or field fails to decrypt instead of leaking there.
    return f"connection:{connection_id}:{field}"


def _validated(model: type[BaseModel], data: dict[str, Any], prefix: str) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [
            {
                "field": ".".join([prefix, *(str(p) for p in e["loc"])]),
                "message": e["msg"],
                "type": e["type"],
            }
            for e in exc.errors()
        ]
        raise Unprocessable(
            f"The connection's {prefix} are not valid.", extra={"errors": errors}
        ) from None


def _dumped_settings(kind: ConnectionKind, data: dict[str, Any]) -> dict[str, Any]:
    return _validated(kind.settings, data, "settings").model_dump(mode="json")


def _secret_values(model: BaseModel) -> dict[str, str]:
    values = {}
    for name, value in model:
        if value is not None:
            values[name] = (
                value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)
            )
    return values


def _decrypt(connection: Connection) -> dict[str, str]:
    box = get_secret_box()
    try:
        return {
            field: box.decrypt(token, _bound_to(connection.id, field))
            for field, token in connection.secrets.items()
        }
    except (InvalidTag, ValueError):
        raise Unprocessable(
            f"The stored secrets of {connection.name!r} cannot be decrypted: the master key "
            "(IHUB_SECRET_KEY or secret.key) changed since they were saved. Enter them again."
        ) from None


def _encrypt(connection: Connection, values: dict[str, str]) -> dict[str, str]:
    box = get_secret_box()
    return {
        field: box.encrypt(value, _bound_to(connection.id, field))
        for field, value in values.items()
    }


def document(connection: Connection) -> ConnectionRead:
    kind = get_kind(connection.kind)
    return ConnectionRead(
        id=connection.id,
        kind=connection.kind,
        name=connection.name,
        settings=connection.settings,
        secrets={field: field in connection.secrets for field in kind.secret_fields},
        status=connection.status,
        last_error=connection.last_error,
        last_checked_at=connection.last_checked_at,
        created_at=connection.created_at,
        updated_at=connection.updated_at,
    )


def _unique_name(repository: ConnectionRepository, name: str, own: uuid.UUID | None) -> None:
    existing = repository.by_name(name)
    if existing is not None and existing.id != own:
        raise Conflict(f"A connection named {name!r} already exists.")


def create_connection(
    session: Session, tenant_id: uuid.UUID, actor: Actor, data: ConnectionCreate
) -> Connection:
    kind = get_kind(data.kind)
    repository = ConnectionRepository(session, tenant_id)
    _unique_name(repository, data.name, None)
    secrets = _validated(kind.secrets, data.secrets, "secrets")
    connection = Connection(
        id=uuid.uuid4(),
        kind=kind.name,
        name=data.name,
        settings=_dumped_settings(kind, data.settings),
        status=ConnectionStatus.untested,
    )
    connection.secrets = _encrypt(connection, _secret_values(secrets))
    repository.add(connection)
    audit.record(
        session,
        tenant_id,
        actor,
        "connection.created",
        "connection",
        connection.id,
        {
            "kind": kind.name,
            "name": data.name,
            "settings": connection.settings,
            "secrets_set": sorted(connection.secrets),
        },
    )
    return connection


def get_connection(session: Session, tenant_id: uuid.UUID, connection_id: uuid.UUID) -> Connection:
    connection = ConnectionRepository(session, tenant_id).get(connection_id)
    if connection is None:
        raise NotFound("Connection not found.")
    return connection


def list_connections(
    session: Session,
    tenant_id: uuid.UUID,
    params: PageParams,
    *,
    kind: str | None = None,
    status: ConnectionStatus | None = None,
) -> tuple[Sequence[Connection], int]:
    repository = ConnectionRepository(session, tenant_id)
    return repository.page(repository.search(kind=kind, status=status), params)


def update_connection(
    session: Session,
    tenant_id: uuid.UUID,
    actor: Actor,
    connection_id: uuid.UUID,
    data: ConnectionUpdate,
) -> Connection:
    connection = get_connection(session, tenant_id, connection_id)
    kind = get_kind(connection.kind)
    before = {"name": connection.name, "settings": connection.settings}
    if data.name is not None and data.name != connection.name:
        _unique_name(ConnectionRepository(session, tenant_id), data.name, connection.id)
        connection.name = data.name
    if data.settings is not None:
        merged = {**connection.settings, **data.settings}
        connection.settings = _dumped_settings(
            kind, {k: v for k, v in merged.items() if v is not None}
        )
    changed_secrets: list[str] = []
    if data.secrets:
        values = {**_decrypt(connection), **data.secrets}
        secrets = _validated(
            kind.secrets, {k: v for k, v in values.items() if v is not None}, "secrets"
        )
        connection.secrets = _encrypt(connection, _secret_values(secrets))
        changed_secrets = sorted(data.secrets)
    changes = audit.diff(before, {"name": connection.name, "settings": connection.settings})
    if changed_secrets:
        changes["secrets_changed"] = changed_secrets
    if changes:
        # New settings deserve a new test: the old verdict described the old ones.
        connection.status = ConnectionStatus.untested
        connection.last_error = None
        audit.record(
            session, tenant_id, actor, "connection.updated", "connection", connection.id, changes
        )
    return connection


def delete_connection(
    session: Session, tenant_id: uuid.UUID, actor: Actor, connection_id: uuid.UUID
) -> None:
    connection = get_connection(session, tenant_id, connection_id)
    runs = RunRepository(session, tenant_id)
    active = runs.select(Run.connection_id == connection.id, Run.status.in_(ACTIVE_STATUSES))
    if runs.list(active.limit(1)):
        raise Conflict("A run is using this connection; cancel it or let it finish first.")
    schedules = ScheduleRepository(session, tenant_id)
    scheduled = schedules.list(schedules.select(Schedule.connection_id == connection.id).limit(1))
    if scheduled:
        raise Conflict(f"The schedule {scheduled[0].name!r} uses this connection; delete it first.")
    ConnectionRepository(session, tenant_id).delete(connection)
    audit.record(
        session,
        tenant_id,
        actor,
        "connection.deleted",
        "connection",
        connection_id,
        {"kind": connection.kind, "name": connection.name},
    )


@dataclass(frozen=True)
class OpenConnection:
    """A connection ready for its connector: typed settings and decrypted secrets."""

    id: uuid.UUID
    kind: ConnectionKind
    name: str
    settings: Any
    secrets: Any


def open_connection(
    session: Session, tenant_id: uuid.UUID, connection_id: uuid.UUID, *, kind: str | None = None
) -> OpenConnection:
    connection = get_connection(session, tenant_id, connection_id)
    if kind is not None and connection.kind != kind:
        raise Unprocessable(
            f"The connection {connection.name!r} is a {connection.kind} connection, not {kind}."
        )
    connection_kind = get_kind(connection.kind)
    return OpenConnection(
        id=connection.id,
        kind=connection_kind,
        name=connection.name,
        settings=connection_kind.settings.model_validate(connection.settings),
        secrets=connection_kind.secrets.model_validate(_decrypt(connection)),
    )


def run_check(opened: OpenConnection) -> CheckReport:
    """Talk to the external system; no session here, so no transaction waits on the network."""
    return opened.kind.test(opened.settings, opened.secrets)


def record_check(
    session: Session,
    tenant_id: uuid.UUID,
    actor: Actor,
    connection_id: uuid.UUID,
    report: CheckReport,
) -> Connection:
    connection = get_connection(session, tenant_id, connection_id)
    if report.ok:
        mark_ok(connection)
    else:
        mark_failed(connection, report.message)
    connection.last_checked_at = utcnow()
    audit.record(
        session,
        tenant_id,
        actor,
        "connection.tested",
        "connection",
        connection.id,
        {"ok": report.ok, "status": connection.status.value},
    )
    return connection


def test_result(connection: Connection, report: CheckReport) -> ConnectionTestRead:
    return ConnectionTestRead(
        ok=report.ok,
        message=report.message,
        status=connection.status,
        steps=[CheckStepRead(name=s.name, ok=s.ok, message=s.message) for s in report.steps],
        checked_at=connection.last_checked_at or utcnow(),
    )


def mark_ok(connection: Connection) -> None:
    connection.status = ConnectionStatus.ok
    connection.last_error = None


def mark_failed(connection: Connection, message: str) -> None:
    connection.status = ConnectionStatus.needs_attention
    connection.last_error = message
