"""Signals that let one feature react to another without importing it.

``courses`` sends ``lesson_completed`` and ``quizzes`` sends ``attempt_graded``;
``lms.completion`` listens to both and records a course completion when its rule is met.
``auth`` sends ``user_saved`` when an account is created or its place changes; the cohort
rules in ``courses`` listen and enrol the person in matching courses.
"""
from blinker import Namespace

_signals = Namespace()

lesson_completed = _signals.signal("lesson-completed")  # sender: user_id; course_id=
attempt_graded = _signals.signal("attempt-graded")  # sender: user_id; course_id=
user_saved = _signals.signal("user-saved")  # sender: user
