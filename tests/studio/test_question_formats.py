"""Question formats: GIFT (read and write), Aiken, spreadsheets (CSV, XLSX) and their templates."""
import csv
import dataclasses
import io
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from lms.packages import validate
from lms.quizzes.manifest import question_problems
from lms.studio.question_formats import (ParseError, ParseResult, export_gift, parse_aiken, parse_gift,
                                         parse_spreadsheet, spreadsheet_template_csv, spreadsheet_template_xlsx)
from tests.factories import manifest

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parents[2]
HEADER = "jenis,pertanyaan,pilihan_a,pilihan_b,pilihan_c,pilihan_d,pilihan_e,pilihan_f,jawaban_benar,poin,penjelasan"
COLUMNS = HEADER.split(",")
# Moodle's list of grades (question_bank::fraction_options_full), in percent, for the weights we write.
MOODLE_GRADES = {100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20, 16.66667, 14.28571,
                 12.5, 11.11111, 10, 5, 0}


def ch(text, correct=False, feedback=""):
    """A choice as the parsers return it."""
    return {"text": text, "correct": correct, "feedback": feedback}


def q(kind, text, choices=None, *, answers=None, points=1.0, explanation=""):
    """A question spec as the parsers return it (every key present)."""
    spec = {"type": kind, "text": text, "points": points, "explanation": explanation}
    spec.update({"answers": answers} if kind == "short_text" else {"choices": choices})
    return spec


def tf(text, correct_is_true, true_fb="", false_fb="", **kw):
    """A true_false spec with its fixed Benar/Salah choices."""
    return q("true_false", text, [ch("Benar", correct_is_true, true_fb), ch("Salah", not correct_is_true, false_fb)],
             **kw)


def read(name: str) -> str:
    """A corpus file as text."""
    return (DATA / name).read_text("utf-8")


def errors_at(result: ParseResult) -> list[int]:
    """The lines of all errors, in order."""
    return [e.line for e in result.errors]


def where(result: ParseResult) -> list[tuple[int, str | None]]:
    """(line, column) of all errors, in order."""
    return [(e.line, e.column) for e in result.errors]


