"""Connections pages: list, forms generated from each kind's settings model, the test button."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, SecretStr
from sqlalchemy.orm import Session

from ihub.connections import service
from ihub.connections.registry import ConnectionKind, all_kinds, get_kind
from ihub.connections.schemas import ConnectionCreate, ConnectionTestRead, ConnectionUpdate
from ihub.db import SessionDep
from ihub.errors import IhubError
from ihub.kit.pagination import PageParams
from ihub.models import Connection
from ihub.tenants.auth import Principal
from ihub.ui.web import UiAdmin, UiOperator, UiViewer, render

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class FormField:
    name: str  # "settings.base_url" or "secrets.password"
    title: str
    description: str | None
    input_type: str
    required: bool
    value: str
    step: str | None = None
    is_set: bool = False  # a secret that already has a value


def form_fields(
    model: type[BaseModel],
    group: str,
    values: dict[str, Any],
    secrets_set: Collection[str] = (),
) -> list[FormField]:
    """One input per model field; the model's titles and descriptions are the labels."""
    fields = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        input_type, step = "text", None
        if annotation is SecretStr:
            input_type = "password"
        elif annotation in (int, int | None):
            input_type, step = "number", "1"
        elif annotation in (float, float | None):
            input_type, step = "number", "any"
        value = values.get(name, None if info.is_required() else info.default)
        fields.append(
            FormField(
                name=f"{group}.{name}",
                title=info.title or name,
                description=info.description,
                input_type=input_type,
                required=info.is_required()
                and not (input_type == "password" and name in secrets_set),
                value="" if value is None or input_type == "password" else str(value),
                step=step,
                is_set=name in secrets_set,
            )
        )
    return fields


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


FormData = Annotated[dict[str, str], Depends(_form)]


def _group(form: dict[str, str], group: str, *, keep_empty: bool) -> dict[str, str]:
    prefix = f"{group}."
    return {
        key.removeprefix(prefix): value.strip() if group == "settings" else value
        for key, value in form.items()
        if key.startswith(prefix) and (keep_empty or value.strip())
    }


def _error_text(exc: IhubError) -> str:
    extra = exc.extra.get("errors") or []
    return exc.message + "".join(f" {e['field']}: {e['message']}." for e in extra)


def _list_page(request: Request, principal: Principal, session: Session) -> HTMLResponse:
    connections, _ = service.list_connections(
        session, principal.tenant_id, PageParams(page=1, page_size=500)
    )
    return render(
        request,
        "connections/list.html",
        principal,
        connections=connections,
        kinds={k.name: k for k in all_kinds()},
    )


def _form_page(
    request: Request,
    principal: Principal,
    kind: ConnectionKind,
    *,
    connection: Connection | None = None,
    name: str = "",
    settings: dict[str, Any] | None = None,
    error: str | None = None,
    test: ConnectionTestRead | None = None,
    status: int = 200,
) -> HTMLResponse:
    secrets_set = set(connection.secrets) if connection else set()
    return render(
        request,
        "connections/form.html",
        principal,
        status,
        kind=kind,
        connection=connection,
        name=name or (connection.name if connection else ""),
        settings_fields=form_fields(
            kind.settings,
            "settings",
            settings if settings is not None else (connection.settings if connection else {}),
        ),
        secret_fields=form_fields(kind.secrets, "secrets", {}, secrets_set),
        error=error,
        test=test,
    )


@router.get("/connections")
def connections_page(request: Request, principal: UiViewer, session: SessionDep) -> HTMLResponse:
    return _list_page(request, principal, session)


@router.get("/connections/new")
def new_connection(request: Request, principal: UiAdmin, kind: str) -> HTMLResponse:
    return _form_page(request, principal, get_kind(kind))


@router.post("/connections/new")
def create_connection(
    request: Request, principal: UiAdmin, session: SessionDep, form: FormData
) -> Response:
    kind = get_kind(form.get("kind", ""))
    settings = _group(form, "settings", keep_empty=False)
    try:
        data = ConnectionCreate(
            kind=kind.name,
            name=form.get("name", "").strip(),
            settings=settings,
            secrets=_group(form, "secrets", keep_empty=True),
        )
        connection = service.create_connection(session, principal.tenant_id, principal.actor, data)
    except IhubError as exc:
        session.rollback()
        return _form_page(
            request,
            principal,
            kind,
            name=form.get("name", ""),
            settings=settings,
            error=_error_text(exc),
            status=422,
        )
    return RedirectResponse(f"/connections/{connection.id}", status_code=303)


@router.get("/connections/{connection_id}")
def connection_page(
    request: Request, principal: UiViewer, session: SessionDep, connection_id: uuid.UUID
) -> HTMLResponse:
    connection = service.get_connection(session, principal.tenant_id, connection_id)
    return _form_page(request, principal, get_kind(connection.kind), connection=connection)


@router.post("/connections/{connection_id}")
def update_connection(
    request: Request,
    principal: UiAdmin,
    session: SessionDep,
    connection_id: uuid.UUID,
    form: FormData,
) -> Response:
    connection = service.get_connection(session, principal.tenant_id, connection_id)
    kind = get_kind(connection.kind)
    # An empty optional setting means "none"; an empty secret box means "keep the stored one".
    settings: dict[str, Any] = {
        name: value or None for name, value in _group(form, "settings", keep_empty=True).items()
    }
    try:
        data = ConnectionUpdate(
            name=form.get("name", "").strip() or None,
            settings=settings,
            secrets=_group(form, "secrets", keep_empty=False) or None,
        )
        service.update_connection(
            session, principal.tenant_id, principal.actor, connection_id, data
        )
    except IhubError as exc:
        session.rollback()
        connection = service.get_connection(session, principal.tenant_id, connection_id)
        return _form_page(
            request,
            principal,
            kind,
            connection=connection,
            name=form.get("name", ""),
            settings={k: v for k, v in settings.items() if v is not None},
            error=_error_text(exc),
            status=422,
        )
    return RedirectResponse(f"/connections/{connection_id}", status_code=303)


@router.post("/connections/{connection_id}/test")
def test_connection(
    request: Request, principal: UiOperator, session: SessionDep, connection_id: uuid.UUID
) -> HTMLResponse:
    opened = service.open_connection(session, principal.tenant_id, connection_id)
    session.commit()  # not holding SQLite's write lock while the external system answers
    report = service.run_check(opened)
    connection = service.record_check(
        session, principal.tenant_id, principal.actor, connection_id, report
    )
    result = service.test_result(connection, report)
    if request.headers.get("hx-request"):
        return render(request, "connections/_test.html", principal, test=result)
    return _form_page(request, principal, opened.kind, connection=connection, test=result)


@router.post("/connections/{connection_id}/delete")
def delete_connection(
    request: Request, principal: UiAdmin, session: SessionDep, connection_id: uuid.UUID
) -> Response:
    try:
        service.delete_connection(session, principal.tenant_id, principal.actor, connection_id)
    except IhubError as exc:
        session.rollback()
        connection = service.get_connection(session, principal.tenant_id, connection_id)
        kind = get_kind(connection.kind)
        return _form_page(
            request, principal, kind, connection=connection, error=exc.message, status=409
        )
    return RedirectResponse("/connections", status_code=303)
