"""Forms of the trainer studio (one per use case)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, DateField, FieldList, FormField, IntegerField, RadioField, SelectField,
                     StringField, SubmitField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.formutil import options

PILLAR_CHOICES = options([("cakap", _l("Cakap Digital")), ("etika", _l("Etika Digital")),
                  ("budaya", _l("Budaya Digital")), ("aman", _l("Aman Digital"))])
LEVEL_CHOICES = options([("dasar", _l("Dasar")), ("menengah", _l("Menengah")), ("lanjut", _l("Lanjut"))])
TYPE_CHOICES = options([("single", _l("Pilihan tunggal")), ("multiple", _l("Pilihan ganda (pilih semua yang benar)")),
                ("true_false", _l("Benar/Salah")), ("short_text", _l("Isian singkat"))])
REVIEW_CHOICES = options([("after_submit", _l("Tampilkan jawaban benar dan penjelasan setelah setiap percobaan")),
                  ("after_pass", _l("Tampilkan pembahasan hanya setelah lulus")),
                  ("score_only", _l("Hanya tampilkan nilai"))])


class CourseForm(FlaskForm):
    title = StringField(_l("Judul kursus"), validators=[DataRequired(_l("Judul wajib diisi.")), Length(max=200)])
    summary = TextAreaField(_l("Ringkasan"), validators=[Optional(), Length(max=2000)])
    pillar = SelectField(_l("Pilar literasi digital"), choices=PILLAR_CHOICES)
    level = SelectField(_l("Tingkat"), choices=LEVEL_CHOICES)
    submit = SubmitField(_l("Simpan"))


class TitleForm(FlaskForm):
    title = StringField(_l("Judul"), validators=[DataRequired(_l("Judul wajib diisi.")), Length(max=200)])
    submit = SubmitField(_l("Simpan"))


class LessonForm(FlaskForm):
    title = StringField(_l("Judul pelajaran"), validators=[DataRequired(_l("Judul wajib diisi.")), Length(max=200)])
    body_markdown = TextAreaField(_l("Isi pelajaran (Markdown)"), validators=[Length(max=200000)],
                                  render_kw={"rows": 18})
    minutes = IntegerField(_l("Perkiraan waktu (menit)"), default=10,
                           validators=[InputRequired(_l("Isi perkiraan waktu.")),
                                       NumberRange(1, 600, _l("Antara 1 dan 600 menit."))])
    preview = SubmitField(_l("Pratinjau"))
    submit = SubmitField(_l("Simpan"))


def alt_text(value):
    """Alt text as it can sit inside ``![...]``: one line, no brackets or backslashes (they end it early)."""
    if not isinstance(value, str):
        return value
    return " ".join(value.translate({ord(c): " " for c in "[]\\"}).split())


class ImageForm(FlaskForm):
    image = FileField(_l("Gambar (PNG, JPEG atau WebP, maksimal 2 MB)"))
    # Required: the studio writes it into the Markdown it hands back, ![alt](/media/...), and the
    # sanitizer keeps it, so screen readers and the "Dengarkan" button can say what the image shows.
    alt = StringField(_l("Teks alternatif (apa yang terlihat di gambar, untuk pembaca layar)"), filters=[alt_text],
                      validators=[DataRequired(_l("Tulis teks alternatif gambar.")), Length(max=200)])
    submit = SubmitField(_l("Unggah"))


class QuizForm(FlaskForm):
    title = StringField(_l("Judul kuis"), validators=[DataRequired(_l("Judul wajib diisi.")), Length(max=200)])
    module_id = SelectField(_l("Letak kuis"), coerce=str)
    practice = BooleanField(_l("Kuis latihan (tidak dinilai, boleh diulang, umpan balik langsung)"))
    pass_percent = IntegerField(_l("Nilai lulus (%)"), default=70,
                                validators=[InputRequired(), NumberRange(0, 100, _l("Antara 0 dan 100."))])
    max_attempts = IntegerField(_l("Kesempatan maksimal (0 = tidak terbatas)"), default=0,
                                validators=[InputRequired(), NumberRange(0, 100)])
    retry_after_hours = IntegerField(_l("Setelah kesempatan habis, buka satu lagi setelah ... jam (kosong = tidak)"),
                                     validators=[Optional(), NumberRange(1, 8760)])
    time_limit_minutes = IntegerField(_l("Batas waktu (menit, kosong = tanpa batas)"),
                                      validators=[Optional(), NumberRange(1, 1440)])
    questions_per_attempt = IntegerField(_l("Ambil sekian soal acak per percobaan (kosong = semua)"),
                                         validators=[Optional(), NumberRange(1, 500)])
    shuffle_questions = BooleanField(_l("Acak urutan soal"))
    shuffle_choices = BooleanField(_l("Acak urutan pilihan"), default=True)
    one_question_per_page = BooleanField(_l("Satu soal per halaman"), default=True)
    review = SelectField(_l("Pembahasan"), choices=REVIEW_CHOICES)
    submit = SubmitField(_l("Simpan"))


class ChoiceForm(FlaskForm):
    class Meta:
        csrf = False  # a sub-form; the outer form carries the token

    text = StringField(_l("Pilihan"), validators=[Optional(), Length(max=2000)])
    correct = BooleanField(_l("Benar"))
    feedback = StringField(_l("Umpan balik jika dipilih"), validators=[Optional(), Length(max=2000)])


class QuestionForm(FlaskForm):
    type = SelectField(_l("Jenis soal"), choices=TYPE_CHOICES)
    text = TextAreaField(_l("Pertanyaan"), validators=[DataRequired(_l("Tulis pertanyaannya.")), Length(max=5000)])
    points = IntegerField(_l("Poin"), default=1, validators=[InputRequired(), NumberRange(0, 1000)])
    explanation = TextAreaField(_l("Penjelasan jawaban yang benar"), validators=[Optional(), Length(max=5000)])
    choices = FieldList(FormField(ChoiceForm), min_entries=6, max_entries=20)
    answers = TextAreaField(_l("Jawaban yang diterima (isian singkat; satu per baris)"),
                            validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Simpan soal"))


class ImportQuestionsForm(FlaskForm):
    format = RadioField(_l("Format"), default="gift", choices=options([
        ("gift", "GIFT (Moodle)"), ("aiken", "Aiken"), ("spreadsheet", _l("Spreadsheet (XLSX atau CSV)"))]))
    text = TextAreaField(_l("Tempel teks soal"), validators=[Optional(), Length(max=500000)], render_kw={"rows": 12})
    file = FileField(_l("... atau unggah berkas"))
    preview = SubmitField(_l("Pratinjau"))
    submit = SubmitField(_l("Impor semua soal"))


class CoauthorForm(FlaskForm):
    username = StringField(_l("Nama pengguna pelatih"), validators=[DataRequired(_l("Isi nama pengguna.")),
                                                                    Length(max=40)])
    submit = SubmitField(_l("Tambah penulis pendamping"))


class CohortForm(FlaskForm):
    kecamatan_kode = SelectField(_l("Kecamatan"), coerce=str, validators=[Optional()])
    desa_kode = SelectField(_l("Desa/kelurahan"), coerce=str, validators=[Optional()])
    jabatan_kode = SelectField(_l("Jabatan"), coerce=str, validators=[Optional()])
    kind = SelectField(_l("Jenis peserta"), coerce=str, validators=[Optional()],
                       choices=options([("", _l("Semua")), ("perangkat", _l("Perangkat desa")),
                                        ("warga", _l("Warga"))]))
    due_date = DateField(_l("Tenggat (opsional)"), validators=[Optional()])
    keep_active = BooleanField(_l("Daftarkan juga orang yang cocok di kemudian hari"), default=True)
    preview = SubmitField(_l("Hitung peserta"))
    submit = SubmitField(_l("Tugaskan kursus"))


class PackageImportForm(FlaskForm):
    package = FileField(_l("Paket kursus (.zip atau .json)"))
    as_new_draft = BooleanField(_l("Impor sebagai draf baru (jangan ganti kursus yang sudah ada)"), default=True)
    submit = SubmitField(_l("Impor"))
