"""The connection kinds ihub ships. Adding a kind is one ``ConnectionKind(...)`` here."""

from __future__ import annotations

from ihub.connections.registry import ConnectionKind, register
from ihub.connectors.allegro.check import check_connection as check_allegro
from ihub.connectors.allegro.spec import AllegroSecrets, AllegroSettings
from ihub.connectors.onec_odata.check import check_connection as check_onec
from ihub.connectors.onec_odata.spec import OneCSecrets, OneCSettings

ONEC_ODATA = "onec_odata"
ALLEGRO = "allegro"

register(
    ConnectionKind(
        name=ONEC_ODATA,
        title="1C:Управление торговлей 11 (OData)",
        settings=OneCSettings,
        secrets=OneCSecrets,
        test=check_onec,
    ),
    ConnectionKind(
        name=ALLEGRO,
        title="Allegro",
        settings=AllegroSettings,
        secrets=AllegroSecrets,
        test=check_allegro,
    ),
)
