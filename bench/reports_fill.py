"""Set-based filler for ``make bench-reports``: many learners in a few statements (PostgreSQL).

``lms.demodata`` writes learners one by one in Python, which is right for demos and for 20,000
learners; a million takes a few minutes only in SQL. This filler keeps demodata's shape (see
docs/demo-data.md): a quarter perangkat desa with a jabatan, the rest warga; enrolment chances
by course level and by kind (warga prefer etika and aman); engagement that differs by village
and by learner; a learner walks a course in order (lessons, then the module's quiz) and stops
at some point; a scored quiz is passed before going on, sometimes after failed attempts; a
completion (and certificate) when every item is done. Every draw is ``random()`` after
``setseed``, so a seed gives the same rows.

Triggers are switched off for the filling session (``session_replication_role = replica``):
the rollup is rebuilt afterwards in one pass (``rollup.rebuild``), as after any bulk load.
"""
from __future__ import annotations

import time

import sqlalchemy as sa

from lms.courses.models import Course, Lesson, Module
from lms.quizzes.models import Quiz
from lms.regions.models import Desa, Jabatan

# From lms.demodata: enrolment chance per course level, and the warga's pillar preference.
ENROL_PERANGKAT = {"dasar": 0.9, "menengah": 0.65, "lanjut": 0.45}
ENROL_WARGA = {"dasar": 0.45, "menengah": 0.15, "lanjut": 0.06}
PILLAR_WARGA = {"etika": 1.3, "aman": 1.2, "budaya": 1.0, "cakap": 0.7}
PERANGKAT_SHARE = 0.25
DAYS = 120
POSITIONS = ("PERBEKEL", "SEKDES", "KAUR_TU_UMUM", "KAUR_KEUANGAN", "KAUR_PERENCANAAN", "KASI_PEMERINTAHAN",
             "KASI_KESEJAHTERAAN", "KASI_PELAYANAN", "KELIAN_BANJAR_DINAS", "KELIAN_BANJAR_DINAS", "STAF", "STAF")


def _items(session) -> list[tuple]:
    """(course_id, position, kind, lesson_id, quiz_id, practice, pass_percent, minutes) in a learner's order."""
    out = []
    courses = session.execute(sa.select(Course.id).where(Course.status == "published").order_by(Course.id))
    for (course_id,) in courses.all():
        order = []
        modules = session.execute(sa.select(Module.id).where(Module.course_id == course_id)
                                  .order_by(Module.position, Module.id)).scalars().all()
        for module_id in modules:
            order += [("lesson", lid, None) for lid in session.scalars(
                sa.select(Lesson.id).where(Lesson.module_id == module_id).order_by(Lesson.position, Lesson.id))]
            order += [("quiz", None, q) for q in session.scalars(
                sa.select(Quiz).where(Quiz.module_id == module_id).order_by(Quiz.position, Quiz.id))]
        order += [("quiz", None, q) for q in session.scalars(
            sa.select(Quiz).where(Quiz.course_id == course_id, Quiz.module_id.is_(None)).order_by(Quiz.position))]
        for position, (kind, lesson_id, quiz) in enumerate(order):
            out.append((course_id, position, kind, lesson_id, quiz.id if quiz else None,
                        bool(quiz.practice) if quiz else False, quiz.pass_percent if quiz else 0))
    return out


