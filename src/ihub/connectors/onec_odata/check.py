"""Test a 1C connection for real: address, login, and every object ihub reads."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import httpx

from ihub.connectors.base import CheckReport, CheckStep
from ihub.connectors.onec_odata import streams
from ihub.connectors.onec_odata.client import OneCClient
from ihub.connectors.onec_odata.spec import OneCSecrets, OneCSettings
from ihub.kit.http import ConnectorError, ResourceNotFound, RetryPolicy

__all__ = ["check_connection"]

_NO_RETRY = RetryPolicy(attempts=1)


def check_connection(
    settings: OneCSettings, secrets: OneCSecrets, *, transport: httpx.BaseTransport | None = None
) -> CheckReport:
    """Probe each entity set an import reads; stop at the first failure that is not about
    one object (a wrong URL or login makes every further probe pointless)."""
    catalogs = [
        stream().entity_set
        for stream in (
            streams.organizations,
            streams.counterparties,
            streams.products,
            streams.warehouses,
        )
    ]
    balance = streams.stock("00000000-0000-0000-0000-000000000000")
    steps: list[CheckStep] = []
    password = secrets.password.get_secret_value()
    with OneCClient(settings, password, transport=transport, retry=_NO_RETRY) as client:
        probes: list[tuple[str, Callable[[], None]]] = [
            (name, partial(client.probe, name)) for name in catalogs
        ]
        probes.append(
            (balance.name, partial(client.probe_balance, balance.register, balance.dimensions))
        )
        for name, probe in probes:
            try:
                probe()
            except ResourceNotFound as exc:
                steps.append(CheckStep(name, False, exc.message))
                if not exc.message.startswith(name):
                    break  # the whole URL is wrong, not just this object
            except ConnectorError as exc:
                steps.append(CheckStep(name, False, exc.message))
                break
            else:
                steps.append(CheckStep(name, True, "readable"))
    failures = [step for step in steps if not step.ok]
    if failures:
        message = failures[0].message
        if len(failures) > 1:
            message += f" (and {len(failures) - 1} more, listed below)"
        return CheckReport(False, message, steps)
    return CheckReport(
        True,
        f"Connected to {client.url} as «{settings.username}»; all {len(steps)} objects ihub "
        "reads are published and readable.",
        steps,
    )
