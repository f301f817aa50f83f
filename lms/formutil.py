"""Small helpers shared by the forms of several features."""
from __future__ import annotations

from wtforms import SelectChoice


def options(pairs) -> list[SelectChoice]:
    """``[(value, label), ...]`` → WTForms choices (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]
