"""Server-rendered admin UI: Jinja2 templates, HTMX, SSE for live progress."""
