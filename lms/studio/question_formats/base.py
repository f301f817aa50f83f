"""What every question format shares: the result types, question builders and the final check."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from jsonschema import Draft202012Validator

from lms.courses.manifest import load_schema
from lms.quizzes.manifest import question_problems

TRUE_FALSE_TEXTS = ("Benar", "Salah")
_NUMBER_RE = re.compile(r"^\d+(?:[.,]\d+)?$")
_schema = load_schema()
_question_validator = Draft202012Validator({"$defs": _schema["$defs"], "$ref": "#/$defs/question"})


@dataclass(frozen=True)
class ParseError:
    """One problem in an imported file, in words a trainer can act on."""

    line: int                  # 1-based line (row for spreadsheets, header = row 1)
    message: str
    column: str | None = None  # spreadsheets: the column header


@dataclass
class ParseResult:
    """Every question a parser understood and every problem it found."""

    questions: list[dict] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when there is at least one question and no error."""
        return not self.errors and bool(self.questions)


def choice(text: str, correct: bool, feedback: str = "") -> dict:
    """Build one choice in the manifest's shape."""
    return {"text": text, "correct": correct, "feedback": feedback}


def choice_question(kind: str, text: str, choices: list[dict], *, points: float = 1.0,
                    explanation: str = "") -> dict:
    """Build a single, multiple or true_false question spec."""
    return {"type": kind, "text": text, "points": points, "explanation": explanation, "choices": choices}


def short_text_question(text: str, answers: list[str], *, points: float = 1.0, explanation: str = "") -> dict:
    """Build a short_text question spec."""
    return {"type": "short_text", "text": text, "points": points, "explanation": explanation, "answers": answers}


def true_false_choices(correct_is_true: bool, true_feedback: str = "", false_feedback: str = "") -> list[dict]:
    """The fixed Benar/Salah choices, in that order."""
    return [choice(TRUE_FALSE_TEXTS[0], correct_is_true, true_feedback),
            choice(TRUE_FALSE_TEXTS[1], not correct_is_true, false_feedback)]


def parse_number(text: str) -> float | None:
    """``"2"``, ``"1.5"`` or ``"1,5"`` as a float; None for anything else (signs included)."""
    text = text.strip()
    return float(text.replace(",", ".")) if _NUMBER_RE.match(text) else None


def format_number(value: float) -> str:
    """``2.0`` → ``"2"``, ``1.5`` → ``"1.5"``: short, and read back as the same float."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def question_issues(question: dict) -> list[tuple[tuple, str]]:
    """Return (field path, message) for every rule the manifest would reject ``question`` for."""
    issues = [(tuple(error.absolute_path), _schema_message(error))
              for error in _question_validator.iter_errors(question)]
    for problem in question_problems("q", question):
        issues.append((tuple(problem["field"].split(".")[1:]), problem["message"]))
    return list(dict.fromkeys(issues))  # an empty text breaks both minLength and pattern


def _schema_message(error) -> str:
    """An Indonesian message for the JSON Schema rules a parsed question can break."""
    if error.validator in ("minLength", "pattern"):
        return _("tidak boleh kosong")
    if error.validator == "maxLength":
        return _("terlalu panjang (maksimal %(n)d karakter)", n=error.validator_value)
    if error.validator == "maxItems":
        return _("terlalu banyak (maksimal %(n)d)", n=error.validator_value)
    if error.validator in ("minimum", "maximum"):
        return _("di luar batas yang diizinkan")
    return _("format tidak valid")


def field_label(path: tuple) -> str:
    """``("choices", 2, "text")`` → ``"Pilihan 3"``: the field named as a trainer would."""
    if path[:1] == ("choices",) and len(path) > 1:
        number = path[1] + 1
        return _("Umpan balik pilihan %(n)d", n=number) if path[2:] == ("feedback",) else _("Pilihan %(n)d", n=number)
    if path[:1] == ("answers",) and len(path) > 1:
        return _("Jawaban %(n)d", n=path[1] + 1)
    labels = {"text": _("Teks soal"), "explanation": _("Penjelasan"), "points": _("Poin"),
              "choices": _("Pilihan jawaban"), "answers": _("Jawaban yang diterima")}
    return labels.get(path[0] if path else "", _("Soal"))


def text_format_errors(question: dict, line: int) -> list[ParseError]:
    """The manifest's objections to ``question`` as errors at ``line`` (for line-based formats)."""
    return [ParseError(line, f"{field_label(path)}: {message}") for path, message in question_issues(question)]


def add_question(result: ParseResult, question: dict, errors: list[ParseError]) -> None:
    """Keep ``question`` only when nothing is wrong with it; keep every error either way."""
    if errors:
        result.errors.extend(errors)
    else:
        result.questions.append(question)
