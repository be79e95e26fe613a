"""Pure adapters to external systems: no FastAPI, no ORM, no Celery."""
