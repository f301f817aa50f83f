"""Write question specs as GIFT that Moodle imports and that ``parse_gift`` reads back unchanged."""
from __future__ import annotations

from lms.studio.question_formats.base import format_number
from lms.studio.question_formats.gift import FORMAT_TAG_RE

_ESCAPES = str.maketrans({"\\": "\\\\", "~": "\\~", "=": "\\=", "#": "\\#", "{": "\\{", "}": "\\}",
                          ":": "\\:", "\n": "\\n"})


def export_gift(questions: list[dict]) -> str:
    """Return ``questions`` as a GIFT document, one blank line between questions."""
    return "".join(_question(q) + "\n\n" for q in questions).removesuffix("\n")


def _question(question: dict) -> str:
    """One question: optional ``// points: N``, the text, then the answer block on its own lines."""
    lines = []
    points = float(question.get("points", 1))
    if points != 1:
        lines.append(f"// points: {format_number(points)}")
    # [plain] says how Cakap Desa shows the text, and keeps a text from looking like a comment or title.
    lines.append(f"[plain]{_escape(question['text'])} {{")
    lines += _ANSWER_WRITERS[question["type"]](question)
    if question.get("explanation"):
        lines.append("####" + _text(question["explanation"]))
    lines.append("}")
    return "\n".join(lines)


def _escape(text: str) -> str:
    """Backslash GIFT's special characters; a line break becomes ``\\n``, as Moodle writes it."""
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_ESCAPES)


def _text(text: str) -> str:
    """Escape a text, shielding one that starts like a format tag (the reader would drop it)."""
    return ("[plain]" if FORMAT_TAG_RE.match(text) else "") + _escape(text)


def _with_feedback(item: dict) -> str:
    """``text#feedback``, or just the text when there is no feedback."""
    feedback = item.get("feedback", "")
    return _text(item["text"]) + (f"#{_text(feedback)}" if feedback else "")


def _single_lines(question: dict) -> list[str]:
    """``=right`` and ``~wrong``."""
    return [("=" if c.get("correct") else "~") + _with_feedback(c) for c in question["choices"]]


def _multiple_lines(question: dict) -> list[str]:
    """``~%50%right`` and ``~%-100%wrong``: no ``=`` anywhere, so Moodle allows several answers."""
    shares = iter(_shares(sum(1 for c in question["choices"] if c.get("correct"))))
    return [f"~%{next(shares) if c.get('correct') else '-100'}%{_with_feedback(c)}" for c in question["choices"]]


def _shares(count: int) -> list[str]:
    """Weights for ``count`` right answers that add up to 100 and are all on Moodle's list of grades."""
    if count <= 10:
        return [f"{100 / count:.5f}".rstrip("0").rstrip(".")] * count
    return ["10"] * (20 - count) + ["5"] * (2 * count - 20)  # 11–20 right answers: tens and fives


def _true_false_lines(question: dict) -> list[str]:
    """``TRUE#shown if wrong#shown if right``, the order Moodle reads the two feedbacks in."""
    choices = question["choices"]
    right = next(c for c in choices if c.get("correct"))
    wrong = next(c for c in choices if c is not right)
    line = "TRUE" if choices[0].get("correct") else "FALSE"
    if right.get("feedback"):
        line += f"#{_text(wrong.get('feedback', ''))}#{_text(right['feedback'])}"
    elif wrong.get("feedback"):
        line += f"#{_text(wrong['feedback'])}"
    return [line]


def _short_text_lines(question: dict) -> list[str]:
    """``=answer``, one accepted answer a line."""
    return ["=" + _text(answer) for answer in question["answers"]]


_ANSWER_WRITERS = {"single": _single_lines, "multiple": _multiple_lines, "true_false": _true_false_lines,
                   "short_text": _short_text_lines}
