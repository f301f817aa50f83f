"""The demo population generator (lms/demodata.py, ``flask --app lms generate-demo-data``)."""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from lms import demodata
from lms.auth.models import Consent, User
from lms.auth.services import authenticate
from lms.completion import is_course_complete
from lms.courses.models import Course, CourseCompletion, Enrollment, LessonProgress
from lms.errors import Conflict, Invalid
from lms.quizzes.models import Answer, Attempt, Certificate, Question, Quiz
from lms.quizzes.question_types import Key, grade
from lms.regions.models import Desa, Jabatan
from lms.reports.queries import Filters, completion_report
from lms.timeutil import as_utc
from tests.factories import make_course, make_quiz_course, make_user, quiz_spec

N = 200
NOW = datetime(2026, 10, 1, tzinfo=timezone.utc)


@pytest.fixture
def curriculum(db):
    """Published courses exercising every quiz setting the generator honours, and one draft."""
    make_quiz_course("demo-a", lessons=3,
                     module_quiz=quiz_spec("Kuis modul", shuffle_questions=True, questions_per_attempt=4,
                                           time_limit_minutes=10),
                     final_quiz=quiz_spec("Ujian akhir", max_attempts=2, retry_after_hours=1))
    make_quiz_course("demo-b", lessons=2, module_quiz=quiz_spec("Latihan", practice=True))
    make_course("demo-c", modules=2, lessons=2, pillar="etika")
    make_course("demo-draft", status="draft")
    return db.session.scalars(sa.select(Course).where(Course.status == "published")).all()


def _generated(db):
    return db.session.scalars(sa.select(User).where(User.id.in_(demodata.generated_users()))
                              .order_by(User.username)).all()


def _t(value) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def digest(db) -> str:
    """A hash of every generated row, by username and content (not by id, which may differ)."""
    who = dict(db.session.execute(sa.select(User.id, User.username)
                                  .where(User.id.in_(demodata.generated_users()))).all())
    parts = [sorted((u.username, u.full_name, u.kind, u.jabatan_kode, u.desa_kode, _t(u.created_at), u.is_adult,
                     u.guardian_name) for u in _generated(db))]
    parts.append(sorted((who[e.user_id], e.course_id, e.source, _t(e.enrolled_at), _t(e.due_at))
                        for e in db.session.scalars(sa.select(Enrollment).where(Enrollment.user_id.in_(who)))))
    parts.append(sorted((who[p.user_id], p.lesson_id, _t(p.completed_at))
                        for p in db.session.scalars(sa.select(LessonProgress).where(LessonProgress.user_id.in_(who)))))
    attempts = {a.id: a for a in db.session.scalars(sa.select(Attempt).where(Attempt.user_id.in_(who)))}
    parts.append(sorted((who[a.user_id], a.quiz_id, _t(a.started_at), _t(a.submitted_at), _t(a.deadline), a.score,
                         a.percent, a.passed, repr(a.layout)) for a in attempts.values()))
    parts.append(sorted((who[attempts[x.attempt_id].user_id], _t(attempts[x.attempt_id].started_at), x.question_id,
                         repr(x.response), x.correct, x.points, _t(x.saved_at))
                        for x in db.session.scalars(sa.select(Answer).where(Answer.attempt_id.in_(attempts)))))
    parts.append(sorted((who[c.user_id], c.course_id, _t(c.completed_at))
                        for c in db.session.scalars(sa.select(CourseCompletion)
                                                    .where(CourseCompletion.user_id.in_(who)))))
    parts.append(sorted((who[c.user_id], c.course_id, c.code, _t(c.issued_at))
                        for c in db.session.scalars(sa.select(Certificate).where(Certificate.user_id.in_(who)))))
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _generate(db, learners=N, seed=7, **kw) -> dict:
    counts = demodata.generate(learners, seed, now=NOW, **kw)
    db.session.commit()
    return counts


