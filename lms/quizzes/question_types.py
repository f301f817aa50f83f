"""Question types: each parses a learner's response and grades it, as pure functions.

Adding a type means adding a class here and registering it; views and services only ever
talk to ``QUESTION_TYPES[question.type]``.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask_babel import gettext as _

from lms.errors import Invalid


@dataclass(frozen=True)
class Key:
    """What grading needs to know about a question (never sent to a learner before submit)."""

    choice_ids: frozenset[int]          # every choice of the question
    correct_ids: frozenset[int]         # the correct ones
    accepted: tuple[str, ...] = ()      # short_text: accepted answers


class ChoiceType:
    """Pick choices; full points only for exactly the correct set."""

    name = "single"
    multiple = False

    def parse(self, payload, key: Key) -> dict:
        """Turn a request body into the stored response, or raise Invalid (422)."""
        if not isinstance(payload, dict) or set(payload) - {"choice_ids"} or "choice_ids" not in payload:
            raise Invalid(_("Kirim {\"choice_ids\": [...]} untuk soal pilihan."), field="choice_ids")
        ids = payload["choice_ids"]
        if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise Invalid(_("choice_ids harus berupa daftar bilangan bulat."), field="choice_ids")
        if len(set(ids)) != len(ids):
            raise Invalid(_("Pilihan yang sama dikirim lebih dari sekali."), field="choice_ids")
        if not set(ids) <= key.choice_ids:
            raise Invalid(_("Pilihan tidak ada di soal ini."), field="choice_ids")
        if not self.multiple and len(ids) > 1:
            raise Invalid(_("Soal ini hanya boleh satu pilihan."), field="choice_ids")
        return {"choice_ids": sorted(ids)}

    def is_correct(self, response: dict | None, key: Key) -> bool:
        chosen = frozenset((response or {}).get("choice_ids") or ())
        return bool(chosen) and chosen == key.correct_ids

    def is_empty(self, response: dict | None) -> bool:
        return not (response or {}).get("choice_ids")


class SingleType(ChoiceType):
    name = "single"


class TrueFalseType(ChoiceType):
    name = "true_false"


class MultipleType(ChoiceType):
    name = "multiple"
    multiple = True


def normalise_text(text: str) -> str:
    """Casefold, drop diacritics, trim and collapse spaces: ``"  Kata  Sandí "`` → ``"kata sandi"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", stripped).strip().casefold()


class ShortTextType:
    name = "short_text"

    def parse(self, payload, key: Key) -> dict:
        if not isinstance(payload, dict) or set(payload) - {"text"} or not isinstance(payload.get("text"), str):
            raise Invalid(_("Kirim {\"text\": \"...\"} untuk soal isian."), field="text")
        if len(payload["text"]) > 500:
            raise Invalid(_("Jawaban terlalu panjang (maksimal 500 karakter)."), field="text")
        return {"text": payload["text"]}

    def is_correct(self, response: dict | None, key: Key) -> bool:
        given = normalise_text((response or {}).get("text") or "")
        return bool(given) and given in {normalise_text(a) for a in key.accepted}

    def is_empty(self, response: dict | None) -> bool:
        return not normalise_text((response or {}).get("text") or "")


QUESTION_TYPES = {t.name: t for t in (SingleType(), MultipleType(), TrueFalseType(), ShortTextType())}


def grade(question_type: str, response: dict | None, key: Key, points: float) -> tuple[bool, float]:
    """Return (correct, points awarded) for one response: all or nothing."""
    correct = QUESTION_TYPES[question_type].is_correct(response, key)
    return correct, (points if correct else 0.0)
