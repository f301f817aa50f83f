"""Bulk import of village staff from a CSV or XLSX file: check every row, then create all or nothing.

The file is read and checked completely first (a fixed handful of queries, whatever its length),
and every problem is reported with its line and column. Only a file without a single problem
is written, and only when the caller asks for more than a dry run; the caller commits.
"""
from __future__ import annotations

import csv
import io
import re
import secrets
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

import openpyxl
import sqlalchemy as sa
from flask_babel import gettext as _
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from lms import audit
from lms.auth.models import KINDS, ROLES, User
from lms.auth.services import EMAIL_RE, USERNAME_RE, create_user, normalise_username
from lms.errors import LMSError
from lms.extensions import db
from lms.regions.models import Desa, Jabatan
from lms.regions.services import list_desa, list_jabatan

COLUMNS = ("username", "nama_lengkap", "jabatan", "kode_desa", "telepon", "email", "peran", "jenis")
REQUIRED_COLUMNS = ("username", "nama_lengkap", "kode_desa")
MAX_LENGTHS = {"username": 40, "nama_lengkap": 120, "email": 254, "telepon": 20}
MAX_ROWS = 2000
DEFAULT_ROLE, DEFAULT_KIND = "learner", "perangkat"
CREDENTIAL_COLUMNS = ("username", "nama_lengkap", "kode_desa", "kata_sandi_awal")
# Cells a spreadsheet would run as a formula (=HYPERLINK(...), +cmd, -2+3, @SUM(...)).
FORMULA_PREFIXES = ("=", "+", "-", "@")
FORMULA_CHECKED = ("nama_lengkap", "email")
# Read aloud and typed on a phone: no l/1 or o/0 to confuse. 32 symbols x 12 = 60 bits.
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
PASSWORD_GROUPS, PASSWORD_GROUP_SIZE = 3, 4
_XLSX_MAGIC = b"PK\x03\x04"
_OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls (and .doc): the OLE2 container
_OTHER_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")
_SHEET_MAX_ROW, _SHEET_MAX_COL = 20 * MAX_ROWS, 4 * len(COLUMNS)  # a sheet claiming a million rows stays cheap
_DESA_CODE_RE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")
_PHONE_CHARS_RE = re.compile(r"^\+?[0-9 .()/-]+$")
_CREATE_USER_FIELDS = {"username": "username", "full_name": "nama_lengkap", "jabatan": "jabatan",
                       "desa_kode": "kode_desa", "phone": "telepon", "email": "email", "role": "peran",
                       "kind": "jenis"}


@dataclass(frozen=True)
class RowError:
    line: int       # file line / sheet row (header = 1)
    field: str      # the column header, e.g. "kode_desa"; "" for the row or file as a whole
    message: str


@dataclass
class ImportResult:
    rows: int                                                         # data rows read (empty lines not counted)
    errors: list[RowError] = field(default_factory=list)
    created: list[tuple[User, str]] = field(default_factory=list)    # (user, initial password)


class _Unreadable(Exception):
    """The file cannot be read at all; args are (line, message)."""


# ---------------------------------------------------------------------------- phone numbers
def normalise_phone(raw: str) -> str | None:
    """Write an Indonesian phone number as ``+62…``; None when it is not one.

    Accepts ``0812-3456-7890``, ``62812…``, ``+62 812 3456 7890``, ``+62 (0)812…``, ``0062…``
    and ``812…`` (a mobile number whose leading 0 a spreadsheet dropped), and landlines such
    as ``(0361) 234567``. The national part after 62 must be 8–13 digits and not start with 0 or 1.
    """
    if not isinstance(raw, str) or not _PHONE_CHARS_RE.match(raw.strip()):
        return None
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("00"):
        digits = digits[2:]  # 0062…: the international call prefix
    if digits.startswith("62"):
        national = digits[2:]
        national = national[1:] if national.startswith("0") else national  # +62 (0)812…
    elif digits.startswith("0"):
        national = digits[1:]
    elif digits.startswith("8"):
        national = digits  # a mobile number without its leading 0
    else:
        return None
    if not 8 <= len(national) <= 13 or national[0] in "01":
        return None
    return "+62" + national


