"""Editorial rules for the shipped curriculum (issue: "tested like code").

Each function returns a list of problems (empty when the manifest keeps the rule), so the
tests can show both that the real courses pass and that a broken course fails.
"""
from __future__ import annotations

import re
from pathlib import Path

MIN_WORDS = 350
MODULE_QUIZ_MIN_QUESTIONS = 6
FINAL_QUIZ_MIN_QUESTIONS = 10
PILLARS = {"cakap", "etika", "budaya", "aman"}
LINK_RE = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def words(text: str) -> int:
    return len(re.findall(r"\w+", text))


def sections(body: str) -> dict[str, str]:
    """``## Heading`` → text under it (up to the next ``## ``)."""
    parts = re.split(r"^## +(.+?)\s*$", body, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def lesson_problems(path: str, lesson: dict) -> list[str]:
    body = lesson.get("body_markdown", "")
    found = sections(body)
    names = list(found)
    problems = []
    objectives = found.get("Tujuan pembelajaran")
    if objectives is None:
        problems.append(f"{path}: no '## Tujuan pembelajaran'")
    elif not 2 <= len(re.findall(r"^\s*[-*] ", objectives, re.M)) <= 4:
        problems.append(f"{path}: objectives must be 2-4 bullet points")
    if "Coba sekarang" not in found or words(found["Coba sekarang"]) < 30:
        problems.append(f"{path}: no practical task ('## Coba sekarang')")
    if "Ringkasan" not in found or words(found["Ringkasan"]) < 15:
        problems.append(f"{path}: no summary ('## Ringkasan')")
    teaching = [name for name in names if name not in ("Tujuan pembelajaran", "Coba sekarang", "Ringkasan")]
    count = sum(words(found[name]) + words(name) for name in teaching)
    if count < MIN_WORDS:
        problems.append(f"{path}: body has {count} words, needs {MIN_WORDS}")
    return problems


def quiz_problems(path: str, quiz: dict, *, final: bool) -> list[str]:
    problems = []
    questions = quiz.get("questions", [])
    minimum = FINAL_QUIZ_MIN_QUESTIONS if final else MODULE_QUIZ_MIN_QUESTIONS
    if len(questions) < minimum:
        problems.append(f"{path}: {len(questions)} questions, needs {minimum}")
    if not final and len({q.get("type") for q in questions}) < 2:
        problems.append(f"{path}: needs at least two question types")
    if final and quiz.get("pass_percent", 70) != 70:
        problems.append(f"{path}: the final quiz's pass mark must be 70%")
    for i, question in enumerate(questions):
        if not question.get("explanation", "").strip():
            problems.append(f"{path}.questions[{i}]: no explanation")
        if question.get("type") in ("single", "true_false"):
            correct = sum(1 for c in question.get("choices", []) if c.get("correct"))
            if correct != 1:
                problems.append(f"{path}.questions[{i}]: {correct} correct choices, needs exactly one")
    return problems


def link_problems(path: str, text: str, base: Path) -> list[str]:
    """Relative links and images must point to files that exist beside the manifest."""
    problems = []
    for target in LINK_RE.findall(text):
        if re.match(r"^(https?:|mailto:|#)", target):
            continue
        if not (base / target.split("#")[0]).is_file():
            problems.append(f"{path}: link or image to a missing file: {target}")
    return problems


def course_problems(data: dict, base: Path) -> list[str]:
    course = data["course"]
    problems = []
    if course.get("status") != "published":
        problems.append("course.status: must be published")
    if course.get("pillar") not in PILLARS:
        problems.append("course.pillar: unknown")
    modules = course.get("modules", [])
    if not 3 <= len(modules) <= 4:
        problems.append(f"course.modules: {len(modules)} modules, needs 3-4")
    for m, module in enumerate(modules):
        lessons = module.get("lessons", [])
        if not 2 <= len(lessons) <= 4:
            problems.append(f"course.modules[{m}].lessons: {len(lessons)} lessons, needs 2-4")
        for i, lesson in enumerate(lessons):
            path = f"course.modules[{m}].lessons[{i}]"
            problems += lesson_problems(path, lesson)
            problems += link_problems(path, lesson.get("body_markdown", ""), base)
        quizzes = module.get("quizzes", [])
        if len(quizzes) < 1:
            problems.append(f"course.modules[{m}]: no module quiz")
        for q, quiz in enumerate(quizzes):
            problems += quiz_problems(f"course.modules[{m}].quizzes[{q}]", quiz, final=False)
    finals = course.get("quizzes", [])
    if not finals:
        problems.append("course: no final quiz")
    for q, quiz in enumerate(finals):
        problems += quiz_problems(f"course.quizzes[{q}]", quiz, final=True)
    return problems