def csv_bytes(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    """A CSV file: the header, then ``rows``."""
    return "\n".join([header, *rows]).encode(encoding)


def only(result: ParseResult) -> dict:
    """The one question of an error-free result."""
    assert result.errors == [], result.errors
    assert len(result.questions) == 1, result.questions
    return result.questions[0]


# ---------------------------------------------------------------------------- GIFT: reading
GIFT_ALL_TYPES = [
    q("single", "Apa kepanjangan **OTP**?",
      [ch("One Time Password", True, "Betul, kode sekali pakai."), ch("Only Two People", False, "Bukan."),
       ch("Open Text Protocol")], points=2.0, explanation="Jangan pernah membagikan OTP."),
    q("multiple", "Mana yang termasuk data pribadi?\nPilih semua yang benar.",
      [ch("NIK", True), ch("Nomor KK", True), ch("Nama desa", False, "Nama desa bukan data pribadi.")], points=1.5),
    tf('Kata sandi "123456" aman dipakai.', False, "Coba lagi: kata sandi ini paling sering ditebak.", "Tepat.",
       explanation="Pakai frasa sandi yang panjang."),
    tf("Pembaruan aplikasi sebaiknya segera dipasang.", True),
    q("short_text", "Nomor darurat di Indonesia adalah _____ dan bisa ditelepon gratis.", answers=["112", "1 1 2"]),
    q("short_text", "Berapa digit PIN ATM?", answers=["6", "enam"]),
    q("single", "Karakter khusus: {kurung}, ~tilde, =sama, #pagar dan garis\\miring.",
      [ch("Benar = betul", True, "Umpan balik #1"), ch("Salah")]),
]


def test_gift_corpus_with_every_supported_construct():
    """Comments, category, titles, format tags, multi-line text and answers, every type, escapes, points."""
    result = parse_gift(read("gift/all_types.gift"))
    assert result.errors == []
    assert result.questions == GIFT_ALL_TYPES
    assert result.ok


def test_gift_equals_and_tilde_make_single_choice_with_feedback_and_explanation():
    """``=`` marks the one right answer, ``#`` gives each answer feedback, ``####`` the explanation."""
    question = only(parse_gift("Pilih satu {=ya#Betul ~tidak#Bukan ~mungkin ####Karena ya.}"))
    assert question == q("single", "Pilih satu", [ch("ya", True, "Betul"), ch("tidak", False, "Bukan"),
                                                  ch("mungkin")], explanation="Karena ya.")


def test_gift_weighted_answers_make_multiple_choice():
    """Without ``=``, every answer with a positive weight is right (``%33.33333%`` too)."""
    question = only(parse_gift("Pilih {~%33.33333%a ~%33.33333%b ~%33.33333%c ~%-100%d ~e}"))
    assert question["type"] == "multiple"
    assert [c["correct"] for c in question["choices"]] == [True, True, True, False, False]
    assert [c["text"] for c in question["choices"]] == ["a", "b", "c", "d", "e"]


def test_gift_equals_mixed_with_weights_follows_moodle():
    """With an ``=`` present Moodle makes one-answer multichoice: only full marks count as right."""
    question = only(parse_gift("Pilih {=a ~%50%b ~%-50%c}"))
    assert question == q("single", "Pilih", [ch("a", True), ch("b"), ch("c")])
    two_full = parse_gift("Pilih {=a ~%100%b ~c}")
    assert errors_at(two_full) == [1] and "tepat satu" in two_full.errors[0].message


@pytest.mark.parametrize("mark,is_true", [("T", True), ("TRUE", True), ("F", False), ("FALSE", False)])
def test_gift_true_false_forms(mark, is_true):
    """``{T}``, ``{TRUE}``, ``{F}`` and ``{FALSE}`` give the fixed Benar/Salah choices."""
    assert only(parse_gift(f"OTP boleh dibagikan. {{{mark}}}")) == tf("OTP boleh dibagikan.", is_true)


def test_gift_true_false_feedback_lands_on_the_choice_that_shows_it():
    """``{T#if wrong#if right}``: the first goes on the wrong choice, the second on the right one."""
    assert only(parse_gift("Soal {T#pilih Salah#pilih Benar}"))["choices"] == [
        ch("Benar", True, "pilih Benar"), ch("Salah", False, "pilih Salah")]
    assert only(parse_gift("Soal {FALSE#pilih Benar#pilih Salah####umum}")) == tf(
        "Soal", False, "pilih Benar", "pilih Salah", explanation="umum")
    assert only(parse_gift("Soal {F#hanya salah pilih}"))["choices"] == [
        ch("Benar", False, "hanya salah pilih"), ch("Salah", True, "")]


def test_gift_equals_only_is_short_text_and_drops_feedback():
    """``{=a =b}`` accepts every answer; feedback is dropped, a weight of 0 or less is not accepted."""
    assert only(parse_gift("Kota? {=Jakarta#bagus =DKI Jakarta =%50%Batavia =%0%Bandung}")) == q(
        "short_text", "Kota?", answers=["Jakarta", "DKI Jakarta", "Batavia"])
    assert only(parse_gift("Benar? {=TRUE}"))["answers"] == ["TRUE"]  # "=TRUE" is not a true/false mark


def test_gift_missing_word_question():
    """Text after the answers makes ``before _____ after``."""
    assert only(parse_gift("Sandi {~pendek =panjang} lebih aman."))["text"] == "Sandi _____ lebih aman."
    assert only(parse_gift("::t::Ibu kota{=Jakarta}adalah kota."))["text"] == "Ibu kota_____adalah kota."


def test_gift_ignores_comments_categories_titles_and_format_tags():
    """Only the question text is kept; ``[plain]``, ``[markdown]``, ``[html]`` are stripped everywhere."""
    text = ("// komentar\n$CATEGORY: $course$/Kuis\n::Judul soal::[html]<b>Teks</b> {\n"
            "// komentar di tengah\n=[plain]ya#[markdown]**umpan**\n~tidak\n####[html]<i>jelas</i>\n}")
    assert only(parse_gift(text)) == q("single", "<b>Teks</b>", [ch("ya", True, "**umpan**"), ch("tidak")],
                                       explanation="<i>jelas</i>")


def test_gift_multiline_text_and_answer_block():
    """Lines are trimmed and joined with a line break; the answer block may span lines."""
    text = "  Baris satu\n   baris dua\n{\n  =a\n\t~b\n}\n"
    assert only(parse_gift(text)) == q("single", "Baris satu\nbaris dua", [ch("a", True), ch("b")])


def test_gift_escapes():
    """``\\~ \\= \\# \\{ \\} \\: \\\\`` are literal characters and ``\\n`` a line break."""
    question = only(parse_gift(r"a\~b\=c\#d\{e\}f\:g\\h\ni {=x\=y\#z#fb\: \{1\} ~\~w}"))
    assert question["text"] == "a~b=c#d{e}f:g\\h\ni"
    assert question["choices"] == [ch("x=y#z", True, "fb: {1}"), ch("~w")]


def test_gift_points_comment_directly_above_the_question():
    """``// points: 2`` and ``// poin: 1,5`` set points; without one (or separated by a blank line) it is 1."""
    text = ("// points: 2\nA {=a ~b}\n\n// Poin: 1,5\n// other comment\nB {=a ~b}\n\n"
            "// points: 4\n\nC {=a ~b}\n\nD {=a ~b}")
    assert [x["points"] for x in parse_gift(text).questions] == [2.0, 1.5, 1.0, 1.0]


def test_gift_crlf_line_endings_read_like_lf():
    """Windows line endings give the same questions and the same error line numbers."""
    for name in ("gift/all_types.gift", "gift/unsupported.gift"):
        lf = parse_gift(read(name))
        crlf = parse_gift(read(name).replace("\n", "\r\n"))
        assert crlf == lf
    assert parse_gift(("\ufeff" + read("gift/all_types.gift")).replace("\n", "\r\n")).questions == GIFT_ALL_TYPES


def test_gift_unsupported_corpus_reports_every_problem_with_its_line():
    """Each rejected item is reported at its first question line; the one good question is kept."""
    result = parse_gift(read("gift/unsupported.gift"))
    assert result.questions == [q("single", "Soal yang sah", [ch("ya", True), ch("tidak")])]
    assert errors_at(result) == [2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 25, 28]
    assert not result.ok


@pytest.mark.parametrize("text,line,words", [
    ("Cocokkan {=a -> 1 =b -> 2}", 1, "menjodohkan"),
    ("// c\n\nBerapa? {#4:1}", 3, "numerik"),
    ("Ceritakan. {}", 1, "esai"),
    ("Ceritakan. {####umum}", 1, "esai"),
    ("x {=a ~b}\n\nHanya deskripsi.", 3, "deskripsi"),
    ("Kurung {=a ~b", 1, "tidak seimbang"),
    ("Kurung =a ~b}", 1, "tidak seimbang"),
    ("Kurung } =a ~b {", 1, "tidak seimbang"),
    ("Dua {=a ~b} dan {=c ~d}", 1, "lebih dari satu"),
    ("Bersarang {=a {x} ~b}", 1, "tidak seimbang"),
    ("Tanpa jawaban benar\n{~a ~b}", 1, "Tidak ada jawaban benar"),
    ("Bobot nol {~%0%a ~%-50%b}", 1, "Tidak ada jawaban benar"),
    ("Dua benar {=a =b ~c}", 1, "tepat satu"),
    ("Satu pilihan {=a ~}", 1, "tidak boleh kosong"),
    ("Teks lebih dulu {lepas =a ~b}", 1, "sebelum jawaban pertama"),
    ("Isian tanpa = {Jakarta}", 1, "sebelum jawaban pertama"),
    ("// points: dua\nPoin {=a ~b}", 1, "Poin harus berupa angka"),
    ("// points: -1\nPoin {=a ~b}", 1, "Poin harus berupa angka"),
    ("// points: 5000\nPoin {=a ~b}", 2, "Poin: di luar batas"),
    ("A {=a ~b}\n\n// komentar\n::judul::\nB {~%100%a}", 4, "minimal 2 pilihan"),
])
def test_gift_unsupported_or_broken_item_is_one_error_at_its_line(text, line, words):
    """Matching, numeric, essay, description, unbalanced braces and broken choices are clear errors."""
    result = parse_gift(text)
    assert len(result.errors) == 1, result.errors
    error = result.errors[0]
    assert (error.line, error.column) == (line, None)
    assert words in error.message


def test_gift_keeps_reading_after_errors():
    """All good questions and all errors come back; nothing stops at the first problem."""
    result = parse_gift("A {}\n\nB {=b ~c}\n\nC {#1}\n\nD {T}")
    assert [x["text"] for x in result.questions] == ["B", "D"]
    assert errors_at(result) == [1, 5]


def test_gift_empty_or_comment_only_document_has_no_questions():
    """A document without questions is not ok, but not an error either."""
    result = parse_gift("// hanya komentar\n$CATEGORY: x\n\n\n")
    assert result == ParseResult([], [])
    assert not result.ok


# ---------------------------------------------------------------------------- GIFT: writing
SPECIAL = "a\\b ~c =d #e {f} g:h :: // x -> $CATEGORY: [html] #### \\n"


def every_type() -> list[dict]:
    """One question of each type, full of GIFT special characters."""
    return [
        q("single", "// seperti komentar " + SPECIAL, [ch("=benar " + SPECIAL, True, "#umpan " + SPECIAL),
                                                      ch("~salah"), ch("[plain] tag", False, "[html] tag")],
          points=2.0, explanation="[markdown]Baris satu\nbaris dua " + SPECIAL),
        q("multiple", "::bukan judul:: " + SPECIAL,
          [ch(f"pilihan {i} {SPECIAL}", i % 2 == 0, "fb" if i == 3 else "") for i in range(7)], points=1.5),
        q("multiple", "Satu benar saja", [ch("a", True), ch("b")]),
        tf("Benar/salah " + SPECIAL, False, "dipilih Benar " + SPECIAL, "", explanation="jelas " + SPECIAL),
        tf("Keduanya", True, "ya", "tidak", points=3.0),
        tf("Hanya yang salah", True, "", "tidak"),
        q("short_text", "Isian " + SPECIAL, answers=["TRUE", "a = b", "#x", "{y}", "72 jam", "c:\\d"],
          points=0.25, explanation="x"),
    ]


def test_export_gift_round_trip_every_type():
    """``parse_gift(export_gift(qs)) == qs`` with feedback, explanations, points and special characters."""
    questions = every_type()
    assert parse_gift(export_gift(questions)).questions == questions
    assert parse_gift(export_gift(GIFT_ALL_TYPES)).questions == GIFT_ALL_TYPES


def test_export_gift_layout():
    """Points comment, ``=``/``~``, weights, TRUE/FALSE with feedback, ``=`` answers, ``####``, one blank line."""
    questions = [q("single", "Satu?", [ch("ya", True, "bagus"), ch("tidak")], points=2.0, explanation="Sebab."),
                 q("multiple", "Dua?", [ch("a", True), ch("b"), ch("c", True)]),
                 tf("Benar?", False, "keliru", "tepat"),
                 q("short_text", "Kota?", answers=["Jakarta", "DKI"], points=1.5)]
    assert export_gift(questions) == (
        "// points: 2\n[plain]Satu? {\n=ya#bagus\n~tidak\n####Sebab.\n}\n\n"
        "[plain]Dua? {\n~%50%a\n~%-100%b\n~%50%c\n}\n\n"
        "[plain]Benar? {\nFALSE#keliru#tepat\n}\n\n"
        "// points: 1.5\n[plain]Kota? {\n=Jakarta\n=DKI\n}\n")
    assert export_gift([]) == ""


def test_export_gift_escapes_every_special_character():
    """Specials are backslashed and line breaks written as ``\\n``, so each item stays on one line."""
    out = export_gift([q("short_text", "a~b=c#d{e}f:g\\h\ni", answers=["x=y"])])
    assert out == "[plain]a\\~b\\=c\\#d\\{e\\}f\\:g\\\\h\\ni {\n=x\\=y\n}\n"


@pytest.mark.parametrize("right", range(1, 21))
def test_export_multiple_weights_are_moodle_grades_adding_up_to_100(right):
    """Right answers share 100% using only grades Moodle accepts; wrong ones get -100%."""
    choices = [ch(f"r{i}", True) for i in range(right)] + [ch("w")] * (right < 20)  # at most 20 choices
    question = q("multiple", "Pilih", choices)
    out = export_gift([question])
    weights = [float(w) for w in re.findall(r"^~%(-?[\d.]+)%", out, re.MULTILINE)]
    assert weights[right:] == [-100] * (right < 20)
    assert all(w in MOODLE_GRADES for w in weights[:right])
    assert sum(weights[:right]) == pytest.approx(100, abs=0.0001)
    assert "=" not in out  # one "=" would make Moodle allow a single answer only
    assert parse_gift(out).questions == [question]


# ---------------------------------------------------------------------------- Aiken
def test_aiken_good_file():
    """``A.`` and ``A)`` options, a question right after ANSWER, multi-line text, lowercase answer."""
    result = parse_aiken(read("aiken/good.txt"))
    assert result.errors == []
    assert result.questions == [
        q("single", "Apa kepanjangan OTP?",
          [ch("One Time Password", True), ch("Only Two People"), ch("Open Text Protocol")]),
        q("single", "Siapa yang boleh meminta kode OTP Anda?",
          [ch("Petugas bank"), ch("Kepala desa"), ch("Tidak ada siapa pun", True)]),
        q("single", "Apa yang dilakukan jika menerima tautan mencurigakan\nlewat WhatsApp?",
          [ch("Langsung dibuka"), ch("Abaikan dan laporkan", True)]),
    ]


def test_aiken_bad_file_reports_every_problem_with_its_line():
    """Missing ANSWER, unknown letter, one option, a stray line, no question text, a repeated letter."""
    result = parse_aiken(read("aiken/bad.txt"))
    assert result.questions == [q("single", "Soal yang sah", [ch("Ya", True), ch("Tidak")])]
    messages = {e.line: e.message for e in result.errors}
    assert errors_at(result) == [1, 8, 10, 16, 20, 26]
    assert "ANSWER" in messages[1] and "tidak ada" in messages[1]
    assert "D bukan salah satu pilihan (A, B)" in messages[8]
    assert "minimal dua pilihan" in messages[10]
    assert "tidak dikenali" in messages[16]
    assert "teks pertanyaan" in messages[20]
    assert "A dipakai dua kali" in messages[26]


@pytest.mark.parametrize("text,line,words", [
    ("Soal\nA. satu\nB. dua", 1, "ANSWER: tidak ada"),
    ("Soal\nA. satu\nB. dua\nANSWER: C", 4, "C bukan salah satu pilihan"),
    ("Soal\nA. satu\nB. dua\nANSWER:", 4, "(kosong) bukan salah satu pilihan"),
    ("Soal\nA. satu\nB. dua\nANSWER: A, B", 4, "bukan salah satu pilihan"),
    ("\n\nSoal\nA. satu\nANSWER: A", 3, "minimal dua pilihan"),
    ("Soal\nA. satu\nB. dua\nbaris nyasar\nANSWER: A", 4, "tidak dikenali"),
    ("Soal\nA. satu\nb. huruf kecil\nANSWER: A", 3, "tidak dikenali"),
    ("ANSWER: A", 1, "teks pertanyaan"),
])
def test_aiken_errors_carry_the_line(text, line, words):
    """Each broken question is one clear error at the right line."""
    error = parse_aiken(text).errors[0]
    assert (error.line, error.column) == (line, None)
    assert words in error.message


def test_aiken_crlf_and_bom():
    """Windows line endings and a BOM read like plain LF text."""
    raw = read("aiken/good.txt")
    assert parse_aiken("\ufeff" + raw.replace("\n", "\r\n")) == parse_aiken(raw)
    assert errors_at(parse_aiken(read("aiken/bad.txt").replace("\n", "\r\n"))) == [1, 8, 10, 16, 20, 26]


# ---------------------------------------------------------------------------- spreadsheets: CSV
VALID_CSV = [
    q("single", "Apa kepanjangan OTP?", [ch("One Time Password", True), ch("Only Two People"),
                                         ch("Open Text Protocol")], explanation="OTP adalah kode sekali pakai."),
    q("multiple", "Mana yang termasuk data pribadi?\nPilih semua yang benar.",
      [ch("NIK", True), ch("Nama desa"), ch("Nomor KK", True)], points=2.0),
    tf("Kata sandi 123456 aman dipakai.", False, points=1.5, explanation="Kata sandi ini paling sering ditebak."),
    q("short_text", "Paling lambat berapa lama kebocoran data wajib diberitahukan?", answers=["72 jam", "3 x 24 jam"]),
    q("single", 'Pilih "ya", lalu kirim.', [ch("ya"), ch("tidak", True)]),
]


def test_csv_every_type_with_loose_headers_quoted_cells_and_empty_lines():
    """Headers trimmed and case-insensitive, quoted multi-line cells, empty rows skipped, English type names."""
    result = parse_spreadsheet((DATA / "spreadsheet/valid.csv").read_bytes(), "soal.csv")
    assert result.errors == []
    assert result.questions == VALID_CSV


def test_csv_with_bom():
    """A UTF-8 BOM (Excel's "CSV UTF-8") is not part of the first header."""
    raw = (DATA / "spreadsheet/valid.csv").read_bytes()
    assert parse_spreadsheet(b"\xef\xbb\xbf" + raw).questions == VALID_CSV
    assert parse_spreadsheet(b"\xef\xbb\xbf" + raw.replace(b"\n", b"\r\n")).questions == VALID_CSV


def test_csv_semicolon_delimiter_and_comma_decimal():
    """Excel in an Indonesian locale writes ``;`` and ``1,5``; commas inside cells stay text."""
    result = parse_spreadsheet((DATA / "spreadsheet/semicolon.csv").read_bytes())
    assert result.errors == []
    assert result.questions == [
        q("single", "Halo, siapa yang boleh tahu PIN Anda?", [ch("Saya sendiri", True),
                                                               ch("Teller bank, kalau diminta")],
          points=1.5, explanation="PIN hanya untuk Anda, tidak untuk siapa pun."),
        q("short_text", "Ibu kota Indonesia?", answers=["Jakarta"], points=2.0)]


def test_csv_cp1252_when_not_utf8():
    """A file that is not valid UTF-8 is read as Windows-1252 (old Excel "CSV")."""
    data = csv_bytes("isian,Apa arti “café” – dalam bahasa Indonesia?,,,,,,,kafé; kedai kopi,,Harga: 5€",
                     encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert only(parse_spreadsheet(data)) == q("short_text", "Apa arti “café” – dalam bahasa Indonesia?",
                                              answers=["kafé", "kedai kopi"], explanation="Harga: 5€")


def test_csv_empty_lines_keep_real_line_numbers():
    """Skipped empty lines and multi-line cells still count, so errors name the line an editor shows."""
    data = csv_bytes("", "isian,\"dua\nbaris\",,,,,,,a,,", ",,,,,,,,,,", "", "isian,,,,,,,,a,,")
    result = parse_spreadsheet(data)
    assert [x["text"] for x in result.questions] == ["dua\nbaris"]
    assert where(result) == [(7, "pertanyaan")]


def test_csv_errors_corpus_reports_every_row():
    """Each bad row gives its line and column; the good row is still returned."""
    result = parse_spreadsheet((DATA / "spreadsheet/errors.csv").read_bytes())
    assert [x["text"] for x in result.questions] == ["Sah"]
    assert where(result) == [(2, "pertanyaan"), (3, "jenis"), (4, "jawaban_benar"), (6, "poin"),
                             (7, "jawaban_benar"), (8, "jawaban_benar")]


ROW_ERRORS = [
    ("pilihan_tunggal,,ya,tidak,,,,,A,,", "pertanyaan", "wajib diisi"),
    ("esai,Tulis.,,,,,,,x,,", "jenis", "tidak dikenal"),
    (",Tanpa jenis,ya,tidak,,,,,A,,", "jenis", "tidak dikenal"),
    ("pilihan_tunggal,Q,ya,tidak,,,,,C,,", "jawaban_benar", "C menunjuk pilihan_c yang kosong"),
    ("pilihan_tunggal,Q,ya,tidak,,,,,G,,", "jawaban_benar", "G bukan huruf pilihan"),
    ("pilihan_tunggal,Q,ya,tidak,,,,,AB,,", "jawaban_benar", "AB bukan huruf pilihan"),
    ("pilihan_tunggal,Q,ya,tidak,,,,,,,", "jawaban_benar", "Tulis huruf pilihan"),
    ("pilihan_tunggal,Q,ya,tidak,,,,,\"A, B\",,", "jawaban_benar", "harus tepat satu pilihan yang benar"),
    ("pilihan_tunggal,Q,ya,,,,,,A,,", "pilihan_b", "minimal dua pilihan"),
    ("pilihan_ganda,Q,,,,,,,A,,", "pilihan_a", "minimal dua pilihan"),
    ("pilihan_ganda,Q,a,b,,,,,A,nol,", "poin", "angka positif"),
    ("pilihan_ganda,Q,a,b,,,,,A,0,", "poin", "angka positif"),
    ("pilihan_ganda,Q,a,b,,,,,A,-1,", "poin", "angka positif"),
    ("pilihan_ganda,Q,a,b,,,,,A,1001,", "poin", "Poin: di luar batas"),
    ("benar_salah,Q,,,,,,,YA,,", "jawaban_benar", "BENAR atau SALAH"),
    ("benar_salah,Q,ya,,,,,,BENAR,,", "pilihan_a", "kosongkan"),
    ("isian,Q,,,,,,,; ;,,", "jawaban_benar", "titik koma"),
    ("isian,Q,,,,,,x,jawab,,", "pilihan_f", "kosongkan"),
    ("isian,Q,,,,,,,jawab,,,sisa", None, "kolom ke-12"),
    (f"isian,Q,,,,,,,{'j' * 501},,", "jawaban_benar", "Jawaban 1: terlalu panjang (maksimal 500 karakter)"),
    (f"pilihan_tunggal,Q,{'p' * 2001},b,,,,,A,,", "pilihan_a", "Pilihan 1: terlalu panjang (maksimal 2000"),
    (f"pilihan_tunggal,Q,a,,,b,,,D,,{'x' * 5001}", "penjelasan", "maksimal 5000 karakter"),
]


@pytest.mark.parametrize("row,column,words", ROW_ERRORS)
def test_spreadsheet_row_problem_names_line_and_column(row, column, words):
    """Every row problem is an error with the row's line and the column header."""
    result = parse_spreadsheet(csv_bytes("", row))
    assert result.questions == []
    assert (result.errors[0].line, result.errors[0].column) == (3, column)
    assert words in result.errors[0].message


def test_spreadsheet_option_gaps_and_letters_map_to_columns():
    """Letters name columns: with B empty, ``D`` is the second choice; a cell too long names its own column."""
    question = only(parse_spreadsheet(csv_bytes("pilihan_ganda,Q,a,,c,d,,,\"d;A\",,")))
    assert question["choices"] == [ch("a", True), ch("c"), ch("d", True)]
    result = parse_spreadsheet(csv_bytes(f"pilihan_ganda,Q,a,,c,{'d' * 2001},,,A,,"))
    assert where(result) == [(2, "pilihan_d")]


def test_spreadsheet_true_false_values():
    """BENAR/SALAH (any case) and TRUE/FALSE fill the fixed Benar/Salah choices."""
    rows = ["benar_salah,A,,,,,,,Benar,,", "benar_salah,B,,,,,,,SALAH,,", "true_false,C,,,,,,,true,,",
            "Benar Salah,D,,,,,,,false,,"]
    result = parse_spreadsheet(csv_bytes(*rows))
    assert result.errors == []
    assert result.questions == [tf("A", True), tf("B", False), tf("C", True), tf("D", False)]


def test_spreadsheet_header_problems_are_on_line_one():
    """Unknown, repeated and missing required columns are errors on the header line, by column."""
    header = "jenis,pertanyaan,pilihan_a,pilihan_b,kategori,Pilihan_A,poin"
    result = parse_spreadsheet(csv_bytes("isian,Q,,,,,,", header=header))
    assert where(result) == [(1, "kategori"), (1, "Pilihan_A"), (1, "jawaban_benar")]
    assert "tidak dikenal" in result.errors[0].message
    assert "dua kali" in result.errors[1].message
    assert "wajib" in result.errors[2].message
    assert result.questions == []


def test_spreadsheet_unknown_column_does_not_hide_row_errors():
    """With the required columns present, rows are still read next to the header error."""
    header = "jenis,pertanyaan,jawaban_benar,catatan"
    result = parse_spreadsheet(csv_bytes("isian,Q,a,abaikan", "isian,,a,", header=header))
    assert where(result) == [(1, "catatan"), (3, "pertanyaan")]
    assert result.questions == [q("short_text", "Q", answers=["a"])]


def test_spreadsheet_only_required_columns():
    """Optional columns may be left out: points default to 1, the explanation to empty."""
    result = parse_spreadsheet(b"Pertanyaan,JENIS,jawaban_benar\nQ,isian,a;b\n")
    assert only(result) == q("short_text", "Q", answers=["a", "b"])


def test_spreadsheet_value_in_a_column_without_header():
    """A value beyond the titled columns is an error rather than silently lost."""
    result = parse_spreadsheet("jenis;pertanyaan;jawaban_benar\nisian;Q;a;b\n".encode())
    assert where(result) == [(2, None)]
    assert "kolom ke-4" in result.errors[0].message


def test_spreadsheet_row_limit():
    """At most 1,000 questions: the first row over the limit is an error, the first 1,000 are read."""
    rows = [f"isian,Soal {i},,,,,,,jawab,," for i in range(1001)]
    result = parse_spreadsheet(csv_bytes(*rows))
    assert len(result.questions) == 1000
    assert len(result.errors) == 1 and result.errors[0].line == 1002 and "1000" in result.errors[0].message


def test_spreadsheet_cell_limit():
    """A cell over 5,000 characters is an error in its column."""
    result = parse_spreadsheet(csv_bytes(f"isian,{'x' * 5001},,,,,,,jawab,,"))
    assert where(result) == [(2, "pertanyaan")]
    assert "5000" in result.errors[0].message
    assert parse_spreadsheet(csv_bytes(f"isian,{'x' * 5000},,,,,,,jawab,,")).ok


def test_spreadsheet_empty_file():
    """An empty (or blank) file is one error on line 1."""
    for data in (b"", b"\n\n ,\n", b"\xef\xbb\xbf"):
        assert where(parse_spreadsheet(data)) == [(1, None)]


# ---------------------------------------------------------------------------- spreadsheets: XLSX
def xlsx(rows: list[list]) -> bytes:
    """A one-sheet workbook holding ``rows``."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_built_with_openpyxl():
    """Numeric cells (2.0, 1.5, 1945), Excel booleans shown as BENAR/SALAH, empty rows, detection by content."""
    data = xlsx([COLUMNS,
                 ["pilihan_tunggal", "Tahun kemerdekaan?", 1945, 1950, None, None, None, None, "a", 2.0, None],
                 [],
                 ["benar_salah", "OTP rahasia.", None, None, None, None, None, None, True, 1.5, "Jangan dibagi."],
                 ["benar_salah", "OTP boleh dibagi.", None, None, None, None, None, None, False, 1, None],
                 ["isian", "Berapa 0,5 + 1?", None, None, None, None, None, None, 1.5, None, None],
                 ["isian", None, None, None, None, None, None, None, "x", None, None],
                 ["pilihan_ganda", "Excel mengubah BENAR jadi boolean.", True, False, None, None, None, None, "A",
                  None, None]])
    result = parse_spreadsheet(data, "soal.csv")  # the name is not trusted; the content is XLSX
    assert result.questions == [
        q("single", "Tahun kemerdekaan?", [ch("1945", True), ch("1950")], points=2.0),
        tf("OTP rahasia.", True, points=1.5, explanation="Jangan dibagi."),
        tf("OTP boleh dibagi.", False),
        q("short_text", "Berapa 0,5 + 1?", answers=["1.5"]),
        q("multiple", "Excel mengubah BENAR jadi boolean.", [ch("BENAR", True), ch("SALAH")]),
    ]
    assert where(result) == [(7, "pertanyaan")]


def test_xlsx_reads_the_first_sheet_only():
    """The first sheet holds the questions; other sheets (instructions) are ignored."""
    book = openpyxl.Workbook()
    book.active.append(["jenis", "pertanyaan", "jawaban_benar"])
    book.active.append(["isian", "Q", "a"])
    book.create_sheet("Lain").append(["bukan", "kolom"])
    out = io.BytesIO()
    book.save(out)
    assert only(parse_spreadsheet(out.getvalue())) == q("short_text", "Q", answers=["a"])


def test_damaged_xlsx_is_one_error():
    """A file that starts like a ZIP but is not a workbook gives one clear error."""
    result = parse_spreadsheet(b"PK\x03\x04 bukan berkas excel")
    assert where(result) == [(1, None)]
    assert "XLSX" in result.errors[0].message


# ---------------------------------------------------------------------------- templates
def test_xlsx_template_layout():
    """Bold frozen header, widths, two examples (pilihan_tunggal, isian) and a "Petunjuk" sheet per column."""
    book = openpyxl.load_workbook(io.BytesIO(spreadsheet_template_xlsx()))
    sheet, help_sheet = book.worksheets
    assert book.sheetnames == ["Soal", "Petunjuk"]
    assert [c.value for c in sheet[1]] == COLUMNS
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width >= 40 and sheet.column_dimensions["C"].width >= 20
    assert [sheet.cell(row, 1).value for row in (2, 3, 4)] == ["pilihan_tunggal", "isian", None]
    explained = " ".join(str(c.value) for c in help_sheet["A"])
    assert all(name in explained for name in COLUMNS if not name.startswith("pilihan_"))
    assert "pilihan_a" in explained and "pilihan_f" in explained
    assert help_sheet["A1"].font.bold and len(help_sheet["C2"].value) > 40


def test_templates_parse_back_without_errors():
    """Both templates read back as the same two example questions."""
    from_xlsx = parse_spreadsheet(spreadsheet_template_xlsx(), "templat.xlsx")
    from_csv = parse_spreadsheet(spreadsheet_template_csv().encode("utf-8"), "templat.csv")
    assert from_xlsx.ok and from_csv.ok
    assert from_xlsx.questions == from_csv.questions
    assert [x["type"] for x in from_csv.questions] == ["single", "short_text"]
    assert from_csv.questions[1]["points"] == 2.0 and len(from_csv.questions[1]["answers"]) >= 2


def test_csv_template_shape():
    """Header plus two example rows, comma-delimited."""
    rows = list(csv.reader(io.StringIO(spreadsheet_template_csv())))
    assert rows[0] == COLUMNS
    assert [row[0] for row in rows[1:]] == ["pilihan_tunggal", "isian"]
    assert spreadsheet_template_csv().splitlines()[0] == HEADER


# ---------------------------------------------------------------------------- shared
def every_parsed_question() -> list[dict]:
    """Every question the parsers return for the corpus, exports and templates."""
    results = [parse_gift(read("gift/all_types.gift")), parse_gift(read("gift/unsupported.gift")),
               parse_gift(export_gift(every_type())), parse_aiken(read("aiken/good.txt")),
               parse_aiken(read("aiken/bad.txt")), parse_spreadsheet(spreadsheet_template_xlsx()),
               parse_spreadsheet(spreadsheet_template_csv().encode())]
    results += [parse_spreadsheet((DATA / "spreadsheet" / name).read_bytes())
                for name in ("valid.csv", "semicolon.csv", "errors.csv")]
    return [question for result in results for question in result.questions]


def test_every_returned_question_is_a_valid_manifest_question():
    """Each question passes ``question_problems`` and the manifest's JSON Schema as a whole quiz."""
    questions = every_parsed_question()
    assert len(questions) == 31
    assert all(question_problems("q", question) == [] for question in questions)
    data = manifest("impor-soal", modules=1, lessons=1)
    data["course"]["quizzes"] = [{"title": "Impor", "questions": questions}]
    assert validate(data) == []


def test_parse_result_ok_and_frozen_error():
    """``ok`` needs questions and no errors; a ParseError cannot be changed."""
    good = q("short_text", "Q", answers=["a"])
    assert ParseResult([good], []).ok
    assert not ParseResult([], []).ok
    assert not ParseResult([good], [ParseError(1, "x")]).ok
    assert ParseError(3, "pesan") == ParseError(3, "pesan", None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ParseError(1, "x").line = 2


def test_works_without_an_app_context():
    """The module needs neither an app context nor a database; messages are plain Indonesian strings."""
    code = ("from flask import has_app_context\n"
            "from lms.studio.question_formats import parse_aiken, parse_gift, parse_spreadsheet\n"
            "assert not has_app_context()\n"
            "print(parse_aiken('Soal\\nA. satu\\nB. dua').errors[0].message)\n"
            "print(parse_gift('Esai {}').errors[0].message)\n"
            "print(parse_spreadsheet(b'jenis,pertanyaan').errors[0].message)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["Baris ANSWER: tidak ada; tulis misalnya ANSWER: A sesudah pilihan terakhir.",
                                       "Soal esai ({}) tidak didukung.", "Kolom wajib tidak ada."]
