"""Password rules, checked on the server for everyone (issue: "Password rules for everyone").

- at least ``PASSWORD_MIN_LENGTH`` characters (default 12, after BSSN Regulation 4/2021 for
  government web applications) and at most 256, counted in Unicode characters, not bytes;
- not the username or the person's name, nor built around them;
- not in ``data/common_passwords.txt`` (see ``data/SOURCES.md``), also after lowercasing and
  after stripping whitespace and the digits/punctuation people add at either end;
- not one repeated character, a short repeated pattern, or a straight sequence.

``password_problems()`` returns the problems as plain Bahasa Indonesia sentences (an empty list
means the password is acceptable); ``password_rules_text()`` gives the rules to show next to a
password field before the user types. No composition rules (digits, capitals, symbols): long
passphrases are easier to remember and harder to guess.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from importlib import resources

from flask import current_app, has_app_context
from flask_babel import gettext as _

DEFAULT_MIN_LENGTH = 12
MAX_LENGTH = 256
NAME_WORD_MIN = 4  # words of the name shorter than this are not looked for ("I", "Luh", "Gde")
NAME_REST_MIN = 6  # fewer other letters than this next to the name: "built around" the name

_EDGE_JUNK_END = re.compile(r"[\W\d_]+$")  # trailing digits, punctuation, symbols, whitespace
_EDGE_JUNK_START = re.compile(r"^[\W\d_]+")
_SEPARATORS = re.compile(r"[\s._\-]+")
_LEET = str.maketrans({"4": "a", "@": "a", "3": "e", "1": "i", "!": "i", "0": "o", "5": "s", "$": "s", "7": "t"})


@functools.cache
def load_common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (lowercase), read once per process."""
    text = resources.files("lms.auth").joinpath("data", "common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def _min_length(min_length: int | None) -> int:
    if min_length is not None:
        return min_length
    if has_app_context():
        return int(current_app.config.get("PASSWORD_MIN_LENGTH", DEFAULT_MIN_LENGTH))
    return DEFAULT_MIN_LENGTH


def _letters(text: str) -> str:
    """Lowercase letters only: spaces, dots, dashes, digits and other signs dropped."""
    return "".join(ch for ch in unicodedata.normalize("NFC", text).casefold() if ch.isalpha())


def _name_parts(*names: str | None) -> list[str]:
    """Whole names (letters only) and their words of 4+ letters, longest first."""
    parts: set[str] = set()
    for name in names:
        if not name:
            continue
        parts.add(_letters(name))
        parts.update(_letters(word) for word in re.split(r"[^\w]|[\d_]", name))
    return sorted((p for p in parts if len(p) >= NAME_WORD_MIN), key=lambda p: (-len(p), p))


def _built_around_name(password: str, username: str | None, full_name: str | None) -> bool:
    letters = _letters(password)
    if not letters:
        return False
    if any(name and letters == _letters(name) for name in (username, full_name)):
        return True
    parts = _name_parts(username, full_name)
    if not parts:
        return False
    rest = re.sub("|".join(map(re.escape, parts)), "", letters)
    name_letters = len(letters) - len(rest)
    return name_letters > 0 and (len(rest) < NAME_REST_MIN or len(rest) < name_letters)


def _common_candidates(password: str) -> set[str]:
    """The password as people vary a common one: case, edges, separators, simple leetspeak."""
    text = unicodedata.normalize("NFC", password).lower().strip()
    cores = {text, _EDGE_JUNK_END.sub("", text)}
    cores.add(_EDGE_JUNK_START.sub("", _EDGE_JUNK_END.sub("", text)))
    candidates = set()
    for core in cores:
        for variant in (core, _SEPARATORS.sub("", core)):
            candidates.update({variant, variant.translate(_LEET)})
    candidates.discard("")
    return candidates


def _is_common(password: str) -> bool:
    return not load_common_passwords().isdisjoint(_common_candidates(password))


def _is_repetitive(password: str) -> bool:
    """One character repeated, a pattern of 2-4 characters repeated, or a straight sequence.

    Looked for in the password as typed and without spaces, dots, dashes and underscores.
    """
    text = unicodedata.normalize("NFC", password).lower()
    return _is_repetitive_text(text) or _is_repetitive_text(_SEPARATORS.sub("", text))


def _is_repetitive_text(text: str) -> bool:
    if len(text) < 2:
        return False
    for size in range(1, 5):
        if len(text) >= 2 * size and text == (text[:size] * (len(text) // size + 1))[:len(text)]:
            return True
    steps = {ord(b) - ord(a) for a, b in zip(text, text[1:])}
    if text.isascii() and text.isdigit():  # 7890 1234: digits wrap around
        steps = {step % 10 for step in steps}
        return steps in ({1}, {9})
    if text.isascii() and text.isalpha():  # xyzabc
        steps = {step % 26 for step in steps}
        return steps in ({1}, {25})
    return steps in ({1}, {-1})


def password_problems(password: str, *, username: str | None = None, full_name: str | None = None,
                      min_length: int | None = None) -> list[str]:
    """What is wrong with ``password``, as sentences for the user; ``[]`` when it is acceptable.

    ``min_length`` defaults to ``PASSWORD_MIN_LENGTH`` of the current app, or 12 outside one.
    """
    minimum = _min_length(min_length)
    count = len(unicodedata.normalize("NFC", password))
    problems = []
    if count < minimum:
        problems.append(_("Kata sandi terlalu pendek: minimal %(min)d karakter, sekarang %(count)d karakter.",
                          min=minimum, count=count))
    if count > MAX_LENGTH:
        problems.append(_("Kata sandi terlalu panjang: maksimal %(max)d karakter.", max=MAX_LENGTH))
    if not password:
        return problems
    if _built_around_name(password, username, full_name):
        problems.append(_("Kata sandi terlalu mirip dengan nama pengguna atau nama Anda."))
    if _is_repetitive(password):
        problems.append(_("Kata sandi tidak boleh berupa huruf atau angka yang berulang atau berurutan, "
                          "seperti aaaa atau 1234."))
    elif _is_common(password):
        problems.append(_("Kata sandi ini terlalu umum dan mudah ditebak. "
                          "Pakai gabungan beberapa kata yang tidak umum."))
    return problems


def password_rules_text(min_length: int | None = None) -> list[str]:
    """The rules as short sentences to show next to a password field, before the user types."""
    minimum = _min_length(min_length)
    return [
        _("Minimal %(min)d karakter. Kalimat sandi dari beberapa kata lebih mudah diingat, "
          "misalnya: kopi-pagi-di-banjar.", min=minimum),
        _("Jangan memakai nama pengguna atau nama Anda."),
        _("Jangan memakai kata sandi yang umum seperti 'password123' atau 'sayangku'."),
        _("Jangan memakai huruf atau angka yang berulang atau berurutan, seperti 'aaaa' atau '1234'."),
    ]
