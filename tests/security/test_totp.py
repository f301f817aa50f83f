"""Second factor: TOTP setup, the second login step, recovery codes, the admin requirement."""
from __future__ import annotations

import re
import time

import pyotp
import pytest

from lms.auth import totp
from lms.auth.models import User
from lms.extensions import db as _db
from tests.conftest import csrf_from
from tests.factories import PASSWORD, make_user

SECRET_RE = re.compile(r"<code[^>]*>([A-Z2-7 ]+)</code>")
RECOVERY_RE = re.compile(r"<li>([a-z0-9]{4}-[a-z0-9]{4})</li>")


@pytest.fixture
def require_for_admins(app):
    app.config["TOTP_REQUIRED_FOR_ADMINS"] = True
    yield
    app.config["TOTP_REQUIRED_FOR_ADMINS"] = False


def _setup_via_pages(web, user) -> tuple[str, list[str]]:
    """Sign in with the password, set up TOTP through the pages; return the secret and recovery codes."""
    web.login(user.username)
    page = web.post_form("/me/2fa", "/me/2fa")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in html and "otpauth://totp/" in html
    assert page.headers["Cache-Control"] == "no-store"
    secret = SECRET_RE.search(html).group(1).replace(" ", "")
    done = web.client.post("/me/2fa", data={"csrf_token": csrf_from(html), "step": "confirm",
                                             "code": pyotp.TOTP(secret).now()})
    codes = RECOVERY_RE.findall(done.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    web.client.post("/logout", data={"csrf_token": csrf_from(web.client.get("/").get_data(as_text=True))})
    return secret, codes


def _enable(user) -> tuple[str, list[str]]:
    """Set up TOTP through the service, with the previous time-step marked used."""
    secret, _uri = totp.start_setup(user)
    codes = totp.confirm_setup(user, secret, pyotp.TOTP(secret).now())
    user.totp_last_step = None  # let the tests sign in with the current code
    _db.session.commit()
    return secret, codes


def _second_step(web, code: str, next_url: str = ""):
    page = web.client.get("/login/2fa" + next_url)
    assert page.status_code == 200, page.headers.get("Location")
    return web.client.post("/login/2fa" + next_url, data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                                           "code": code})


def _signed_in(client) -> bool:
    response = client.get("/")
    return response.status_code == 200


def test_setup_through_the_pages_then_login_needs_the_code(web):
    """After setup, the password alone does not sign in; a fresh code from the app does."""
    user = make_user("trainer")
    secret, _codes = _setup_via_pages(web, user)
    refreshed = _db.session.get(User, user.id)
    _db.session.refresh(refreshed)
    assert refreshed.totp_enabled_at is not None and refreshed.totp_secret == secret

    response = web.login(user.username)
    assert response.status_code == 302 and "/login/2fa" in response.headers["Location"]
    assert not _signed_in(web.client)
    # the setup code's time-step is spent; the next step's code (within the window) is fresh
    response = _second_step(web, pyotp.TOTP(secret).at(time.time() + 30))
    assert response.status_code == 302 and _signed_in(web.client)


def test_login_second_step_accepts_a_current_code_once(web):
    """A right code signs in and follows the safe next; the same code cannot be used again."""
    user = make_user("trainer")
    secret, _codes = _enable(user)
    code = pyotp.TOTP(secret).now()

    web.login(user.username)
    page = web.client.get("/login/2fa")
    html = page.get_data(as_text=True)
    assert 'inputmode="numeric"' in html and 'autocomplete="one-time-code"' in html
    response = _second_step(web, code, "?next=/courses/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/courses/")
    assert _signed_in(web.client)

    web.client.post("/logout", data={"csrf_token": csrf_from(web.client.get("/").get_data(as_text=True))})
    web.login(user.username)
    again = _second_step(web, code)
    assert again.status_code == 200 and "sudah pernah dipakai" in again.get_data(as_text=True)
    assert not _signed_in(web.client)


def test_wrong_code_is_refused_with_a_message_by_the_field(web):
    user = make_user("reviewer")
    secret, _codes = _enable(user)
    web.login(user.username)
    right = pyotp.TOTP(secret).now()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = _second_step(web, wrong)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'class="error" id="code-error"' in html
    assert not _signed_in(web.client)


