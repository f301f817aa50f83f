"""The recap (Rekap Kominfo) and transcript PDFs: read back with pypdf and checked for their content."""
from __future__ import annotations

import io
import json
import logging
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from lms.reports.pdf import number, printable, recap_pdf, transcript_pdf

BLNS = json.loads((Path(__file__).parents[1] / "data" / "blns.json").read_text(encoding="utf-8"))
LETTERHEAD = ["PEMERINTAH KABUPATEN BADUNG", "DINAS KOMUNIKASI DAN INFORMATIKA",
              "Jalan Raya Sempidi, Mangupura, Badung, Bali 80351"]
SIGNATURE = {"place_date": "Mangupura, 28 November 2026", "position": "Kepala Dinas Komunikasi dan Informatika",
             "name": "I Gusti Ngurah Jaya Saputra", "nip": "19750101 200003 1 002"}
GENERATED = "28 November 2026 15.30 WITA"


def desa_row(desa: str, not_done: list[str] | None = None, **numbers) -> dict:
    row = {"desa": desa, "enrolled": 1234, "completed": 800, "completion_percent": 64.8, "pass_rate": 91.3,
           "hours": 1520.5, "not_done": not_done or []}
    return {**row, **numbers}


def section(kecamatan: str, rows: list[dict], **totals) -> dict:
    base = {"enrolled": 2468, "completed": 1600, "completion_percent": 64.8, "pass_rate": 90.0, "hours": 3041.0}
    return {"kecamatan": kecamatan, "rows": rows, "totals": {**base, **totals}}


def make_recap(sections: list[dict], **overrides) -> bytes:
    args = {"letterhead": LETTERHEAD, "title": "REKAP CAKAP DESA", "period": "Periode 1–30 November 2026",
            "sections": sections, "signature": SIGNATURE, "generated_at": GENERATED, **overrides}
    return recap_pdf(**args)


def pages(data: bytes) -> list[str]:
    assert data.startswith(b"%PDF")
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def flat(text: str) -> str:
    """Join wrapped lines so a phrase split across lines still matches."""
    return " ".join(text.split())


@pytest.fixture
def recap_text() -> str:
    rows = [desa_row("Dalung", ["Ni Luh Putu Ayu Désa", "I Made Sudarsana"]),
            desa_row("Kapal", pass_rate=None, completion_percent=100.0)]
    return flat("\n".join(pages(make_recap([section("Kuta Utara", rows)]))))


def test_recap_has_letterhead_title_and_period(recap_text):
    """The letterhead lines, the title and the period are printed."""
    for line in LETTERHEAD:
        assert line in recap_text
    assert "REKAP CAKAP DESA" in recap_text
    assert "Periode 1–30 November 2026" in recap_text


def test_recap_table_shows_desa_and_numbers(recap_text):
    """The table has its headings, each desa with its numbers (Indonesian notation) and a totals row."""
    for heading in ("Desa/Kelurahan", "Terdaftar", "Selesai", "% Selesai", "Jam belajar"):
        assert heading in recap_text
    assert "Kecamatan Kuta Utara" in recap_text
    assert "Dalung 1.234 800 64,8% 91,3% 1.520,5" in recap_text
    assert "Kapal 1.234 800 100,0% — 1.520,5" in recap_text
    assert "Jumlah 2.468 1.600 64,8% 90,0% 3.041,0" in recap_text


def test_recap_lists_names_not_done(recap_text):
    """The people not done yet are listed under their desa, with a count."""
    assert "Dalung (2 orang):" in recap_text
    assert "Ni Luh Putu Ayu Désa, I Made Sudarsana" in recap_text


def test_recap_has_signature_block_and_footer(recap_text):
    """Signature place/date, position, name and NIP; the footer has the page count and generation time."""
    for value in ("Mangupura, 28 November 2026", "Kepala Dinas Komunikasi dan Informatika",
                  "I Gusti Ngurah Jaya Saputra", "NIP. 19750101 200003 1 002"):
        assert value in recap_text
    assert "Halaman 1 dari 1" in recap_text
    assert GENERATED in recap_text


