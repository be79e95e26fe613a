"""Import every module that defines Celery tasks or run kinds, so workers and the API know them."""

import ihub.allegro.authorize
import ihub.allegro.sync
import ihub.imports.tasks
import ihub.maintenance.cleanup
import ihub.production.tasks
import ihub.runs.demo
import ihub.runs.tasks
import ihub.schedules.tasks
import ihub.webhooks.tasks  # noqa: F401
