"""The certificate as a PDF (fpdf2) with a QR code (segno) that links to its verification page."""
from __future__ import annotations

import io
from importlib import resources

import segno
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from fpdf import FPDF

from lms.quizzes.models import Certificate
from lms.timeutil import to_local

PILLAR_NAMES = {"cakap": _l("Cakap Digital"), "etika": _l("Etika Digital"), "budaya": _l("Budaya Digital"),
                "aman": _l("Aman Digital")}


def _font(name: str) -> str:
    return str(resources.files("lms").joinpath("fonts", name))


def render_certificate(certificate: Certificate, *, completed_at, verify_url: str) -> bytes:
    """Return the PDF bytes of a certificate (A4 landscape)."""
    user, course = certificate.user, certificate.course
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(_("Sertifikat %(course)s", course=course.title))
    pdf.set_author("Cakap Desa")
    pdf.add_font("DejaVu", "", _font("DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", _font("DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_draw_color(11, 110, 79)
    pdf.set_line_width(1.5)
    pdf.rect(10, 10, 277, 190)
    pdf.set_y(24)
    pdf.set_font("DejaVu", "B", 13)
    pdf.cell(0, 8, _("CAKAP DESA · PROGRAM DESA DIGITAL KABUPATEN BADUNG"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 30)
    pdf.cell(0, 18, _("SERTIFIKAT"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 13)
    pdf.cell(0, 9, _("diberikan kepada"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 24)
    pdf.multi_cell(0, 12, user.full_name, align="C", new_x="LMARGIN", new_y="NEXT")
    details = " · ".join(x for x in (user.jabatan.nama if user.jabatan else None,
                                      f"{user.desa.jenis.capitalize()} {user.desa.nama}" if user.desa else None) if x)
    pdf.set_font("DejaVu", "", 13)
    if details:
        pdf.multi_cell(0, 8, details, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.cell(0, 8, _("telah menyelesaikan kursus"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 18)
    pdf.multi_cell(0, 10, course.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 12)
    pdf.cell(0, 8, _("Pilar literasi digital: %(p)s", p=str(PILLAR_NAMES.get(course.pillar, course.pillar))),
             align="C", new_x="LMARGIN", new_y="NEXT")
    local = to_local(completed_at)
    pdf.cell(0, 8, _("Tanggal selesai: %(d)s (WITA)", d=format_date(local, "long")), align="C",
             new_x="LMARGIN", new_y="NEXT")
    qr = io.BytesIO()
    segno.make(verify_url, error="m").save(qr, kind="png", scale=6, border=1)
    qr.seek(0)
    pdf.image(qr, x=236, y=150, w=40, h=40)
    pdf.set_xy(20, 168)
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(205, 6, _("Kode verifikasi: %(code)s\nPeriksa keaslian di %(url)s atau pindai kode QR.",
                             code=certificate.code, url=verify_url))
    return bytes(pdf.output())
