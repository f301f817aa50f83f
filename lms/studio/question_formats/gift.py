"""Read Moodle's GIFT format into question specs: the parts Cakap Desa's question types can hold.

Follows Moodle's own reader (qformat_gift): blank lines separate questions, lines are trimmed,
``//`` lines are comments, the first ``{`` and ``}`` bound the answers, ``####`` starts the
general feedback. Matching, numeric, essay and description items are reported, not guessed at.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from flask_babel import gettext as _

from lms.studio.question_formats.base import (ParseError, ParseResult, add_question, choice, choice_question,
                                              parse_number, short_text_question, text_format_errors,
                                              true_false_choices)

BLANK = "_____"  # stands for the missing word when text follows the answers
FORMAT_TAG_RE = re.compile(r"^\[(?:moodle|html|plain|markdown)\]")
# Escaped characters are swapped for private-use placeholders while the structure is read.
_PLACEHOLDERS = {char: chr(0xE000 + i) for i, char in enumerate("\\~=#{}:n")}
_ESCAPE_RE = re.compile(r"\\([\\~=#{}:n])")
_UNESCAPE = str.maketrans({ph: ("\n" if char == "n" else char) for char, ph in _PLACEHOLDERS.items()})
_POINTS_RE = re.compile(r"^//\s*(?:points|poin)\s*:\s*(.*?)\s*$", re.IGNORECASE)
_WEIGHT_RE = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}


class _Rejected(Exception):
    """A question this importer cannot take; the message says why."""


def parse_gift(text: str) -> ParseResult:
    """Read every question in a GIFT document, and every problem, with its line number."""
    result = ParseResult()
    for block in _blocks(text):
        question, errors = _read_block(block)
        if question is not None or errors:
            add_question(result, question, errors)
    return result


def _blocks(text: str) -> Iterator[list[tuple[int, str]]]:
    """Yield each blank-line-separated block as (line number, trimmed line) pairs."""
    block: list[tuple[int, str]] = []
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text.removeprefix("\ufeff")), 1):
        if line.strip():
            block.append((number, line.strip()))
        elif block:
            yield block
            block = []
    if block:
        yield block


def _read_block(block: list[tuple[int, str]]) -> tuple[dict | None, list[ParseError]]:
    """Turn one block into a question, or into the errors that stop it; (None, []) for comments only."""
    comments, body = _split_block(block)
    points, errors = _points(comments)
    if not body:
        return None, []
    line = body[0][0]
    try:
        question = _question("\n".join(text for _number, text in body), points)
    except _Rejected as rejected:
        return None, errors + [ParseError(line, str(rejected))]
    return question, errors + text_format_errors(question, line)


def _split_block(block: list[tuple[int, str]]) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Return (comment lines above the question, question lines); ``$CATEGORY:`` lines are dropped."""
    comments, body = [], []
    for number, line in block:
        if line.startswith("//"):
            if not body:
                comments.append((number, line))
        elif not line.startswith("$CATEGORY:"):
            body.append((number, line))
    return comments, body


def _points(comments: list[tuple[int, str]]) -> tuple[float, list[ParseError]]:
    """Read ``// points: 2`` (or ``// poin: 2``) from the comments above a question; default 1."""
    points, errors = 1.0, []
    for number, line in comments:
        match = _POINTS_RE.match(line)
        if match and parse_number(match.group(1)) is None:
            errors.append(ParseError(number, _("Poin harus berupa angka, misalnya // points: 2")))
        elif match:
            points = parse_number(match.group(1))
    return points, errors


def _question(source: str, points: float) -> dict:
    """Build the question spec of one block's text, or raise _Rejected."""
    text = _strip_title(_ESCAPE_RE.sub(lambda m: _PLACEHOLDERS[m.group(1)], source))
    stem, answer = _split_answers(text)
    answer, explanation = _split_general_feedback(answer)
    build = _BUILDERS[_kind(answer)]
    return build(_clean(stem), answer, points=points, explanation=_clean(explanation))


def _strip_title(text: str) -> str:
    """Drop an optional ``::title::`` (Cakap Desa questions have no title)."""
    if not text.startswith("::"):
        return text
    end = text.find("::", 2)
    return text[2:] if end < 0 else text[end + 2:].strip()


