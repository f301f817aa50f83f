"""Command-line tools."""
import json

import sqlalchemy as sa

from lms.auth.models import User
from lms.courses.models import Course, Lesson
from lms.regions.models import Desa, Jabatan, Kecamatan
from tests.factories import manifest


def _counts(db):
    return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Kecamatan, Desa, Jabatan, User, Course, Lesson)}


def test_reference_data_is_all_of_badung(db):
    """6 kecamatan, 62 desa/kelurahan (46 desa + 16 kelurahan), 16 jabatan."""
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Kecamatan)) == 6
    jenis = dict(db.session.execute(sa.select(Desa.jenis, sa.func.count()).group_by(Desa.jenis)).all())
    assert jenis == {"desa": 46, "kelurahan": 16}
    assert db.session.get(Desa, "51.03.02.2001").nama == "Munggu"
    assert db.session.get(Desa, "51.03.02.2001").kecamatan.nama == "Mengwi"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Jabatan)) == 16


def test_seed_demo_is_idempotent(runner, db):
    """Running ``seed --demo`` twice changes nothing the second time."""
    first = runner.invoke(args=["seed", "--demo"])
    assert first.exit_code == 0, first.output
    assert "Kopi-Kintamani-2026" in first.output
    before = _counts(db)
    assert before["User"] == 7 and before["Course"] >= 1
    second = runner.invoke(args=["seed", "--demo"])
    assert second.exit_code == 0, second.output
    assert _counts(db) == before
    roles = set(db.session.scalars(sa.select(User.role)))
    assert roles == {"learner", "trainer", "reviewer", "operator", "admin"}


def test_seed_without_demo_creates_no_accounts(runner, db):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_create_user_command(runner, db):
    result = runner.invoke(args=["create-user", "--username", "wayan", "--password", "sandi-panjang-sekali",
                                 "--role", "trainer", "--full-name", "I Wayan Guru", "--desa-kode", "51.03.01.1002"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.username == "wayan"))
    assert user.role == "trainer" and user.full_name == "I Wayan Guru" and user.desa.nama == "Kuta"


def test_create_user_command_reports_bad_input(runner, db):
    result = runner.invoke(args=["create-user", "--username", "wayan", "--password", "pendek", "--role", "learner"])
    assert result.exit_code != 0 and "password" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_import_course_command(runner, db, tmp_path):
    path = tmp_path / "kursus.json"
    path.write_text(json.dumps(manifest("dari-berkas")), encoding="utf-8")
    result = runner.invoke(args=["import-course", str(path)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(Course.slug)) == "dari-berkas"


def test_import_course_command_rejects_bad_files(runner, db, tmp_path):
    bad_json = tmp_path / "rusak.json"
    bad_json.write_text("{bukan json", encoding="utf-8")
    assert runner.invoke(args=["import-course", str(bad_json)]).exit_code != 0
    bad = manifest("x")
    bad["course"]["pillar"] = "lain"
    bad_manifest = tmp_path / "salah.json"
    bad_manifest.write_text(json.dumps(bad), encoding="utf-8")
    result = runner.invoke(args=["import-course", str(bad_manifest)])
    assert result.exit_code != 0 and "course.pillar" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Course)) == 0