# ---------------------------------------------------------------------------- reading files
def read_people_file(data: bytes) -> tuple[list[dict], list[RowError]]:
    """Read an XLSX (recognised by its content) or CSV file into one dict per filled row.

    Each dict holds every column of :data:`COLUMNS` (``""`` when absent) and ``"_line"``, the
    row's line in the file or sheet. At most :data:`MAX_ROWS` rows are returned.
    """
    try:
        rows = _xlsx_rows(data) if data.startswith(_XLSX_MAGIC) else _csv_rows(data)
    except _Unreadable as unreadable:
        return [], [RowError(unreadable.args[0], "", unreadable.args[1])]
    if not rows:
        return [], [RowError(1, "", _("Berkas kosong: baris pertama harus berisi judul kolom."))]
    (header_line, header), data_rows = rows[0], rows[1:]
    names, errors = _header(header_line, header)
    if any(column not in names for column in REQUIRED_COLUMNS):
        return [], errors  # without these columns every row would only repeat the same error
    if len(data_rows) > MAX_ROWS:
        errors.append(RowError(data_rows[MAX_ROWS][0], "", _(
            "Paling banyak %(n)d baris per berkas; bagi data menjadi beberapa berkas.", n=MAX_ROWS)))
    people = [_row_dict(line, names, cells, errors) for line, cells in data_rows[:MAX_ROWS]]
    return people, errors


