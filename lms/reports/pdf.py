"""Printable PDFs (fpdf2, A4, DejaVu): the Kominfo recap for the Bupati and a learner's transcript.

Plain dicts in, PDF bytes out: no database, no request. Text a learner typed (names, desa) goes
through :func:`printable`, which swaps characters the DejaVu fonts lack (emoji, rare scripts) for
``?`` instead of letting fpdf2 draw empty boxes. Numbers use Indonesian notation (``66,7%``).
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib import resources

from flask_babel import format_decimal
from flask_babel import gettext as _
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import FontFace

FAMILY = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
REPLACEMENT = "?"
NONE_MARK = "—"
GREEN = (11, 110, 79)
HEAD_FILL = (225, 239, 233)
TOTAL_FILL = (240, 240, 240)
RECAP_COLUMNS = (("enrolled", 0), ("completed", 0), ("completion_percent", 1), ("pass_rate", 1), ("hours", 1))
RECAP_WIDTHS = (33, 12, 11, 12, 16, 15)
QUIZ_WIDTHS = (60, 20, 20)


def _font_path(name: str) -> str:
    return str(resources.files("lms").joinpath("fonts", name))


@lru_cache(maxsize=1)
def _covered() -> frozenset[int]:
    """Return the code points that both DejaVu faces can draw."""
    maps = []
    for name in FONT_FILES.values():
        with TTFont(_font_path(name), lazy=True) as font:
            maps.append(set(font.getBestCmap()))
    return frozenset(set.intersection(*maps))


def _printable_char(char: str, covered: frozenset[int]) -> str:
    """Map one character to what the PDF prints: itself, a space, ``?`` or nothing."""
    if char == "\n":
        return char
    if char == "\t":
        return " "
    if ord(char) in covered:
        return char if unicodedata.category(char) != "Cc" else ""
    # Invisible controls, surrogates and format marks (zero-width joiners) vanish; the rest shows as "?".
    return "" if unicodedata.category(char) in ("Cc", "Cs", "Cf") else REPLACEMENT


def printable(text: object) -> str:
    """Return ``text`` with control characters dropped and glyphs missing from DejaVu replaced."""
    covered = _covered()
    return "".join(_printable_char(char, covered) for char in str(text if text is not None else ""))


def _line(text: object) -> str:
    """Return printable text on one line (for table cells and single-line fields)."""
    return " ".join(printable(text).split())


def number(value: float | int | None, decimals: int = 0, suffix: str = "") -> str:
    """Format a number in the reader's locale (``1.234,5`` Indonesian, ``1,234.5`` English); ``None`` is a dash."""
    if value is None:
        return NONE_MARK
    return format_decimal(value, format="#,##0" + ("." + "0" * decimals if decimals else "")) + suffix


