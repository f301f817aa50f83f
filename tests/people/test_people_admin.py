"""Administration of people by admins and village operators."""
import re

import pytest
import sqlalchemy as sa

from lms.audit import AuditEvent
from lms.auth.models import User
from tests.conftest import csrf_from
from tests.factories import PASSWORD, make_user

MUNGGU, PELAGA = "51.03.02.2001", "51.03.04.2004"


@pytest.fixture
def admin(web):
    user = make_user("admin", username="admin1")
    web.login(user.username)
    return user


def _actions(db):
    return [e.action for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]


def test_list_search_filter_and_paginate(client, db, admin):
    for i in range(30):
        make_user(full_name=f"Warga Munggu {i:02d}", desa_kode=MUNGGU, kind="warga", jabatan=None, commit=False,
                  phone=f"+6281234500{i:02d}")
    make_user(full_name="Wayan Pelaga", desa_kode=PELAGA, jabatan="PERBEKEL")
    html = client.get("/people/").get_data(as_text=True)
    assert "32 orang" in html and "Halaman 1 dari 2" in html
    assert "Wayan Pelaga" in client.get("/people/?q=pelaga").get_data(as_text=True)
    html = client.get("/people/?q=+628123450007").get_data(as_text=True)
    assert "Warga Munggu 07" in html and "1 orang" in html
    html = client.get(f"/people/?desa_kode={PELAGA}&jabatan=PERBEKEL").get_data(as_text=True)
    assert "1 orang" in html and "Wayan Pelaga" in html
    assert "30 orang" in client.get("/people/?kind=warga").get_data(as_text=True)


def test_admin_creates_a_person_with_a_temporary_password(web, client, db, admin):
    response = web.post_form("/people/new", "/people/new", {
        "username": "kadek.baru", "full_name": "Kadek Baru", "kind": "perangkat", "role": "operator",
        "jabatan_kode": "SEKDES", "desa_kode": MUNGGU, "phone": "0812 3456 7890"})
    html = response.get_data(as_text=True)
    password = re.search(r"<code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code>", html).group(1)
    user = db.session.scalar(sa.select(User).where(User.username == "kadek.baru"))
    assert user.role == "operator" and user.must_change_password and user.phone == "+6281234567890"
    assert user.check_password(password) and "user.create" in _actions(db)


def test_temporary_password_must_be_changed_at_first_login(web, client, db, admin):
    person = make_user()
    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    html = client.post(f"/people/{person.id}/reset-password", data={"csrf_token": csrf_from(page)}).get_data(as_text=True)
    temporary = re.search(r"<code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code>", html).group(1)
    web.post_form("/", "/logout")
    web.login(person.username, temporary)
    response = client.get("/courses/")
    assert response.status_code == 302 and response.headers["Location"] == "/me/password"
    page = client.get("/me/password").get_data(as_text=True)
    assert "Minimal" in page  # the rules are shown before the user types
    response = client.post("/me/password", data={"csrf_token": csrf_from(page), "current_password": temporary,
                                                 "new_password": "Tiga ekor bebek di sawah Mengwi"})
    assert response.status_code == 302
    assert client.get("/courses/").status_code == 200
    db.session.expire_all()
    assert db.session.get(User, person.id).must_change_password is False


def test_password_rules_refuse_weak_passwords(web, client, db):
    person = make_user(username="made.suardana", full_name="I Made Suardana")
    web.login(person.username)
    page = client.get("/me/password").get_data(as_text=True)
    for weak in ("pendek", "madesuardana2026", "sayangku12345!", "password1234"):
        response = client.post("/me/password", data={"csrf_token": csrf_from(page), "current_password": PASSWORD,
                                                     "new_password": weak})
        assert response.status_code == 200 and 'id="new_password-error"' in response.get_data(as_text=True), weak


def test_deactivate_ends_sessions_and_reactivate(web, client, db, admin, app):
    person = make_user()
    other = app.test_client()
    page = other.get("/login").get_data(as_text=True)
    other.post("/login", data={"username": person.username, "password": PASSWORD, "csrf_token": csrf_from(page)})
    assert other.get("/").status_code == 200
    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    client.post(f"/people/{person.id}/active", data={"csrf_token": csrf_from(page), "active": "0"})
    assert other.get("/").status_code == 302
    client.post(f"/people/{person.id}/active", data={"csrf_token": csrf_from(page), "active": "1"})
    db.session.expire_all()
    assert db.session.get(User, person.id).active is True
    assert _actions(db)[-2:] == ["user.deactivate", "user.activate"]


def test_only_admins_change_roles(web, client, db):
    operator = make_user("operator", desa_kode=MUNGGU)
    person = make_user(desa_kode=MUNGGU)
    web.login(operator.username)
    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert 'name="role"' not in page
    client.post(f"/people/{person.id}", data={"csrf_token": csrf_from(page), "full_name": "Nama Baru",
                                              "kind": "perangkat", "role": "admin", "jabatan_kode": "SEKDES"})
    db.session.expire_all()
    changed = db.session.get(User, person.id)
    assert changed.role == "learner" and changed.full_name == "Nama Baru"


def test_admin_changes_a_role_and_it_is_audited(web, client, db, admin):
    person = make_user()
    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    client.post(f"/people/{person.id}", data={"csrf_token": csrf_from(page), "full_name": person.full_name,
                                              "kind": "perangkat", "role": "trainer", "jabatan_kode": "SEKDES",
                                              "desa_kode": MUNGGU})
    db.session.expire_all()
    assert db.session.get(User, person.id).role == "trainer"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.role"))
    assert event.actor_id == admin.id and event.details == {"from": "learner", "to": "trainer"}


def test_audit_log_is_readable_by_admins_only(web, client, db, admin):
    make_user()
    from lms.audit import record

    record(admin.id, "user.create", target="user:1")
    db.session.commit()
    html = client.get("/people/audit?action=user.create").get_data(as_text=True)
    assert "user.create" in html and "admin1" in html
    web.post_form("/", "/logout")
    web.login(make_user("operator", desa_kode=MUNGGU).username)
    assert client.get("/people/audit").status_code == 403