def _filled(rows: Iterable[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
    """Keep rows that hold something: the header, MAX_ROWS rows and one more to notice too many."""
    return list(islice(((number, cells) for number, cells in rows if any(cells)), MAX_ROWS + 2))


def _decode(data: bytes) -> str:
    """The text of a CSV file: UTF-16 with BOM, UTF-8 with or without BOM, else cp1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise _Unreadable(1, _("Berkas tidak bisa dibaca sebagai teks.")) from error
    if data.startswith(_OLD_EXCEL_MAGIC):
        raise _Unreadable(1, _("Format Excel lama (.xls) tidak didukung. Simpan sebagai .xlsx atau .csv lalu "
                               "coba lagi."))
    if data.startswith(_OTHER_BINARY_MAGIC) or b"\x00" in data[:4096]:
        raise _Unreadable(1, _("Berkas ini bukan CSV atau XLSX. Gunakan templat yang disediakan."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _csv_rows(data: bytes) -> list[tuple[int, list[str]]]:
    """Split a CSV into rows, the delimiter (``,``, ``;`` or tab) taken from the header line."""
    text = _decode(data)
    header = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=header.count)  # ties keep the comma
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
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


def _xlsx_rows(data: bytes) -> list[tuple[int, list[str]]]:
    """The first sheet's rows as text, numbered as the spreadsheet numbers them.

    Formulas are read as written (``=HYPERLINK(…)``), not as their cached result, so that
    they are refused rather than silently turned into something else.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # openpyxl's notes on styles or extensions it skips
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as error:  # a damaged file fails in zipfile, XML or openpyxl code alike
        raise _Unreadable(1, _("Berkas XLSX tidak bisa dibaca. Simpan ulang dari Excel lalu coba lagi.")) from error
    try:
        if not book.worksheets:
            return []
        sheet_rows = book.worksheets[0].iter_rows(min_row=1, max_row=_SHEET_MAX_ROW, max_col=_SHEET_MAX_COL,
                                                  values_only=True)
        return _filled((number, [_cell_text(v) for v in row]) for number, row in enumerate(sheet_rows, 1))
    finally:
        book.close()


def _cell_text(value) -> str:
    """A cell as the text that was typed: the number 81234567890.0 becomes ``"81234567890"``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if not isinstance(value, (str, int, float)):
        value = getattr(value, "text", value)  # an array formula keeps its text in .text
    return _tidy(str(value))


def _tidy(text: str) -> str:
    """Trim a cell and fold every run of whitespace (line breaks, tabs, no-break spaces) into one space."""
    return " ".join(text.split())


def _header_name(cell: str) -> str:
    """``" Nama Lengkap "`` → ``"nama_lengkap"``."""
    return re.sub(r"[\s-]+", "_", cell.strip().lower())


def _header(line: int, cells: list[str]) -> tuple[list[str], list[RowError]]:
    """Column names by position (``""`` for a column to ignore) and the header's errors."""
    names: list[str] = []
    errors = []
    for cell in cells:
        name = _header_name(cell)
        if name and name not in COLUMNS:
            errors.append(RowError(line, cell, _("Kolom tidak dikenal. Kolom yang dipakai: %(cols)s.",
                                                 cols=", ".join(COLUMNS))))
            name = ""
        elif name and name in names:
            errors.append(RowError(line, name, _("Kolom ini muncul dua kali.")))
            name = ""
        names.append(name)
    errors += [RowError(line, column, _("Kolom wajib tidak ada."))
               for column in REQUIRED_COLUMNS if column not in names]
    return names, errors


def _row_dict(line: int, names: list[str], cells: list[str], errors: list[RowError]) -> dict:
    """One row as ``{column: text, "_line": line}``; a value outside the known columns is an error."""
    row = dict.fromkeys(COLUMNS, "")
    row["_line"] = line
    for position, value in enumerate(cells):
        name = names[position] if position < len(names) else ""
        if name:
            row[name] = value
        elif value:
            errors.append(RowError(line, "", _(
                "Ada isi di kolom ke-%(n)d yang tidak berjudul atau tidak dikenal. Jika sebuah isian memuat koma "
                "atau titik koma, apit dengan tanda kutip.", n=position + 1)))
    return row


# ---------------------------------------------------------------------------- checking rows
@dataclass
class _Reference:
    """What the rows are checked against, fetched with one query per table."""

    taken: set[str]
    desa: dict[str, Desa]
    jabatan_by_code: dict[str, Jabatan]
    jabatan_by_name: dict[str, Jabatan]

    @classmethod
    def load(cls, rows: list[dict]) -> _Reference:
        usernames = {name for name in (normalise_username(r["username"]) for r in rows) if USERNAME_RE.match(name)}
        codes = {_desa_code(r["kode_desa"]) for r in rows if r["kode_desa"]}
        taken, desa = set(), {}
        if usernames:
            taken = set(db.session.scalars(sa.select(User.username).where(User.username.in_(sorted(usernames)))))
        if codes:
            desa = {d.kode: d for d in db.session.scalars(sa.select(Desa).where(Desa.kode.in_(sorted(codes))))}
        jabatan = list(db.session.scalars(sa.select(Jabatan)))
        return cls(taken, desa, {j.kode: j for j in jabatan}, {_name_key(j.nama): j for j in jabatan})

    def find_jabatan(self, value: str) -> Jabatan | None:
        """A jabatan by its code (``SEKDES``, ``sekdes``) or its full name, case-insensitively."""
        return self.jabatan_by_code.get(re.sub(r"\s+", "_", value.upper())) or \
            self.jabatan_by_name.get(_name_key(value))


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _desa_code(value: str) -> str:
    """``5103022001`` (a spreadsheet's number) → ``51.03.02.2001``; anything else as it is."""
    if re.fullmatch(r"\d{10}", value):
        return f"{value[:2]}.{value[2:4]}.{value[4:6]}.{value[6:]}"
    return value


class _Row:
    """One data row being checked: its cells, and the errors it collects."""

    def __init__(self, row: dict, errors: list[RowError]):
        self.line, self.cells, self.errors, self.ok = row["_line"], row, errors, True

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.line, column, message))
        self.ok = False

    def text(self, column: str) -> str | None:
        """The cell, or None after reporting it missing, too long or formula-like (or when it is empty)."""
        value = self.cells.get(column, "")
        if not value:
            if column in REQUIRED_COLUMNS:
                self.error(column, _("Wajib diisi."))
            return None
        if column in MAX_LENGTHS and len(value) > MAX_LENGTHS[column]:
            self.error(column, _("Terlalu panjang: %(len)d karakter, paling banyak %(n)d.",
                                 len=len(value), n=MAX_LENGTHS[column]))
            return None
        if column in FORMULA_CHECKED and value.startswith(FORMULA_PREFIXES):
            self.error(column, _("Tidak boleh diawali tanda =, +, - atau @ karena spreadsheet membacanya sebagai "
                                 "rumus. Hapus tanda itu di awal isian."))
            return None
        return value


def _check_rows(rows: list[dict], errors: list[RowError], *, desa_scope: str | None,
                allowed_roles: set[str] | None) -> list[tuple[int, dict]]:
    """Check every row, adding to ``errors``; return (line, create_user arguments) of the good rows."""
    reference = _Reference.load(rows)
    first_line: dict[str, int] = {}
    people = []
    for cells in rows:
        row = _Row(cells, errors)
        values = {"username": _username(row, reference, first_line), "full_name": _full_name(row)}
        desa = _desa(row, reference, desa_scope)
        values.update(desa_kode=desa.kode if desa else None, jabatan=_jabatan(row, reference, desa),
                      phone=_phone(row), email=_email(row), role=_role(row, allowed_roles), kind=_kind(row))
        if row.ok:
            people.append((row.line, values))
    return people


