"""Operations: a health check for load balancers and monitors, and database backup/restore commands."""
from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, jsonify

from lms.extensions import db

log = logging.getLogger(__name__)

bp = Blueprint("ops", __name__)


def _check_database() -> str:
    try:
        db.session.execute(sa.text("SELECT 1"))
        return "ok"
    except Exception:  # noqa: BLE001 - any failure means "not healthy", never a 500
        log.warning("health check: database unavailable", exc_info=True)
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001
            pass
        return "error"


def _check_redis(url: str | None) -> str:
    if not url:
        return "not_configured"
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
        return "ok"
    except Exception:  # noqa: BLE001
        log.warning("health check: redis unavailable", exc_info=True)
        return "error"


@bp.get("/healthz")
def healthz():
    """Anyone: 200 when the database (and Redis, if configured) answer, else 503 naming the failing part."""
    parts = {"database": _check_database(), "redis": _check_redis(current_app.config.get("REDIS_URL"))}
    healthy = "error" not in parts.values()
    response = jsonify({"status": "ok" if healthy else "error", **parts})
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


# --- backup and restore -------------------------------------------------------------------

def _pg_command(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        raise click.ClickException(f"{program} tidak ditemukan; pasang klien PostgreSQL (paket postgresql-client).")
    return path


def _pg_target() -> tuple[str, dict]:
    """The libpq URL of the live database (no driver suffix) and an environment carrying its password.

    The password goes through PGPASSWORD so that it never appears in the process list.
    """
    url = db.engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    target = sa.engine.URL.create("postgresql", username=url.username, host=url.host, port=url.port,
                                  database=url.database, query=url.query)
    return target.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise click.ClickException(f"{Path(args[0]).name} gagal ({result.returncode}): {result.stderr.strip()}")


def _release_connections() -> None:
    """End this process's session and pooled connections, so that none holds a lock during a restore."""
    db.session.remove()
    db.engine.dispose()


def _sqlite_copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    try:
        source.backup(target)
    except sqlite3.Error as err:
        raise click.ClickException(f"SQLite: {err}") from err


def backup_sqlite(path: Path) -> None:
    """Copy the live SQLite database to ``path`` with the online backup API (safe while in use)."""
    fd, tmp = tempfile.mkstemp(prefix=".backup-", suffix=".db", dir=path.parent)
    os.close(fd)
    raw = db.engine.raw_connection()
    try:
        target = sqlite3.connect(tmp)
        try:
            _sqlite_copy(raw.driver_connection, target)
            target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        finally:
            target.close()
        os.replace(tmp, path)
    finally:
        raw.close()
        if os.path.exists(tmp):
            os.unlink(tmp)


def restore_sqlite(path: Path) -> None:
    """Copy the backup at ``path`` over the live SQLite database."""
    try:
        source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as err:
        raise click.ClickException(f"{path} bukan cadangan SQLite yang valid ({err}).") from err
    _release_connections()
    raw = db.engine.raw_connection()
    try:
        _sqlite_copy(source, raw.driver_connection)
    finally:
        source.close()
        raw.close()
        db.engine.dispose()


def backup_postgresql(path: Path) -> None:
    """Dump the live PostgreSQL database to ``path`` in pg_dump's custom format."""
    pg_dump = _pg_command("pg_dump")
    url, env = _pg_target()
    fd, tmp = tempfile.mkstemp(prefix=".backup-", suffix=".dump", dir=path.parent)
    os.close(fd)
    try:
        _run([pg_dump, "--format=custom", "--file", tmp, url], env)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def restore_postgresql(path: Path) -> None:
    """Restore a pg_dump custom-format file over the live database, in one transaction."""
    pg_restore = _pg_command("pg_restore")
    url, env = _pg_target()
    _release_connections()
    _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--dbname", url, str(path)],
         env)


def _dialect() -> str:
    name = db.engine.dialect.name
    if name not in ("sqlite", "postgresql"):
        raise click.ClickException(f"Basis data {name} tidak didukung (hanya SQLite dan PostgreSQL).")
    return name


def register_ops_commands(app: Flask) -> None:
    """Add ``flask backup PATH`` and ``flask restore PATH [--yes]``."""

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
    def backup_command(path: Path) -> None:
        """Back up the database to PATH (SQLite: a database file; PostgreSQL: a pg_dump custom-format file)."""
        path = path.resolve()
        if not path.parent.is_dir():
            raise click.ClickException(f"Folder {path.parent} tidak ada.")
        (backup_sqlite if _dialect() == "sqlite" else backup_postgresql)(path)
        click.echo(f"Cadangan basis data disimpan di {path}.")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    def restore_command(path: Path, yes: bool) -> None:
        """Replace the whole database with the backup at PATH (every change since the backup is lost)."""
        dialect = _dialect()
        if not yes:
            click.confirm(f"Semua data saat ini akan diganti dengan isi {path}. Lanjutkan?", abort=True)
        (restore_sqlite if dialect == "sqlite" else restore_postgresql)(path)
        click.echo(f"Basis data dipulihkan dari {path}.")