def test_recap_with_600_pending_names_spans_pages_and_numbers_them():
    """Hundreds of names wrap over several pages; every page says "Halaman X dari Y" with the real total."""
    names = [f"Peserta Nomor {i:03d}" for i in range(600)]
    rows = [desa_row(f"Desa {k}", names[k * 100:(k + 1) * 100]) for k in range(6)]
    texts = pages(make_recap([section("Mengwi", rows[:3]), section("Abiansemal", rows[3:])]))
    assert len(texts) >= 3
    total = len(texts)
    for index, text in enumerate(texts, start=1):
        assert f"Halaman {index} dari {total}" in text
    everything = flat("\n".join(texts))
    assert all(name in everything for name in (names[0], names[299], names[599]))
    assert "Desa 5 (100 orang):" in everything
    assert SIGNATURE["name"] in flat(texts[-1])


def test_recap_repeats_table_header_on_every_page():
    """A table longer than a page prints its column headings again on the next page."""
    rows = [desa_row(f"Banjar Nomor {i:02d}") for i in range(80)]
    texts = pages(make_recap([section("Mengwi", rows)]))
    table_pages = [flat(t) for t in texts if "Banjar Nomor" in t]
    assert len(table_pages) >= 2
    for text in table_pages:
        assert "Desa/Kelurahan Terdaftar Selesai % Selesai" in text
        assert "Jam belajar" in text


def test_recap_section_without_pending_names_says_so():
    """A kecamatan where everyone finished says so instead of an empty list."""
    text = flat("\n".join(pages(make_recap([section("Petang", [desa_row("Pelaga")])]))))
    assert "Semua peserta terdaftar sudah selesai." in text


@pytest.mark.parametrize("name", ["Ni Wayan 😀 Sari 🦄", "陈 Ketut 漢字", "\x00\u202e\ud800 Made\u200b", "Ṣ̌́ Gede 𝕏"])
def test_recap_survives_unicode_names(name, caplog):
    """Emoji, CJK, controls and lone surrogates never crash: glyphs DejaVu lacks become "?"."""
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        data = make_recap([section(name, [desa_row(name, [name, "Ni Luh Putu Ayu Désa"])])],
                          title=f"REKAP {name}", letterhead=[*LETTERHEAD, name],
                          signature={**SIGNATURE, "name": name}, generated_at=name)
    assert "missing the following glyphs" not in caplog.text
    text = flat("\n".join(pages(data)))
    assert "Ni Luh Putu Ayu Désa" in text
    assert "Halaman 1 dari" in text


def test_recap_survives_the_naughty_strings(caplog):
    """Every BLNS string as a desa, a name, a kecamatan and in the signature gives a readable PDF."""
    rows = [desa_row(text or "(kosong)", [text, text[::-1]]) for text in BLNS]
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        data = make_recap([section(BLNS[i], rows[i:i + 100]) for i in range(0, len(rows), 100)],
                          signature={**SIGNATURE, "position": BLNS[-1]})
    assert "missing the following glyphs" not in caplog.text
    texts = pages(data)
    assert f"Halaman {len(texts)} dari {len(texts)}" in texts[-1]


def test_printable_replaces_what_dejavu_cannot_draw():
    """Latin with accents stays; CJK and unknown emoji become "?"; controls and surrogates vanish."""
    assert printable("Ni Luh Putu Ayu Désa") == "Ni Luh Putu Ayu Désa"
    assert printable("漢字 🦄") == "?? ?"
    assert printable("a\x00b\r\nc\td\ud800") == "ab\nc d"
    assert printable(None) == ""


