"""CSV and XLSX in and out: one place for how production tables are written and read."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, Any

from openpyxl import Workbook, load_workbook

from ihub.models import ReportFormat

CONTENT_TYPES = {
    ReportFormat.csv: "text/csv; charset=utf-8",
    ReportFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class UnreadableTable(ValueError):
    """The upload is not a CSV or XLSX table we can read."""


def format_of(filename: str) -> ReportFormat:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    try:
        return ReportFormat(suffix)
    except ValueError:
        raise UnreadableTable(f"{filename!r}: expected a .csv or .xlsx file.") from None


def write_table(
    out: IO[bytes], fmt: ReportFormat, columns: list[str], rows: Iterable[list[Any]]
) -> int:
    """Write a header and rows; returns the number of rows. XLSX is written in streaming mode."""
    count = 0
    if fmt == ReportFormat.csv:
        text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
        writer = csv.writer(text)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_cell(v) for v in row])
            count += 1
        text.detach()  # leave ``out`` open for the caller
        return count
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("data")
    sheet.append(columns)
    for row in rows:
        sheet.append([_xlsx_cell(v) for v in row])
        count += 1
    workbook.save(out)
    return count


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):  # quantities have three decimals at most: no 100.0, no 1e+06
        return f"{value:.3f}".rstrip("0").rstrip(".")
    return value


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no timezones; times are already local
    return value


def read_table(source: IO[bytes], fmt: ReportFormat) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number as a spreadsheet shows it, {column: value}) for each non-empty data row."""
    if fmt == ReportFormat.csv:
        yield from _read_csv(source)
    else:
        yield from _read_xlsx(source)


def _read_csv(source: IO[bytes]) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        text = source.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableTable("The CSV file is not UTF-8 text.") from None
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # one column, or too little to tell: plain commas
    reader = csv.reader(io.StringIO(text), dialect)
    header = [_column(name) for name in next(reader, [])]
    for number, values in enumerate(reader, start=2):
        if any(v.strip() for v in values):
            yield number, dict(zip(header, values, strict=False))


def _read_xlsx(source: IO[bytes]) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise UnreadableTable(f"The XLSX file cannot be read: {exc}") from None
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = [_column(str(v or "")) for v in next(rows, ())]
        for number, values in enumerate(rows, start=2):
            if any(v not in (None, "") for v in values):
                yield number, dict(zip(header, values, strict=False))
    finally:
        workbook.close()


def _column(name: str) -> str:
    return name.strip().lower().replace(" ", "_")


def local_time(value: datetime | None, zone: Any) -> datetime | None:
    """A UTC time as the tenant's wall-clock time, to the minute, for people's tables."""
    if value is None:
        return None
    return value.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
