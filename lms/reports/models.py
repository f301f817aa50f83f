"""The report rollup: small tables the Kominfo reports read instead of scanning every learner.

Four rollups hold the sums the reports need; two state tables hold, per learner and per
learner–course pair, what each one contributes, so a change is applied as "take the old
contribution out, put the new one in" (lms/reports/rollup.py); a queue names the learners whose
contribution changed in the current transaction (filled by database triggers).

Region and jabatan keys use '' for "none": a unique key treats NULLs as distinct, and the
upserts that keep the sums need one row per key.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db

NONE = ""  # the key of learners without a desa or a jabatan


class ReportDirty(db.Model):
    """A learner whose contribution to the rollups must be recomputed before the transaction commits."""

    __tablename__ = "report_dirty"

    user_id: so.Mapped[int] = so.mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    # Bumped when the row is marked again, so that a concurrent writer waits for the row lock.
    hits: so.Mapped[int] = so.mapped_column(sa.Integer, default=0, server_default="0")


class LearnerState(db.Model):
    """A counted learner (active, role learner) as the rollups last saw them."""

    __tablename__ = "report_learner_state"

    user_id: so.Mapped[int] = so.mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    desa_kode: so.Mapped[str] = so.mapped_column(sa.String(13))
    jabatan_kode: so.Mapped[str] = so.mapped_column(sa.String(40))
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    # Bit per pillar (cakap 1, etika 2, budaya 4, aman 8) of the non-draft courses they are enrolled in.
    pillars: so.Mapped[int] = so.mapped_column(sa.Integer)


class PairState(db.Model):
    """What a counted learner has done in one course (enrolled or not), as the rollups last saw it."""

    __tablename__ = "report_pair_state"

    user_id: so.Mapped[int] = so.mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    course_id: so.Mapped[int] = so.mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    enrolled: so.Mapped[int] = so.mapped_column(sa.SmallInteger)
    started: so.Mapped[int] = so.mapped_column(sa.SmallInteger)  # a completed lesson or a submitted attempt
    completed_day: so.Mapped[date | None] = so.mapped_column(sa.Date)  # local (WITA) day of the completion
    best_tenths: so.Mapped[int] = so.mapped_column(sa.BigInteger)  # Σ best percent × 10 over scored quizzes
    best_pairs: so.Mapped[int] = so.mapped_column(sa.Integer)  # scored quizzes with a submitted attempt
    passed_pairs: so.Mapped[int] = so.mapped_column(sa.Integer)  # ... of which one attempt passed
    minutes: so.Mapped[int] = so.mapped_column(sa.Integer)  # estimated minutes of the completed lessons


class CourseRollup(db.Model):
    """Per course × desa × jabatan × kind: the completion report's sums."""

    __tablename__ = "report_rollup"

    course_id: so.Mapped[int] = so.mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    desa_kode: so.Mapped[str] = so.mapped_column(sa.String(13), primary_key=True)
    jabatan_kode: so.Mapped[str] = so.mapped_column(sa.String(40), primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(20), primary_key=True)
    enrolled: so.Mapped[int] = so.mapped_column(sa.Integer)
    started: so.Mapped[int] = so.mapped_column(sa.Integer)
    completed: so.Mapped[int] = so.mapped_column(sa.Integer)
    best_tenths: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    best_pairs: so.Mapped[int] = so.mapped_column(sa.Integer)
    passed_pairs: so.Mapped[int] = so.mapped_column(sa.Integer)
    minutes: so.Mapped[int] = so.mapped_column(sa.BigInteger)


class PeopleRollup(db.Model):
    """Counted learners per desa × jabatan × kind × set of pillars enrolled in."""

    __tablename__ = "report_rollup_people"

    desa_kode: so.Mapped[str] = so.mapped_column(sa.String(13), primary_key=True)
    jabatan_kode: so.Mapped[str] = so.mapped_column(sa.String(40), primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(20), primary_key=True)
    pillars: so.Mapped[int] = so.mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    learners: so.Mapped[int] = so.mapped_column(sa.Integer)


class DayRollup(db.Model):
    """Course completions per local day × course × desa × jabatan × kind (the days at the edges of a date range)."""

    __tablename__ = "report_rollup_day"

    day: so.Mapped[date] = so.mapped_column(sa.Date, primary_key=True)
    course_id: so.Mapped[int] = so.mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    desa_kode: so.Mapped[str] = so.mapped_column(sa.String(13), primary_key=True)
    jabatan_kode: so.Mapped[str] = so.mapped_column(sa.String(40), primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(20), primary_key=True)
    completions: so.Mapped[int] = so.mapped_column(sa.Integer)  # every completion
    completions_enrolled: so.Mapped[int] = so.mapped_column(sa.Integer)  # those of an enrolment (the report's)


class WeekRollup(db.Model):
    """The same per week (Monday of the local day): the weekly trend, and the whole weeks of a date range."""

    __tablename__ = "report_rollup_week"

    week: so.Mapped[date] = so.mapped_column(sa.Date, primary_key=True)
    course_id: so.Mapped[int] = so.mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    desa_kode: so.Mapped[str] = so.mapped_column(sa.String(13), primary_key=True)
    jabatan_kode: so.Mapped[str] = so.mapped_column(sa.String(40), primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(20), primary_key=True)
    completions: so.Mapped[int] = so.mapped_column(sa.Integer)
    completions_enrolled: so.Mapped[int] = so.mapped_column(sa.Integer)