def test_next_to_another_site_is_not_followed(web):
    user = make_user("trainer")
    secret, _codes = _enable(user)
    web.login(user.username)
    response = _second_step(web, pyotp.TOTP(secret).now(), "?next=//evil.example/")
    assert response.status_code == 302 and "evil" not in response.headers["Location"]


def test_recovery_code_works_once(web):
    """A recovery code signs in once; the second time it is refused."""
    user = make_user("trainer")
    _secret, codes = _enable(user)
    web.login(user.username)
    assert _second_step(web, codes[3].upper()).status_code == 302
    assert _signed_in(web.client)
    assert totp.remaining_recovery_codes(user) == 9

    web.client.post("/logout", data={"csrf_token": csrf_from(web.client.get("/").get_data(as_text=True))})
    web.login(user.username)
    assert _second_step(web, codes[3]).status_code == 200
    assert not _signed_in(web.client)


def test_recovery_codes_are_stored_only_as_hashes(db):
    user = make_user("admin")
    _secret, codes = _enable(user)
    from lms.auth.models import RecoveryCode

    stored = {row.code_hash for row in _db.session.scalars(_db.select(RecoveryCode))}
    assert len(stored) == 10 and not any(code.replace("-", "") in stored or code in stored for code in codes)
    assert all(re.fullmatch(r"[a-z0-9]{4}-[a-z0-9]{4}", code) for code in codes)


def test_pending_second_step_is_not_a_session(web):
    """After the password only, every page still treats the visitor as anonymous."""
    user = make_user("trainer")
    _enable(user)
    web.login(user.username)
    for url in ("/", "/me/2fa", "/me/profile", "/courses/"):
        response = web.client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
        assert "/login/2fa" not in response.headers["Location"]


def test_pending_state_expires_after_five_minutes(web, monkeypatch):
    user = make_user("trainer")
    secret, _codes = _enable(user)
    web.login(user.username)
    later = time.time() + 5 * 60 + 1
    monkeypatch.setattr("lms.auth.views.time.time", lambda: later)
    response = web.client.get("/login/2fa")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_pending_state_ends_when_the_session_version_changes(web):
    """A password change or logout elsewhere (session_version bump) ends the pending login."""
    user = make_user("trainer")
    secret, _codes = _enable(user)
    web.login(user.username)
    user.session_version += 1
    _db.session.commit()
    response = web.client.get("/login/2fa")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_second_step_without_password_goes_to_login(client):
    response = client.get("/login/2fa")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_admin_with_requirement_is_forced_to_set_up(web, require_for_admins):
    """An admin without a second factor is signed in but sent to /me/2fa from every page."""
    admin = make_user("admin")
    web.login(admin.username)
    for url in ("/", "/people/", "/reports/"):
        response = web.client.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith("/me/2fa"), url
    assert web.client.get("/me/2fa").status_code == 200
    assert web.client.get("/me/profile").status_code == 302
    secret, _codes = _enable(_db.session.get(User, admin.id))
    assert web.client.get("/people/").status_code == 200


def test_admin_with_requirement_cannot_disable(web, require_for_admins):
    admin = make_user("admin")
    secret, _codes = _enable(admin)
    web.login(admin.username)
    _second_step(web, pyotp.TOTP(secret).now())
    page = web.client.get("/me/2fa")
    assert "Nonaktifkan verifikasi" not in page.get_data(as_text=True)
    response = web.client.post("/me/2fa/disable", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                                        "password": PASSWORD, "code": "000000"})
    assert response.status_code == 403


def test_other_roles_are_not_forced(web, require_for_admins):
    trainer = make_user("trainer")
    web.login(trainer.username)
    assert web.client.get("/").status_code == 200


def test_learner_and_operator_cannot_reach_the_setup_page(web):
    for role in ("learner", "operator"):
        user = make_user(role)
        web.login(user.username)
        assert web.client.get("/me/2fa").status_code == 403, role
        web.client.post("/logout", data={"csrf_token": csrf_from(web.client.get("/").get_data(as_text=True))})