@pytest.mark.parametrize("value, decimals, suffix, expected", [
    (1234, 0, "", "1.234"), (66.666, 1, "%", "66,7%"), (1520.5, 1, "", "1.520,5"), (None, 1, "%", "—"),
    (1234567.25, 2, "", "1.234.567,25"),
])
def test_number_uses_indonesian_notation(value, decimals, suffix, expected):
    """Thousands with dots, decimals with a comma, None as a dash."""
    assert number(value, decimals, suffix) == expected


LEARNER = {"full_name": "Ni Luh Putu Ayu Désa", "username": "niluh.ayu", "jabatan": "Kepala Urusan Perencanaan",
           "desa": "Dalung", "kecamatan": "Kuta Utara"}
ENTRIES = [
    {"course": "Keamanan Akun dan Kata Sandi", "pillar": "Aman Digital", "enrolled_at": "3 November 2026",
     "progress_percent": 100.0, "completed_at": "20 November 2026", "certificate_code": "CD-7KQ9-X2PA",
     "quizzes": [{"title": "Kuis Kata Sandi", "best_percent": 85.0, "passed": True}]},
    {"course": "Etika Bermedia Sosial", "pillar": "Etika Digital", "enrolled_at": "10 November 2026",
     "progress_percent": 42.857, "completed_at": None, "certificate_code": None,
     "quizzes": [{"title": "Kuis Hoaks", "best_percent": None, "passed": False},
                 {"title": "Kuis Etika", "best_percent": 55.5, "passed": False}]},
]


def test_transcript_shows_learner_courses_and_results():
    """Learner details, each course with pillar, progress, completion, certificate code and quiz results."""
    text = flat("\n".join(pages(transcript_pdf(learner=LEARNER, entries=ENTRIES, generated_at=GENERATED))))
    for value in ("Transkrip Belajar", "Ni Luh Putu Ayu Désa", "niluh.ayu", "Kepala Urusan Perencanaan",
                  "Dalung", "Kuta Utara", "Keamanan Akun dan Kata Sandi", "Etika Bermedia Sosial",
                  "Aman Digital", "20 November 2026", "CD-7KQ9-X2PA", "Belum selesai", "Halaman 1 dari 1", GENERATED):
        assert value in text
    assert "Kemajuan 100,0%" in text and "Kemajuan 42,9%" in text
    assert "Kuis Kata Sandi 85,0% Lulus" in text
    assert "Kuis Hoaks — Belum lulus" in text
    assert "Kuis Etika 55,5% Belum lulus" in text


def test_transcript_one_block_per_course_over_pages():
    """Many courses flow over pages, each title printed once, the page count right."""
    entries = [{**ENTRIES[0], "course": f"Kursus Nomor {i:02d}"} for i in range(12)]
    texts = pages(transcript_pdf(learner=LEARNER, entries=entries, generated_at=GENERATED))
    assert len(texts) >= 2
    everything = flat("\n".join(texts))
    for i in range(12):
        assert len(re.findall(f"Kursus Nomor {i:02d}", everything)) == 1
    assert f"Halaman {len(texts)} dari {len(texts)}" in texts[-1]


def test_transcript_without_courses():
    """A learner with no enrolments gets a transcript that says so."""
    text = flat("\n".join(pages(transcript_pdf(learner=LEARNER, entries=[], generated_at=GENERATED))))
    assert "Belum terdaftar di kursus mana pun." in text


def test_transcript_survives_unicode(caplog):
    """Emoji and naughty strings in the learner, course and quiz fields do not crash or drop glyphs silently."""
    odd = "Ni Wayan 🦄 陈 \x00\ud800"
    learner = {key: odd for key in LEARNER}
    entries = [{**ENTRIES[1], "course": text, "pillar": text,
                "quizzes": [{"title": text, "best_percent": 10.0, "passed": True}]} for text in BLNS[:200]]
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        data = transcript_pdf(learner=learner, entries=entries, generated_at=odd)
    assert "missing the following glyphs" not in caplog.text
    assert "Ni Wayan ? ?" in flat(pages(data)[0])
