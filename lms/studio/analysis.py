"""Item analysis of a quiz: how hard each question is and whether it separates strong from weak.

``analyse`` is a pure function over plain rows so that it can be tested exhaustively;
``quiz_analysis`` fetches those rows for one quiz in a fixed number of queries.
"""
from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.quizzes.models import Answer, Attempt, Question, Quiz

GROUP_FRACTION = 0.27  # Kelley's upper and lower 27 %
FLAG_BELOW_PERCENT = 20.0


@dataclass
class QuestionStats:
    question_id: int
    text: str
    shown: int = 0
    answered: int = 0
    correct: int = 0
    percent_correct: float | None = None
    discrimination: float | None = None
    top_wrong_choice: str | None = None
    top_wrong_count: int = 0
    flags: list[str] = field(default_factory=list)


@dataclass
class QuizStats:
    attempts: int
    average_percent: float | None
    median_percent: float | None
    pass_rate: float | None
    questions: list[QuestionStats]


def analyse(attempts: list[dict], answers: list[dict], questions: list[dict]) -> QuizStats:
    """Compute quiz and per-question statistics.

    attempts: ``{"id", "percent", "passed", "question_ids"}`` (the questions the attempt drew);
    answers: ``{"attempt_id", "question_id", "correct", "choice_ids", "empty"}``;
    questions: ``{"id", "text", "choices": {id: (text, correct)}}`` in display order.
    Percent correct is over the attempts that drew the question (an unanswered question counts
    as wrong); discrimination is p(upper 27 %) − p(lower 27 %) of attempts ranked by percent.
    """
    n = len(attempts)
    percents = [a["percent"] for a in attempts]
    ranked = sorted(attempts, key=lambda a: (a["percent"], a["id"]))
    group = max(1, round(n * GROUP_FRACTION)) if n else 0
    lower, upper = {a["id"] for a in ranked[:group]}, {a["id"] for a in ranked[n - group:]} if n else set()
    by_key = {(a["attempt_id"], a["question_id"]): a for a in answers}
    out = []
    for q in questions:
        stats = QuestionStats(q["id"], q["text"])
        drew = [a["id"] for a in attempts if q["id"] in a["question_ids"]]
        stats.shown = len(drew)
        rows = [by_key.get((attempt_id, q["id"])) for attempt_id in drew]
        stats.answered = sum(1 for r in rows if r and not r["empty"])
        stats.correct = sum(1 for r in rows if r and r["correct"])
        if stats.shown:
            stats.percent_correct = round(stats.correct * 100.0 / stats.shown, 1)
        stats.discrimination = _discrimination(q["id"], drew, by_key, upper, lower) if n >= 2 else None
        wrong = Counter(cid for r in rows if r for cid in r["choice_ids"]
                        if cid in q["choices"] and not q["choices"][cid][1])
        if wrong:
            cid, count = wrong.most_common(1)[0]
            stats.top_wrong_choice, stats.top_wrong_count = q["choices"][cid][0], count
        if stats.percent_correct is not None and stats.percent_correct < FLAG_BELOW_PERCENT:
            stats.flags.append("hard")
        if stats.discrimination is not None and stats.discrimination < 0:
            stats.flags.append("negative_discrimination")
        out.append(stats)
    return QuizStats(
        attempts=n,
        average_percent=round(statistics.fmean(percents), 1) if n else None,
        median_percent=round(statistics.median(percents), 1) if n else None,
        pass_rate=round(sum(1 for a in attempts if a["passed"]) * 100.0 / n, 1) if n else None,
        questions=out,
    )


def _discrimination(question_id, drew, by_key, upper, lower) -> float | None:
    def proportion(ids):
        ids = [i for i in drew if i in ids]
        if not ids:
            return None
        return sum(1 for i in ids if (r := by_key.get((i, question_id))) and r["correct"]) / len(ids)

    high, low = proportion(upper), proportion(lower)
    return None if high is None or low is None else round(high - low, 2)


def quiz_analysis(quiz: Quiz) -> QuizStats:
    """Item analysis of the submitted, scored attempts of one quiz (four queries)."""
    attempt_rows = db.session.execute(sa.select(Attempt.id, Attempt.percent, Attempt.passed, Attempt.layout).where(
        Attempt.quiz_id == quiz.id, Attempt.status == "submitted", Attempt.practice.is_(False))).all()
    attempts = [{"id": a.id, "percent": a.percent or 0.0, "passed": bool(a.passed),
                 "question_ids": {item["question_id"] for item in a.layout}} for a in attempt_rows]
    answer_rows = db.session.execute(
        sa.select(Answer.attempt_id, Answer.question_id, Answer.correct, Answer.response)
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .where(Attempt.quiz_id == quiz.id, Attempt.status == "submitted", Attempt.practice.is_(False))).all()
    answers = [{"attempt_id": r.attempt_id, "question_id": r.question_id, "correct": bool(r.correct),
                "choice_ids": list((r.response or {}).get("choice_ids") or []),
                "empty": not ((r.response or {}).get("choice_ids") or str((r.response or {}).get("text", "")).strip())}
               for r in answer_rows]
    questions = db.session.scalars(sa.select(Question).where(Question.quiz_id == quiz.id)
                                   .options(so.selectinload(Question.choices)).order_by(Question.position)).all()
    specs = [{"id": q.id, "text": q.text, "choices": {c.id: (c.text, c.correct) for c in q.choices}}
             for q in questions]
    return analyse(attempts, answers, specs)