def _username(row: _Row, reference: _Reference, first_line: dict[str, int]) -> str | None:
    value = row.text("username")
    if value is None:
        return None
    username = normalise_username(value)
    if not USERNAME_RE.match(username):
        row.error("username", _("Nama pengguna 3-40 karakter, diawali huruf atau angka: huruf kecil, angka, titik, "
                                "garis bawah atau tanda hubung, tanpa spasi."))
        return None
    if username in first_line:
        row.error("username", _("Nama pengguna %(name)s sudah dipakai di baris %(line)d berkas ini.",
                                name=username, line=first_line[username]))
        return None
    first_line[username] = row.line
    if username in reference.taken:
        row.error("username", _("Nama pengguna %(name)s sudah dipakai akun lain.", name=username))
        return None
    return username


def _full_name(row: _Row) -> str | None:
    value = row.text("nama_lengkap")
    if value is not None and any(ord(char) < 32 or ord(char) == 127 for char in value):
        row.error("nama_lengkap", _("Berisi karakter kendali yang tidak terlihat; ketik ulang nama ini."))
        return None
    return value


def _desa(row: _Row, reference: _Reference, desa_scope: str | None) -> Desa | None:
    value = row.text("kode_desa")
    if value is None:
        return None
    code = _desa_code(value)
    if desa_scope is not None and code != desa_scope:
        row.error("kode_desa", _("Anda hanya boleh mendaftarkan orang di desa/kelurahan %(code)s.", code=desa_scope))
        return None
    desa = reference.desa.get(code)
    if desa is None:
        hint = "" if _DESA_CODE_RE.match(code) else " " + _("Tulis kode Kemendagri, misalnya 51.03.02.2001.")
        row.error("kode_desa", _("Kode desa/kelurahan %(code)s tidak dikenal.", code=code) + hint)
    return desa


def _jabatan(row: _Row, reference: _Reference, desa: Desa | None) -> str | None:
    value = row.text("jabatan")
    if value is None:
        return None
    jabatan = reference.find_jabatan(value)
    if jabatan is None:
        row.error("jabatan", _("Jabatan %(value)s tidak dikenal. Tulis kodenya (misalnya SEKDES) atau nama "
                               "lengkapnya (misalnya Sekretaris Desa).", value=value))
        return None
    if desa is not None and jabatan.berlaku_untuk not in (desa.jenis, "keduanya"):
        row.error("jabatan", _("Jabatan %(jabatan)s hanya ada di %(fits)s, sedangkan %(desa)s adalah %(jenis)s.",
                               jabatan=jabatan.nama, fits=jabatan.berlaku_untuk, desa=desa.nama, jenis=desa.jenis))
        return None
    return jabatan.kode


def _phone(row: _Row) -> str | None:
    value = row.text("telepon")
    if value is None:
        return None
    phone = normalise_phone(value)
    if phone is None:
        row.error("telepon", _("Nomor telepon %(value)s tidak valid. Tulis nomor HP atau telepon Indonesia, "
                               "misalnya 0812-3456-7890 atau +62 812 3456 7890.", value=value))
    return phone


def _email(row: _Row) -> str | None:
    value = row.text("email")
    if value is not None and not EMAIL_RE.match(value):
        row.error("email", _("Alamat email %(value)s tidak valid.", value=value))
        return None
    return value


def _role(row: _Row, allowed_roles: set[str] | None) -> str | None:
    role = (row.text("peran") or DEFAULT_ROLE).lower()
    if role not in ROLES:
        row.error("peran", _("Peran %(value)s tidak dikenal. Pilih salah satu: %(roles)s.",
                             value=role, roles=", ".join(ROLES)))
        return None
    if allowed_roles is not None and role not in allowed_roles:
        row.error("peran", _("Anda tidak boleh membuat akun dengan peran %(value)s. Peran yang boleh: %(roles)s.",
                             value=role, roles=", ".join(r for r in ROLES if r in allowed_roles) or "-"))
        return None
    return role


def _kind(row: _Row) -> str | None:
    kind = (row.text("jenis") or DEFAULT_KIND).lower()
    if kind not in KINDS:
        row.error("jenis", _("Jenis %(value)s tidak dikenal. Pilih perangkat atau warga.", value=kind))
        return None
    return kind


# ---------------------------------------------------------------------------- importing
def initial_password() -> str:
    """A random first password such as ``k7qx-m2pa-9htr``: 14 characters, easy to dictate and type."""
    return "-".join("".join(secrets.choice(PASSWORD_ALPHABET) for _i in range(PASSWORD_GROUP_SIZE))
                    for _g in range(PASSWORD_GROUPS))


