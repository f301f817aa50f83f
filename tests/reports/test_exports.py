"""CSV and XLSX exports: formula-injection guard, streaming, spooling, read-back with openpyxl."""
from __future__ import annotations

import csv
import io
import os
import tempfile
from base64 import b64encode
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from lms.reports.exports import clean_sheet_title, csv_stream, neutralise, xlsx_bytes, xlsx_file

DANGEROUS = ["=1+2", "+1", "-1", "@SUM(A1:A2)", "\t=1", "\r=1", "\tplain", " =1+2", "   @cmd", "\n=1",
             '=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0"]
SAFE = ["Ni Luh Putu Ayu", "a=b", "1-2", "", "Desa Dalung (Kuta Utara)", "'=already"]


def read_csv(chunks: list[str]) -> list[list[str]]:
    text = "".join(chunks)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def open_xlsx(f):
    """Load the workbook fully and close the file, returning the sheet."""
    with f:
        return load_workbook(f).active


@pytest.mark.parametrize("value", DANGEROUS)
def test_neutralise_prefixes_dangerous_strings(value):
    """A string a spreadsheet would run as a formula gets a leading apostrophe and keeps its text."""
    assert neutralise(value) == "'" + value


def test_neutralise_hyperlink_formula():
    """The classic HYPERLINK payload comes out as text starting with an apostrophe."""
    assert neutralise('=HYPERLINK("http://x","y")') == '\'=HYPERLINK("http://x","y")'


@pytest.mark.parametrize("value", SAFE)
def test_neutralise_leaves_ordinary_strings(value):
    """Ordinary text (an = inside, a dash in the middle) is not touched."""
    assert neutralise(value) == value


@pytest.mark.parametrize("value", [-5, -2.5, 0, 66.7, None, Decimal("-1.5"), date(2026, 11, 28),
                                   datetime(2026, 11, 28, 7, 30, tzinfo=timezone.utc), True])
def test_neutralise_leaves_non_strings(value):
    """Numbers (negative ones too), None and dates come back as the same object."""
    assert neutralise(value) is value


def test_csv_starts_with_bom_and_header_and_uses_crlf():
    """The first chunk is the BOM and the header; every line ends in CRLF."""
    chunks = list(csv_stream(["Nama", "Desa"], [["Ayu", "Dalung"], ["Made", "Kapal"]]))
    assert chunks[0] == "\ufeffNama,Desa\r\n"
    assert chunks[1:] == ["Ayu,Dalung\r\n", "Made,Kapal\r\n"]


def test_csv_neutralises_formulas_and_writes_numbers_plainly():
    """Formula cells get an apostrophe; None is empty; floats use a dot, numbers stay bare."""
    rows = read_csv(list(csv_stream(["=Nama", "A", "B", "C", "D"],
                                    [['=HYPERLINK("http://x","y")', 66.7, None, -3, 1e-7]])))
    assert rows[0][0] == "'=Nama"
    assert rows[1] == ['\'=HYPERLINK("http://x","y")', "66.7", "", "-3", "0.0000001"]


def test_csv_unicode_round_trips():
    """Accented names, quotes, commas and newlines survive csv.reader after the BOM is stripped."""
    name = "Ni Luh Putu Ayu Désa"
    tricky = 'Banjar "Tengah", Mengwi\nBadung'
    rows = read_csv(list(csv_stream(["Nama", "Alamat"], [[name, tricky]])))
    assert rows == [["Nama", "Alamat"], [name, tricky]]


def test_csv_stream_is_lazy():
    """Rows come out one by one: chunks are yielded before the rows iterator fails."""
    def rows():
        for i in range(3):
            yield [f"Peserta {i}", i]
        raise RuntimeError("database went away")

    stream = csv_stream(["Nama", "No"], rows())
    got = [next(stream) for _ in range(4)]
    assert got[0].startswith("\ufeffNama")
    assert got[3] == "Peserta 2,2\r\n"
    with pytest.raises(RuntimeError):
        next(stream)


def test_csv_stream_does_not_touch_rows_before_iteration():
    """Calling csv_stream reads nothing; the header comes out before the first row is asked for."""
    def rows():
        raise RuntimeError("read too early")
        yield []  # pragma: no cover

    stream = csv_stream(["Nama"], rows())
    assert next(stream) == "\ufeffNama\r\n"


def test_xlsx_header_is_bold_frozen_and_sized():
    """The header row is bold, panes freeze under it and the given widths are set."""
    ws = open_xlsx(xlsx_file("Rekap", ["Nama", "Desa"], [["Ayu", "Dalung"]], widths=[30, 18]))
    assert [c.value for c in ws[1]] == ["Nama", "Desa"]
    assert all(c.font.b for c in ws[1])
    assert not ws["A2"].font.b
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width == 30
    assert ws.column_dimensions["B"].width == 18


def test_xlsx_widths_default_from_header_within_bounds():
    """Without widths each column is sized from its header, never narrower than 10 or wider than 50."""
    ws = open_xlsx(xlsx_file("Rekap", ["No", "Nama lengkap peserta pelatihan", "x" * 200], []))
    assert ws.column_dimensions["A"].width == 10
    assert ws.column_dimensions["B"].width == len("Nama lengkap peserta pelatihan") + 2
    assert ws.column_dimensions["C"].width == 50


def test_xlsx_values_round_trip():
    """Text, numbers, None and dates read back with their types."""
    row = ["Ni Luh Putu Ayu Désa", 66.7, 12, None, -4, date(2026, 11, 28)]
    ws = open_xlsx(xlsx_file("Rekap", list("ABCDEF"), [row]))
    values = [c.value for c in ws[2]]
    assert values[:5] == row[:5]
    assert values[5].date() == date(2026, 11, 28)
    assert ws["F2"].number_format == "yyyy-mm-dd"


def test_xlsx_datetimes_are_naive_local_with_a_format():
    """An aware UTC datetime is written as naive WITA (UTC+8); a naive one is taken as UTC."""
    aware = datetime(2026, 11, 28, 7, 30, tzinfo=timezone.utc)
    naive = datetime(2026, 11, 28, 20, 0)
    ws = open_xlsx(xlsx_file("Rekap", ["Mulai", "Selesai"], [[aware, naive]]))
    assert ws["A2"].value == datetime(2026, 11, 28, 15, 30)
    assert ws["B2"].value == datetime(2026, 11, 29, 4, 0)
    assert ws["A2"].is_date and "yyyy" in ws["A2"].number_format


def test_xlsx_formulas_are_stored_as_text():
    """Formula strings are stored as text starting with an apostrophe, never as formulas."""
    payloads = ['=HYPERLINK("http://x","y")', "+1", "-1+2", "@SUM(A1)", " =1+2", "\x00=1"]
    ws = open_xlsx(xlsx_file("Rekap", ["=Header", *["x"] * 5], [payloads]))
    assert ws["A1"].value == "'=Header"
    for cell in [*ws[1], *ws[2]]:
        assert cell.data_type == "s"
        assert cell.value.startswith("'") or cell.value == "x"
    assert ws["A2"].value == '\'=HYPERLINK("http://x","y")'
    assert ws["F2"].value == "'=1"  # the NUL XML cannot hold is dropped before the guard runs


def test_xlsx_large_export_spools_to_disk():
    """20,000 rows go to a SpooledTemporaryFile that has rolled over to disk, not to bytes in memory."""
    rows = ([i, f"Ni Luh Putu {i}", b64encode(os.urandom(300)).decode()] for i in range(20_000))
    f = xlsx_file("Besar", ["No", "Nama", "Catatan"], rows)
    try:
        assert isinstance(f, tempfile.SpooledTemporaryFile)
        assert not isinstance(f, (bytes, bytearray))
        assert f._rolled is True
        assert f.tell() == 0
        wb = load_workbook(f, read_only=True)
        read = list(wb.active.iter_rows(values_only=True))
        wb.close()
        assert len(read) == 20_001
        assert read[-1][:2] == (19_999, "Ni Luh Putu 19999")
    finally:
        f.close()


def test_xlsx_small_export_stays_in_memory_and_bytes_helper():
    """A small export does not roll over; xlsx_bytes returns the same workbook as bytes."""
    with xlsx_file("Kecil", ["Nama"], [["Ayu"]]) as f:
        assert f._rolled is False
    data = xlsx_bytes("Kecil", ["Nama"], [["Ayu"]])
    assert isinstance(data, bytes) and data.startswith(b"PK")
    assert open_xlsx(io.BytesIO(data))["A2"].value == "Ayu"


@pytest.mark.parametrize("title, expected", [
    ("Rekap November 2026", "Rekap November 2026"),
    ("Rekap 2026/11 [Mengwi]: *?\\", "Rekap 2026-11 -Mengwi-- ---"),
    ("Rekap penyelesaian per kecamatan dan desa", "Rekap penyelesaian per kecamata"),
    ("'Kutipan'", "Kutipan"),
    ("", "Data"),
    ("///", "---"),
])
def test_sheet_titles_are_cleaned(title, expected):
    """Titles lose []:*?/\\ and are cut to 31 characters; Excel then accepts them."""
    cleaned = clean_sheet_title(title)
    assert cleaned == expected
    assert len(cleaned) <= 31
    assert open_xlsx(xlsx_file(title, ["A"], [])).title == expected
