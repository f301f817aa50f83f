"""Read questions from a spreadsheet (XLSX or CSV): a header row, then one question a row."""
from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Iterable, Iterator
from itertools import islice

import openpyxl
from flask_babel import gettext as _

from lms.studio.question_formats.base import (ParseError, ParseResult, add_question, choice_question, field_label,
                                              parse_number, question_issues, short_text_question,
                                              true_false_choices)

LETTERS = "abcdef"
OPTION_COLUMNS = tuple(f"pilihan_{letter}" for letter in LETTERS)
COLUMNS = ("jenis", "pertanyaan", *OPTION_COLUMNS, "jawaban_benar", "poin", "penjelasan")
REQUIRED_COLUMNS = ("jenis", "pertanyaan", "jawaban_benar")
TYPE_NAMES = {"pilihan_tunggal": "single", "pilihan_ganda": "multiple", "benar_salah": "true_false",
              "isian": "short_text", "single": "single", "multiple": "multiple", "true_false": "true_false",
              "short_text": "short_text"}
TRUE_FALSE_VALUES = {"BENAR": True, "SALAH": False, "TRUE": True, "FALSE": False}
MAX_ROWS = 1000
MAX_CELL = 5000
# Bounds for reading a sheet, so that a file claiming a million formatted rows stays cheap.
_SHEET_MAX_ROW, _SHEET_MAX_COL = 20 * MAX_ROWS, 4 * len(COLUMNS)
_FIELD_COLUMNS = {"text": "pertanyaan", "explanation": "penjelasan", "points": "poin"}
Rows = list[tuple[int, list[str]]]


class _Unreadable(Exception):
    """The file cannot be read at all; args are (line, message)."""


def parse_spreadsheet(data: bytes, filename: str = "") -> ParseResult:
    """Read an XLSX (recognised by its content, not ``filename``) or CSV file of questions."""
    try:
        rows = _xlsx_rows(data) if data.startswith(b"PK\x03\x04") else _csv_rows(data)
    except _Unreadable as unreadable:
        return ParseResult(errors=[ParseError(*unreadable.args)])
    return _read_rows(rows)


# ---------------------------------------------------------------------------- reading files
def _filled(rows: Iterable[tuple[int, list[str]]]) -> Rows:
    """Keep rows that hold something: the header, MAX_ROWS questions and one more to notice too many."""
    return list(islice(((number, cells) for number, cells in rows if any(cells)), MAX_ROWS + 2))


def _csv_rows(data: bytes) -> Rows:
    """Decode (UTF-8, with or without BOM, else cp1252), detect ``,`` or ``;`` and split into rows."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    header = next((line for line in text.splitlines() if line.strip()), "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";" if header.count(";") > header.count(",") else ",")
    try:
        return _filled(_numbered(reader))
    except csv.Error as error:
        raise _Unreadable(reader.line_num or 1, _("Baris CSV rusak: %(why)s", why=str(error))) from error


def _numbered(reader) -> Iterator[tuple[int, list[str]]]:
    """Yield each CSV record with the line it starts on (a quoted cell may span lines)."""
    start = 1
    for cells in reader:
        yield start, [_tidy(cell) for cell in cells]
        start = reader.line_num + 1


def _xlsx_rows(data: bytes) -> Rows:
    """The first sheet's rows as text, numbered as Excel numbers them."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # openpyxl's notes on styles or extensions it skips
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # a damaged file fails in zipfile, XML or openpyxl code alike
        raise _Unreadable(1, _("Berkas XLSX tidak bisa dibaca. Simpan ulang dari Excel lalu coba lagi.")) from error
    try:
        sheet_rows = book.worksheets[0].iter_rows(min_row=1, max_row=_SHEET_MAX_ROW, max_col=_SHEET_MAX_COL,
                                                  values_only=True)
        return _filled((number, [_cell_text(v) for v in row]) for number, row in enumerate(sheet_rows, 1))
    finally:
        book.close()


