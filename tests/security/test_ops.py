"""The health check and the backup/restore commands (SQLite here; PostgreSQL with TEST_DATABASE_URL)."""
from __future__ import annotations

import click
import pytest
import sqlalchemy as sa

from lms import create_app, ops
from tests.conftest import Config, FreshContextClient
from tests.factories import make_course, make_user


@pytest.fixture(scope="module")
def ops_app(app):
    """The suite's app when the factory registers ops already, else a fresh app with ops added."""
    if "ops" in app.blueprints and "backup" in app.cli.commands:
        yield app
        return
    fresh = create_app(Config)
    fresh.test_client_class = FreshContextClient
    if "ops" not in fresh.blueprints:
        fresh.register_blueprint(ops.bp)
    if "backup" not in fresh.cli.commands:
        ops.register_ops_commands(fresh)
    yield fresh
    with fresh.app_context():
        ops.db.engine.dispose()


@pytest.fixture
def ctx(ops_app, db):
    """Work inside the ops app (its engine), after the suite's clean-database fixture."""
    with ops_app.app_context():
        yield db
        db.session.rollback()
        db.session.remove()


@pytest.fixture
def ops_client(ops_app):
    return ops_app.test_client()


@pytest.fixture
def ops_runner(ops_app):
    return ops_app.test_cli_runner()


# --- /healthz -------------------------------------------------------------------------------

def test_healthz_ok_without_redis(ops_app, ops_client, monkeypatch):
    monkeypatch.setitem(ops_app.config, "REDIS_URL", None)
    response = ops_client.get("/healthz")  # public: no login
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "not_configured"}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_503_when_the_database_fails(ops_app, ops_client, monkeypatch):
    monkeypatch.setitem(ops_app.config, "REDIS_URL", None)

    def broken(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(type(ops.db.session), "execute", broken)
    response = ops_client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "error", "redis": "not_configured"}


def test_healthz_checks_redis(ops_app, ops_client, monkeypatch):
    monkeypatch.setitem(ops_app.config, "REDIS_URL", "redis://127.0.0.1:6379/0")
    response = ops_client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "ok"}

    monkeypatch.setitem(ops_app.config, "REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    response = ops_client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "ok", "redis": "error"}


# --- backup and restore ---------------------------------------------------------------------

def _snapshot(db) -> dict[str, list[tuple]]:
    """Every table's rows, in primary-key order."""
    db.session.expire_all()
    out = {}
    for table in db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        out[table.name] = [tuple(row) for row in db.session.execute(sa.select(table).order_by(*order))]
    db.session.rollback()
    return out


def _fill(db):
    author = make_user("trainer")
    learners = [make_user() for _ in range(2)]
    courses = [make_course(author=author) for _ in range(2)]
    return author, learners, courses


def test_backup_and_restore_round_trip(ctx, ops_runner, tmp_path, is_postgres):
    db = ctx
    _, _, courses = _fill(db)
    before = _snapshot(db)
    assert before["user"] and before["course"] and before["lesson"] and before["desa"]
    path = tmp_path / "cadangan.db"

    result = ops_runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert path.read_bytes().startswith(b"PGDMP" if is_postgres else b"SQLite format 3\x00")

    make_user(username="baru.setelah.cadangan")
    db.session.delete(db.session.get(type(courses[0]), courses[0].id))
    db.session.commit()
    assert _snapshot(db) != before

    result = ops_runner.invoke(args=["restore", "--yes", str(path)])
    assert result.exit_code == 0, result.output
    assert _snapshot(db) == before


def test_restore_asks_first_and_aborts_on_no(ctx, ops_runner, tmp_path):
    db = ctx
    _fill(db)
    path = tmp_path / "cadangan.db"
    assert ops_runner.invoke(args=["backup", str(path)]).exit_code == 0
    make_user(username="tetap.ada")
    after = _snapshot(db)

    result = ops_runner.invoke(args=["restore", str(path)], input="n\n")
    assert result.exit_code == 1
    assert "Lanjutkan?" in result.output and "Aborted" in result.output
    assert _snapshot(db) == after  # nothing restored


def test_restore_refuses_a_file_that_is_not_a_backup(ctx, ops_runner, tmp_path, is_postgres):
    db = ctx
    make_user()
    before = _snapshot(db)
    junk = tmp_path / "bukan-cadangan.db"
    junk.write_bytes(b"this is not a database backup" * 200)
    result = ops_runner.invoke(args=["restore", "--yes", str(junk)])
    assert result.exit_code == 1
    assert "Error:" in result.output
    assert _snapshot(db) == before


def test_missing_pg_tools_give_a_clear_error(monkeypatch):
    monkeypatch.setattr(ops.shutil, "which", lambda name: None)
    with pytest.raises(click.ClickException, match="pg_dump tidak ditemukan"):
        ops._pg_command("pg_dump")


def test_pg_password_goes_through_the_environment_not_the_command_line(ops_app, monkeypatch):
    url = sa.make_url("postgresql+psycopg://bob:s%40cret@db.example:5433/lms?sslmode=require")
    monkeypatch.setattr(type(ops.db), "engine", property(lambda self: type("E", (), {"url": url})()))
    target, env = ops._pg_target()
    assert target == "postgresql://bob@db.example:5433/lms?sslmode=require"
    assert env["PGPASSWORD"] == "s@cret"
