"""Faithful emulators of the external APIs, used by tests, benchmarks and the demo.

Each emulator is a FastAPI app factory; the demo mounts them under ``/sandbox/<name>`` and
``ihub sandbox <name>`` serves one alone.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from ihub.sandbox import allegro, onec_odata

# name -> factory; each connector's issue adds its emulator here.
SANDBOXES: dict[str, Callable[[], FastAPI]] = {
    "onec": onec_odata.create_app,
    "allegro": allegro.create_app,
}


def mount_sandboxes(app: FastAPI) -> None:
    for name, factory in SANDBOXES.items():
        app.mount(f"/sandbox/{name}", factory(), name=f"sandbox-{name}")