def import_people(data: bytes, *, by: User, dry_run: bool, desa_scope: str | None = None,
                  allowed_roles: set[str] | None = None) -> ImportResult:
    """Check a people file and, when it has no error and this is not a dry run, create every account.

    ``desa_scope`` limits every row to one desa (an operator importing for their village);
    ``allowed_roles`` limits ``peran`` (an operator may only create learners). Users are added
    and flushed in the caller's transaction, never committed; one audit event is recorded.
    Raises Conflict or Invalid (naming the line) only for a conflict that appears between the
    check and the write; the caller must then roll back.
    """
    rows, errors = read_people_file(data)
    people = _check_rows(rows, errors, desa_scope=desa_scope, allowed_roles=allowed_roles) if rows else []
    result = ImportResult(rows=len(rows), errors=sorted(errors, key=lambda e: e.line))
    if not result.errors and not dry_run:
        result.created = _create_people(people)
    audit.record(by.id, "user.import", target=None, details={"created": len(result.created), "dry_run": dry_run})
    return result


def _create_people(people: list[tuple[int, dict]]) -> list[tuple[User, str]]:
    """Create every checked person through ``create_user`` (which checks again and enrols cohorts).

    A problem found only now (someone took a username since the check) is raised with its line,
    and the caller's rollback undoes the rows already added: there is no savepoint, because on
    SQLite (pysqlite) releasing one that opened the transaction commits it.
    """
    created = []
    for line, values in people:
        password = initial_password()
        try:
            user = create_user(password=password, **values)
        except LMSError as error:
            column = _CREATE_USER_FIELDS.get(error.field or "", "username")
            message = error.message.removeprefix(f"{error.field}: ")
            raise type(error)(_("Baris %(line)d, kolom %(column)s: %(message)s", line=line, column=column,
                                message=message), code=error.code) from error
        user.must_change_password = True
        created.append((user, password))
    db.session.flush()
    return created


# ---------------------------------------------------------------------------- files to hand out
def credentials_csv(created: list[tuple[User, str]]) -> str:
    """The initial passwords to hand out, as CSV (BOM, CRLF); every cell safe to open in a spreadsheet."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CREDENTIAL_COLUMNS)
    for user, password in created:
        writer.writerow([_neutralise(value or "") for value in (user.username, user.full_name, user.desa_kode,
                                                                 password)])
    return out.getvalue()


def _neutralise(value: str) -> str:
    """Prefix text a spreadsheet would run as a formula with an apostrophe (as lms.reports.exports does)."""
    if value.startswith(("\t", "\r")) or value.lstrip().startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def example_rows() -> list[dict]:
    """Two example people: a Sekretaris Desa in Munggu, and a Kepala Lingkungan in Kelurahan Tuban."""
    return [
        {"username": "made.sudarsana", "nama_lengkap": "I Made Sudarsana", "jabatan": "SEKDES",
         "kode_desa": "51.03.02.2001", "telepon": "0812-3456-7890", "email": "made.sudarsana@example.com",
         "peran": "learner", "jenis": "perangkat"},
        {"username": "ayu.lestari", "nama_lengkap": "Ni Luh Ayu Lestari", "jabatan": "Kepala Lingkungan",
         "kode_desa": "51.03.01.1001", "telepon": "0813 1234 5678", "email": "", "peran": "", "jenis": ""},
    ]


def column_help() -> list[tuple[str, str, str]]:
    """(column, required?, what to write) for the instructions sheet."""
    wajib, pilihan = _("wajib"), _("boleh kosong")
    return [
        ("username", wajib, _("Nama untuk masuk, 3-40 karakter: huruf kecil, angka, titik, garis bawah atau tanda "
                              "hubung, tanpa spasi. Harus unik, misalnya made.sudarsana.")),
        ("nama_lengkap", wajib, _("Nama lengkap sesuai KTP, paling banyak 120 karakter. Tidak boleh diawali "
                                  "tanda =, +, - atau @.")),
        ("jabatan", pilihan, _("Kode jabatan (misalnya SEKDES) atau nama lengkapnya (misalnya Sekretaris Desa); "
                               "lihat lembar Jabatan. Jabatan desa hanya untuk desa, jabatan kelurahan hanya "
                               "untuk kelurahan.")),
        ("kode_desa", wajib, _("Kode Kemendagri desa/kelurahan, misalnya 51.03.02.2001; lihat lembar Kode Desa.")),
        ("telepon", pilihan, _("Nomor HP atau telepon Indonesia, misalnya 0812-3456-7890 atau +62 812 3456 7890. "
                               "Disimpan dalam bentuk +62…")),
        ("email", pilihan, _("Alamat email, paling banyak 254 karakter.")),
        ("peran", pilihan, _("learner (peserta; bila kosong), trainer (pelatih), reviewer (peninjau), operator "
                             "(operator desa) atau admin. Operator desa hanya boleh mendaftarkan learner.")),
        ("jenis", pilihan, _("perangkat (perangkat desa/kelurahan; bila kosong) atau warga.")),
    ]


def _notes() -> list[str]:
    return [
        _("Satu baris untuk satu orang, paling banyak %(n)d baris per berkas. Baris kosong dilewati.", n=MAX_ROWS),
        _("Jangan ubah judul kolom di baris pertama. Huruf besar atau kecil tidak berpengaruh."),
        _("Tidak ada yang disimpan selama masih ada satu kesalahan; perbaiki semua baris yang disebut lalu unggah "
          "lagi."),
        _("Kata sandi awal dibuat otomatis untuk setiap orang dan wajib diganti saat pertama kali masuk. "
          "Bagikan secara pribadi, jangan di grup."),
        _("Untuk CSV: pemisah koma atau titik koma sama-sama bisa dipakai."),
    ]


def template_csv() -> str:
    """A CSV template (``,`` delimiter): the header and two example rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in example_rows():
        writer.writerow([row[column] for column in COLUMNS])
    return out.getvalue()


