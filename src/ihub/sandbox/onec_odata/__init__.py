"""A faithful emulator of 1C:UT 11's standard OData interface (``/sandbox/onec`` in the demo)."""

from ihub.sandbox.onec_odata.app import create_app
from ihub.sandbox.onec_odata.config import Faults, SandboxConfig

__all__ = ["Faults", "SandboxConfig", "create_app"]
