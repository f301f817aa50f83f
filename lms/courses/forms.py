"""Forms of the courses blueprint."""
from flask_wtf import FlaskForm


class ActionForm(FlaskForm):
    """A button that changes state (enrol, mark complete): nothing but the CSRF token."""