def _count(db, model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


# ------------------------------------------------------------------------------ reproducibility
def test_same_seed_same_rows_other_seed_other_rows(db, curriculum):
    first = _generate(db)
    one = digest(db)
    assert first["learners"] == N and first["attempts"] > 0 and first["answers"] > 0 and first["completions"] > 0
    again = _generate(db, clear=True)
    assert again["removed"] == N
    assert digest(db) == one
    assert {k: v for k, v in again.items() if "seconds" not in k and k != "removed"} == \
        {k: v for k, v in first.items() if "seconds" not in k and k != "removed"}
    _generate(db, seed=8, clear=True)
    assert digest(db) != one


def _stored(db) -> list:
    """Values as the database holds them (SQLite: the very text of times and JSON)."""
    return sorted(repr(tuple(row)) for row in db.session.execute(sa.text(
        'SELECT u.username, u.created_at, a.started_at, a.layout, x.response, x.saved_at FROM answer x '
        'JOIN attempt a ON a.id = x.attempt_id JOIN "user" u ON u.id = a.user_id')))


def test_every_insert_method_stores_the_same_rows(db, curriculum):
    """The fast path of the database (SQLite executemany / PostgreSQL unnest) equals Core insert()."""
    _generate(db, method="insert")
    plain, stored = digest(db), _stored(db)
    _generate(db, method="auto", clear=True)
    assert digest(db) == plain
    assert _stored(db) == stored


def test_chunks_and_the_writing_thread_do_not_change_the_data(db, curriculum):
    _generate(db, chunk_size=1000)
    whole = digest(db)
    _generate(db, chunk_size=17, background=False, clear=True)
    assert digest(db) == whole


# ------------------------------------------------------------------------------ proportions
def test_proportions_are_realistic(db, curriculum):
    counts = _generate(db, learners=400)
    users = _generated(db)
    assert len(users) == 400 == counts["perangkat"] + counts["warga"]
    share = counts["perangkat"] / 400
    assert 0.15 <= share <= 0.35, share
    assert all(re.fullmatch(r"demo-\d{5}", u.username) and u.role == "learner" and u.active for u in users)
    jenis = dict(db.session.execute(sa.select(Desa.kode, Desa.jenis)).all())
    applies = dict(db.session.execute(sa.select(Jabatan.kode, Jabatan.berlaku_untuk)).all())
    for user in users:
        assert user.desa_kode in jenis
        if user.kind == "perangkat":
            assert applies[user.jabatan_kode] in (jenis[user.desa_kode], "keduanya"), user.jabatan_kode
        else:
            assert user.jabatan_kode is None
    heads = Counter((u.desa_kode, u.jabatan_kode) for u in users
                    if u.jabatan_kode in ("PERBEKEL", "SEKDES", "LURAH", "SEKLUR"))
    assert heads and max(heads.values()) == 1  # one perbekel, one sekdes... per village
    assert len({u.desa_kode for u in users}) > 40  # spread over most of the 62 villages
    assert _count(db, Consent) == counts["warga"]  # residents registered themselves, with consent
    enrolled = counts["enrollments"]
    assert 1.5 * 400 <= enrolled <= 4 * 400
    assert 0.1 <= counts["completions"] / enrolled <= 0.6
    draft = db.session.scalar(sa.select(Course.id).where(Course.slug == "demo-draft"))
    assert _count(db, Enrollment, Enrollment.course_id == draft) == 0
    # Villages differ: the engagement factor is skewed and some villages are far behind.
    engagement = demodata.village_engagement(7)
    assert len(engagement) == 62 and min(engagement.values()) < 0.25 and max(engagement.values()) > 0.7
    per_desa = Counter()
    for desa, done in db.session.execute(sa.select(User.desa_kode, sa.func.count(CourseCompletion.id))
                                         .join(CourseCompletion, CourseCompletion.user_id == User.id)
                                         .group_by(User.desa_kode)):
        per_desa[desa] = done
    assert len(set(per_desa.values())) > 3
    # Times run up to the given "now" and no further.
    for column in (Attempt.submitted_at, Answer.saved_at, LessonProgress.completed_at, CourseCompletion.completed_at,
                   Enrollment.enrolled_at, User.created_at):
        assert as_utc(db.session.scalar(sa.select(sa.func.max(column)))) < NOW, column


# ------------------------------------------------------------------------------ business rules
def _key(question: Question) -> Key:
    return Key(frozenset(c.id for c in question.choices), frozenset(c.id for c in question.choices if c.correct),
               tuple(question.answers or ()))


def test_rows_follow_the_business_rules(db, curriculum):
    _generate(db)
    completions = [tuple(r) for r in db.session.execute(sa.select(CourseCompletion.user_id,
                                                                  CourseCompletion.course_id))]
    assert completions
    for user_id, course_id in completions:  # the real completion rule holds for every completion...
        assert is_course_complete(user_id, course_id)
    done = set(completions)
    enrolments = [tuple(r) for r in db.session.execute(sa.select(Enrollment.user_id, Enrollment.course_id))]
    for pair in enrolments:  # ...and, where it holds, the completion is recorded
        assert is_course_complete(*pair) == (pair in done)
    certificates = {tuple(r) for r in db.session.execute(sa.select(Certificate.user_id, Certificate.course_id))}
    assert certificates == done
    assert all(re.fullmatch(r"([A-HJ-NP-Z2-9]{4}-){4}[A-HJ-NP-Z2-9]{4}", code)
               for code in db.session.scalars(sa.select(Certificate.code)))
    # Attempts are submitted and graded: the stored score is what the real grading gives the answers.
    questions = {q.id: q for q in db.session.scalars(sa.select(Question))}
    quizzes = {z.id: z for z in db.session.scalars(sa.select(Quiz))}
    answers: dict[int, dict] = {}
    for answer in db.session.scalars(sa.select(Answer)):
        answers.setdefault(answer.attempt_id, {})[answer.question_id] = answer
    attempts = db.session.scalars(sa.select(Attempt)).all()
    assert {a.status for a in attempts} == {"submitted"}
    assert any(not a.passed for a in attempts) and any(a.passed for a in attempts)
    for attempt in attempts:
        quiz = quizzes[attempt.quiz_id]
        score = 0.0
        for item in attempt.layout:
            question = questions[item["question_id"]]
            assert sorted(item["choice_ids"]) == sorted(c.id for c in question.choices)
            answer = answers.get(attempt.id, {}).get(question.id)
            correct, points = grade(question.type, answer.response if answer else None, _key(question),
                                    question.points)
            if answer is not None:
                assert (answer.correct, answer.points) == (correct, points)
                assert as_utc(attempt.started_at) <= as_utc(answer.saved_at) <= as_utc(attempt.submitted_at)
            score += points
        assert attempt.score == score and attempt.max_score == len(attempt.layout)
        assert attempt.percent == round(score * 100.0 / attempt.max_score, 1)
        assert attempt.passed == (attempt.percent >= quiz.pass_percent)
        assert attempt.practice == quiz.practice
        if quiz.questions_per_attempt:
            assert len(attempt.layout) == quiz.questions_per_attempt
        if quiz.time_limit_minutes:
            assert as_utc(attempt.submitted_at) <= as_utc(attempt.deadline)
    tries = Counter((a.user_id, a.quiz_id) for a in attempts)
    final = next(z for z in quizzes.values() if z.title == "Ujian akhir")
    assert max(n for (_u, quiz_id), n in tries.items() if quiz_id == final.id) <= final.max_attempts


def test_reports_count_the_generated_rows(db, curriculum):
    counts = _generate(db)
    report = completion_report(Filters(), "desa")
    assert report.totals.learners == counts["learners"]
    assert report.totals.enrolled == counts["enrollments"]
    assert report.totals.completed == counts["completions"]
    assert report.totals.avg_best_percent is not None


# ------------------------------------------------------------------------------ logging in
def test_generated_people_cannot_log_in_without_password(db, curriculum, web):
    _generate(db, learners=20)
    user = db.session.scalar(sa.select(User).where(User.username == "demo-00001"))
    assert user.password_hash == demodata.NO_LOGIN_HASH
    for guess in ("", demodata.NO_LOGIN_HASH, "!demo-data:no-login", "kata-sandi-rahasia-123"):
        assert not check_password_hash(user.password_hash, guess)
        assert authenticate("demo-00001", guess) is None
    assert web.login("demo-00001", demodata.NO_LOGIN_HASH).status_code == 200  # the form again, no redirect


def test_password_option_lets_them_log_in_with_one_shared_hash(db, curriculum, web, monkeypatch):
    calls = []
    real = demodata.generate_password_hash
    monkeypatch.setattr(demodata, "generate_password_hash", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    _generate(db, learners=30, password="kopi-pagi-di-banjar-7")
    assert len(calls) == 1  # hashed once, not once per learner
    assert len({u.password_hash for u in _generated(db)}) == 1
    assert authenticate("demo-00030", "kopi-pagi-di-banjar-7") is not None
    assert authenticate("demo-00030", "salah-sandi-sekali") is None
    assert web.login("demo-00002", "kopi-pagi-di-banjar-7").status_code == 302
    with pytest.raises(Invalid):
        demodata.generate(5, 1, password="1234", clear=True)


# ------------------------------------------------------------------------------ clearing
def test_clear_removes_only_generated_people(db, curriculum):
    real = make_user(username="ketut", jabatan="PERBEKEL")
    db.session.add(Enrollment(user_id=real.id, course_id=curriculum[0].id))
    db.session.commit()
    _generate(db, learners=50)
    with pytest.raises(Conflict):  # generating again needs --clear
        demodata.generate(50, 7, now=NOW)
    db.session.rollback()
    # Someone registers a look-alike username afterwards: it has the prefix but is no generated person.
    lookalike = make_user(username="demo-00051", kind="warga", jabatan=None, email="budi@contoh.id")
    db.session.add(Enrollment(user_id=lookalike.id, course_id=curriculum[0].id))
    db.session.commit()
    removed = demodata.clear_generated()
    db.session.commit()
    assert removed == 50 and demodata.count_generated() == 0
    assert db.session.scalars(sa.select(User.username).order_by(User.username)).all() == ["demo-00051", "ketut"]
    assert _count(db, Enrollment) == 2 and _count(db, Attempt) == 0 and _count(db, Answer) == 0
    assert _count(db, LessonProgress) == 0 and _count(db, CourseCompletion) == 0 and _count(db, Consent) == 0
    with pytest.raises(Conflict):  # and it is not mixed with a new generation either
        demodata.generate(60, 7, now=NOW, clear=True)
    db.session.rollback()
    assert demodata.count_generated() == 0


# ------------------------------------------------------------------------------ the command
def test_command_needs_the_curriculum(runner, db):
    result = runner.invoke(args=["generate-demo-data", "--learners", "10", "--seed", "1"])
    assert result.exit_code != 0
    assert "flask --app lms seed" in result.output
    assert demodata.count_generated() == 0


def test_command(runner, db, curriculum):
    result = runner.invoke(args=["generate-demo-data", "--learners", "50", "--seed", "3", "--now", "2026-10-01"])
    assert result.exit_code == 0, result.output
    assert "50 peserta" in result.output and "detik" in result.output
    assert demodata.count_generated() == 50
    again = runner.invoke(args=["generate-demo-data", "--learners", "50", "--seed", "3"])
    assert again.exit_code != 0 and "--clear" in again.output
    replaced = runner.invoke(args=["generate-demo-data", "--learners", "20", "--seed", "3", "--clear",
                                   "--no-answers"])
    assert replaced.exit_code == 0, replaced.output
    assert "50 orang data demo lama dihapus" in replaced.output
    assert demodata.count_generated() == 20 and _count(db, Answer) == 0 and _count(db, Attempt) > 0
    bad = runner.invoke(args=["generate-demo-data", "--learners", "5", "--now", "kemarin"])
    assert bad.exit_code != 0 and "ISO 8601" in bad.output
    cleared = runner.invoke(args=["generate-demo-data", "--learners", "0", "--clear"])
    assert cleared.exit_code == 0 and demodata.count_generated() == 0
