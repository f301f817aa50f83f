"""CSV and XLSX exports: plain rows in, a streamed CSV or a spooled XLSX file out.

Every cell goes through :func:`neutralise` so a value typed by a learner (a name, a desa)
can never run as a formula when a Kominfo officer opens the file in a spreadsheet.
"""
from __future__ import annotations

import csv
import io
import math
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import IO, Any
from zoneinfo import ZoneInfo

from flask import has_app_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from lms.timeutil import as_utc, local_tz

FORMULA_PREFIXES = ("=", "+", "-", "@")
CONTROL_PREFIXES = ("\t", "\r")
SPOOL_MAX_SIZE = 5 * 1024 * 1024  # past this the XLSX goes to a temporary file on disk
MIN_WIDTH, MAX_WIDTH = 10, 50
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
DEFAULT_TIMEZONE = "Asia/Makassar"  # the app's LMS_TIMEZONE default, used outside an app context
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def neutralise(value: Any) -> Any:
    """Prefix a string that a spreadsheet would read as a formula with an apostrophe."""
    if not isinstance(value, str):
        return value
    if value.startswith(CONTROL_PREFIXES) or value.lstrip().startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _plain_number(value: float) -> str:
    """Write a float with a dot and no exponent (``66.7``, ``0.0000001``)."""
    if not math.isfinite(value):
        return ""
    text = repr(value)
    return format(Decimal(text), "f") if "e" in text or "E" in text else text


def _csv_cell(value: Any) -> Any:
    """Turn one value into what the CSV writer should see."""
    if value is None:
        return ""
    if isinstance(value, float):
        return _plain_number(value)
    return neutralise(value)


def csv_stream(header: list[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """Yield a CSV (UTF-8 BOM first, CRLF lines) one row at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(cells: Sequence) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_csv_cell(cell) for cell in cells])
        return buffer.getvalue()

    yield "\ufeff" + line(header)
    for row in rows:
        yield line(row)


def clean_sheet_title(title: str) -> str:
    """Return a worksheet title Excel accepts (≤ 31 characters, none of ``[]:*?/\\``)."""
    cleaned = SHEET_TITLE_FORBIDDEN.sub("-", ILLEGAL_CHARACTERS_RE.sub("", title or ""))
    cleaned = cleaned.strip().strip("'")[:31].strip().strip("'")
    return cleaned or "Data"


def _column_widths(header: list[str], widths: list[int] | None) -> list[int]:
    """Use the given widths, or size each column from its header text."""
    if widths is not None:
        return list(widths)
    return [min(max(len(str(title)) + 2, MIN_WIDTH), MAX_WIDTH) for title in header]


def _export_tz() -> tzinfo:
    """Return the app's local timezone, or WITA when there is no app context."""
    return local_tz() if has_app_context() else ZoneInfo(DEFAULT_TIMEZONE)


def _naive_local(value: datetime, tz: tzinfo) -> datetime:
    """Convert a datetime (naive means UTC, as stored) to naive local time; Excel has no offsets."""
    return as_utc(value).astimezone(tz).replace(tzinfo=None)


def _xlsx_cell(ws, value: Any, tz: tzinfo) -> Any:
    """Return the value (or a formatted cell) to append for one XLSX cell."""
    if isinstance(value, datetime):
        cell = WriteOnlyCell(ws, value=_naive_local(value, tz))
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, str):
        # Strip control characters XML cannot hold first, so "\x00=1" is still caught.
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _header_cells(ws, header: list[str]) -> list[WriteOnlyCell]:
    """Build the bold header row."""
    cells = []
    for title in header:
        cell = WriteOnlyCell(ws, value=neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(title))))
        cell.font = Font(bold=True)
        cells.append(cell)
    return cells


def xlsx_file(sheet_title: str, header: list[str], rows: Iterable[Sequence],
              widths: list[int] | None = None) -> IO[bytes]:
    """Write an XLSX into a spooled temporary file and return it rewound."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(clean_sheet_title(sheet_title))
    for index, width in enumerate(_column_widths(header, widths), start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    ws.append(_header_cells(ws, header))
    tz = _export_tz()
    for row in rows:
        ws.append([_xlsx_cell(ws, value, tz) for value in row])
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_SIZE)
    wb.save(out)
    out.seek(0)
    return out


def xlsx_bytes(sheet_title: str, header: list[str], rows: Iterable[Sequence],
               widths: list[int] | None = None) -> bytes:
    """Return a small XLSX export as bytes."""
    with xlsx_file(sheet_title, header, rows, widths) as out:
        return out.read()