def _split_answers(text: str) -> tuple[str, str]:
    """Return (question text, answer block); text after the block makes a missing-word question."""
    opens, closes = text.count("{"), text.count("}")
    if opens == closes == 0:
        raise _Rejected(_("Tidak ada bagian jawaban {…}. Butir yang hanya berisi teks (deskripsi) tidak didukung."))
    if opens != 1 or closes != 1 or text.index("}") < text.index("{"):
        raise _Rejected(_("Kurung kurawal { } tidak seimbang atau lebih dari satu bagian jawaban. "
                          "Tulis \\{ atau \\} untuk kurung kurawal di dalam teks."))
    start, end = text.index("{"), text.index("}")
    before, answer, after = text[:start], text[start + 1:end], text[end + 1:]
    return (before + BLANK + after if after.strip() else before), answer


def _split_general_feedback(answer: str) -> tuple[str, str]:
    """Split ``answers ####general feedback`` at the last ``####``."""
    cut = answer.rfind("####")
    return (answer.strip(), "") if cut < 0 else (answer[:cut].strip(), answer[cut + 4:])


def _kind(answer: str) -> str:
    """Decide the question type the way Moodle does, rejecting the types Cakap Desa lacks."""
    if not answer:
        raise _Rejected(_("Soal esai ({}) tidak didukung."))
    if answer.startswith("#"):
        raise _Rejected(_("Soal numerik ({#…}) tidak didukung."))
    if "~" in answer:
        return "choice"
    if "=" in answer and "->" in answer:
        raise _Rejected(_("Soal menjodohkan (->) tidak didukung."))
    return "true_false" if answer.partition("#")[0].strip() in _TRUE_FALSE else "short_text"


def _clean(text: str) -> str:
    """Trim, drop a leading format tag such as ``[markdown]`` and restore escaped characters."""
    return FORMAT_TAG_RE.sub("", text.strip(), count=1).translate(_UNESCAPE).strip()


def _marked(answer: str, markers: str) -> list[tuple[str, str]]:
    """Split an answer block into (marker, rest) pairs, e.g. ``=a ~b`` → ``[("=", "a "), ("~", "b")]``."""
    parts = re.split(f"(?=[{re.escape(markers)}])", answer)
    if parts[0].strip():
        raise _Rejected(_("Ada teks sebelum jawaban pertama: awali setiap jawaban dengan = atau ~."))
    return [(part[0], part[1:]) for part in parts[1:]]


def _choice_question(stem: str, answer: str, **common) -> dict:
    """``{=right ~wrong}`` is single; without ``=``, ``{~%50%a ~%50%b ~%-100%c}`` is multiple."""
    marked = _marked(answer, "~=")
    single = any(marker == "=" for marker, _rest in marked)
    choices = [_choice(marker, rest, single) for marker, rest in marked]
    if not any(c["correct"] for c in choices):
        raise _Rejected(_("Tidak ada jawaban benar: tandai dengan = (satu jawaban benar) "
                          "atau beri bobot positif seperti ~%50% (beberapa jawaban benar)."))
    return choice_question("single" if single else "multiple", stem, choices, **common)


def _choice(marker: str, rest: str, single: bool) -> dict:
    """One choice; as in Moodle, ``=`` is 100% and a ``~`` answer may carry a ``%weight%``."""
    weight, rest = 100.0 if marker == "=" else 0.0, rest.strip()
    match = _WEIGHT_RE.match(rest) if marker == "~" else None
    if match:
        weight, rest = float(match.group(1)), rest[match.end():]
    text, _sep, feedback = rest.partition("#")
    # No partial credit here: in a single-answer question only a full-mark answer is right.
    return choice(_clean(text), weight >= 100 if single else weight > 0, _clean(feedback))


def _true_false_question(stem: str, answer: str, **common) -> dict:
    """``{T#shown if wrong#shown if right}``: each feedback goes on the choice that shows it."""
    value, _sep, feedbacks = answer.partition("#")
    wrong, _sep, right = (_clean(part) for part in feedbacks.partition("#"))
    is_true = _TRUE_FALSE[value.strip()]
    feedback = (right, wrong) if is_true else (wrong, right)
    return choice_question("true_false", stem, true_false_choices(is_true, *feedback), **common)


def _short_text_question(stem: str, answer: str, **common) -> dict:
    """``{=a =b}``: every answer with a positive (or no) weight is accepted; feedback is dropped."""
    accepted = [_accepted(rest) for _marker, rest in _marked(answer, "=")]
    return short_text_question(stem, [a for a in accepted if a is not None], **common)


def _accepted(rest: str) -> str | None:
    """The text of one short answer; None when its weight gives no credit."""
    rest = rest.strip()
    match = _WEIGHT_RE.match(rest)
    if match and float(match.group(1)) <= 0:
        return None
    text = rest[match.end():] if match else rest
    return _clean(text.partition("#")[0])


_BUILDERS = {"choice": _choice_question, "true_false": _true_false_question, "short_text": _short_text_question}
