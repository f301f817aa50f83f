"""Residents register by themselves with consent; every user's rights under UU PDP."""
import json

import pytest
import sqlalchemy as sa

from lms.audit import AuditEvent
from lms.auth.models import Consent, User
from lms.quizzes.models import Certificate
from lms.reports.queries import Filters, completion_report
from tests.conftest import csrf_from
from tests.factories import PASSWORD, make_user
from tests.reports.population import build

GOOD = {"full_name": "Ni Luh Sari", "username": "luh.sari", "password": "Tiga ekor bebek di sawah Mengwi",
        "desa_kode": "51.03.02.2001", "phone": "0812-3456-7890", "adult": "ya", "consent": "y"}


def _register(client, **changes):
    page = client.get("/register").get_data(as_text=True)
    return client.post("/register", data={"csrf_token": csrf_from(page), **GOOD, **changes})


def test_register_page_shows_rules_and_asks_no_nik(client):
    html = client.get("/register").get_data(as_text=True)
    assert "Minimal 12" in html and "tidak meminta NIK" in html and "Munggu" in html
    assert "nik" not in [name.lower() for name in __import__("re").findall(r'name="([^"]+)"', html)]


def test_adult_resident_registers_and_consent_is_recorded(client, db, app):
    response = _register(client)
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.username == "luh.sari"))
    assert (user.role, user.kind, user.is_adult, user.phone) == ("learner", "warga", True, "+6281234567890")
    consent = db.session.scalar(sa.select(Consent).where(Consent.user_id == user.id))
    assert consent.notice_version == app.config["PRIVACY_NOTICE_VERSION"] and consent.consented_at is not None
    assert client.get("/courses/").status_code == 200  # signed in


@pytest.mark.parametrize("changes,field", [
    ({"consent": ""}, "consent"), ({"adult": "tidak"}, "guardian_name"),
    ({"adult": "tidak", "guardian_name": "Made Ayah"}, "guardian_consent"),
    ({"password": "sayangku12345"}, "password"), ({"desa_kode": ""}, "desa_kode"), ({"phone": "12"}, "phone"),
])
def test_registration_refuses_with_a_message_next_to_the_field(client, db, changes, field):
    html = _register(client, **changes).get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert db.session.scalar(sa.select(User).where(User.username == "luh.sari")) is None


def test_minor_registers_with_a_guardian(client, db):
    response = _register(client, adult="tidak", guardian_name="I Made Ayah", guardian_consent="y")
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.username == "luh.sari"))
    assert user.is_adult is False and user.guardian_name == "I Made Ayah"
    assert db.session.scalar(sa.select(Consent.guardian_name).where(Consent.user_id == user.id)) == "I Made Ayah"


def test_registration_can_be_switched_off(client, app):
    app.config["REGISTRATION_OPEN"] = False
    try:
        assert client.get("/register").status_code == 404
        assert "Daftar di sini" not in client.get("/login").get_data(as_text=True)
    finally:
        app.config["REGISTRATION_OPEN"] = True


def test_a_new_notice_version_asks_again(client, db, app, web):
    _register(client)
    app.config["PRIVACY_NOTICE_VERSION"] = "2027-01"
    try:
        response = client.get("/courses/")
        assert response.status_code == 302 and response.headers["Location"] == "/privacy/consent"
        page = client.get("/privacy/consent").get_data(as_text=True)
        client.post("/privacy/consent", data={"csrf_token": csrf_from(page), "consent": "y"})
        assert client.get("/courses/").status_code == 200
        versions = set(db.session.scalars(sa.select(Consent.notice_version)))
        assert versions == {"2026-11", "2027-01"}
    finally:
        app.config["PRIVACY_NOTICE_VERSION"] = "2026-11"


def test_privacy_notice_is_public(client):
    html = client.get("/privacy").get_data(as_text=True)
    assert "UU No. 27 Tahun 2022" in html and "3 x 24 jam" in html and "Versi 2026-11" in html


def test_profile_correction(web, client, db):
    user = make_user(full_name="Salah Ketik")
    web.login(user.username)
    web.post_form("/me/profile", "/me/profile", {"full_name": "Nama Benar", "phone": "081234567890", "email": ""})
    db.session.expire_all()
    assert db.session.get(User, user.id).full_name == "Nama Benar"
    assert db.session.get(User, user.id).phone == "+6281234567890"


def test_data_download_has_everything_and_is_audited(web, client, db):
    pop = build()
    u1 = pop["people"]["u1"]
    web.login(u1.username)
    response = client.get("/me/data.json")
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["username"] == u1.username and data["profile"]["phone"] == u1.phone
    assert {e["course"] for e in data["enrolments"]} == {"Kursus A", "Kursus B"}
    assert len(data["lesson_progress"]) == 3 and len(data["attempts"]) == 1
    assert len(data["attempts"][0]["answers"]) == 5 and len(data["certificates"]) == 2
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.data_download"))
    assert event.actor_id == u1.id


def test_deletion_request_then_erasure_keeps_report_totals(web, client, db):
    pop = build()
    u1 = pop["people"]["u1"]
    before = {g: [r.as_dict() for r in completion_report(Filters(), g).rows] for g in
              ("kecamatan", "desa", "course", "jabatan", "pillar")}
    totals_before = completion_report(Filters(), "kecamatan").totals.as_dict()
    web.login(u1.username)
    web.post_form("/me/profile", "/me/delete")
    db.session.expire_all()
    assert db.session.get(User, u1.id).deletion_requested_at is not None
    web.post_form("/", "/logout")
    admin = make_user("admin")
    web.login(admin.username)
    assert "Made Satu" in client.get("/people/?deletion=1").get_data(as_text=True)
    web.post_form(f"/people/{u1.id}/erase", f"/people/{u1.id}/erase")
    db.session.expire_all()
    erased = db.session.get(User, u1.id)
    assert erased.full_name.startswith("Pengguna terhapus") and erased.phone is None and erased.email is None
    assert "made" not in erased.username and erased.erased_at is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate).where(
        Certificate.user_id == u1.id, Certificate.revoked_at.is_(None))) == 0
    after = {g: [r.as_dict() for r in completion_report(Filters(), g).rows] for g in before}
    assert after == before
    assert completion_report(Filters(), "kecamatan").totals.as_dict() == totals_before
    web.post_form("/", "/logout")
    assert web.login(u1.username).status_code == 200  # the old username no longer exists
    assert "user.erase" in [e.action for e in db.session.scalars(sa.select(AuditEvent))]


def test_erased_user_cannot_sign_in_even_with_a_token(client, api, db):
    user = make_user()
    headers = api.as_user(user)
    from lms.people.services import erase

    erase(make_user("admin"), db.session.get(User, user.id))
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401
