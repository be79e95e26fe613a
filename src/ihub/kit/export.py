"""Streaming CSV / NDJSON / JSON export: rows leave as they are read, never all in memory."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal

from fastapi.responses import StreamingResponse

__all__ = ["ExportFormat", "stream_export"]

ExportFormat = Literal["csv", "ndjson", "json"]
_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "ndjson": "application/x-ndjson",
    "json": "application/json",
}


def _csv_cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


def _chunks(rows: Iterable[dict[str, Any]], columns: list[str], fmt: ExportFormat) -> Iterator[str]:
    buffer = io.StringIO()
    if fmt == "csv":
        buffer.write("\ufeff")  # so that Excel opens UTF-8 Cyrillic correctly
        writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
    elif fmt == "json":
        buffer.write("[")  # one array, written element by element
    for n, row in enumerate(rows, 1):
        if fmt == "csv":
            writer.writerow({k: _csv_cell(v) for k, v in row.items()})
        elif fmt == "json":
            buffer.write(
                ("," if n > 1 else "") + "\n" + json.dumps(row, ensure_ascii=False, default=str)
            )
        else:
            buffer.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if fmt == "json":
        buffer.write("\n]\n")
    yield buffer.getvalue()


def stream_export(
    rows: Callable[[], Iterator[dict[str, Any]]],
    columns: list[str],
    fmt: ExportFormat,
    filename: str,
) -> StreamingResponse:
    """``rows`` is called when the body starts streaming, so it can open its own session."""
    return StreamingResponse(
        _chunks(rows(), columns, fmt),
        media_type=_MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'},
    )
