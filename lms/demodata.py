"""A realistic, reproducible demo population: ``flask --app lms generate-demo-data``.

Learners (perangkat desa with a jabatan, and warga) spread over Badung's desa/kelurahan, their
enrolments in the published courses, lesson progress, graded quiz attempts with answers, course
completions and certificates. The same ``learners`` and ``seed`` (and ``now``) give the same rows:
every draw comes from one ``random.Random(seed)`` in a fixed order, and every time is counted
from ``now`` (a fixed epoch unless given).

Written for volume: rows are built a chunk of learners at a time (memory stays bounded) and
bulk-inserted in the caller's transaction by a second thread while the next chunk is built
(``_Writer``: Core ``insert()``, or the faster plain INSERT measured for the database); ids of
users and attempts are reserved up front (PostgreSQL: from the table's sequence; SQLite: after
max(id) under the write lock), so no row is read back; the report rollup is rebuilt once at the
end. Responses are graded with the real ``lms.quizzes.question_types.grade``, and a completion
(with its certificate) is written exactly when ``lms.completion``'s rule is met.

Generated people are recognisable: username ``demo-00001``... and an e-mail address at
``demo.invalid`` (a reserved domain). ``clear_generated()`` removes only people with both marks.
Their password hash can never verify, unless ``password`` is given: then it is hashed once and
shared, so benchmarks can log in as ``demo-00001``.

See docs/demo-data.md for the distributions and measured timings.
"""
from __future__ import annotations

import json
import queue
import random
import threading
import time
from bisect import bisect
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from itertools import accumulate, permutations
from typing import Callable

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import generate_password_hash

from lms.auth.models import Consent, User
from lms.courses.models import Course, CourseCompletion, Enrollment, Lesson, LessonProgress, Module
from lms.errors import Conflict, Invalid
from lms.extensions import db
from lms.quizzes.models import Answer, Attempt, Certificate, Choice, Question, Quiz
from lms.quizzes.question_types import Key, grade
from lms.regions.models import Desa, Jabatan

USERNAME_PREFIX = "demo-"
EMAIL_DOMAIN = "demo.invalid"  # RFC 2606: never a real mailbox
# No "$" in it: werkzeug's check_password_hash() returns False for it, whatever is typed.
NO_LOGIN_HASH = "!demo-data:no-login"
DEFAULT_NOW = datetime(2026, 11, 28, tzinfo=timezone.utc)  # 28 Nov 2026 08:00 WITA
DEFAULT_DAYS = 120
CHUNK_LEARNERS = 1000
INSERT_BATCH = 10_000
MAX_TRIES = 4  # a learner gives up a quiz after this many failed attempts at most
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_CERT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # as lms.quizzes.services.new_certificate_code

# ------------------------------------------------------------------------------ distributions
PERANGKAT_SHARE = 0.25  # of all learners; smaller villages have a larger share
LAGGING_VILLAGES = 0.12  # villages whose engagement is cut to 15-35 %
KECAMATAN_ENGAGEMENT = {"51.03.01": 1.05, "51.03.02": 1.0, "51.03.03": 0.95, "51.03.04": 0.8,
                        "51.03.05": 1.05, "51.03.06": 1.05}  # Petang: rural, hilly, weaker signal
KECAMATAN_SIZE = {"51.03.01": 1.3, "51.03.05": 1.3, "51.03.06": 1.2}  # the tourist belt is denser
ENROL_PERANGKAT = {"dasar": 0.9, "menengah": 0.65, "lanjut": 0.45}
ENROL_WARGA = {"dasar": 0.45, "menengah": 0.15, "lanjut": 0.06}
PILLAR_WARGA = {"etika": 1.3, "aman": 1.2, "budaya": 1.0, "cakap": 0.7}
MINORS = 0.04  # of warga: 15-17 year olds registered with a guardian's consent
MIGRANT_SHARE = {"51.03.01": 0.3, "51.03.05": 0.25, "51.03.06": 0.15}  # non-Balinese names; else 3 %

# The positions of one village, filled in this order; later perangkat get the repeated ones.
DESA_POSITIONS = {  # Permendagri 84/2015: 3 kaur + 3 kasi, or (smaller desa) 2 + 2
    "full": ["PERBEKEL", "SEKDES", "KAUR_TU_UMUM", "KAUR_KEUANGAN", "KAUR_PERENCANAAN",
             "KASI_PEMERINTAHAN", "KASI_KESEJAHTERAAN", "KASI_PELAYANAN"],
    "small": ["PERBEKEL", "SEKDES", "KAUR_UMUM_PERENCANAAN", "KAUR_KEUANGAN", "KASI_PEMERINTAHAN",
              "KASI_KESEJAHTERAAN_PELAYANAN"],
}
KELURAHAN_POSITIONS = ["LURAH", "SEKLUR", "KASI_KELURAHAN", "KASI_KELURAHAN", "KASI_KELURAHAN", "KASI_KELURAHAN"]
REPEATED_POSITIONS = {"desa": (("KELIAN_BANJAR_DINAS", 0.55), ("STAF", 0.45)),
                      "kelurahan": (("KEPALA_LINGKUNGAN", 0.5), ("STAF", 0.5))}

BIRTH_ORDER = (("Wayan", 16), ("Putu", 14), ("Gede", 6), ("Made", 14), ("Kadek", 12), ("Nengah", 4),
               ("Nyoman", 10), ("Komang", 12), ("Ketut", 12))
