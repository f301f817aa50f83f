"""Grading is a pure function of (question, response), per type: right, wrong, partial, empty."""
import pytest

from lms.errors import Invalid
from lms.quizzes.question_types import QUESTION_TYPES, Key, grade, normalise_text

CHOICES = frozenset({1, 2, 3, 4})


@pytest.mark.parametrize("qtype,correct,response,expected", [
    ("single", {2}, {"choice_ids": [2]}, True),
    ("single", {2}, {"choice_ids": [3]}, False),
    ("single", {2}, {"choice_ids": []}, False),
    ("single", {2}, None, False),
    ("true_false", {1}, {"choice_ids": [1]}, True),
    ("true_false", {1}, {"choice_ids": [2]}, False),
    ("true_false", {1}, {"choice_ids": []}, False),
    ("multiple", {1, 2}, {"choice_ids": [1, 2]}, True),
    ("multiple", {1, 2}, {"choice_ids": [2, 1]}, True),
    ("multiple", {1, 2}, {"choice_ids": [1]}, False),          # partial: nothing
    ("multiple", {1, 2}, {"choice_ids": [1, 2, 3]}, False),    # one too many: nothing
    ("multiple", {1, 2}, {"choice_ids": [3, 4]}, False),
    ("multiple", {1, 2}, {"choice_ids": []}, False),
    ("multiple", {1, 2}, None, False),
])
def test_choice_types(qtype, correct, response, expected):
    key = Key(CHOICES, frozenset(correct))
    assert grade(qtype, response, key, 2.0) == (expected, 2.0 if expected else 0.0)


@pytest.mark.parametrize("given,expected", [
    ("72 jam", True), ("  72   JAM ", True), ("3 x 24 jam", True), ("3x24 jam", False),
    ("72 jám", True), ("72", False), ("", False), ("   ", False),
])
def test_short_text_ignores_case_spaces_and_diacritics(given, expected):
    key = Key(frozenset(), frozenset(), ("72 jam", "3 x 24 Jam"))
    assert grade("short_text", {"text": given}, key, 1.0)[0] is expected


def test_short_text_empty_response():
    key = Key(frozenset(), frozenset(), ("ya",))
    assert grade("short_text", None, key, 1.0) == (False, 0.0)


def test_normalise_text():
    assert normalise_text("  Kata  Sandí\tKUAT ") == "kata sandi kuat"
    assert normalise_text("Ñusa Dua") == "nusa dua"


@pytest.mark.parametrize("qtype,payload", [
    ("single", {"choice_ids": [9]}),           # not in the question
    ("single", {"choice_ids": [1, 2]}),        # two for a single-choice question
    ("single", {"choice_ids": "1"}),
    ("single", {"choice_ids": [True]}),
    ("single", {"text": "x"}),
    ("single", [1]),
    ("multiple", {"choice_ids": [1, 1]}),
    ("multiple", {"choice_ids": [1], "extra": 1}),
    ("short_text", {"choice_ids": [1]}),
    ("short_text", {"text": 5}),
    ("short_text", {"text": "x" * 501}),
])
def test_parse_rejects_bad_payloads(qtype, payload):
    key = Key(CHOICES, frozenset({1}), ("a",))
    with pytest.raises(Invalid):
        QUESTION_TYPES[qtype].parse(payload, key)


def test_parse_accepts_good_payloads():
    key = Key(CHOICES, frozenset({1}), ("a",))
    assert QUESTION_TYPES["multiple"].parse({"choice_ids": [3, 1]}, key) == {"choice_ids": [1, 3]}
    assert QUESTION_TYPES["single"].parse({"choice_ids": []}, key) == {"choice_ids": []}
    assert QUESTION_TYPES["short_text"].parse({"text": " jawab "}, key) == {"text": " jawab "}
