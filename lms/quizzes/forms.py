"""Forms of the quizzes blueprint."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectMultipleField, SubmitField
from wtforms.validators import DataRequired, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget


class GrantForm(FlaskForm):
    """A trainer gives learners who used up their attempts some more."""

    user_ids = SelectMultipleField(_l("Peserta"), coerce=int, widget=ListWidget(prefix_label=False),
                                   option_widget=CheckboxInput(),
                                   validators=[DataRequired(_l("Pilih minimal satu peserta."))])
    extra_attempts = IntegerField(_l("Tambahan kesempatan"), default=1,
                                  validators=[DataRequired(_l("Isi jumlah tambahan.")),
                                              NumberRange(1, 10, _l("Antara 1 dan 10."))])
    submit = SubmitField(_l("Beri tambahan kesempatan"))