MALE_NAMES = ("Suardana", "Wirawan", "Arta", "Sudarma", "Budiarta", "Adnyana", "Suarjana", "Darmawan", "Sukadana",
              "Mahendra", "Putra Wijaya", "Sanjaya", "Wiguna", "Parwata", "Sudiarsa", "Astawa", "Widiana", "Kariasa",
              "Suweta", "Mertha", "Yasa", "Juliarta", "Dharma Putra", "Antara", "Semara", "Pramana", "Agus Saputra",
              "Eka Pratama", "Surya Dinata", "Artawan", "Sudiana", "Swastika", "Wardana", "Arimbawa", "Budi Astawa")
FEMALE_NAMES = ("Lestari", "Sari", "Ayu Suryani", "Dewi", "Ariani", "Sukmawati", "Wulandari", "Purnami", "Yuliani",
                "Astiti", "Mahayani", "Widiastuti", "Suastini", "Puspitasari", "Kartini", "Sriani", "Wahyuni",
                "Rusmini", "Anggreni", "Damayanti", "Novianti", "Pratiwi", "Sukerti", "Suarni", "Candra Dewi",
                "Sintya Dewi", "Ratna Sari", "Eka Yanti", "Diah Pitaloka", "Juniantari")
TITLED = (("I Gusti Ngurah", "m"), ("I Gusti Made", "m"), ("Anak Agung Gede", "m"), ("Ida Bagus", "m"),
          ("I Gusti Ayu", "f"), ("Anak Agung Istri", "f"), ("Ida Ayu", "f"), ("Desak Made", "f"))
MIGRANT_FIRST = ("Budi", "Siti", "Agus", "Dewi", "Rina", "Andi", "Yusuf", "Fitri", "Rizky", "Nur", "Joko", "Maria",
                 "Yohanes", "Ahmad", "Sri", "Hendra", "Lina", "Fransiska", "Muhammad", "Dian", "Yosef", "Wulan")
MIGRANT_LAST = ("Santoso", "Rahmawati", "Setiawan", "Hidayat", "Pratama", "Siregar", "Wijaya", "Saputra", "Nugroho",
                "Kurniawan", "Handayani", "Simanjuntak", "Halim", "Sitompul", "Manurung", "Susanto", "Lumban Gaol",
                "Fauzi", "Ndun", "Bere")
WRONG_TEXTS = ("tidak tahu", "lupa", "-", "?", "belum paham", "kurang tahu", "ya", "tidak")


# ------------------------------------------------------------------------------ curriculum shape
@dataclass
class _Question:
    id: int
    type: str
    points: float
    key: Key
    choices: list[int]  # authored order
    correct: list[int]
    wrong: list[int]
    accepted: list[str]
    difficulty: float
    orders: list[list[int]] | None = None  # every order of the choices, when there are few
    graded: dict = field(default_factory=dict)  # response as a hashable -> (response, correct, points)
    right: list[tuple] = field(default_factory=list)  # graded right answers to pick from

    def __post_init__(self) -> None:
        if 1 < len(self.choices) <= 6 and self.type != "true_false":
            self.orders = [list(p) for p in permutations(self.choices)]
        if self.type == "short_text":
            self.right = [self.answer({"text": text}, text) for text in (self.accepted or [""])]
        else:
            ids = tuple(sorted(self.correct))
            self.right = [self.answer({"choice_ids": list(ids)}, ids)]

    def answer(self, response: dict, cache_key) -> tuple[dict, bool, float]:
        """Grade with the real grading function, once per distinct response (there are few)."""
        found = self.graded.get(cache_key)
        if found is None:
            found = self.graded[cache_key] = (response, *grade(self.type, response, self.key, self.points))
        return found


@dataclass
class _Quiz:
    id: int
    practice: bool
    pass_percent: int
    max_attempts: int
    retry_after_hours: int | None
    time_limit_minutes: int | None
    shuffle_questions: bool
    shuffle_choices: bool
    questions_per_attempt: int | None
    questions: list[_Question]


@dataclass
class _Course:
    id: int
    level: str
    pillar: str
    items: list  # ("lesson", lesson_id) and ("quiz", _Quiz) in the order a learner meets them
    lessons: int = 0

    @property
    def required(self) -> int:
        """What lms.completion asks for: every lesson and every scored (non-practice) quiz."""
        return self.lessons + sum(1 for kind, item in self.items if kind == "quiz" and not item.practice)


@dataclass
class _Village:
    kode: str
    jenis: str
    size: float
    engagement: float
    perangkat_share: float
    positions: list[str]
    migrant_share: float
    joined: int  # when the programme reached the village (epoch seconds): villages join in waves
    filled: int = 0  # perangkat placed so far (the first ones take the unique positions)


# ------------------------------------------------------------------------------ public API
def generated_users():
    """The SELECT of generated people's ids: both marks (username prefix and the reserved e-mail domain)."""
    return sa.select(User.id).where(User.username.startswith(USERNAME_PREFIX, autoescape=True),
                                    User.email.endswith("@" + EMAIL_DOMAIN, autoescape=True))


def count_generated() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(generated_users().subquery()))


