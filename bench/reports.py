"""``make bench-reports``: the Kominfo report queries alone, at 20,000, 100,000 and 1,000,000 learners.

Builds its own PostgreSQL database (``cakap_bench_reports``, dropped first), migrates it, seeds the
curriculum, then grows the population size by size: the first size with ``lms.demodata`` (the
app's own generator, which rebuilds the rollup once it has written), the larger ones with the
set-based filler (bench/reports_fill.py) followed by a full rollup rebuild. At each size it
times every report query several times (p50/p95 of wall time, the Python code included), the
same figures computed directly from the base tables (the pre-rollup queries, fewer
repetitions), and the upkeep a learner's action now pays (completing a lesson, commit included).
Results: a table on stdout and ``bench/results/reports-<date>.json``.

Run with the app's venv: ``python -m bench.reports --sizes 20000,100000,1000000``.
PostgreSQL from PGHOST/PGPORT/PGUSER (default 127.0.0.1:5432, postgres), as the other benches.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

RESULTS = Path(__file__).resolve().parent / "results"
MENGWI = "51.03.02"


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1)."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


def database_url(name: str) -> str:
    host, port = os.environ.get("PGHOST", "127.0.0.1"), os.environ.get("PGPORT", "5432")
    return f"postgresql+psycopg://{os.environ.get('PGUSER', 'postgres')}@{host}:{port}/{name}"


def recreate_database(name: str) -> None:
    admin = sa.create_engine(database_url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def make_app(url: str):
    from config import Config
    from lms import create_app

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url
        SECRET_KEY = "bench-reports-only"
        RATELIMIT_ENABLED = False

    return create_app(BenchConfig)


def queries_to_time() -> tuple[list, list]:
    """(name, function) of the report figures, through the rollup and directly from the base tables."""
    from lms.reports import direct, queries, services
    from lms.reports.queries import Filters

    today = date.today()
    month = Filters(date_from=today - timedelta(days=30), date_to=today)
    rollup = [
        ("dashboard (4 groupings, kinds, trend)", lambda: services.dashboard(Filters())),
        ("completion by kecamatan", lambda: queries.completion_report(Filters(), "kecamatan")),
        ("completion by desa", lambda: queries.completion_report(Filters(), "desa")),
        ("desa of one kecamatan", lambda: queries.completion_report(Filters(kecamatan_kode=MENGWI), "desa")),
        ("by course, last 30 days", lambda: queries.completion_report(month, "course")),
        ("literacy map", lambda: queries.literacy_map(Filters())),
    ]
    base = [
        ("completion by kecamatan", lambda: direct.completion_report(Filters(), "kecamatan")),
        ("completion by desa", lambda: direct.completion_report(Filters(), "desa")),
        ("dashboard (4 groupings, kinds, trend)", lambda: (
            [direct.completion_report(Filters(), g) for g in ("kecamatan", "course", "jabatan", "pillar")],
            direct.learners_by_kind(Filters()), direct.completions_per_week(Filters()))),
    ]
    return rollup, base


def time_calls(fn, reps: int) -> dict:
    from lms.extensions import db

    fn()  # warm-up: plans, caches, first connection
    db.session.rollback()
    samples = []
    for _ in range(reps):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
        db.session.rollback()
    return {"p50_ms": round(percentile(samples, 0.5), 1), "p95_ms": round(percentile(samples, 0.95), 1),
            "reps": reps}


def upkeep(samples: int, seed: int) -> dict:
    """A learner completes a lesson (the app's service, then commit): the write with the rollup's upkeep."""
    from lms.auth.models import User
    from lms.courses.models import Enrollment, Lesson, LessonProgress
    from lms.courses.services import complete_lesson
    from lms.extensions import db
    from lms.reports import rollup

    rng = random.Random(seed)
    missing = (sa.select(Enrollment.user_id, Lesson.id).join(Lesson, Lesson.course_id == Enrollment.course_id)
               .where(~sa.select(LessonProgress.id).where(LessonProgress.user_id == Enrollment.user_id,
                                                          LessonProgress.lesson_id == Lesson.id).exists())
               .where(Enrollment.user_id % 97 == rng.randrange(97)).limit(samples * 4))
    pairs = db.session.execute(missing).all()
    rng.shuffle(pairs)
    write, drain = [], []
    for user_id, lesson_id in pairs[:samples]:
        user, lesson = db.session.get(User, user_id), db.session.get(Lesson, lesson_id)
        started = time.perf_counter()
        complete_lesson(user, lesson)
        db.session.flush()
        flushed = time.perf_counter()
        rollup.drain(db.session.connection())
        drained = time.perf_counter()
        db.session.commit()
        write.append((time.perf_counter() - started) * 1000)
        drain.append((drained - flushed) * 1000)
    return {"samples": len(write), "complete_lesson_commit_p50_ms": round(percentile(write, 0.5), 1),
            "complete_lesson_commit_p95_ms": round(percentile(write, 0.95), 1),
            "rollup_upkeep_p50_ms": round(percentile(drain, 0.5), 1),
            "rollup_upkeep_p95_ms": round(percentile(drain, 0.95), 1)}


def row_counts() -> dict:
    from lms.extensions import db

    tables = ("user", "enrollment", "lesson_progress", "attempt", "course_completion", "report_pair_state",
              "report_rollup", "report_rollup_people", "report_rollup_day", "report_rollup_week")
    return {t: db.session.scalar(sa.text(f'SELECT count(*) FROM "{t}"')) for t in tables}


def vacuum_analyze(url: str) -> None:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
    engine.dispose()


def grow(size: int, seed: int, use_demodata: bool, log) -> dict:
    """Add learners up to ``size``; return how, how long, and the rebuild time."""
    from lms.extensions import db
    from lms.reports import rollup

    from bench import reports_fill

    have = db.session.scalar(sa.text("SELECT count(*) FROM \"user\" WHERE role = 'learner'"))
    add = size - have
    out = {"added": add}
    if add <= 0:
        return out
    started = time.perf_counter()
    if use_demodata:
        from lms import demodata

        counts = demodata.generate(add, seed, answers=False)
        generated = time.perf_counter()
        db.session.commit()
        out.update(how="lms.demodata.generate (answers off; it rebuilds the rollup itself) + commit",
                   generate_s=round(generated - started, 1), commit_s=round(time.perf_counter() - generated, 1),
                   counts=counts)
    else:
        out.update(how="bench/reports_fill.py (set-based SQL, triggers off) + rollup.rebuild",
                   steps_s=reports_fill.fill(db.session, add, seed=seed / 1000, log=log))
        db.session.commit()
    out["fill_s"] = round(time.perf_counter() - started, 1)
    began = time.perf_counter()
    out["rebuild_rows"] = rollup.rebuild(db.session.connection())
    db.session.commit()
    out["rebuild_s"] = round(time.perf_counter() - began, 1)
    return out


def run(args) -> dict:
    from flask_migrate import upgrade

    from lms.cli import seed_content
    from lms.extensions import db
    from lms.reports.queries import Filters

    url = database_url(args.database)
    log = (lambda text: print(text, flush=True))
    log(f"bench-reports: fresh database {args.database}")
    recreate_database(args.database)
    app = make_app(url)
    report = {"date": date.today().isoformat(), "sizes": [], "machine": {
        "cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}}
    with app.app_context():
        upgrade()
        seed_content()
        db.session.commit()
        report["machine"]["postgresql"] = db.session.scalar(sa.text("SHOW server_version"))
        report["machine"]["pg_settings"] = {name: db.session.scalar(sa.text(f"SHOW {name}")) for name in (
            "shared_buffers", "work_mem", "effective_cache_size", "max_parallel_workers_per_gather")}
        rollup_queries, direct_queries = queries_to_time()
        for i, size in enumerate(args.sizes):
            log(f"== {size:,} learners")
            grown = grow(size, args.seed, i == 0 and not args.no_demodata, log)
            vacuum_analyze(url)
            db.session.remove()
            entry = {"learners": size, "grow": grown, "rows": row_counts()}
            log(f"  rows: {entry['rows']}; fill {grown.get('fill_s')} s, rebuild {grown.get('rebuild_s')} s")
            entry["rollup"] = {}
            for name, fn in rollup_queries:
                entry["rollup"][name] = time_calls(fn, args.reps)
                log(f"  {name}: {entry['rollup'][name]}")
            entry["direct"] = {}
            for name, fn in direct_queries:
                entry["direct"][name] = time_calls(fn, args.direct_reps)
                log(f"  direct {name}: {entry['direct'][name]}")
            from lms.reports import direct, queries

            entry["identical_to_direct"] = all(
                queries.completion_report(Filters(), g).as_dict() == direct.completion_report(Filters(), g).as_dict()
                for g in ("kecamatan", "desa", "course", "jabatan", "pillar"))
            db.session.rollback()
            entry["upkeep"] = upkeep(args.upkeep, args.seed)
            log(f"  identical to direct: {entry['identical_to_direct']}; upkeep {entry['upkeep']}")
            report["sizes"].append(entry)
    return report


def summary(report: dict) -> str:
    sizes = report["sizes"]
    first = sizes[0]
    head = f"{'report query (p50 / p95 ms)':40}" + "".join(f"{s['learners']:>20,}" for s in sizes) + \
        f"{'growth p50':>14}"
    lines = [head, "-" * len(head)]
    for kind in ("rollup", "direct"):
        for name in first[kind]:
            cells = "".join(f"{s[kind][name]['p50_ms']:>11} / {s[kind][name]['p95_ms']:<6}" for s in sizes)
            growth = sizes[-1][kind][name]["p50_ms"] / max(first[kind][name]["p50_ms"], 0.1)
            label = name if kind == "rollup" else f"{name} [direct]"
            lines.append(f"{label[:40]:40}{cells}{growth:>13.1f}x")
    cells = "".join(f"{s['upkeep']['rollup_upkeep_p50_ms']:>11} / {s['upkeep']['rollup_upkeep_p95_ms']:<6}"
                    for s in sizes)
    lines.append(f"{'upkeep per lesson completion':40}{cells}")
    lines.append(f"{'identical to the direct queries':40}" + "".join(f"{str(s['identical_to_direct']):>20}"
                                                                    for s in sizes))
    lines.append(f"{'fill + rebuild (s)':40}" + "".join(
        f"{s['grow'].get('fill_s', 0):>11} + {s['grow'].get('rebuild_s', 0):<6}" for s in sizes))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="20000,100000,1000000",
                        type=lambda v: sorted(int(x) for x in v.split(",") if x.strip()))
    parser.add_argument("--reps", type=int, default=21, help="repetitions of each rollup-based query")
    parser.add_argument("--direct-reps", type=int, default=3, help="repetitions of each direct query")
    parser.add_argument("--upkeep", type=int, default=40, help="lesson completions timed per size")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--database", default="cakap_bench_reports")
    parser.add_argument("--no-demodata", action="store_true", help="fill the first size with SQL too")
    args = parser.parse_args(argv)
    report = run(args)
    report["summary"] = summary(report)
    print()
    print(report["summary"])
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"reports-{report['date']}.json"
    path.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwritten {path.relative_to(RESULTS.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
