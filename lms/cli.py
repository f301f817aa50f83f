"""Command-line tools (``flask --app lms ...``): thin wrappers over the services."""
from __future__ import annotations

import json
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app

from lms.errors import LMSError
from lms.extensions import db

# Demonstration accounts for `seed --demo`; never created by a production setup.
DEMO_ACCOUNTS = [
    {"username": "admin", "full_name": "Admin Diskominfo Badung", "role": "admin", "kind": "perangkat",
     "jabatan": "STAF", "desa_kode": None, "password": "Kopi-Kintamani-2026"},
    {"username": "pelatih", "full_name": "Ni Luh Putu Sari", "role": "trainer", "kind": "perangkat",
     "jabatan": "STAF", "desa_kode": None, "password": "Sawah-Hijau-Subak-7"},
    {"username": "peninjau", "full_name": "I Gede Wirawan", "role": "reviewer", "kind": "perangkat",
     "jabatan": "STAF", "desa_kode": None, "password": "Pura-Ulun-Danu-Beratan"},
    {"username": "perangkat", "full_name": "I Made Suardana", "role": "learner", "kind": "perangkat",
     "jabatan": "SEKDES", "desa_kode": "51.03.02.2001", "password": "Kulkul-Banjar-Munggu-9"},
    {"username": "warga", "full_name": "Ni Komang Ayu Lestari", "role": "learner", "kind": "warga",
     "jabatan": None, "desa_kode": "51.03.04.2005", "password": "Jukung-Biru-Getasan-3"},
    {"username": "kelian", "full_name": "I Nyoman Arta", "role": "learner", "kind": "perangkat",
     "jabatan": "KELIAN_BANJAR_DINAS", "desa_kode": "51.03.03.2001", "password": "Canang-Sari-Pagi-8"},
    {"username": "operator", "full_name": "Ni Wayan Sekar", "role": "operator", "kind": "perangkat",
     "jabatan": "STAF", "desa_kode": "51.03.02.2001", "password": "Lontar-Tua-Taman-Ayun"},
]


def content_dir() -> Path:
    return Path(current_app.config.get("COURSE_CONTENT_DIR") or Path(current_app.root_path).parent / "content" / "courses")


def _fail(err: LMSError) -> None:
    db.session.rollback()
    raise click.ClickException(err.message)


def seed_content() -> list[str]:
    """Load regions, jabatan and every course manifest shipped in the repo (idempotent)."""
    from lms.packages import import_package
    from lms.regions.services import load_reference_data

    load_reference_data()
    slugs = []
    for path in sorted(content_dir().glob("*.json")):
        try:
            course = import_package(json.loads(path.read_text(encoding="utf-8")))
        except LMSError as err:
            raise LMSError(f"{path.name}: {err.message}") from err
        slugs.append(course.slug)
    return slugs


def seed_demo_accounts() -> list[tuple[dict, bool]]:
    from lms.auth.models import User
    from lms.auth.services import create_user

    out = []
    for spec in DEMO_ACCOUNTS:
        exists = db.session.scalar(sa.select(User.id).where(User.username == spec["username"]))
        if not exists:
            create_user(**spec)
        out.append((spec, not exists))
    return out


