from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from ihub.db import SessionDep
from ihub.kit.pagination import Page, PageQuery
from ihub.tenants import service
from ihub.tenants.auth import Admin, Viewer
from ihub.tenants.passwords import generate_password
from ihub.tenants.repository import ApiKeyRepository, UserRepository
from ihub.tenants.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    Me,
    TenantRead,
    TenantUpdate,
    UserCreate,
    UserCreated,
    UserRead,
    UserUpdate,
)

router = APIRouter(tags=["tenant"])


@router.get("/me", response_model=Me)
def me(principal: Viewer, session: SessionDep) -> Me:
    """Who the credential belongs to."""
    tenant = service.get_tenant(session, principal.tenant_id)
    user = (
        service.get_user(session, principal.tenant_id, principal.user_id)
        if principal.user_id
        else None
    )
    return Me(
        tenant=TenantRead.model_validate(tenant),
        role=principal.role,
        via=principal.via,
        label=principal.label,
        user=UserRead.model_validate(user) if user else None,
    )


@router.get("/tenant", response_model=TenantRead)
def get_tenant(principal: Viewer, session: SessionDep) -> TenantRead:
    """The caller's tenant."""
    return TenantRead.model_validate(service.get_tenant(session, principal.tenant_id))


@router.patch("/tenant", response_model=TenantRead)
def update_tenant(principal: Admin, session: SessionDep, body: TenantUpdate) -> TenantRead:
    """Rename the tenant or change its timezone."""
    tenant = service.get_tenant(session, principal.tenant_id)
    return TenantRead.model_validate(service.update_tenant(session, tenant, principal.actor, body))


@router.get("/users", response_model=Page[UserRead])
def list_users(principal: Admin, session: SessionDep, page: PageQuery) -> Page[UserRead]:
    """Users of the tenant."""
    repository = UserRepository(session, principal.tenant_id)
    rows, total = repository.page(repository.select().order_by(repository.model.email), page)
    return Page(
        items=[UserRead.model_validate(u) for u in rows],
        total=total,
        page=page.page,
        page_size=page.page_size,
    )


@router.post("/users", response_model=UserCreated, status_code=201)
def create_user(principal: Admin, session: SessionDep, body: UserCreate) -> UserCreated:
    """Add a user; without a password one is generated and returned once."""
    generated = None if body.password else generate_password()
    data = body.model_copy(update={"password": body.password or generated})
    user = service.create_user(session, principal.tenant_id, principal.actor, data)
    return UserCreated.model_validate(
        {**UserRead.model_validate(user).model_dump(), "password": generated}
    )


@router.get("/users/{user_id}", response_model=UserRead)
def get_user(principal: Admin, session: SessionDep, user_id: uuid.UUID) -> UserRead:
    """One user."""
    return UserRead.model_validate(service.get_user(session, principal.tenant_id, user_id))


@router.patch("/users/{user_id}", response_model=UserRead)
def update_user(
    principal: Admin, session: SessionDep, user_id: uuid.UUID, body: UserUpdate
) -> UserRead:
    """Change role, name, password or deactivate; sessions end on password change."""
    return UserRead.model_validate(
        service.update_user(session, principal.tenant_id, principal.actor, user_id, body)
    )


@router.delete("/users/{user_id}", status_code=204)
def delete_user(principal: Admin, session: SessionDep, user_id: uuid.UUID) -> Response:
    """Remove a user."""
    service.delete_user(session, principal.tenant_id, principal.actor, user_id)
    return Response(status_code=204)


@router.get("/api-keys", response_model=Page[ApiKeyRead])
def list_api_keys(principal: Admin, session: SessionDep, page: PageQuery) -> Page[ApiKeyRead]:
    """API keys of the tenant, revoked ones included; secrets are never shown again."""
    repository = ApiKeyRepository(session, principal.tenant_id)
    rows, total = repository.page(
        repository.select().order_by(repository.model.created_at.desc()), page
    )
    return Page(
        items=[ApiKeyRead.model_validate(k) for k in rows],
        total=total,
        page=page.page,
        page_size=page.page_size,
    )


@router.post("/api-keys", response_model=ApiKeyCreated, status_code=201)
def create_api_key(principal: Admin, session: SessionDep, body: ApiKeyCreate) -> ApiKeyCreated:
    """Create a key; the response holds the secret, shown this once."""
    key, api_key = service.create_api_key(
        session,
        principal.tenant_id,
        principal.actor,
        body,
        actor_role=principal.role,
        created_by_user_id=principal.user_id,
    )
    return ApiKeyCreated.model_validate(
        {**ApiKeyRead.model_validate(api_key).model_dump(), "key": key}
    )


@router.get("/api-keys/{key_id}", response_model=ApiKeyRead)
def get_api_key(principal: Admin, session: SessionDep, key_id: uuid.UUID) -> ApiKeyRead:
    """One API key (without its secret)."""
    return ApiKeyRead.model_validate(service.get_api_key(session, principal.tenant_id, key_id))


@router.post("/api-keys/{key_id}/revoke", response_model=ApiKeyRead)
def revoke_api_key(principal: Admin, session: SessionDep, key_id: uuid.UUID) -> ApiKeyRead:
    """Revoke a key at once; requests with it get 401 from now on."""
    return ApiKeyRead.model_validate(
        service.revoke_api_key(session, principal.tenant_id, principal.actor, key_id)
    )
