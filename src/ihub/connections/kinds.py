"""The connection kinds ihub ships. Adding a kind is one ``ConnectionKind(...)`` here."""

from __future__ import annotations

from ihub.connections.registry import ConnectionKind, register
from ihub.connectors.onec_odata.check import check_connection as check_onec
from ihub.connectors.onec_odata.spec import OneCSecrets, OneCSettings

ONEC_ODATA = "onec_odata"

register(
    ConnectionKind(
        name=ONEC_ODATA,
        title="1C:Управление торговлей 11 (OData)",
        settings=OneCSettings,
        secrets=OneCSecrets,
        test=check_onec,
    ),
)