def _cell_text(value) -> str:
    """A cell as the text a trainer typed: ``2.0`` → ``"2"``, Excel's TRUE/FALSE → BENAR/SALAH."""
    if value is None:
        return ""
    if isinstance(value, bool):  # Excel in Indonesian turns a typed BENAR into the boolean TRUE
        return "BENAR" if value else "SALAH"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _tidy(str(value))


def _tidy(text: str) -> str:
    """Trim a cell and write its line breaks as ``\\n``, whatever the file used."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


# ---------------------------------------------------------------------------- rows to questions
def _read_rows(rows: Rows) -> ParseResult:
    """Check the header, then turn each row into a question or into errors."""
    if not rows:
        return ParseResult(errors=[ParseError(1, _("Berkas kosong: baris pertama harus berisi judul kolom."))])
    (header_line, header), data = rows[0], rows[1:]
    names, errors = _header(header_line, header)
    result = ParseResult(errors=errors)
    if any(name not in names for name in REQUIRED_COLUMNS):
        return result  # without these columns every row would only repeat the same error
    if len(data) > MAX_ROWS:
        result.errors.append(ParseError(data[MAX_ROWS][0], _("Maksimal %(n)d soal per berkas; bagi menjadi "
                                                             "beberapa berkas.", n=MAX_ROWS)))
    for line, cells in data[:MAX_ROWS]:
        add_question(result, *_row_question(_Row(line, names, cells)))
    return result


def _header(line: int, cells: list[str]) -> tuple[list[str | None], list[ParseError]]:
    """Column names by position (None for a column to ignore) and the header's errors."""
    names: list[str | None] = []
    errors = []
    for cell in cells:
        name = cell.strip().lower()
        problem = _header_problem(name, names)
        if problem:
            errors.append(ParseError(line, problem, cell))
        names.append(None if problem else name)  # "" marks a column without a header
    errors += [ParseError(line, _("Kolom wajib tidak ada."), name) for name in REQUIRED_COLUMNS if name not in names]
    return names, errors


def _header_problem(name: str, seen: list[str | None]) -> str | None:
    """Why a header cell cannot be used, or None when it can (an empty one is allowed)."""
    if name and name not in COLUMNS:
        return _("Kolom tidak dikenal. Kolom yang dipakai: %(cols)s.", cols=", ".join(COLUMNS))
    if name and name in seen:
        return _("Kolom ini muncul dua kali.")
    return None


class _Row:
    """One data row: its cells by column name, and its errors."""

    def __init__(self, line: int, names: list[str | None], cells: list[str]):
        self.line, self.values, self.errors = line, {}, []
        for position, value in enumerate(cells):
            name = names[position] if position < len(names) else ""
            if name:
                self.values[name] = value
            elif name == "" and value:
                self.error(None, _("Ada isi di kolom ke-%(n)d yang tidak berjudul.", n=position + 1))
        for name, value in self.values.items():
            if len(value) > MAX_CELL:
                self.error(name, _("Terlalu panjang (maksimal %(n)d karakter).", n=MAX_CELL))

    def get(self, column: str) -> str:
        """The cell's text, "" when empty or absent."""
        return self.values.get(column, "")

    def error(self, column: str | None, message: str) -> None:
        """Record a problem in this row."""
        self.errors.append(ParseError(self.line, message, column))


def _row_question(row: _Row) -> tuple[dict | None, list[ParseError]]:
    """Build the question of one row, or return None and the row's errors."""
    kind = TYPE_NAMES.get(re.sub(r"[\s-]+", "_", row.get("jenis").lower()))
    if kind is None:
        row.error("jenis", _("Jenis soal tidak dikenal; isi pilihan_tunggal, pilihan_ganda, benar_salah atau isian."))
    if not row.get("pertanyaan"):
        row.error("pertanyaan", _("Pertanyaan wajib diisi."))
    common = {"points": _points(row), "explanation": row.get("penjelasan")}
    if kind is None:
        return None, row.errors
    question, letters = _BUILDERS[kind](row, kind, common)
    if row.errors:
        return None, row.errors
    for path, message in question_issues(question):
        row.error(_column_for(path, letters), f"{field_label(path)}: {message}")
    return question, row.errors


