"""Bulk import of village staff: reading CSV/XLSX, every row's checks, all-or-nothing writes, hand-out files."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from lms.audit import AuditEvent
from lms.auth.models import User
from lms.courses.cohorts import CohortFilter, assign
from lms.courses.models import Enrollment
from lms.errors import Conflict
from lms.people import importer
from lms.people.importer import (COLUMNS, MAX_ROWS, RowError, credentials_csv, import_people, normalise_phone,
                                 read_people_file, template_csv, template_xlsx)
from tests.factories import make_course, make_user

DATA = Path(__file__).parent / "data"
HEADER = ",".join(COLUMNS)
PASSWORD_RE = re.compile(r"^[a-km-np-z2-9]{4}-[a-km-np-z2-9]{4}-[a-km-np-z2-9]{4}$")


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def where(errors: list[RowError]) -> list[tuple[int, str]]:
    return [(error.line, error.field) for error in errors]


def user_count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def by_username(db, username: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == username))


def audit_events(db) -> list[AuditEvent]:
    db.session.flush()
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "user.import")))


def csv_bytes(*rows: str) -> bytes:
    return "\n".join((HEADER, *rows)).encode()


def xlsx_bytes(rows: list[list], *, excel_numbers: dict[str, str] | None = None) -> bytes:
    """An XLSX of ``rows``; ``excel_numbers`` rewrites stored numbers as Excel writes them (8.1234567890E+10)."""
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    if not excel_numbers:
        return out.getvalue()
    rewritten = io.BytesIO()
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(rewritten, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                for plain, excel in excel_numbers.items():
                    content = content.replace(f"<v>{plain}</v>".encode(), f"<v>{excel}</v>".encode())
            target.writestr(item, content)
    return rewritten.getvalue()


@pytest.fixture
def admin(db):
    return make_user("admin", username="admin.kabupaten")


def import_failing(db, data: bytes, admin, **kw) -> list[tuple[int, str]]:
    """Import for real; assert that nothing was written and return where the errors are."""
    before = user_count(db)
    result = import_people(data, by=admin, dry_run=False, **kw)
    assert result.errors and result.created == []
    assert user_count(db) == before
    return where(result.errors)


# ---------------------------------------------------------------------------- phone numbers
@pytest.mark.parametrize("raw", ["0812-3456-7890", "081234567890", "6281234567890", "+62 812 3456 7890",
                                 "+62 (0)812-3456-7890", "0062 812 3456 7890", "81234567890", "0812.3456.7890"])
def test_normalise_phone_mobile_forms(raw):
    assert normalise_phone(raw) == "+6281234567890"


@pytest.mark.parametrize("raw,expected", [("(0361) 234567", "+62361234567"), ("021-5551234", "+62215551234"),
                                          ("0812 3456 7890 12", "+628123456789012")])
def test_normalise_phone_landlines_and_long_numbers(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "12345", "0812", "0812345", "08123456789012345", "+1 415 555 0100",
                                 "0812 3456 7890 ext 12", "telepon", "62 0", "1812345678", "+62 0 1234 5678",
                                 "=0812345678"])
def test_normalise_phone_refuses_what_is_not_an_indonesian_number(raw):
    assert normalise_phone(raw) is None


# ---------------------------------------------------------------------------- the good file
def test_good_file_creates_every_user(db, admin):
    before = user_count(db)
    result = import_people(read("good.csv"), by=admin, dry_run=False)
    assert result.errors == [] and result.rows == 4 and len(result.created) == 4
    assert user_count(db) == before + 4

    made = by_username(db, "made.sudarsana")  # username lowered, header matched loosely
    assert (made.full_name, made.jabatan_kode, made.desa_kode, made.phone, made.email, made.role, made.kind) == (
        "I Made Sudarsana", "SEKDES", "51.03.02.2001", "+6281234567890", "made.sudarsana@example.com", "learner",
        "perangkat")
    wayan = by_username(db, "wayan.sukerta")  # jabatan by full name, any case; default jenis
    assert (wayan.jabatan_kode, wayan.phone, wayan.role, wayan.kind) == ("KAUR_KEUANGAN", "+6281311112222",
                                                                         "trainer", "perangkat")
    ayu = by_username(db, "ayu.lestari")  # quoted comma; defaults for peran and jenis
    assert (ayu.full_name, ayu.jabatan_kode, ayu.phone, ayu.role, ayu.kind, ayu.email) == (
        "Ni Luh Ayu Lestari, S.Pd.", "LURAH", "+62361234567", "learner", "perangkat", None)
    komang = by_username(db, "komang.adi")  # STAF fits a kelurahan (keduanya)
    assert (komang.jabatan_kode, komang.phone, komang.kind) == ("STAF", None, "warga")


def test_good_file_initial_passwords(db, admin):
    result = import_people(read("good.csv"), by=admin, dry_run=False)
    passwords = [password for _user, password in result.created]
    assert len(set(passwords)) == len(passwords) == 4
    for user, password in result.created:
        assert PASSWORD_RE.match(password) and len(password) == 14
        assert user.must_change_password is True
        assert password not in user.password_hash and user.check_password(password)
        assert not user.check_password(password.replace("-", ""))
    again = [importer.initial_password() for _ in range(200)]
    assert len(set(again)) == 200 and all(PASSWORD_RE.match(p) for p in again)


def test_import_flushes_in_the_callers_transaction_and_records_one_audit_event(db, admin):
    before = user_count(db)
    result = import_people(read("good.csv"), by=admin, dry_run=False)
    assert all(user.id for user, _pw in result.created)  # flushed
    [event] = audit_events(db)
    assert (event.actor_id, event.target, event.details) == (admin.id, None, {"created": 4, "dry_run": False})
    db.session.rollback()  # the caller's transaction decides: nothing was committed
    assert user_count(db) == before and audit_events(db) == []


def test_imported_people_are_enrolled_by_active_cohort_rules(db, admin):
    course = make_course()
    assign(course, CohortFilter(desa_kode="51.03.02.2001"), by=admin, due_at=None, keep_active=True)
    import_people(read("good.csv"), by=admin, dry_run=False)
    enrolled = set(db.session.scalars(sa.select(Enrollment.user_id).where(Enrollment.course_id == course.id)))
    assert enrolled == {by_username(db, "made.sudarsana").id}  # the Munggu learner; not the trainer


def test_dry_run_reports_rows_and_writes_nothing(db, admin):
    before = user_count(db)
    result = import_people(read("good.csv"), by=admin, dry_run=True)
    assert (result.rows, result.errors, result.created) == (4, [], [])
    assert user_count(db) == before
    [event] = audit_events(db)
    assert event.details == {"created": 0, "dry_run": True}


# ---------------------------------------------------------------------------- encodings and layout
def test_semicolon_cp1252_crlf_file_from_excel(db, admin):
    result = import_people(read("semicolon_excel.csv"), by=admin, dry_run=False)
    assert result.errors == [] and result.rows == 3
    assert by_username(db, "ketut.ade").full_name == "Ketut Adé Suartana"
    assert by_username(db, "gede.renee").full_name == "Gede Renée"
    assert by_username(db, "gede.renee").phone == "+6281399998888"
    assert by_username(db, "putu.andre").full_name == "Putu André Wijaya"


def test_utf8_bom_is_not_part_of_the_first_header(db, admin):
    result = import_people(read("bom.csv"), by=admin, dry_run=False)
    assert result.errors == [] and result.rows == 1
    assert by_username(db, "kadek.dewi").full_name == "Ni Kadek Déwi Ñyoman"


def test_empty_lines_are_skipped_and_real_line_numbers_kept(db, admin):
    rows, errors = read_people_file(read("empty_lines.csv"))
    assert errors == [] and [row["_line"] for row in rows] == [3, 6]
    assert rows[0]["username"] == "nyoman.sari" and rows[0]["telepon"] == "" and set(rows[0]) == {*COLUMNS, "_line"}
    result = import_people(read("empty_lines.csv"), by=admin, dry_run=True)
    assert result.rows == 2 and where(result.errors) == [(6, "email")]


def test_quoted_cell_spanning_lines_keeps_the_following_line_numbers(db, admin):
    data = csv_bytes('made.satu,"Made\nSatu",,51.03.02.2001,,,,', "made.dua,Made Dua,,51.03.02.2001,,x,,")
    rows, _errors = read_people_file(data)
    assert [row["_line"] for row in rows] == [2, 4] and rows[0]["nama_lengkap"] == "Made Satu"


def test_extra_unquoted_comma_is_reported_not_dropped(db, admin):
    data = csv_bytes("made.satu,I Made Satu, S.Pd.,SEKDES,51.03.02.2001,0812,made@example.com,learner,perangkat")
    rows, errors = read_people_file(data)
    assert where(errors) == [(2, "")] and "kolom ke-9" in errors[0].message
    assert rows[0]["jabatan"] == "S.Pd."
    assert (2, "") in import_failing(db, data, admin)


def test_wrong_header_reports_each_column_on_line_1(db, admin):
    rows, errors = read_people_file(read("wrong_header.csv"))
    assert rows == [] and where(errors) == [(1, "user"), (1, "telp"), (1, "username")]
    assert import_failing(db, read("wrong_header.csv"), admin) == [(1, "user"), (1, "telp"), (1, "username")]


def test_unknown_optional_header_still_checks_rows_but_writes_nothing(db, admin):
    data = b"username,nama_lengkap,kode_desa,kode_desa,hp\nmade.satu,Made Satu,51.03.02.2001,,0812\n" \
           b"made.dua,,51.03.02.2001,,\n"
    assert import_failing(db, data, admin) == [(1, "kode_desa"), (1, "hp"), (2, ""), (3, "nama_lengkap")]


@pytest.mark.parametrize("data,words", [
    (read("not_a_spreadsheet.bin"), "bukan CSV atau XLSX"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200), ".xls"),
    (b"PK\x03\x04" + bytes(100), "XLSX tidak bisa dibaca"),
    (b"", "kosong"),
    (b"\n\n  \n", "kosong"),
])
def test_unreadable_files_are_one_error_on_line_1(db, admin, data, words):
    rows, errors = read_people_file(data)
    assert rows == [] and where(errors) == [(1, "")] and words in errors[0].message
    assert import_failing(db, data, admin) == [(1, "")]


# ---------------------------------------------------------------------------- every row's checks
def test_duplicates_in_the_file_and_in_the_database(db, admin):
    make_user(username="pegawai.lama")
    result = import_people(read("duplicates.csv"), by=admin, dry_run=False)
    assert where(result.errors) == [(4, "username"), (5, "username")]
    assert "baris 2" in result.errors[0].message and "gede.putra" in result.errors[0].message
    assert "pegawai.lama" in result.errors[1].message
    assert result.created == [] and by_username(db, "kadek.sari") is None


def test_unknown_codes_and_jabatan_that_does_not_fit_the_desa(db, admin):
    assert import_failing(db, read("unknown_codes.csv"), admin) == [
        (2, "kode_desa"), (3, "jabatan"), (4, "jabatan"), (5, "jabatan"), (7, "kode_desa")]
    result = import_people(read("unknown_codes.csv"), by=admin, dry_run=True)
    messages = {(e.line, e.field): e.message for e in result.errors}
    assert "Lurah" in messages[(4, "jabatan")] and "Munggu" in messages[(4, "jabatan")]
    assert "51.03.02.2001" in messages[(7, "kode_desa")]  # the hint shows the expected shape


def test_bad_values_each_reported_with_line_and_column(db, admin):
    result = import_people(read("bad_values.csv"), by=admin, dry_run=False)
    assert result.rows == 3 and result.created == []
    assert where(result.errors) == [(2, "telepon"), (2, "email"), (2, "peran"), (2, "jenis"),
                                    (4, "username"), (4, "telepon"), (4, "email"),
                                    (5, "nama_lengkap"), (5, "kode_desa")]


def test_long_fields_are_refused_at_the_limit_plus_one(db, admin):
    assert import_failing(db, read("long_fields.csv"), admin) == [
        (2, "username"), (2, "nama_lengkap"), (2, "telepon"), (2, "email")]


def test_fields_exactly_at_the_limit_are_accepted(db, admin):
    data = read("long_fields.csv").splitlines()
    result = import_people(b"\n".join([data[0], data[2]]), by=admin, dry_run=False)
    assert result.errors == []
    [(user, _pw)] = result.created
    assert len(user.username) == 40 and len(user.full_name) == 120 and len(user.email) == 254


def test_formula_like_names_are_refused(db, admin):
    result = import_people(read("formula.csv"), by=admin, dry_run=False)
    assert where(result.errors) == [(2, "nama_lengkap"), (3, "nama_lengkap"), (4, "nama_lengkap"),
                                    (5, "nama_lengkap"), (6, "nama_lengkap"), (7, "email")]
    assert "rumus" in result.errors[0].message
    assert db.session.scalar(sa.select(User).where(User.full_name.contains("HYPERLINK"))) is None


def test_desa_scope_refuses_other_villages(db, admin):
    operator = make_user("operator", desa_kode="51.03.02.2001")
    assert import_failing(db, read("good.csv"), operator, desa_scope="51.03.02.2001") == [
        (4, "kode_desa"), (5, "kode_desa")]
    good = csv_bytes("made.satu,Made Satu,SEKDES,51.03.02.2001,,,,")
    assert import_people(good, by=operator, dry_run=False, desa_scope="51.03.02.2001").errors == []


def test_allowed_roles_refuses_other_roles(db, admin):
    operator = make_user("operator", desa_kode="51.03.02.2001")
    assert import_failing(db, read("good.csv"), operator, allowed_roles={"learner"}) == [(3, "peran")]
    admins = csv_bytes("made.satu,Made Satu,,51.03.02.2001,,,admin,", "made.dua,Made Dua,,51.03.02.2001,,,,")
    assert import_failing(db, admins, operator, allowed_roles={"learner"}) == [(2, "peran")]


def test_too_many_rows(db, admin):
    rows = [f"orang{n},Orang {n},,51.03.02.2001,,,," for n in range(MAX_ROWS + 1)]
    result = import_people(csv_bytes(*rows), by=admin, dry_run=True)
    assert where(result.errors) == [(MAX_ROWS + 2, "")] and result.rows == MAX_ROWS
    assert import_people(csv_bytes(*rows[:MAX_ROWS]), by=admin, dry_run=True).errors == []


def test_a_conflict_appearing_while_writing_names_the_line_and_the_rollback_undoes_all(db, admin, monkeypatch):
    real_create_user, calls = importer.create_user, []

    def someone_was_faster(**values):
        calls.append(values["username"])
        if len(calls) == 3:
            raise Conflict("Nama pengguna sudah dipakai.", code="username_taken")
        return real_create_user(**values)

    monkeypatch.setattr(importer, "create_user", someone_was_faster)
    before = user_count(db)
    with pytest.raises(Conflict) as raised:
        import_people(read("good.csv"), by=admin, dry_run=False)
    assert raised.value.code == "username_taken"
    assert "Baris 4" in raised.value.message and "username" in raised.value.message
    db.session.rollback()  # what the error handler does
    assert user_count(db) == before and by_username(db, "made.sudarsana") is None


# ---------------------------------------------------------------------------- XLSX
def test_xlsx_numeric_phones_sheet_rows_and_formulas(db, admin):
    data = xlsx_bytes([
        ["USERNAME", "Nama Lengkap", "jabatan", "kode_desa", "telepon", "email", "peran", "jenis"],
        ["made.satu", "Made Satu", "SEKDES", "51.03.02.2001", 81234567890.0, None, "learner", "perangkat"],
        [None, None, None, None, None, None, None, None],
        ["made.dua", "Made Dua", None, 5103022001, 6281234567891, None, None, None],
        ["made.tiga", '=HYPERLINK("http://penipu.example/","Klik")', None, "51.03.02.2001", None, None, None, None],
    ], excel_numbers={"81234567890": "8.123456789E+10"})
    assert b"8.123456789E+10" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    rows, errors = read_people_file(data)
    assert errors == [] and [row["_line"] for row in rows] == [2, 4, 5]
    assert rows[0]["telepon"] == "81234567890" and rows[1]["kode_desa"] == "5103022001"
    result = import_people(data, by=admin, dry_run=False)
    assert where(result.errors) == [(5, "nama_lengkap")] and result.created == []
    fixed = xlsx_bytes([list(COLUMNS), ["made.satu", "Made Satu", "SEKDES", "51.03.02.2001", 81234567890.0],
                        ["made.dua", "Made Dua", None, 5103022001, 6281234567891]],
                       excel_numbers={"81234567890": "8.123456789E+10", "6281234567891": "6.281234567891E+12"})
    assert import_people(fixed, by=admin, dry_run=False).errors == []
    assert by_username(db, "made.satu").phone == "+6281234567890"
    assert (by_username(db, "made.dua").phone, by_username(db, "made.dua").desa_kode) == ("+6281234567891",
                                                                                          "51.03.02.2001")


def test_xlsx_reads_only_the_first_sheet(db, admin):
    book = openpyxl.Workbook()
    book.active.append(list(COLUMNS))
    book.active.append(["made.satu", "Made Satu", None, "51.03.02.2001"])
    book.create_sheet("Lain").append(["apa", "saja"])
    out = io.BytesIO()
    book.save(out)
    result = import_people(out.getvalue(), by=admin, dry_run=True)
    assert (result.rows, result.errors) == (1, [])


# ---------------------------------------------------------------------------- hand-out files
def test_credentials_csv_lists_people_and_neutralises_formulas(db, admin):
    risky = make_user(full_name='=HYPERLINK("http://penipu.example/","Klik")', username="made.risiko")
    others = [User(username=f"budi{n}", full_name=name, desa_kode=None)  # not through create_user, which trims
              for n, name in enumerate(("+62 Budi", "-Budi", "@Budi", "\tBudi", "  =1+1"))]
    text = credentials_csv([(risky, "abcd-efgh-jkmn"), *[(user, "pqrs-tuvw-xyz2") for user in others]])
    assert text.startswith("\ufeff") and "\r\n" in text
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["username", "nama_lengkap", "kode_desa", "kata_sandi_awal"]
    assert rows[1] == ["made.risiko", "'=HYPERLINK(\"http://penipu.example/\",\"Klik\")", "51.03.02.2001",
                       "abcd-efgh-jkmn"]
    assert [row[1] for row in rows[2:]] == ["'+62 Budi", "'-Budi", "'@Budi", "'\tBudi", "'  =1+1"]
    assert rows[2][2] == "" and rows[2][3] == "pqrs-tuvw-xyz2"


def test_credentials_csv_of_a_real_import_lets_each_person_log_in(db, admin):
    result = import_people(read("good.csv"), by=admin, dry_run=False)
    rows = list(csv.DictReader(io.StringIO(credentials_csv(result.created).lstrip("\ufeff"))))
    assert [row["username"] for row in rows] == ["made.sudarsana", "wayan.sukerta", "ayu.lestari", "komang.adi"]
    for row in rows:
        assert by_username(db, row["username"]).check_password(row["kata_sandi_awal"])


def test_csv_template_round_trips(db, admin):
    text = template_csv()
    assert text.splitlines()[0] == HEADER and len(text.splitlines()) == 3
    assert import_people(text.encode(), by=admin, dry_run=True).errors == []
    result = import_people(text.encode(), by=admin, dry_run=False)
    assert result.errors == [] and len(result.created) == 2


def test_xlsx_template_round_trips_and_explains_every_column(db, admin):
    data = template_xlsx()
    result = import_people(data, by=admin, dry_run=False)
    assert (result.rows, result.errors, len(result.created)) == (2, [], 2)

    book = openpyxl.load_workbook(io.BytesIO(data))
    people, help_sheet = book.worksheets[0], book["Petunjuk"]
    assert [cell.value for cell in people[1]] == list(COLUMNS)
    assert all(cell.font.bold for cell in people[1]) and people.freeze_panes == "A2"
    assert all(people.column_dimensions[letter].width >= 12 for letter in "ABCDEFGH")
    assert people["E2"].number_format == "@"  # telepon stays text: Excel keeps the leading 0
    explained = {row[0] for row in help_sheet.iter_rows(min_row=2, values_only=True)}
    assert set(COLUMNS) <= explained
    assert "51.03.02.2001" in {row[0] for row in book["Kode Desa"].iter_rows(values_only=True)}
    assert "SEKDES" in {row[0] for row in book["Jabatan"].iter_rows(values_only=True)}


# ---------------------------------------------------------------------------- query counts
def _rows(n: int) -> bytes:
    desa = ["51.03.02.2001", "51.03.02.2002", "51.03.01.1001", "51.03.02.2009"]
    jabatan = ["STAF", "Staf/Pelaksana (termasuk operator sistem)", "staf", ""]
    return csv_bytes(*(f"orang{i},Orang {i},{jabatan[i % 4]},{desa[i % 4]},0812{i:08d},o{i}@example.com,,"
                       for i in range(n)))


def test_checking_does_not_query_per_row(db, admin, count_queries):
    make_user(username="orang3")
    admin_id = admin.id  # load it before counting
    counts = {}
    for n in (5, 200):
        db.session.flush()  # the previous run's audit event, so that it is not flushed inside the count
        with count_queries() as counter:
            result = import_people(_rows(n), by=admin, dry_run=True)
        assert where(result.errors) == [(5, "username")] and result.rows == n and admin_id
        counts[n] = counter.count
    assert counts[5] == counts[200] <= 3
