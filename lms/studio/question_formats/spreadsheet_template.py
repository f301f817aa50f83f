"""Blank spreadsheets for trainers: the header, two example rows and (XLSX) a sheet of instructions."""
from __future__ import annotations

import csv
import io

import openpyxl
from flask_babel import gettext as _
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from lms.studio.question_formats.spreadsheet import COLUMNS

_WIDTHS = {"jenis": 18, "pertanyaan": 50, "jawaban_benar": 18, "poin": 8, "penjelasan": 50}
_OPTION_WIDTH = 24


def example_rows() -> list[dict]:
    """Two worked examples in Bahasa Indonesia: one pilihan_tunggal, one isian."""
    return [
        {"jenis": "pilihan_tunggal", "pertanyaan": _("Apa kepanjangan OTP?"),
         "pilihan_a": "One Time Password", "pilihan_b": "Only Two People", "pilihan_c": "Open Text Protocol",
         "jawaban_benar": "A", "poin": 1,
         "penjelasan": _("OTP adalah kode sekali pakai. Jangan berikan kepada siapa pun, "
                         "termasuk yang mengaku petugas bank.")},
        {"jenis": "isian", "pertanyaan": _("Paling lambat berapa lama kebocoran data pribadi wajib diberitahukan?"),
         "jawaban_benar": _("72 jam; 3 x 24 jam; tiga hari"), "poin": 2,
         "penjelasan": _("UU Pelindungan Data Pribadi meminta pemberitahuan paling lambat 3 x 24 jam.")},
    ]


def column_help() -> list[tuple[str, str, str]]:
    """(column, required?, what to write) for the instructions sheet."""
    wajib, pilihan = _("wajib"), _("boleh kosong")
    return [
        ("jenis", wajib, _("pilihan_tunggal (satu jawaban benar), pilihan_ganda (beberapa jawaban benar), "
                           "benar_salah, atau isian (jawaban singkat yang diketik).")),
        ("pertanyaan", wajib, _("Teks soal, paling banyak 5.000 karakter.")),
        ("pilihan_a … pilihan_f", _("untuk soal pilihan"),
         _("Pilihan jawaban, minimal dua (pilihan_a dan pilihan_b). Kosongkan untuk benar_salah dan isian.")),
        ("jawaban_benar", wajib, _("Soal pilihan: huruf pilihan yang benar, misalnya B, atau A, C untuk "
                                   "pilihan_ganda. benar_salah: BENAR atau SALAH. isian: semua jawaban yang "
                                   "diterima, dipisah titik koma, misalnya 72 jam; 3 x 24 jam.")),
        ("poin", pilihan, _("Nilai soal, angka positif; kosong berarti 1. Boleh memakai koma, misalnya 1,5.")),
        ("penjelasan", pilihan, _("Ditampilkan kepada peserta setelah menjawab.")),
    ]


def spreadsheet_template_xlsx() -> bytes:
    """An XLSX template: sheet "Soal" to fill in, sheet "Petunjuk" explaining each column."""
    book = openpyxl.Workbook()
    _fill_questions_sheet(book.active)
    _fill_help_sheet(book.create_sheet("Petunjuk"))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _fill_questions_sheet(sheet) -> None:
    """Header in bold and frozen, example rows, widths, and a drop-down list for jenis."""
    sheet.title = "Soal"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in example_rows():
        sheet.append([row.get(column, "") for column in COLUMNS])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = _WIDTHS.get(column, _OPTION_WIDTH)
    kinds = DataValidation(type="list", formula1='"pilihan_tunggal,pilihan_ganda,benar_salah,isian"')
    sheet.add_data_validation(kinds)
    kinds.add("A2:A1001")


def _fill_help_sheet(sheet) -> None:
    """One row per column: name, whether it is required, and what to write in it."""
    sheet.append([_("Kolom"), _("Wajib?"), _("Isi")])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in column_help():
        sheet.append(list(row))
    sheet.append([])
    sheet.append([_("Catatan"), "", _("Satu baris untuk satu soal, paling banyak 1.000 soal. Jangan ubah "
                                      "judul kolom di baris pertama. Baris kosong dilewati.")])
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABC", (24, 18, 90)):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")


def spreadsheet_template_csv() -> str:
    """A CSV template (``,`` delimiter): the header and the same two example rows."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in example_rows():
        writer.writerow([row.get(column, "") for column in COLUMNS])
    return out.getvalue()