def test_disable_needs_password_and_code(web):
    user = make_user("reviewer")
    secret, codes = _enable(user)
    web.login(user.username)
    _second_step(web, codes[0])

    def disable(password, code):
        page = web.client.get("/me/2fa")
        return web.client.post("/me/2fa/disable", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                                        "password": password, "code": code})

    assert disable("salah-sekali-123456", codes[1]).status_code == 400
    assert disable(PASSWORD, "000000").status_code == 400
    assert totp.enabled(_db.session.get(User, user.id))
    response = disable(PASSWORD, codes[2])
    assert response.status_code == 302
    fresh = _db.session.get(User, user.id)
    _db.session.refresh(fresh)
    assert not totp.enabled(fresh) and fresh.totp_secret is None and totp.remaining_recovery_codes(fresh) == 0
    web.client.post("/logout", data={"csrf_token": csrf_from(web.client.get("/").get_data(as_text=True))})
    assert web.login(user.username).headers["Location"].endswith("/")


def test_verify_refuses_reuse_and_old_steps(db):
    """The service keeps the last accepted time-step: the same or an older step is refused."""
    user = make_user("trainer")
    secret, _codes = _enable(user)
    generator = pyotp.TOTP(secret)
    now = time.time()
    previous, current = generator.at(now - 30), generator.at(now)
    assert totp.verify(user, current)
    assert not totp.verify(user, current)
    assert not totp.verify(user, previous)


def test_setup_code_cannot_then_sign_in(db):
    user = make_user("trainer")
    secret, _uri = totp.start_setup(user)
    code = pyotp.TOTP(secret).now()
    codes = totp.confirm_setup(user, secret, code)
    assert len(codes) == 10
    assert not totp.verify(user, code)


def test_allowed_and_required(app, db):
    assert [totp.allowed(make_user(r)) for r in ("admin", "reviewer", "trainer", "operator", "learner")] == [
        True, True, True, False, False]
    admin = make_user("admin")
    assert not totp.required(admin)  # TestingConfig turns the requirement off
    app.config["TOTP_REQUIRED_FOR_ADMINS"] = True
    try:
        assert totp.required(admin) and not totp.required(make_user("trainer"))
    finally:
        app.config["TOTP_REQUIRED_FOR_ADMINS"] = False


def test_forced_password_change_and_forced_setup_do_not_loop(web, require_for_admins):
    """A temporary password is changed first; the second factor's setup page is reachable after."""
    admin = make_user("admin", commit=False)
    admin.must_change_password = True
    _db.session.commit()
    web.login(admin.username)
    seen, url = [], "/"
    for _hop in range(4):
        response = web.client.get(url)
        if response.status_code != 302:
            break
        url = response.headers["Location"]
        seen.append(url)
    assert response.status_code == 200 and seen[-1].endswith("/me/password"), seen


def test_guessing_codes_locks_the_second_step(make_limited_app):
    """With limits on, LOGIN_MAX_FAILURES wrong codes end the pending login and lock the step."""
    from tests.conftest import Web

    user = make_user("trainer")
    secret, _codes = _enable(user)
    web = Web(make_limited_app("memory", LOGIN_MAX_FAILURES=3).test_client())
    web.login(user.username)
    statuses = [_second_step(web, "000000").status_code for _attempt in range(3)]
    assert statuses == [200, 200, 200]
    assert _second_step(web, pyotp.TOTP(secret).now()).status_code == 429
    assert not _signed_in(web.client)


def test_api_token_needs_the_code_when_totp_is_on(client, db):
    """The API is no way around the second factor: password alone gives 401 otp_required."""
    import pyotp

    from lms.auth import totp as totp_service
    from tests.factories import PASSWORD as PW
    from tests.factories import make_user as _make_user

    user = _make_user("trainer")
    secret, _uri = totp_service.start_setup(user)
    now = pyotp.TOTP(secret)
    totp_service.confirm_setup(user, secret, now.at(__import__("time").time() - 30))
    db.session.commit()
    response = client.post("/api/v1/auth/token", json={"username": user.username, "password": PW})
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "otp_required"
    response = client.post("/api/v1/auth/token", json={"username": user.username, "password": PW,
                                                       "otp": now.now()})
    assert response.status_code == 200 and response.get_json()["token"]