def _points(row: _Row) -> float:
    """``poin``: empty means 1; a positive number, ``1,5`` as well as ``1.5``."""
    raw = row.get("poin")
    value = parse_number(raw) if raw else 1.0
    if value is None or value <= 0:
        row.error("poin", _("Poin harus angka positif, misalnya 1 atau 1,5."))
        return 1.0
    return value


def _choice_content(row: _Row, kind: str, common: dict) -> tuple[dict, str]:
    """pilihan_tunggal / pilihan_ganda: the filled options and the letters in jawaban_benar."""
    options = [(letter, row.get(f"pilihan_{letter}")) for letter in LETTERS if row.get(f"pilihan_{letter}")]
    if len(options) < 2:
        row.error(OPTION_COLUMNS[len(options)], _("Isi minimal dua pilihan jawaban (pilihan_a dan pilihan_b)."))
    right = _right_letters(row, {letter for letter, _text in options})
    choices = [{"text": text, "correct": letter in right, "feedback": ""} for letter, text in options]
    return choice_question(kind, row.get("pertanyaan"), choices, **common), "".join(l for l, _t in options)


def _right_letters(row: _Row, filled: set[str]) -> set[str]:
    """The letters in jawaban_benar (``B`` or ``A, C``), each checked against the filled options."""
    letters = [part.lower() for part in re.split(r"[\s,;]+", row.get("jawaban_benar")) if part]
    if not letters:
        row.error("jawaban_benar", _("Tulis huruf pilihan yang benar, misalnya B atau A, C."))
    for letter in letters:
        if len(letter) != 1 or letter not in LETTERS:
            row.error("jawaban_benar", _("%(value)s bukan huruf pilihan (A sampai F).", value=letter.upper()))
        elif letter not in filled:
            row.error("jawaban_benar", _("Jawaban %(letter)s menunjuk pilihan_%(col)s yang kosong.",
                                         letter=letter.upper(), col=letter))
    return set(letters) & filled


def _true_false_content(row: _Row, kind: str, common: dict) -> tuple[dict, str]:
    """benar_salah: jawaban_benar is BENAR or SALAH; the option columns stay empty."""
    value = TRUE_FALSE_VALUES.get(row.get("jawaban_benar").upper())
    if value is None:
        row.error("jawaban_benar", _("Untuk benar_salah, isi BENAR atau SALAH."))
    _no_options(row)
    return choice_question(kind, row.get("pertanyaan"), true_false_choices(bool(value)), **common), ""


def _short_text_content(row: _Row, kind: str, common: dict) -> tuple[dict, str]:
    """isian: the accepted answers, separated by ``;``; the option columns stay empty."""
    answers = [answer.strip() for answer in row.get("jawaban_benar").split(";") if answer.strip()]
    if not answers:
        row.error("jawaban_benar", _("Tulis jawaban yang diterima, pisahkan dengan titik koma (;)."))
    _no_options(row)
    return short_text_question(row.get("pertanyaan"), answers, **common), ""


def _no_options(row: _Row) -> None:
    """Benar/salah and isian questions have no options: a filled option column is a mistake."""
    for column in OPTION_COLUMNS:
        if row.get(column):
            row.error(column, _("Kolom ini hanya untuk pilihan_tunggal dan pilihan_ganda; kosongkan."))


def _column_for(path: tuple, letters: str) -> str:
    """The column a manifest rule points at: ``("choices", 1, "text")`` → that option's column."""
    if path[:1] == ("choices",) and len(path) > 1 and letters:
        return f"pilihan_{letters[path[1]]}"
    return _FIELD_COLUMNS.get(path[0] if path else "", "jawaban_benar")


_BUILDERS = {"single": _choice_content, "multiple": _choice_content, "true_false": _true_false_content,
             "short_text": _short_text_content}
