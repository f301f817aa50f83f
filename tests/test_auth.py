"""Login, logout, sessions and the account service."""
import pytest

from lms.auth.services import authenticate, create_user
from lms.errors import Conflict, Invalid
from tests.conftest import csrf_from
from tests.factories import PASSWORD, make_user


def test_login_with_good_credentials_opens_the_dashboard(web, client):
    """A user who logs in lands on the dashboard and sees their name."""
    user = make_user(full_name="Wayan Sudarma")
    response = web.login(user.username)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Wayan Sudarma" in client.get("/").get_data(as_text=True)


def test_login_with_wrong_password_shows_message_next_to_field(web):
    """A wrong password re-renders the form with a clear message and no session."""
    user = make_user()
    response = web.login(user.username, "salah-sekali-123")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="error"' in html and "salah" in html


def test_inactive_user_cannot_log_in(web, db):
    """A deactivated account is refused at login."""
    user = make_user()
    user.active = False
    db.session.commit()
    assert web.login(user.username).status_code == 200
    assert authenticate(user.username, PASSWORD) is None


def test_login_form_requires_csrf_token(client):
    """A login POST without the CSRF token is rejected."""
    user = make_user()
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 400


def test_anonymous_user_is_sent_to_login_with_next(client):
    """Protected pages redirect anonymous visitors to the login page."""
    response = client.get("/courses/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_login_follows_local_next_but_not_external(web, client):
    """``next`` is followed only for paths on this site (no open redirect)."""
    user = make_user()
    page = client.get("/login?next=/courses/")
    response = client.post("/login?next=/courses/", data={
        "username": user.username, "password": PASSWORD, "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.headers["Location"] == "/courses/"
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    for evil in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)", "/\\evil.example/x"):
        page = client.get("/login")
        response = client.post("/login", query_string={"next": evil}, data={
            "username": user.username, "password": PASSWORD, "csrf_token": csrf_from(page.get_data(as_text=True))})
        assert response.headers["Location"] == "/", evil
        client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})


def test_logout_refuses_a_cookie_captured_before(web, client, app):
    """After logout, replaying the old session cookie no longer signs anyone in."""
    user = make_user()
    web.login(user.username)
    cookie = client.get_cookie("session").value
    web.post_form("/", "/logout")
    assert client.get("/").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    assert replay.get("/").status_code == 302


def test_login_gives_a_new_session_identity(web, client):
    """The session cookie changes at login, so a planted session cannot be reused (no fixation)."""
    client.get("/login")
    before = client.get_cookie("session").value
    user = make_user()
    web.login(user.username)
    assert client.get_cookie("session").value != before


def test_password_is_hashed_with_a_slow_kdf():
    """Passwords are never stored in clear; werkzeug's scrypt is used."""
    user = make_user()
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith("scrypt:")


@pytest.mark.parametrize("field,value", [
    ("username", "A"), ("username", "ada spasi"), ("full_name", "   "), ("password", "pendek"),
    ("role", "raja"), ("kind", "turis"), ("jabatan", "PRESIDEN"), ("desa_kode", "99.99.99.9999"),
    ("email", "bukan-email"), ("phone", "telepon"),
])
def test_create_user_names_the_bad_field(field, value):
    """Each invalid value is rejected with the field it belongs to."""
    values = dict(username="baru01", full_name="Baru", password=PASSWORD, role="learner", kind="warga",
                  jabatan=None, desa_kode="51.03.02.2001")
    values[field] = value
    with pytest.raises(Invalid) as err:
        create_user(**values)
    assert err.value.field == field


def test_create_user_refuses_a_taken_username():
    """Usernames are unique, case-insensitively."""
    make_user(username="made")
    with pytest.raises(Conflict):
        create_user(username="MADE", full_name="Made Lain", password=PASSWORD)