_WIDTHS = {"username": 22, "nama_lengkap": 34, "jabatan": 26, "kode_desa": 16, "telepon": 20, "email": 32,
           "peran": 12, "jenis": 12}
_TEXT_COLUMNS = ("username", "kode_desa", "telepon")  # kept as text so Excel drops no leading 0


def template_xlsx() -> bytes:
    """An XLSX template: sheet "Pengguna" to fill in, "Petunjuk" explaining each column, and code lists."""
    book = openpyxl.Workbook()
    _fill_people_sheet(book.active)
    _fill_help_sheet(book.create_sheet(_("Petunjuk")))
    _fill_list_sheet(book.create_sheet(_("Kode Desa")), (_("kode_desa"), _("nama"), _("kecamatan"), _("jenis")),
                     [(d.kode, d.nama, d.kecamatan.nama, d.jenis) for d in list_desa()], (16, 28, 18, 12))
    _fill_list_sheet(book.create_sheet(_("Jabatan")), (_("kode"), _("nama"), _("berlaku_untuk")),
                     [(j.kode, j.nama, j.berlaku_untuk) for j in list_jabatan()], (30, 56, 16))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _bold_frozen_header(sheet, header: Iterable[str]) -> None:
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"


def _fill_people_sheet(sheet) -> None:
    """Bold frozen header, example rows, widths, text columns and drop-down lists for peran and jenis."""
    sheet.title = _("Pengguna")
    _bold_frozen_header(sheet, COLUMNS)
    for row in example_rows():
        sheet.append([row[column] for column in COLUMNS])
    for index, column in enumerate(COLUMNS, 1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = _WIDTHS[column]
        if column in _TEXT_COLUMNS:
            sheet.column_dimensions[letter].number_format = "@"
            for cell in sheet[letter][1:]:
                cell.number_format = "@"
    for column, values in (("peran", ROLES), ("jenis", KINDS)):
        letter = get_column_letter(COLUMNS.index(column) + 1)
        choices = DataValidation(type="list", formula1='"{}"'.format(",".join(values)), allow_blank=True)
        sheet.add_data_validation(choices)
        choices.add(f"{letter}2:{letter}{MAX_ROWS + 1}")


def _fill_help_sheet(sheet) -> None:
    """One row per column: name, whether it is required, and what to write in it; then general notes."""
    _bold_frozen_header(sheet, (_("Kolom"), _("Wajib?"), _("Isi")))
    for row in column_help():
        sheet.append(list(row))
    sheet.append([])
    for note in _notes():
        sheet.append([_("Catatan"), "", note])
    for letter, width in zip("ABC", (18, 16, 100)):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")


def _fill_list_sheet(sheet, header: tuple[str, ...], rows: list[tuple], widths: tuple[int, ...]) -> None:
    """A reference list (desa codes, jabatan codes) to copy from."""
    _bold_frozen_header(sheet, header)
    for row in rows:
        sheet.append(list(row))
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