class _ReportPDF(FPDF):
    """A4 portrait with DejaVu fonts and a footer: when it was made and "Halaman X dari Y"."""

    def __init__(self, *, doc_title: str, generated_at: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.generated_at = generated_at
        for style, name in FONT_FILES.items():
            self.add_font(FAMILY, style, _font_path(name))
        self.set_title(_line(doc_title))
        self.set_author("Cakap Desa")
        self.set_margins(18, 15, 18)
        self.set_auto_page_break(True, margin=20)
        self.alias_nb_pages()

    def footer(self) -> None:
        """Print the generation time on the left and the page number on the right."""
        self.set_y(-14)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(80, 80, 80)
        half = self.epw / 2
        self.cell(half, 5, _line(_("Dibuat %(when)s oleh Cakap Desa", when=self.generated_at)))
        self.cell(half, 5, _("Halaman %(page)s dari %(total)s", page=self.page_no(), total="{nb}"), align="R")
        self.set_text_color(0, 0, 0)


def _text_line(pdf: FPDF, text: str, *, size: float, style: str = "", align: str = "L", height: float = 6) -> None:
    """Write one wrapped paragraph in the given font and move below it."""
    pdf.set_font(FAMILY, style, size)
    pdf.multi_cell(0, height, printable(text), align=align, new_x="LMARGIN", new_y="NEXT")


def _ensure_space(pdf: FPDF, height: float) -> None:
    """Start a new page unless ``height`` mm still fit, so headings are not left alone at the bottom."""
    if pdf.will_page_break(height):
        pdf.add_page()


def _letterhead(pdf: FPDF, lines: list[str]) -> None:
    """Write the centred letterhead (upper-case lines bold) and the double rule under it."""
    for line in lines:
        heading = line.upper() == line
        _text_line(pdf, line, size=13 if heading else 9, style="B" if heading else "", align="C",
                   height=6.5 if heading else 5)
    y = pdf.get_y() + 2
    pdf.set_line_width(0.8)
    pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
    pdf.set_line_width(0.2)
    pdf.line(pdf.l_margin, y + 1.2, pdf.w - pdf.r_margin, y + 1.2)
    pdf.set_y(y + 6)


def _recap_header() -> list[str]:
    return [_("Desa/Kelurahan"), _("Terdaftar"), _("Selesai"), _("% Selesai"), _("Tingkat lulus"), _("Jam belajar")]


def _recap_cells(name: str, values: dict) -> list[str]:
    """Return one table row: the name and the five numbers."""
    cells = [_line(name)]
    for key, decimals in RECAP_COLUMNS:
        suffix = "%" if key in ("completion_percent", "pass_rate") else ""
        cells.append(number(values.get(key), decimals, suffix))
    return cells


def _recap_table(pdf: FPDF, rows: list[dict], totals: dict) -> None:
    """Draw a section's table (header repeated on every page) with its totals row."""
    pdf.set_font(FAMILY, "", 9)
    heading = FontFace(emphasis="BOLD", fill_color=HEAD_FILL)
    with pdf.table(col_widths=RECAP_WIDTHS, text_align=("LEFT",) + ("RIGHT",) * 5, headings_style=heading,
                   line_height=5.5, padding=(1, 1.5), repeat_headings=1) as table:
        table.row(_recap_header())
        for row in rows:
            table.row(_recap_cells(row.get("desa", ""), row))
        total_style = FontFace(emphasis="BOLD", fill_color=TOTAL_FILL)
        total = table.row()
        for cell in _recap_cells(_("Jumlah"), totals):
            total.cell(cell, style=total_style)


def _not_done(pdf: FPDF, rows: list[dict]) -> None:
    """List, per desa, the people who have not finished yet."""
    pending = [row for row in rows if row.get("not_done")]
    _ensure_space(pdf, 14)
    _text_line(pdf, _("Peserta yang belum selesai"), size=10, style="B")
    if not pending:
        _text_line(pdf, _("Semua peserta terdaftar sudah selesai."), size=9, height=5)
    for row in pending:
        names = row["not_done"]
        _ensure_space(pdf, 12)
        _text_line(pdf, _("%(desa)s (%(count)s orang):", desa=row.get("desa", ""), count=len(names)),
                   size=9, style="B", height=5)
        _text_line(pdf, ", ".join(_line(name) for name in names), size=9, height=4.6)
        pdf.ln(1)


def _section(pdf: FPDF, section: dict) -> None:
    """Write one kecamatan: heading, table with totals, then the names not yet done."""
    _ensure_space(pdf, 40)
    _text_line(pdf, _("Kecamatan %(name)s", name=section.get("kecamatan", "")), size=11, style="B", height=7)
    rows = section.get("rows", [])
    _recap_table(pdf, rows, section.get("totals", {}))
    pdf.ln(3)
    _not_done(pdf, rows)
    pdf.ln(4)


def _signature(pdf: FPDF, signature: dict) -> None:
    """Write the signature block on the right, leaving room for the signature and the stamp."""
    _ensure_space(pdf, 62)
    pdf.ln(6)
    width = 90
    x = pdf.w - pdf.r_margin - width
    pdf.set_font(FAMILY, "", 10)
    for text in (signature.get("place_date", ""), signature.get("position", "")):
        pdf.set_x(x)
        pdf.multi_cell(width, 5.5, printable(text), align="C", new_x="LEFT", new_y="NEXT")
    pdf.ln(24)  # signature and stamp
    pdf.set_x(x)
    pdf.set_font(FAMILY, "BU", 10)
    pdf.multi_cell(width, 5.5, printable(signature.get("name", "")), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FAMILY, "", 10)
    if signature.get("nip"):
        pdf.set_x(x)
        pdf.multi_cell(width, 5.5, _line(_("NIP. %(nip)s", nip=signature["nip"])), align="C")


def recap_pdf(*, letterhead: list[str], title: str, period: str, sections: list[dict], signature: dict,
              generated_at: str) -> bytes:
    """Return the official per-kecamatan recap ("Rekap Kominfo") as PDF bytes."""
    pdf = _ReportPDF(doc_title=title, generated_at=generated_at)
    pdf.add_page()
    _letterhead(pdf, letterhead)
    _text_line(pdf, title, size=13, style="B", align="C", height=7)
    _text_line(pdf, period, size=10, align="C")
    pdf.ln(5)
    for section in sections:
        _section(pdf, section)
    if not sections:
        _text_line(pdf, _("Belum ada data untuk periode ini."), size=10)
    _signature(pdf, signature)
    return bytes(pdf.output())


def _field_rows(pdf: FPDF, fields: list[tuple[str, object]]) -> None:
    """Write ``label: value`` lines with the labels in a fixed-width column."""
    for label, value in fields:
        pdf.set_font(FAMILY, "B", 10)
        pdf.cell(38, 6, printable(label))
        pdf.set_font(FAMILY, "", 10)
        pdf.multi_cell(0, 6, printable(value if value not in (None, "") else NONE_MARK),
                       new_x="LMARGIN", new_y="NEXT")


def _learner_block(pdf: FPDF, learner: dict) -> None:
    """Write the transcript heading and who it belongs to."""
    _text_line(pdf, _("CAKAP DESA · PROGRAM DESA DIGITAL KABUPATEN BADUNG"), size=10, style="B", align="C")
    _text_line(pdf, _("Transkrip Belajar"), size=16, style="B", align="C", height=10)
    pdf.ln(3)
    _field_rows(pdf, [(_("Nama"), learner.get("full_name")), (_("Nama pengguna"), learner.get("username")),
                      (_("Jabatan"), learner.get("jabatan")), (_("Desa/Kelurahan"), learner.get("desa")),
                      (_("Kecamatan"), learner.get("kecamatan"))])
    pdf.ln(4)


def _quiz_table(pdf: FPDF, quizzes: list[dict]) -> None:
    """Draw the quizzes of one course: best score and whether it passed."""
    if not quizzes:
        _text_line(pdf, _("Kursus ini tidak memiliki kuis."), size=9, height=5)
        return
    pdf.set_font(FAMILY, "", 9)
    heading = FontFace(emphasis="BOLD", fill_color=HEAD_FILL)
    with pdf.table(col_widths=QUIZ_WIDTHS, text_align=("LEFT", "RIGHT", "LEFT"), headings_style=heading,
                   line_height=5.5, padding=(1, 1.5)) as table:
        table.row([_("Kuis"), _("Nilai terbaik"), _("Status")])
        for quiz in quizzes:
            table.row([_line(quiz.get("title", "")), number(quiz.get("best_percent"), 1, "%"),
                       _("Lulus") if quiz.get("passed") else _("Belum lulus")])


def _course_block(pdf: FPDF, entry: dict) -> None:
    """Write one course: title, progress, completion, certificate code and quizzes."""
    _ensure_space(pdf, 45)
    pdf.set_draw_color(*GREEN)
    pdf.set_line_width(0.4)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    pdf.ln(2)
    _text_line(pdf, entry.get("course", ""), size=12, style="B", height=7)
    _field_rows(pdf, [(_("Pilar"), entry.get("pillar")), (_("Terdaftar"), entry.get("enrolled_at")),
                      (_("Kemajuan"), number(entry.get("progress_percent"), 1, "%")),
                      (_("Selesai"), entry.get("completed_at") or _("Belum selesai")),
                      (_("Kode sertifikat"), entry.get("certificate_code"))])
    pdf.ln(1)
    _quiz_table(pdf, entry.get("quizzes", []))
    pdf.ln(6)


def transcript_pdf(*, learner: dict, entries: list[dict], generated_at: str) -> bytes:
    """Return a learner's transcript (one block per course) as PDF bytes."""
    pdf = _ReportPDF(doc_title=_("Transkrip %(name)s", name=learner.get("full_name", "")),
                     generated_at=generated_at)
    pdf.add_page()
    _learner_block(pdf, learner)
    for entry in entries:
        _course_block(pdf, entry)
    if not entries:
        _text_line(pdf, _("Belum terdaftar di kursus mana pun."), size=10)
    return bytes(pdf.output())