def clear_generated(*, refresh_reports: bool = True) -> int:
    """Delete the generated people and everything of theirs (only them); return how many people.

    The big child tables are emptied first with one DELETE each; the rest goes with the
    user rows through the foreign keys' ON DELETE rules. Then the report rollup is recomputed
    (see ``refresh_report_rollup``).
    """
    conn = db.session.connection()
    ids = generated_users().scalar_subquery()
    attempts = sa.select(Attempt.id).where(Attempt.user_id.in_(ids)).scalar_subquery()
    conn.execute(sa.delete(Answer.__table__).where(Answer.attempt_id.in_(attempts)))
    for model in (Attempt, LessonProgress, Certificate, CourseCompletion, Enrollment, Consent):
        conn.execute(sa.delete(model.__table__).where(model.user_id.in_(ids)))
    removed = conn.execute(sa.delete(User.__table__).where(User.id.in_(ids))).rowcount
    if removed and refresh_reports:
        refresh_report_rollup()
    return removed


def refresh_report_rollup() -> None:
    """Recompute the report rollup in one set-based pass, as after any bulk load.

    The rollup's triggers queue every learner touched; drained at commit one learner at a time,
    20,000 generated learners took 54 s on PostgreSQL, while ``rebuild`` takes 1.4 s and empties
    the queue (docs/demo-data.md). Like ``lms.cli``, this tool sits above ``reports``.
    """
    from lms.reports.rollup import rebuild

    rebuild(db.session.connection())


def parse_now(value: str | None) -> datetime:
    """``--now``: an ISO date or date-time (UTC unless it has an offset); empty gives DEFAULT_NOW."""
    if not value:
        return DEFAULT_NOW
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(_("Format waktu harus ISO 8601, misalnya 2026-11-28 atau 2026-11-28T08:00+08:00."),
                      field="now") from None
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)


def generate(learners: int, seed: int, *, now: datetime | None = None, days: int = DEFAULT_DAYS,
             password: str | None = None, clear: bool = False, answers: bool = True,
             chunk_size: int = CHUNK_LEARNERS, method: str = "auto", background: bool = True,
             progress: Callable[[int, int], None] | None = None) -> dict:
    """Write ``learners`` generated learners and their activity in the caller's transaction.

    Returns counts per kind of row, ``seconds``, and ``write_seconds`` (the part spent inserting).
    Raises Invalid when there is no published course or no reference data (run ``flask --app lms
    seed``) or an argument is out of range, and Conflict when generated people exist already and
    ``clear`` is not set. ``method`` chooses how rows are inserted (see ``_Writer``); with
    ``background`` a second thread inserts one chunk while the next is generated (the database's
    work and Python's overlap on two cores; the data are the same either way).
    """
    started = time.perf_counter()
    if learners < 0 or learners > 10_000_000:
        raise Invalid(_("Jumlah peserta harus antara 0 dan 10.000.000."), field="learners")
    if days < 1 or days > 3650:
        raise Invalid(_("Lama program harus antara 1 dan 3650 hari."), field="days")
    password_hash = NO_LOGIN_HASH
    if password is not None:
        from lms.auth.services import validate_password

        validate_password(password)
        password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])
    removed = clear_generated(refresh_reports=False) if clear else 0
    existing = count_generated()
    if existing and learners:
        raise Conflict(_("Sudah ada %(n)d orang dari data demo. Jalankan lagi dengan --clear untuk menggantinya.",
                         n=existing), code="demo_data_exists")
    taken = db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.username.startswith(USERNAME_PREFIX, autoescape=True)))
    if taken and learners:
        raise Conflict(_("Ada akun bukan data demo yang namanya diawali %(p)s; data demo tidak dibuat.",
                         p=USERNAME_PREFIX), code="demo_prefix_taken")
    courses = _load_courses()
    villages_rows = db.session.execute(sa.select(Desa.kode, Desa.jenis).order_by(Desa.kode)).all()
    jabatan = set(db.session.scalars(sa.select(Jabatan.kode)))
    if learners and (not courses or not villages_rows or not jabatan):
        raise Invalid(_("Belum ada kursus yang diterbitkan atau data wilayah/jabatan. "
                        "Jalankan dulu: flask --app lms seed"), code="no_curriculum")
    counts = {"removed": removed, "learners": 0, "perangkat": 0, "warga": 0, "consents": 0, "enrollments": 0,
              "lesson_progress": 0, "attempts": 0, "answers": 0, "completions": 0, "certificates": 0,
              "write_seconds": 0.0, "report_seconds": 0.0}
    if learners:
        gen = _Generator(random.Random(seed), now or DEFAULT_NOW, days, courses, villages_rows, jabatan,
                         password_hash, answers, current_app.config.get("PRIVACY_NOTICE_VERSION", ""))
        writer = _Writer(db.session.connection(), method)
        try:
            with _Background(writer, counts, enabled=background) as submit:
                for first in range(1, learners + 1, chunk_size):
                    last = min(first + chunk_size, learners + 1)
                    submit(gen.chunk(range(first, last), writer))
                    if progress:
                        progress(last - 1, learners)
        finally:
            if writer.id_conn is not None:
                writer.id_conn.close()
        counts["write_seconds"] = round(writer.seconds, 2)
    if learners or removed:
        began = time.perf_counter()
        refresh_report_rollup()
        counts["report_seconds"] = round(time.perf_counter() - began, 2)
    counts["seconds"] = round(time.perf_counter() - started, 2)
    return counts


