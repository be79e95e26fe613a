"""Production run kinds: thin shells around the report writer and the batch importer."""

from __future__ import annotations

import uuid

from pydantic import BaseModel

from ihub.production import importer, reports
from ihub.runs.context import RunContext
from ihub.runs.registry import run_kind


class ReportParams(BaseModel):
    report_id: uuid.UUID


@run_kind(
    reports.REPORT_KIND,
    title="Production report",
    params=ReportParams,
    schedulable=False,
    exclusive=False,
)
def write_report(ctx: RunContext, params: ReportParams) -> None:
    reports.write(ctx, params.report_id)


@run_kind(
    importer.IMPORT_KIND,
    title="Batch import",
    params=importer.ImportParams,
    schedulable=False,
)
def import_batches(ctx: RunContext, params: importer.ImportParams) -> None:
    importer.run_import(ctx, params)
