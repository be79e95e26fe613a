"""Run kinds of the imports domain (imported by ``ihub.tasks``)."""

import ihub.imports.onec  # noqa: F401
