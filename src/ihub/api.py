"""The /api/v1 router: every domain router, all behind authentication by default."""

from fastapi import APIRouter, Depends

from ihub.allegro.endpoints import router as allegro_router
from ihub.audit.endpoints import router as audit_router
from ihub.catalog.endpoints import router as catalog_router
from ihub.connections.endpoints import router as connections_router
from ihub.imports.endpoints import router as imports_router
from ihub.logs.endpoints import router as logs_router
from ihub.orders.endpoints import router as orders_router
from ihub.production.endpoints import routers as production_routers
from ihub.runs.endpoints import router as runs_router
from ihub.schedules.endpoints import router as schedules_router
from ihub.tenants.auth import authenticate
from ihub.tenants.endpoints import router as tenants_router
from ihub.webhooks.endpoints import router as webhooks_router

API_PREFIX = "/api/v1"

# Deny by default: a route added here without its own role check still needs a credential.
router = APIRouter(prefix=API_PREFIX, dependencies=[Depends(authenticate)])
# FastAPI tries every route before the one that matches, twice per request, at a few
# microseconds each: the reads that dashboards and lists poll come first (bench/production.py).
for domain_router in (
    *production_routers,
    orders_router,
    runs_router,
    logs_router,
    catalog_router,
    imports_router,
    connections_router,
    allegro_router,
    webhooks_router,
    schedules_router,
    tenants_router,
    audit_router,
):
    router.include_router(domain_router)
