"""Bulk import through the API (text/csv) and the command line."""
import sqlalchemy as sa

from lms.auth.models import User
from tests.factories import make_user

GOOD = ("username,nama_lengkap,jabatan,kode_desa,telepon,email,peran,jenis\r\n"
        "wayan.sekdes,I Wayan Sekdes,SEKDES,51.03.02.2001,0812-3456-7001,,learner,perangkat\r\n"
        "made.kaur,Ni Made Kaur,KAUR_KEUANGAN,51.03.02.2001,,made@example.org,,\r\n")
BAD = GOOD + "ketut,Ketut Salah,RAJA,51.03.99.9999,,,,\r\n"


def _count(db):
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def test_dry_run_reports_and_writes_nothing(client, api, db):
    headers = {**api.as_user(make_user("admin")), "Content-Type": "text/csv"}
    before = _count(db)
    response = client.post("/api/v1/users/import?dry_run=1", data=BAD.encode(), headers=headers)
    body = response.get_json()
    assert response.status_code == 200 and body["created"] == 0 and body["rows"] == 3
    assert {(e["line"], e["field"]) for e in body["errors"]} == {(4, "jabatan"), (4, "kode_desa")}
    assert _count(db) == before


def test_import_with_errors_is_422_and_writes_nothing(client, api, db):
    headers = {**api.as_user(make_user("admin")), "Content-Type": "text/csv"}
    before = _count(db)
    response = client.post("/api/v1/users/import", data=BAD.encode(), headers=headers)
    assert response.status_code == 422 and len(response.get_json()["errors"]) == 2
    assert _count(db) == before


def test_clean_file_is_imported_with_initial_passwords(client, api, db):
    headers = {**api.as_user(make_user("admin")), "Content-Type": "text/csv"}
    response = client.post("/api/v1/users/import", data=GOOD.encode(), headers=headers)
    body = response.get_json()
    assert response.status_code == 201 and body["created"] == 2 and body["errors"] == []
    users = {u["username"]: u["initial_password"] for u in body["users"]}
    wayan = db.session.scalar(sa.select(User).where(User.username == "wayan.sekdes"))
    assert wayan.check_password(users["wayan.sekdes"]) and wayan.must_change_password
    assert wayan.phone == "+6281234567001"


def test_import_is_for_admins_only(client, api):
    for role in ("operator", "trainer", "reviewer", "learner"):
        headers = {**api.as_user(make_user(role)), "Content-Type": "text/csv"}
        assert client.post("/api/v1/users/import?dry_run=1", data=GOOD.encode(), headers=headers).status_code == 403


def test_cli_import_users(runner, db, tmp_path):
    make_user("admin")
    path = tmp_path / "staf.csv"
    path.write_text(BAD, encoding="utf-8")
    result = runner.invoke(args=["import-users", str(path), "--dry-run"])
    assert result.exit_code != 0 and "baris 4, kolom kode_desa" in result.output
    path.write_text(GOOD, encoding="utf-8")
    result = runner.invoke(args=["import-users", str(path), "--dry-run"])
    assert result.exit_code == 0 and "2 baris diperiksa" in result.output
    assert db.session.scalar(sa.select(User).where(User.username == "wayan.sekdes")) is None
    out = tmp_path / "sandi.csv"
    result = runner.invoke(args=["import-users", str(path), "--passwords-out", str(out)])
    assert result.exit_code == 0 and "2 akun dibuat" in result.output
    assert "wayan.sekdes" in out.read_text(encoding="utf-8-sig")
    assert db.session.scalar(sa.select(User).where(User.username == "wayan.sekdes")) is not None


def test_web_import_dry_run_then_import(web, client, db):
    import io

    from tests.conftest import csrf_from

    web.login(make_user("admin").username)
    page = client.get("/people/import").get_data(as_text=True)
    response = client.post("/people/import", data={"csrf_token": csrf_from(page), "dry_run": "1",
                                                   "file": (io.BytesIO(BAD.encode()), "staf.csv")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert "belum ada yang disimpan" in html and "kode_desa" in html
    response = client.post("/people/import", data={"csrf_token": csrf_from(page), "submit": "1",
                                                   "file": (io.BytesIO(GOOD.encode()), "staf.csv")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert "wayan.sekdes" in html and "data:text/csv;charset=utf-8;base64," in html
