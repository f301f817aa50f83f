"""Read the Aiken format: a question, lettered options (``A.`` or ``A)``), then ``ANSWER: A``."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask_babel import gettext as _

from lms.studio.question_formats.base import (ParseError, ParseResult, add_question, choice, choice_question,
                                              text_format_errors)

_OPTION_RE = re.compile(r"^([A-Z])[.)]\s+(\S.*)$")
_ANSWER_RE = re.compile(r"^ANSWER\s*:\s*(.*)$", re.IGNORECASE)


@dataclass
class _Draft:
    """The lines of one question as read so far."""

    line: int
    text: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)    # letter → text, in order
    answer: tuple[int, str] | None = None                    # (line, letter as written)
    errors: list[ParseError] = field(default_factory=list)


def parse_aiken(text: str) -> ParseResult:
    """Read every Aiken question (all single choice) and every problem, with its line number."""
    result = ParseResult()
    for block in _blocks(text):
        add_question(result, *_read(block))
    return result


def _read(block: list[tuple[int, str]]) -> tuple[dict | None, list[ParseError]]:
    """Turn one block into a question, or into the errors that stop it."""
    draft = _Draft(block[0][0])
    for number, line in block:
        _take(draft, number, line)
    question = _finish(draft)
    return question, draft.errors + (text_format_errors(question, draft.line) if question else [])


def _blocks(text: str) -> Iterator[list[tuple[int, str]]]:
    """Yield the (line number, trimmed line) pairs of each question; a blank or ANSWER line ends one."""
    block: list[tuple[int, str]] = []
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text.removeprefix("\ufeff")), 1):
        if line.strip():
            block.append((number, line.strip()))
        if block and (not line.strip() or _ANSWER_RE.match(line.strip())):
            yield block
            block = []
    if block:
        yield block


def _take(draft: _Draft, number: int, line: str) -> None:
    """Place one line: the ANSWER, an option, more question text, or an error."""
    answer, option = _ANSWER_RE.match(line), _OPTION_RE.match(line)
    if answer:
        draft.answer = (number, answer.group(1).strip())
    elif option and option.group(1) in draft.options:
        draft.errors.append(ParseError(number, _("Huruf pilihan %(letter)s dipakai dua kali.", letter=option.group(1))))
    elif option:
        draft.options[option.group(1)] = option.group(2).strip()
    elif draft.options:
        draft.errors.append(ParseError(number, _(
            "Baris ini tidak dikenali: sesudah pilihan jawaban hanya boleh pilihan berikutnya (misalnya C. …) "
            "atau baris ANSWER: (huruf jawaban benar).")))
    else:
        draft.text.append(line)


def _finish(draft: _Draft) -> dict | None:
    """Build the single-choice question, or add the errors that stop it and return None."""
    if not draft.text:
        draft.errors.append(ParseError(draft.line, _("Soal harus diawali teks pertanyaan, sebelum pilihan A. B. …")))
    if len(draft.options) < 2:
        draft.errors.append(ParseError(draft.line, _("Soal butuh minimal dua pilihan jawaban (A. … dan B. …).")))
    if draft.answer is None:
        draft.errors.append(ParseError(draft.line, _("Baris ANSWER: tidak ada; tulis misalnya ANSWER: A "
                                                       "sesudah pilihan terakhir.")))
    elif draft.answer[1].upper() not in draft.options:
        draft.errors.append(ParseError(draft.answer[0], _(
            "Jawaban %(answer)s bukan salah satu pilihan (%(letters)s).", answer=draft.answer[1] or "(kosong)",
            letters=", ".join(draft.options) or "-")))
    if draft.errors:
        return None
    correct = draft.answer[1].upper()
    choices = [choice(text, letter == correct) for letter, text in draft.options.items()]
    return choice_question("single", "\n".join(draft.text), choices)