def register(app: Flask) -> None:
    @app.cli.command("seed")
    @click.option("--demo", is_flag=True, help="Also create one demo account per role (for demonstration only).")
    def seed(demo: bool) -> None:
        """Load regions, jabatan and the course manifests in content/courses (idempotent)."""
        try:
            slugs = seed_content()
            accounts = seed_demo_accounts() if demo else []
            db.session.commit()
        except LMSError as err:
            _fail(err)
        click.echo(f"Wilayah dan jabatan dimuat; {len(slugs)} kursus: {', '.join(slugs) or '-'}")
        if accounts:
            click.echo("Akun demo (hanya untuk demonstrasi):")
            for spec, created in accounts:
                note = "" if created else " (sudah ada, tidak diubah)"
                click.echo(f"  {spec['role']:<9} {spec['username']:<10} {spec['password']}{note}")

    @app.cli.command("create-user")
    @click.option("--username", required=True)
    @click.option("--password", required=True)
    @click.option("--role", required=True, type=click.Choice(["learner", "trainer", "reviewer", "operator", "admin"]))
    @click.option("--full-name", default=None, help="Defaults to the username.")
    @click.option("--kind", default="perangkat", type=click.Choice(["perangkat", "warga"]), show_default=True)
    @click.option("--jabatan", default=None, help="Jabatan code, e.g. SEKDES.")
    @click.option("--desa-kode", default=None, help="Kemendagri code, e.g. 51.03.02.2001.")
    def create_user_command(username, password, role, full_name, kind, jabatan, desa_kode) -> None:
        """Create an account."""
        from lms.auth.services import create_user

        try:
            user = create_user(username=username, password=password, role=role, full_name=full_name or username,
                               kind=kind, jabatan=jabatan, desa_kode=desa_kode)
            db.session.commit()
        except LMSError as err:
            _fail(err)
        click.echo(f"Pengguna {user.username} ({user.role}) dibuat, id {user.id}.")

    @app.cli.command("import-course")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def import_course_command(file: Path) -> None:
        """Import (or replace by slug) a course from a JSON manifest FILE."""
        from lms.packages import import_package

        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise click.ClickException(f"{file}: bukan JSON yang valid ({err})") from err
        try:
            course = import_package(data)
            db.session.commit()
        except LMSError as err:
            _fail(err)
        click.echo(f"Kursus {course.slug} diimpor (id {course.id}).")

    @app.cli.command("close-overdue-attempts")
    def close_overdue_attempts_command() -> None:
        """Grade every open quiz attempt whose deadline has passed, with the answers saved in time."""
        from lms.quizzes.services import close_overdue_attempts

        closed = close_overdue_attempts()
        db.session.commit()
        click.echo(f"{closed} percobaan lewat batas waktu ditutup dan dinilai.")

    @app.cli.command("import-users")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Only check the file; write nothing.")
    @click.option("--as-user", "as_username", default=None, help="Admin recorded in the audit log (default: first admin).")
    @click.option("--passwords-out", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help="Write the initial passwords to this CSV file instead of printing them.")
    def import_users_command(file: Path, dry_run: bool, as_username: str | None, passwords_out: Path | None) -> None:
        """Import people from a CSV or XLSX FILE (columns: username, nama_lengkap, jabatan, kode_desa,
        telepon, email, peran, jenis); every row is checked first and nothing is written unless all are good."""
        from lms.auth.models import User
        from lms.people.importer import credentials_csv, import_people

        stmt = sa.select(User).where(User.role == "admin", User.active.is_(True)).order_by(User.id)
        if as_username:
            stmt = sa.select(User).where(User.username == as_username, User.role == "admin")
        admin = db.session.scalar(stmt)
        if admin is None:
            raise click.ClickException("Tidak ada admin untuk dicatat di log audit (buat dengan create-user).")
        result = import_people(file.read_bytes(), by=admin, dry_run=dry_run)
        for error in result.errors:
            click.echo(f"baris {error.line}, kolom {error.field}: {error.message}", err=True)
        if result.errors:
            db.session.rollback()
            raise click.ClickException(f"{len(result.errors)} masalah di {result.rows} baris; tidak ada yang disimpan.")
        db.session.commit()
        if dry_run:
            click.echo(f"{result.rows} baris diperiksa, tidak ada masalah (uji coba: tidak ada yang disimpan).")
            return
        text = credentials_csv(result.created)
        if passwords_out:
            passwords_out.write_text("\ufeff" + text, encoding="utf-8")
            click.echo(f"{len(result.created)} akun dibuat; kata sandi awal di {passwords_out}.")
        else:
            click.echo(f"{len(result.created)} akun dibuat. Kata sandi awal (tampil sekali):")
            click.echo(text)

    @app.cli.command("rebuild-report-rollup")
    @click.option("--check", is_flag=True, help="Then compare every report figure with the direct queries.")
    def rebuild_report_rollup_command(check) -> None:
        """Recompute the report rollup from the base tables (after a bulk load or an LMS_TIMEZONE change)."""
        import time

        from lms.reports import direct, rollup
        from lms.reports.queries import Filters

        started = time.perf_counter()
        conn = db.session.connection()
        rollup.install_triggers(conn)  # also repairs triggers lost when a migration rebuilt a table
        counts = rollup.rebuild(conn)
        db.session.commit()
        click.echo(", ".join(f"{name}: {n}" for name, n in counts.items())
                   + f" ({time.perf_counter() - started:.1f} s)")
        if check:
            problems = direct.differences(Filters())
            if problems:
                raise click.ClickException("\n".join(problems))
            click.echo("Angka laporan dari rollup sama dengan hitungan langsung.")

    @app.cli.command("generate-demo-data")
    @click.option("--learners", default=1000, show_default=True, type=click.IntRange(0, 10_000_000))
    @click.option("--seed", default=1, show_default=True, type=int, help="Same learners and seed give the same data.")
    @click.option("--now", "now_text", default=None, help="ISO date/time the data ends at (default 2026-11-28 UTC).")
    @click.option("--days", default=120, show_default=True, type=click.IntRange(1, 3650), help="Programme length.")
    @click.option("--password", default=None, help="Let every generated learner log in with this password.")
    @click.option("--clear", is_flag=True, help="First delete previously generated people (only those).")
    @click.option("--no-answers", is_flag=True, help="Skip the answer rows (attempts keep their scores).")
    def generate_demo_data_command(learners, seed, now_text, days, password, clear, no_answers) -> None:
        """Generate demo learners (demo-00001, ...) with enrolments, progress, quiz attempts and completions."""
        import time

        from lms import demodata

        def progress(done: int, total: int) -> None:
            if total >= 50_000 and done % 10_000 == 0:
                click.echo(f"  {done}/{total} peserta ({time.perf_counter() - started:.0f} detik)", err=True)

        started = time.perf_counter()
        try:
            counts = demodata.generate(learners, seed, now=demodata.parse_now(now_text), days=days,
                                       password=password, clear=clear, answers=not no_answers, progress=progress)
            db.session.commit()
        except LMSError as err:
            _fail(err)
        seconds = time.perf_counter() - started
        lines = [f"{counts['removed']} orang data demo lama dihapus"] if counts["removed"] or not learners else []
        if learners:
            lines.append(f"{counts['learners']} peserta ({counts['perangkat']} perangkat, {counts['warga']} warga), "
                         f"{counts['enrollments']} pendaftaran, {counts['lesson_progress']} pelajaran selesai, "
                         f"{counts['attempts']} percobaan kuis, {counts['answers']} jawaban, "
                         f"{counts['completions']} kursus tuntas dengan sertifikat")
        click.echo(".\n".join(lines) + f"; {seconds:.1f} detik.")
