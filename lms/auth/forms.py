"""Forms of the auth blueprint."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    username = StringField(_l("Nama pengguna"), validators=[DataRequired(_l("Isi nama pengguna.")), Length(max=40)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(_l("Isi kata sandi.")), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})
    # A phone or computer that others use too (the village office's): the login ends when the
    # browser closes, and logging out clears what the browser stored for offline use.
    shared_device = BooleanField(_l("Perangkat bersama (jangan simpan login)"))
    submit = SubmitField(_l("Masuk"))


class LogoutForm(FlaskForm):
    submit = SubmitField(_l("Keluar"))


_CODE_KW = {"inputmode": "numeric", "autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}


class TotpLoginForm(FlaskForm):
    code = StringField(_l("Kode verifikasi"), validators=[DataRequired(_l("Isi kode dari aplikasi.")), Length(max=20)],
                       render_kw=_CODE_KW)
    submit = SubmitField(_l("Verifikasi"))


class TotpStartForm(FlaskForm):
    submit = SubmitField(_l("Mulai pengaturan"))


class TotpConfirmForm(FlaskForm):
    code = StringField(_l("Kode 6 angka dari aplikasi"), validators=[DataRequired(_l("Isi kode dari aplikasi.")),
                                                                     Length(max=20)], render_kw=_CODE_KW)
    submit = SubmitField(_l("Aktifkan"))


class TotpDisableForm(FlaskForm):
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(_l("Isi kata sandi.")), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})
    code = StringField(_l("Kode verifikasi atau kode pemulihan"),
                       validators=[DataRequired(_l("Isi kode dari aplikasi.")), Length(max=20)],
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"})
    submit = SubmitField(_l("Nonaktifkan"))
