"""Small helpers shared by the forms of several features."""
from __future__ import annotations

from flask import flash
from wtforms import SelectChoice

from lms.errors import LMSError


def options(pairs) -> list[SelectChoice]:
    """``[(value, label), ...]`` → WTForms choices (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]


def show_error(form, err: LMSError, aliases: dict[str, str] | None = None) -> None:
    """Show a service's error next to its form field, or as a flash message when no field matches.

    ``course.modules[0].title`` matches the field ``title``; ``aliases`` maps a service's field
    name to the form's (e.g. ``jabatan`` → ``jabatan_kode``).
    """
    field = (err.field or "").split(".")[-1].split("[")[0]
    field = (aliases or {}).get(field, field)
    if field and field in form:
        form[field].errors = list(form[field].errors) + [err.detail]
    else:
        flash(err.detail, "error")
