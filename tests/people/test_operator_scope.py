"""A village operator reaches their own village's people and reports, and nothing else."""
import pytest

from tests.conftest import csrf_from
from tests.factories import make_user

MUNGGU, PELAGA, MENGWI, PETANG = "51.03.02.2001", "51.03.04.2004", "51.03.02", "51.03.04"


@pytest.fixture
def setup(web, db):
    operator = make_user("operator", desa_kode=MUNGGU, full_name="Operator Munggu")
    own = make_user(desa_kode=MUNGGU, full_name="Warga Munggu")
    other = make_user(desa_kode=PELAGA, full_name="Warga Pelaga")
    staff = make_user("trainer", desa_kode=MUNGGU, full_name="Pelatih Munggu")
    web.login(operator.username)
    return operator, own, other, staff


def test_list_shows_only_own_village_learners(client, setup):
    html = client.get("/people/").get_data(as_text=True)
    assert "Warga Munggu" in html and "Warga Pelaga" not in html and "Pelatih Munggu" not in html


@pytest.mark.parametrize("query", [f"desa_kode={PELAGA}", f"kecamatan_kode={PETANG}"])
def test_asking_for_another_village_is_403(client, setup, query):
    assert client.get(f"/people/?{query}").status_code == 403


@pytest.mark.parametrize("suffix,method", [("", "GET"), ("/active", "POST"), ("/reset-password", "POST"),
                                           ("/erase", "GET")])
def test_other_villages_people_are_unreachable(client, setup, suffix, method):
    _op, own, other, staff = setup
    for person in (other, staff):
        url = f"/people/{person.id}{suffix}"
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": csrf_from(client.get("/people/").get_data(as_text=True))})
        assert response.status_code == 403, url


def test_operator_adds_people_to_own_village_only(web, client, db, setup):
    from lms.auth.models import User
    import sqlalchemy as sa

    web.post_form("/people/new", "/people/new", {"username": "baru.munggu", "full_name": "Baru Munggu",
                                                 "kind": "warga", "role": "admin", "desa_kode": PELAGA})
    user = db.session.scalar(sa.select(User).where(User.username == "baru.munggu"))
    assert user.desa_kode == MUNGGU and user.role == "learner"


REPORT_URLS = ["/reports/", "/reports/table?group_by=desa", "/reports/learners", "/reports/map",
               "/reports/follow-up", "/reports/recap", "/reports/print", "/reports/recap.pdf",
               "/reports/export/completion.csv?group_by=desa", "/reports/export/learners.csv"]


@pytest.mark.parametrize("url", REPORT_URLS)
def test_reports_show_own_village_only(client, setup, url):
    response = client.get(url)
    assert response.status_code == 200
    body = response.get_data(as_text=True) if response.mimetype.startswith("text") else ""
    if body:
        assert "Warga Pelaga" not in body


@pytest.mark.parametrize("url", REPORT_URLS)
@pytest.mark.parametrize("param", [f"desa_kode={PELAGA}", f"kecamatan_kode={PETANG}"])
def test_reports_for_another_village_are_403(client, setup, url, param):
    sep = "&" if "?" in url else "?"
    assert client.get(f"{url}{sep}{param}").status_code == 403


def test_own_village_parameters_are_allowed(client, setup):
    assert client.get(f"/reports/learners?desa_kode={MUNGGU}").status_code == 200
    assert client.get(f"/reports/learners?kecamatan_kode={MENGWI}").status_code == 200


def test_report_api_for_operators(client, api, setup):
    operator = setup[0]
    headers = api.as_user(operator)
    body = client.get("/api/v1/reports/completion?group_by=desa", headers=headers).get_json()
    assert [r["key"] for r in body["rows"]] == [MUNGGU]
    assert client.get(f"/api/v1/reports/completion?group_by=desa&desa_kode={PELAGA}",
                      headers=headers).status_code == 403
    assert client.get(f"/api/v1/reports/learners?kecamatan_kode={PETANG}", headers=headers).status_code == 403


def test_transcripts_of_own_village_only(client, setup):
    _op, own, other, _staff = setup
    assert client.get(f"/reports/learners/{own.id}/transcript.pdf").status_code == 200
    assert client.get(f"/reports/learners/{other.id}/transcript.pdf").status_code == 404


def test_operator_cannot_reach_admin_only_pages(client, setup):
    _op, own, _other, _staff = setup
    assert client.get("/people/audit").status_code == 403
    assert client.get(f"/people/{own.id}/erase").status_code == 403
    assert client.get("/studio/").status_code == 403


def test_operator_enrols_own_village_people(web, client, db, setup):
    import sqlalchemy as sa

    from lms.courses.models import Enrollment
    from tests.factories import make_course

    _op, own, other, _staff = setup
    course = make_course()
    page = client.get("/people/enrol").get_data(as_text=True)
    assert "Warga Munggu" in page and "Warga Pelaga" not in page
    response = client.post("/people/enrol", data={"csrf_token": csrf_from(page), "course_id": course.id,
                                                  "user_ids": [own.id], "due_date": "2027-01-31"})
    assert response.status_code == 302
    enrolment = db.session.scalar(sa.select(Enrollment).where(Enrollment.user_id == own.id))
    assert enrolment.source == "assigned" and enrolment.due_at is not None
    # another village's person is refused even when posted by hand
    response = client.post("/people/enrol", data={"csrf_token": csrf_from(page), "course_id": course.id,
                                                  "user_ids": [other.id]})
    assert db.session.scalar(sa.select(Enrollment).where(Enrollment.user_id == other.id)) is None