# ------------------------------------------------------------------------------ loading
def _load_courses() -> list[_Course]:
    """Published courses with their lessons and quizzes, in a learner's order (a fixed number of queries)."""
    courses = {c.id: _Course(c.id, c.level, c.pillar, []) for c in db.session.execute(
        sa.select(Course.id, Course.level, Course.pillar).where(Course.status == "published").order_by(Course.id))}
    if not courses:
        return []
    ids = list(courses)
    modules = db.session.execute(sa.select(Module.id, Module.course_id).where(Module.course_id.in_(ids))
                                 .order_by(Module.course_id, Module.position, Module.id)).all()
    lessons: dict[int, list[int]] = {}
    for lesson_id, module_id in db.session.execute(
            sa.select(Lesson.id, Lesson.module_id).where(Lesson.course_id.in_(ids))
            .order_by(Lesson.module_id, Lesson.position, Lesson.id)):
        lessons.setdefault(module_id, []).append(lesson_id)
    choices: dict[int, list] = {}
    for question_id, choice_id, correct in db.session.execute(
            sa.select(Choice.question_id, Choice.id, Choice.correct)
            .join(Question, Question.id == Choice.question_id).join(Quiz, Quiz.id == Question.quiz_id)
            .where(Quiz.course_id.in_(ids)).order_by(Choice.question_id, Choice.position, Choice.id)):
        choices.setdefault(question_id, []).append((choice_id, bool(correct)))
    questions: dict[int, list[_Question]] = {}
    hardness = {"true_false": -0.1, "single": 0.0, "multiple": 0.08, "short_text": 0.12}
    for q in db.session.execute(sa.select(Question.id, Question.quiz_id, Question.type, Question.points,
                                          Question.answers).join(Quiz, Quiz.id == Question.quiz_id)
                                .where(Quiz.course_id.in_(ids)).order_by(Question.quiz_id, Question.position,
                                                                         Question.id)):
        own = choices.get(q.id, [])
        accepted = [str(a) for a in (q.answers or [])]
        key = Key(frozenset(c for c, _ok in own), frozenset(c for c, ok in own if ok), tuple(accepted))
        # A fixed difficulty per question (from its id, not the seed: the curriculum's own property).
        spread = random.Random(q.id).uniform(-0.08, 0.12)
        questions.setdefault(q.quiz_id, []).append(_Question(
            q.id, q.type, float(q.points), key, [c for c, _ok in own], [c for c, ok in own if ok],
            [c for c, ok in own if not ok], accepted, hardness.get(q.type, 0.0) + spread))
    quizzes: dict[tuple[int, int | None], list[_Quiz]] = {}
    for z in db.session.execute(sa.select(Quiz).where(Quiz.course_id.in_(ids))
                                .order_by(Quiz.course_id, Quiz.position, Quiz.id)).scalars():
        quizzes.setdefault((z.course_id, z.module_id), []).append(_Quiz(
            z.id, bool(z.practice), z.pass_percent, z.max_attempts or 0, z.retry_after_hours, z.time_limit_minutes,
            bool(z.shuffle_questions), bool(z.shuffle_choices), z.questions_per_attempt, questions.get(z.id, [])))
    for module_id, course_id in modules:
        course = courses[course_id]
        course.items += [("lesson", lesson_id) for lesson_id in lessons.get(module_id, [])]
        course.lessons += len(lessons.get(module_id, []))
        course.items += [("quiz", quiz) for quiz in quizzes.get((course_id, module_id), [])]
    for course in courses.values():
        course.items += [("quiz", quiz) for quiz in quizzes.get((course.id, None), [])]
    return list(courses.values())


