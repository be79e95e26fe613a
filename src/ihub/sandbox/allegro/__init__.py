"""An Allegro emulator: device-flow OAuth with rotating refresh tokens, the order event
journal, checkout forms, rate limits, error bodies and an order generator (reference A.8)."""

from ihub.sandbox.allegro.app import create_app
from ihub.sandbox.allegro.config import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, EmulatorConfig

__all__ = ["DEMO_CLIENT_ID", "DEMO_CLIENT_SECRET", "EmulatorConfig", "create_app"]