def fill(session, learners: int, *, seed: float = 0.42, log=print) -> dict:
    """Add ``learners`` learners with their activity; return row counts and seconds per step."""
    conn = session.connection()
    timings: dict = {}
    items = _items(session)
    if not items:
        raise SystemExit("bench-reports: no published course; seed the curriculum first")
    desa = session.execute(sa.select(Desa.kode, Desa.jenis).order_by(Desa.kode)).all()
    weighted = [kode for kode, jenis in desa for _ in range(3 if jenis == "kelurahan" else 2)]
    known = set(session.scalars(sa.select(Jabatan.kode)))
    positions = [p for p in POSITIONS if p in known] or [None]
    courses = session.execute(sa.select(Course.id, Course.level, Course.pillar)
                              .where(Course.status == "published")).all()
    for setting in ("SET LOCAL session_replication_role = replica", "SET LOCAL work_mem = '256MB'",
                    "SET LOCAL synchronous_commit = off"):
        conn.execute(sa.text(setting))
    conn.execute(sa.text("SELECT setseed(:s)"), {"s": seed})
    start = conn.scalar(sa.text("SELECT coalesce(max(id), 0) FROM \"user\""))
    tag = conn.scalar(sa.text("SELECT count(*) FROM \"user\" WHERE username LIKE 'bench-%'"))

    def step(name: str, sql: str, **params) -> None:
        began = time.perf_counter()
        result = conn.execute(sa.text(sql), params)
        timings[name] = round(time.perf_counter() - began, 1)
        log(f"  {name}: {result.rowcount} rows, {timings[name]} s")

    conn.execute(sa.text("CREATE TEMP TABLE bench_item (course_id int, position int, kind text, lesson_id int, "
                         "quiz_id int, practice bool, pass_percent int) ON COMMIT DROP"))
    conn.execute(sa.text("INSERT INTO bench_item VALUES (:c, :p, :k, :l, :q, :pr, :pp)"),
                 [dict(zip(("c", "p", "k", "l", "q", "pr", "pp"), item)) for item in items])
    conn.execute(sa.text("CREATE TEMP TABLE bench_course (course_id int, p_perangkat float, p_warga float, "
                         "items int) ON COMMIT DROP"))
    conn.execute(sa.text("INSERT INTO bench_course VALUES (:c, :pp, :pw, :n)"), [
        {"c": cid, "pp": ENROL_PERANGKAT.get(level, 0.5),
         "pw": ENROL_WARGA.get(level, 0.2) * PILLAR_WARGA.get(pillar, 1.0),
         "n": sum(1 for item in items if item[0] == cid)} for cid, level, pillar in courses])
    # Learners: village engagement × personal motivation, as demodata draws them.
    step("learners", """
        CREATE TEMP TABLE bench_learner ON COMMIT DROP AS
        SELECT :start + g AS id, :tag + g AS n, random() < :share AS perangkat,
               (CAST(:desa AS text[]))[1 + floor(random() * cardinality(CAST(:desa AS text[])))::int] AS desa_kode,
               least(1.0, greatest(0.02, (0.05 + 0.85 * power(random(), 0.9)) * exp(0.4 * (random() - 0.5))))
                   AS motivation,
               now() - make_interval(secs => random() * :days * 86400) AS created_at
        FROM generate_series(1, :n) g""", start=start, tag=tag, share=PERANGKAT_SHARE, desa=weighted, n=learners,
         days=DAYS)
    step("users", """
        INSERT INTO "user" (id, username, full_name, email, password_hash, role, kind, jabatan_kode, desa_kode,
                            active, created_at, session_version, must_change_password, is_adult)
        SELECT id, 'bench-' || lpad(n::text, 7, '0'), 'Peserta Bench ' || n, NULL, '!bench:no-login', 'learner',
               CASE WHEN perangkat THEN 'perangkat' ELSE 'warga' END,
               CASE WHEN perangkat THEN (CAST(:positions AS text[]))[
                   1 + floor(random() * cardinality(CAST(:positions AS text[])))::int] END,
               desa_kode, true, created_at, 1, false, true
        FROM bench_learner""", positions=positions)
    conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('\"user\"', 'id'), (SELECT max(id) FROM \"user\"))"))
    # Enrolments, and how far each learner walks the course (0 = never started).
    step("enrolments", """
        CREATE TEMP TABLE bench_enrol ON COMMIT DROP AS
        SELECT l.id AS user_id, c.course_id, c.items,
               l.created_at + make_interval(secs => random() * 3 * 86400) AS enrolled_at,
               CASE WHEN random() < 0.2 + 0.75 * l.motivation
                    THEN least(c.items, 1 + floor(ln(1 - random()) / ln(0.86 + 0.13 * l.motivation))::int)
                    ELSE 0 END AS depth,
               l.motivation
        FROM bench_learner l CROSS JOIN bench_course c
        WHERE random() < CASE WHEN l.perangkat THEN c.p_perangkat ELSE c.p_warga END""")
    step("enrollment", """
        INSERT INTO enrollment (user_id, course_id, source, enrolled_at)
        SELECT user_id, course_id, 'self', enrolled_at FROM bench_enrol WHERE enrolled_at < now()""")
    step("lesson_progress", """
        INSERT INTO lesson_progress (user_id, lesson_id, course_id, completed_at)
        SELECT e.user_id, i.lesson_id, e.course_id,
               e.enrolled_at + make_interval(secs => (i.position + random()) * (1 - e.motivation) * 86400)
        FROM bench_enrol e JOIN bench_item i ON i.course_id = e.course_id AND i.position < e.depth
        WHERE i.kind = 'lesson' AND e.enrolled_at < now()""")
    # Quizzes met on the walk: passed (after 0-2 failed tries) when the walk goes on past them;
    # the quiz where a walk stops gets failed attempts only.
    step("attempt", """
        INSERT INTO attempt (quiz_id, user_id, status, practice, started_at, submitted_at, layout, score,
                             max_score, percent, passed)
        SELECT quiz_id, user_id, 'submitted', practice, at, at + interval '6 minutes', '[]', percent / 20,
               5, percent, percent >= pass_percent
        FROM (
            SELECT i.quiz_id, e.user_id, i.practice, i.pass_percent,
                   e.enrolled_at + make_interval(secs => (i.position + t + random()) * (1 - e.motivation) * 86400)
                       AS at,
                   CASE WHEN (i.position < e.depth - 1 OR e.depth >= e.items) AND t = n.tries
                        THEN round(CAST(i.pass_percent + random() * (100 - i.pass_percent) AS numeric), 1)
                        ELSE round(CAST(random() * i.pass_percent * 0.99 AS numeric), 1) END AS percent
            FROM bench_enrol e JOIN bench_item i ON i.course_id = e.course_id AND i.position < e.depth
            CROSS JOIN LATERAL (SELECT CASE WHEN random() < 0.15 THEN 1 ELSE 0 END  -- failed tries first
                                       + CASE WHEN random() < 0.05 THEN 1 ELSE 0 END AS tries
                                WHERE i.quiz_id IS NOT NULL) n  -- correlated: drawn per row, not once
            CROSS JOIN LATERAL generate_series(0, n.tries) t
            WHERE i.kind = 'quiz' AND e.enrolled_at < now()
        ) a""")
    step("course_completion", """
        INSERT INTO course_completion (user_id, course_id, completed_at)
        SELECT user_id, course_id,
               least(now(), enrolled_at + make_interval(secs => (items + 1) * (1 - motivation) * 86400))
        FROM bench_enrol WHERE depth >= items AND enrolled_at < now()""")
    step("certificate", """
        INSERT INTO certificate (code, user_id, course_id, issued_at)
        SELECT 'BENCH-' || user_id || '-' || course_id, user_id, course_id, completed_at
        FROM course_completion c WHERE user_id > :start""", start=start)
    return timings
