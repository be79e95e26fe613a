"""Import every module that defines Celery tasks or run kinds, so workers and the API know them."""

import ihub.imports.tasks
import ihub.maintenance.cleanup
import ihub.runs.demo
import ihub.runs.tasks
import ihub.schedules.tasks  # noqa: F401
