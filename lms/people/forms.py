"""Forms of the people blueprint."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, DateField, PasswordField, RadioField, SelectField, SelectMultipleField, StringField,
                     SubmitField)
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.validators import DataRequired, Length, Optional

from lms.formutil import options
from lms.i18n import LANGUAGES

KIND_CHOICES = options([("perangkat", _l("Perangkat desa")), ("warga", _l("Warga"))])
ROLE_CHOICES = options([("learner", _l("Peserta")), ("operator", _l("Operator desa")), ("trainer", _l("Pelatih")),
                        ("reviewer", _l("Peninjau Kominfo")), ("admin", _l("Admin"))])


class PersonForm(FlaskForm):
    username = StringField(_l("Nama pengguna"), validators=[DataRequired(_l("Isi nama pengguna.")), Length(max=40)],
                           render_kw={"autocapitalize": "none"})
    full_name = StringField(_l("Nama lengkap"), validators=[DataRequired(_l("Isi nama lengkap.")), Length(max=120)])
    kind = SelectField(_l("Jenis"), choices=KIND_CHOICES)
    role = SelectField(_l("Peran"), choices=ROLE_CHOICES)
    jabatan_kode = SelectField(_l("Jabatan"), coerce=str, validators=[Optional()])
    desa_kode = SelectField(_l("Desa/kelurahan"), coerce=str, validators=[Optional()])
    phone = StringField(_l("Nomor HP (opsional)"), validators=[Optional(), Length(max=20)],
                        render_kw={"inputmode": "tel", "autocomplete": "tel"})
    email = StringField(_l("Email (opsional)"), validators=[Optional(), Length(max=254)],
                        render_kw={"inputmode": "email"})
    submit = SubmitField(_l("Simpan"))


class ImportForm(FlaskForm):
    file = FileField(_l("Berkas CSV atau XLSX"))
    dry_run = SubmitField(_l("Periksa dulu (tidak menyimpan)"))
    submit = SubmitField(_l("Impor semua"))


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Kata sandi sekarang"), validators=[DataRequired(_l("Isi kata sandi sekarang."))],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("Kata sandi baru"), validators=[DataRequired(_l("Isi kata sandi baru.")),
                                                                     Length(max=256)],
                                 render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Ganti kata sandi"))


class ProfileForm(FlaskForm):
    full_name = StringField(_l("Nama lengkap"), validators=[DataRequired(_l("Isi nama lengkap.")), Length(max=120)])
    phone = StringField(_l("Nomor HP (opsional)"), validators=[Optional(), Length(max=20)],
                        render_kw={"inputmode": "tel", "autocomplete": "tel"})
    email = StringField(_l("Email (opsional)"), validators=[Optional(), Length(max=254)])
    # each language named in itself (lms/i18n.py); "" follows the browser
    locale = SelectField(_l("Bahasa tampilan"), choices=options([("", _l("Ikuti bahasa peramban")),
                                                                 *LANGUAGES.items()]), validators=[Optional()])
    submit = SubmitField(_l("Simpan"))


class RegisterForm(FlaskForm):
    full_name = StringField(_l("Nama lengkap"), validators=[DataRequired(_l("Isi nama lengkap.")), Length(max=120)],
                            render_kw={"autocomplete": "name"})
    username = StringField(_l("Nama pengguna"), validators=[DataRequired(_l("Pilih nama pengguna.")), Length(max=40)],
                           render_kw={"autocapitalize": "none", "autocomplete": "username"})
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(_l("Buat kata sandi.")), Length(max=256)],
                             render_kw={"autocomplete": "new-password"})
    desa_kode = SelectField(_l("Desa/kelurahan tempat tinggal"), coerce=str,
                            validators=[DataRequired(_l("Pilih desa/kelurahan Anda."))])
    phone = StringField(_l("Nomor HP (opsional, untuk pengingat belajar)"), validators=[Optional(), Length(max=20)],
                        render_kw={"inputmode": "tel", "autocomplete": "tel"})
    adult = RadioField(_l("Apakah Anda berusia 18 tahun atau lebih?"), choices=options(
        [("ya", _l("Ya, 18 tahun atau lebih")), ("tidak", _l("Belum, di bawah 18 tahun"))]),
        validators=[DataRequired(_l("Pilih salah satu."))])
    guardian_name = StringField(_l("Nama orang tua/wali (jika di bawah 18 tahun)"),
                                validators=[Optional(), Length(max=120)])
    guardian_consent = BooleanField(_l("Orang tua/wali saya sudah membaca pemberitahuan privasi dan menyetujui "
                                       "pendaftaran ini"))
    consent = BooleanField(_l("Saya sudah membaca pemberitahuan privasi dan menyetujui pengolahan data saya "
                              "untuk pelatihan ini"))
    submit = SubmitField(_l("Daftar"))


class ConsentForm(FlaskForm):
    consent = BooleanField(_l("Saya sudah membaca pemberitahuan privasi yang baru dan menyetujuinya"),
                           validators=[DataRequired(_l("Centang untuk melanjutkan."))])
    submit = SubmitField(_l("Setuju dan lanjutkan"))


class EnrolForm(FlaskForm):
    course_id = SelectField(_l("Kursus"), coerce=int, validators=[DataRequired(_l("Pilih kursus."))])
    user_ids = SelectMultipleField(_l("Peserta"), coerce=int, widget=ListWidget(prefix_label=False),
                                   option_widget=CheckboxInput(),
                                   validators=[DataRequired(_l("Pilih minimal satu orang."))])
    due_date = DateField(_l("Tenggat (opsional)"), validators=[Optional()])
    submit = SubmitField(_l("Daftarkan"))