# ------------------------------------------------------------------------------ writing
class _Writer:
    """Reserves ids and bulk-inserts rows on the session's connection, in its transaction.

    ``method``: ``"insert"`` is Core ``insert()`` executemany with lists of dicts (any database);
    ``"auto"`` (the default) takes the faster path measured for the database (docs/demo-data.md):
    PostgreSQL ``INSERT ... SELECT * FROM unnest(arrays)`` with binary parameters; SQLite the same
    compiled ``insert()`` run by the driver's executemany with tuples, values converted by
    SQLAlchemy's own bind processors. Every path is a plain INSERT seen by triggers and engine events.
    """

    ORDER = (("users", User), ("consents", Consent), ("enrollments", Enrollment), ("lesson_progress", LessonProgress),
             ("attempts", Attempt), ("answers", Answer), ("completions", CourseCompletion),
             ("certificates", Certificate))

    def __init__(self, conn, method: str = "auto") -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        if method == "auto":
            method = {"postgresql": "unnest", "sqlite": "executemany"}.get(conn.dialect.name, "insert")
        self.method = method
        self.id_conn = None
        self.seconds = 0.0
        self.next_id: dict = {}
        if not self.postgres:
            # Take SQLite's write lock before reading max(id), so no other writer can take those ids.
            conn.execute(sa.update(User.__table__).where(sa.false()).values(id=User.__table__.c.id))
            for model in (User, Attempt):
                self.next_id[model] = (conn.scalar(sa.select(sa.func.max(model.id))) or 0) + 1

    def ids(self, model, n: int) -> list[int]:
        """``n`` fresh primary keys for ``model``'s table."""
        if n <= 0:
            return []
        if self.postgres:  # taken from the sequence, so concurrent inserts by the app never collide
            if self.id_conn is None:  # its own connection: the writing one may be busy on another thread
                self.id_conn = self.conn.engine.connect()
            table = self.conn.dialect.identifier_preparer.format_table(model.__table__)
            return list(self.id_conn.scalars(sa.text(
                "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
                {"t": table, "n": n}))
        start = self.next_id[model]
        self.next_id[model] = start + n
        return list(range(start, start + n))

    def write(self, rows: dict, counts: dict) -> None:
        began = time.perf_counter()
        for name, model in self.ORDER:
            batch = rows.get(name) or []
            if not batch:
                continue
            if self.method == "unnest":
                self._unnest(model.__table__, batch)
            elif self.method == "executemany":
                self._executemany(model.__table__, batch)
            else:
                for i in range(0, len(batch), INSERT_BATCH):
                    self.conn.execute(model.__table__.insert(), batch[i:i + INSERT_BATCH])
            counts["learners" if name == "users" else name] += len(batch)
        counts["perangkat"] += sum(1 for u in rows["users"] if u["kind"] == "perangkat")
        counts["warga"] += sum(1 for u in rows["users"] if u["kind"] == "warga")
        self.seconds += time.perf_counter() - began

    @staticmethod
    def _defaults(table: sa.Table, given) -> dict:
        """Values for columns the rows leave out that have a Python-side default (as insert() would)."""
        return {c.name: (c.default.arg if c.default.is_scalar else c.default.arg(None))
                for c in table.columns if c.name not in given and c.default is not None
                and (c.default.is_scalar or c.default.is_callable)}

    def _executemany(self, table: sa.Table, batch: list[dict]) -> None:
        """SQLite: the Core insert() compiled once, values through SQLAlchemy's own bind processors
        (a column at a time), and the driver's executemany with tuples."""
        dialect = self.conn.dialect
        extra = self._defaults(table, batch[0])
        compiled = table.insert().compile(dialect=dialect, column_keys=[*batch[0], *extra])
        cache: dict = {}
        processors = {}
        for name in compiled.positiontup:
            process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None and isinstance(table.c[name].type, sa.JSON):
                process = _cached(process, cache)
            elif process is not None and isinstance(table.c[name].type, sa.DateTime):
                process = _fast_datetime(process, batch[0].get(name))
            processors[name] = process
        for i in range(0, len(batch), INSERT_BATCH):
            rows = batch[i:i + INSERT_BATCH]
            columns = []
            for name, process in processors.items():
                if name in extra:
                    columns.append([process(extra[name]) if process else extra[name]] * len(rows))
                elif process is not None:
                    columns.append([process(row[name]) for row in rows])
                else:
                    columns.append([row[name] for row in rows])
            self.conn.exec_driver_sql(compiled.string, list(zip(*columns)))

    def _unnest(self, table: sa.Table, batch: list[dict]) -> None:
        """PostgreSQL: ``INSERT ... SELECT * FROM unnest(<one array per column>)``, one statement per
        batch; an ordinary INSERT through SQLAlchemy, so triggers and engine events see it as such."""
        dialect = self.conn.dialect
        quote = dialect.identifier_preparer
        extra = self._defaults(table, batch[0])
        columns = [*batch[0], *extra]
        casts = ", ".join(f"%b::{table.c[c].type.compile(dialect=dialect)}[]" for c in columns)
        # Table, column and type names come from our own metadata, quoted by the dialect; the
        # values travel as bound arrays. Nothing a user typed reaches this string.
        sql = (f"INSERT INTO {quote.format_table(table)} ({', '.join(quote.quote(c) for c in columns)}) "  # nosec B608
               f"SELECT * FROM unnest({casts})")
        cache: dict = {}
        json_columns = {c for c in columns if isinstance(table.c[c].type, sa.JSON)}
        for i in range(0, len(batch), INSERT_BATCH):
            rows = batch[i:i + INSERT_BATCH]
            arrays = []
            for c in columns:
                if c in extra:
                    arrays.append([extra[c]] * len(rows))
                elif c in json_columns:
                    arrays.append([_json_text(row[c], cache) for row in rows])
                else:
                    arrays.append([row[c] for row in rows])
            self.conn.exec_driver_sql(sql, tuple(arrays))


class _Background:
    """Insert chunks on a second thread while the caller generates the next one.

    At most one chunk waits in the queue, so memory stays bounded. The writing thread is the only
    user of the session's connection until the ``with`` block ends (ids come from the generator
    side without it); its first error stops it, and is raised in the caller's thread.
    """

    def __init__(self, writer: _Writer, counts: dict, *, enabled: bool = True) -> None:
        self.writer, self.counts, self.enabled = writer, counts, enabled
        self.queue: queue.Queue = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="demodata-writer", daemon=True)

    def _run(self) -> None:
        while (rows := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.writer.write(rows, self.counts)
                except BaseException as err:  # noqa: BLE001 - handed to the caller's thread
                    self.error = err

    def submit(self, rows: dict) -> None:
        if not self.enabled:
            self.writer.write(rows, self.counts)
            return
        if self.error is not None:
            raise self.error
        self.queue.put(rows)

    def __enter__(self):
        if self.enabled:
            self.thread.start()
        return self.submit

    def __exit__(self, *exc) -> None:
        if self.enabled:
            self.queue.put(None)
            self.thread.join()
            if self.error is not None and exc[0] is None:
                raise self.error


def _fast_datetime(process, sample):
    """SQLite's DATETIME text (``2026-11-28 00:00:00.000000``) from C's isoformat, about five times
    faster than SQLAlchemy's formatter; used only when it gives exactly the same text for a sample."""
    def fast(value):
        return None if value is None else value.replace(tzinfo=None).isoformat(" ", "microseconds")
    probe = sample if isinstance(sample, datetime) else datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    return fast if fast(probe) == process(probe) else process


def _json_text(value, cache: dict) -> str:
    """``json.dumps`` once per object (the same response objects recur)."""
    found = cache.get(id(value))
    if found is None or found[0] is not value:
        found = cache[id(value)] = (value, json.dumps(value))
    return found[1]


def _cached(process, cache: dict):
    """A JSON bind processor that serialises each object once (the same response objects recur)."""
    def run(value):
        found = cache.get(id(value))
        if found is None or found[0] is not value:
            found = cache[id(value)] = (value, process(value))
        return found[1]
    return run


# ------------------------------------------------------------------------------ generating
def _clamp(value: float, low: float, high: float) -> float:
    return low if value < low else high if value > high else value


class _Generator:
    def __init__(self, rng: random.Random, now: datetime, days: int, courses: list[_Course], villages, jabatan: set,
                 password_hash: str, with_answers: bool, notice_version: str) -> None:
        self.rng = rng
        self.now = int(now.timestamp())
        self.start = self.now - days * 86400
        self.days = days
        self.courses = courses
        self.password_hash = password_hash
        self.with_answers = with_answers
        self.notice_version = notice_version
        self.villages = self._villages(villages, jabatan)
        self.village_cum = list(accumulate(v.size for v in self.villages))
        self.birth_cum = list(accumulate(w for _n, w in BIRTH_ORDER))
        self.jabatan = jabatan
        self._answers: list[dict] = []  # the current chunk's answer rows

    # -- villages: size, engagement (skewed, some far behind), perangkat share, organisation
    def _villages(self, rows, jabatan: set) -> list[_Village]:
        rng = self.rng
        out = []
        for kode, jenis in rows:
            kec = kode[:8]
            size = rng.lognormvariate(0, 0.55) * (1.7 if jenis == "kelurahan" else 1.0) * KECAMATAN_SIZE.get(kec, 1.0)
            engagement = rng.betavariate(2.0, 1.4)
            joined = rng.uniform(0.0, 0.55)  # share of the programme gone when the village joins
            if rng.random() < LAGGING_VILLAGES:
                engagement *= rng.uniform(0.15, 0.35)
                joined = rng.uniform(0.3, 0.75)
            engagement = _clamp(engagement * KECAMATAN_ENGAGEMENT.get(kec, 1.0), 0.03, 1.0)
            if jenis == "kelurahan":
                positions = KELURAHAN_POSITIONS
            else:
                positions = DESA_POSITIONS["full" if rng.random() < 0.8 else "small"]
            out.append(_Village(kode, jenis, size, engagement, 0.0, [p for p in positions if p in jabatan],
                                MIGRANT_SHARE.get(kec, 0.03), self.start + int(joined * self.days * 86400)))
        mean = sum(v.size for v in out) / len(out)
        for v in out:  # fewer residents, relatively more staff
            v.perangkat_share = (mean / v.size) ** 0.45
        scale = PERANGKAT_SHARE * sum(v.size for v in out) / sum(v.size * v.perangkat_share for v in out)
        for v in out:
            v.perangkat_share = _clamp(v.perangkat_share * scale, 0.08, 0.6)
        return out

    def _position(self, village: _Village) -> str | None:
        village.filled += 1
        if village.filled <= len(village.positions):
            return village.positions[village.filled - 1]
        choices = [(code, w) for code, w in REPEATED_POSITIONS.get(village.jenis, ()) if code in self.jabatan]
        if not choices:
            return "STAF" if "STAF" in self.jabatan else None
        pick = self.rng.random() * sum(w for _c, w in choices)
        for code, weight in choices:
            pick -= weight
            if pick < 0:
                return code
        return choices[-1][0]

    def _name(self, village: _Village) -> str:
        """A Balinese name (birth-order name, sometimes a caste title), or a migrant's in the tourist belt."""
        rng = self.rng
        female = rng.random() < 0.48
        if rng.random() < village.migrant_share:
            return f"{rng.choice(MIGRANT_FIRST)} {rng.choice(MIGRANT_LAST)}"
        if rng.random() < 0.08:
            titles = [t for t, g in TITLED if g == ("f" if female else "m")]
            return f"{rng.choice(titles)} {rng.choice(FEMALE_NAMES if female else MALE_NAMES)}"
        order = BIRTH_ORDER[bisect(self.birth_cum, rng.random() * self.birth_cum[-1])][0]
        if female:
            middle = " Luh" if order in ("Putu", "Wayan", "Gede") and rng.random() < 0.4 else ""
            return f"Ni{middle} {order} {rng.choice(FEMALE_NAMES)}"
        return f"I {order} {rng.choice(MALE_NAMES)}"

    @staticmethod
    def _at(seconds: int) -> datetime:
        return _EPOCH + timedelta(seconds=seconds)  # 5x faster than datetime.fromtimestamp(..., tz)

    # -- one chunk of learners, with every row that belongs to them
    def chunk(self, numbers: range, writer: _Writer) -> dict:
        rng = self.rng
        rows = {name: [] for name, _m in _Writer.ORDER}
        user_ids = writer.ids(User, len(numbers))
        attempt_rows: list[dict] = []
        self._answers = rows["answers"]
        for number, user_id in zip(numbers, user_ids):
            village = self.villages[bisect(self.village_cum, rng.random() * self.village_cum[-1])]
            perangkat = rng.random() < village.perangkat_share
            full_name = self._name(village)
            minor = not perangkat and rng.random() < MINORS
            if perangkat:  # imported by the operator in the first weeks after the village joined
                created = village.joined + int(rng.expovariate(1 / (7 * 86400)))
            else:  # residents register from then on, more of them as the word spreads
                created = village.joined + int((self.now - village.joined) * rng.random() ** 0.7)
            created = min(self._daytime(created), self.now - 3600)
            username = f"{USERNAME_PREFIX}{number:05d}"
            rows["users"].append({
                "id": user_id, "username": username, "full_name": full_name, "email": f"{username}@{EMAIL_DOMAIN}",
                "phone": None, "password_hash": self.password_hash, "role": "learner",
                "kind": "perangkat" if perangkat else "warga",
                "jabatan_kode": self._position(village) if perangkat else None, "desa_kode": village.kode,
                "active": True, "created_at": self._at(created), "session_version": 1, "must_change_password": False,
                "is_adult": not minor, "guardian_name": self._name(village) if minor else None,
                "deletion_requested_at": None, "erased_at": None, "totp_secret": None, "totp_enabled_at": None,
                "totp_last_step": None})
            if not perangkat:  # residents registered themselves and consented to the privacy notice
                rows["consents"].append({"user_id": user_id, "notice_version": self.notice_version,
                                         "consented_at": self._at(created), "guardian_name":
                                         rows["users"][-1]["guardian_name"]})
            motivation = _clamp(village.engagement * rng.lognormvariate(0, 0.4) * (1.3 if perangkat else 1.0),
                                0.02, 1.0)
            ability = rng.betavariate(2 + 4 * motivation, 2)
            self._learner(rows, attempt_rows, user_id, created, perangkat, motivation, ability)
        ids = writer.ids(Attempt, len(attempt_rows))
        for row, attempt_id in zip(attempt_rows, ids):
            row["id"] = attempt_id
        for answer in rows["answers"]:
            answer["attempt_id"] = ids[answer["attempt_id"]]
        rows["attempts"] = attempt_rows
        return rows

    def _courses_for(self, perangkat: bool) -> list[tuple[_Course, bool]]:
        """The courses a learner enrols in, each with whether it was assigned."""
        rng = self.rng
        if perangkat:
            chosen = [(c, c.level == "dasar") for c in self.courses
                      if rng.random() < ENROL_PERANGKAT.get(c.level, 0.5)]
            return chosen or [(rng.choice(self.courses), False)]
        chosen = [(c, False) for c in self.courses
                  if rng.random() < ENROL_WARGA.get(c.level, 0.2) * PILLAR_WARGA.get(c.pillar, 1.0)]
        if not chosen and rng.random() < 0.9:  # the rest registered and never enrolled
            chosen = [(rng.choice(self.courses), False)]
        return chosen

    def _learner(self, rows, attempt_rows, user_id, created, perangkat, motivation, ability) -> None:
        rng = self.rng
        assigned_at = created
        for course, assigned in self._courses_for(perangkat):
            if assigned:  # the operator assigns the basic courses one after another
                assigned_at += int(rng.uniform(0.5, 14) * 86400)
                enrolled = assigned_at = self._daytime(assigned_at)
            else:
                enrolled = self._daytime(created + int(rng.expovariate(1 / ((1 + 8 * (1 - motivation)) * 86400))))
            if enrolled >= self.now:
                continue
            rows["enrollments"].append({
                "user_id": user_id, "course_id": course.id, "source": "assigned" if assigned else "self",
                "enrolled_at": self._at(enrolled), "cohort_rule_id": None,
                "due_at": self._at(enrolled + 45 * 86400) if assigned else None})
            if rng.random() < 0.2 + 0.75 * motivation:
                self._study(rows, attempt_rows, user_id, course, enrolled, motivation, ability)

    def _later(self, t: int, motivation: float) -> int:
        """When the next item is done: often in the same sitting, otherwise days later, in the daytime."""
        rng = self.rng
        if rng.random() < 0.55:
            return t + int(rng.uniform(5, 25) * 60)
        return self._daytime(t + int(rng.expovariate(1 / ((0.5 + 6 * (1 - motivation)) * 86400))) + 3600)

    def _daytime(self, t: int) -> int:
        """Move a moment between 22:00 and 07:00 WITA (UTC+8) to the next morning or day."""
        local = (t + 8 * 3600) % 86400
        if 7 * 3600 <= local < 22 * 3600:
            return t
        return t + (7 * 3600 - local) % 86400 + int(self.rng.random() * 10 * 3600)

    def _study(self, rows, attempt_rows, user_id, course: _Course, t: int, motivation, ability) -> None:
        """Walk through the course in order until the learner stops, runs out of time or finishes."""
        rng = self.rng
        keep_going = 0.86 + 0.13 * motivation
        required, met = course.required, 0
        for index, (kind, item) in enumerate(course.items):
            if index and rng.random() > keep_going:
                return
            t = self._later(t, motivation)
            if t >= self.now:
                return
            if kind == "lesson":
                rows["lesson_progress"].append({"user_id": user_id, "lesson_id": item, "course_id": course.id,
                                                "completed_at": self._at(t)})
                met += 1
            else:
                t = self._take_quiz(attempt_rows, user_id, item, t, motivation, ability)
                if t is None:
                    return
                met += not item.practice
            if met == required and course.lessons:
                # lms.completion's rule is met now: recorded once, with its certificate (practice
                # quizzes after this point change nothing).
                rows["completions"].append({"user_id": user_id, "course_id": course.id,
                                            "completed_at": self._at(t)})
                code = "".join(rng.choice(_CERT_ALPHABET) for _i in range(20))
                rows["certificates"].append({"code": "-".join(code[i:i + 4] for i in range(0, 20, 4)),
                                             "user_id": user_id, "course_id": course.id, "issued_at": self._at(t),
                                             "revoked_at": None})
                met += 1  # never again

    def _take_quiz(self, attempt_rows, user_id, quiz: _Quiz, t: int, motivation, ability) -> int | None:
        """Attempts until passed (the time it was submitted) or given up (None). Practice never blocks."""
        rng = self.rng
        limit = MAX_TRIES if not quiz.max_attempts else min(MAX_TRIES, quiz.max_attempts)
        for attempt_no in range(limit):
            skill = _clamp(ability + 0.1 * attempt_no, 0.0, 0.97)
            result = self._attempt(attempt_rows, user_id, quiz, t, skill)
            if result is None:  # it would be submitted after "now": not yet
                return None
            t, passed = result
            if passed or quiz.practice:
                return t
            if rng.random() > 0.5 + 0.45 * motivation:
                return None
            again = t + int(rng.uniform(10, 90) * 60) if rng.random() < 0.5 else self._later(t, motivation)
            t = max(again, t + (quiz.retry_after_hours or 0) * 3600)
            if t >= self.now:
                return None
        return None

    def _attempt(self, attempt_rows, user_id, quiz: _Quiz, t: int, skill: float) -> tuple[int, bool] | None:
        """One submitted attempt, graded by the real grading function: (submitted time, passed);
        None (and no rows) when it would be submitted after "now"."""
        rng = self.rng
        questions = quiz.questions
        if quiz.questions_per_attempt and quiz.questions_per_attempt < len(questions):
            drawn = set(q.id for q in rng.sample(questions, quiz.questions_per_attempt))
            questions = [q for q in questions if q.id in drawn]
        if quiz.shuffle_questions:
            questions = questions[:]
            rng.shuffle(questions)
        limit = quiz.time_limit_minutes * 60 if quiz.time_limit_minutes else None
        local_id = len(attempt_rows)
        layout, score, max_score, clock = [], 0.0, 0.0, t
        # The hot loop (a million answers for 20,000 learners): locals, no helper calls.
        rnd, shuffle, at = rng.random, quiz.shuffle_choices, self._at
        answers: list = []
        for q in questions:
            if shuffle and q.orders:  # one draw instead of a shuffle; the lists are shared, never changed
                order = q.orders[int(rnd() * len(q.orders))]
            elif shuffle and q.type != "true_false" and len(q.choices) > 6:
                order = q.choices[:]
                rng.shuffle(order)
            else:
                order = q.choices
            layout.append({"question_id": q.id, "choice_ids": order})
            max_score += q.points
            clock += 15 + int(60 * rnd())  # 15-75 seconds a question
            if limit is not None and clock - t >= limit - 5:
                clock = t + limit - 5
            chance = skill - q.difficulty + 0.1
            if rnd() < (0.05 if chance < 0.05 else 0.98 if chance > 0.98 else chance):
                right = q.right
                response, correct, points = right[int(rnd() * len(right))] if len(right) > 1 else right[0]
            elif rnd() < 0.06:
                continue  # left blank: no answer row, graded as wrong
            else:
                response, correct, points = q.answer(*self._wrong(q))
            score += points
            if self.with_answers:
                answers.append({"attempt_id": local_id, "question_id": q.id, "response": response,
                                "saved_at": at(clock), "correct": correct, "points": points})
        submitted = clock + int(rng.uniform(5, 40))
        if limit is not None:
            submitted = min(submitted, t + limit - 1)
        if submitted >= self.now:
            return None
        self._answers.extend(answers)
        percent = round(score * 100.0 / max_score, 1) if max_score else 0.0
        passed = percent >= quiz.pass_percent
        attempt_rows.append({
            "id": None, "quiz_id": quiz.id, "user_id": user_id, "status": "submitted", "practice": quiz.practice,
            "started_at": self._at(t), "deadline": self._at(t + limit) if limit is not None else None,
            "submitted_at": self._at(submitted), "layout": layout, "score": score, "max_score": max_score,
            "percent": percent, "passed": passed})
        return submitted, passed

    def _wrong(self, q: _Question):
        rng = self.rng
        if q.type == "short_text":
            if q.accepted and rng.random() < 0.5:  # a near miss: one letter dropped or swapped
                word = rng.choice(q.accepted)
                cut = rng.randrange(len(word)) if word else 0
                text = word[:cut] + word[cut + 1:] if rng.random() < 0.5 else word[:cut] + "x" + word[cut + 1:]
            else:
                text = rng.choice(WRONG_TEXTS)
            return {"text": text}, text
        if q.type == "multiple" and q.correct:
            chosen = set(q.correct)
            if len(chosen) > 1 and (not q.wrong or rng.random() < 0.6):
                chosen.discard(rng.choice(q.correct))  # missed one
            elif q.wrong:
                chosen.add(rng.choice(q.wrong))  # one too many
            ids = tuple(sorted(chosen))
        elif q.wrong:
            ids = (rng.choice(q.wrong),)
        else:
            ids = tuple(sorted(q.correct))
        return {"choice_ids": list(ids)}, ids


def village_engagement(seed: int) -> dict[str, float]:
    """The engagement factor drawn for each desa/kelurahan with this seed (for docs and tests)."""
    rows = db.session.execute(sa.select(Desa.kode, Desa.jenis).order_by(Desa.kode)).all()
    jabatan = set(db.session.scalars(sa.select(Jabatan.kode)))
    gen = _Generator(random.Random(seed), DEFAULT_NOW, DEFAULT_DAYS, [], rows, jabatan, NO_LOGIN_HASH, False, "")
    return {v.kode: round(v.engagement, 3) for v in gen.villages}

