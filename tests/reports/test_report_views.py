"""Report pages, exports, API and permissions, on the known population."""
import csv
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from lms.audit import AuditEvent
from tests.factories import make_user
from tests.reports.population import MENGWI, MUNGGU, PELAGA, PETANG, build


@pytest.fixture
def pop(db):
    return build()


@pytest.fixture
def reviewer(web, pop):
    user = make_user("reviewer", username="peninjau")
    web.login(user.username)
    return user


def test_dashboard_shows_totals_and_tables(client, reviewer, pop):
    html = client.get("/reports/").get_data(as_text=True)
    assert "Mengwi" in html and "Kursus A" in html and "Sekretaris Desa" in html and "Aman Digital" in html
    assert '<span class="num">5</span> peserta' in html and '<span class="num">33,3%</span>' in html
    assert '<span class="num">3</span> perangkat desa' in html and '<span class="num">2</span> warga' in html
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 2  # the two charts (not the nav icons)


def test_drill_down_kecamatan_desa_learners(client, reviewer, pop):
    html = client.get(f"/reports/table?group_by=desa&kecamatan_kode={MENGWI}").get_data(as_text=True)
    table = html[html.index('<table class="table report">'):]
    assert ">Munggu</a>" in table and "Pelaga" not in table and f"desa_kode={MUNGGU}" in table
    html = client.get(f"/reports/learners?desa_kode={MUNGGU}").get_data(as_text=True)
    assert "Made Satu" in html and "Nyoman Dua" in html and "Ketut Tiga" not in html


def test_filters_are_kept_in_links(client, reviewer, pop):
    html = client.get("/reports/?kind=perangkat&pillar=aman").get_data(as_text=True)
    assert "kind=perangkat" in html and "pillar=aman" in html


def test_bad_filter_gives_422_page_not_500(client, reviewer):
    response = client.get("/reports/?desa_kode=bukan")
    assert response.status_code == 422
    assert client.get("/reports/table?group_by=banjar").status_code == 422


def test_map_and_follow_up(client, reviewer, pop):
    html = client.get("/reports/map").get_data(as_text=True)
    assert 'class="heat-mid">70</td>' in html and 'class="heat-high">80</td>' in html
    html = client.get("/reports/follow-up?list=not_started").get_data(as_text=True)
    assert "Ketut Tiga" in html and "Wayan Empat" in html and "Made Satu" not in html
    # Ketut has a phone (+62 812-3456-7803): a wa.me link with a prefilled reminder
    assert "https://wa.me/6281234567803?text=Om%20Swastiastu%20Ketut%20Tiga" in html
    assert client.get("/reports/follow-up?list=lain").status_code == 422


def test_csv_export_matches_the_figures_and_is_audited(client, reviewer, pop, db):
    response = client.get("/reports/export/completion.csv?group_by=kecamatan&kind=perangkat")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and text.startswith("\ufeff") and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["key", "label", "learners", "enrolled", "started", "completed", "completion_percent",
                       "avg_best_percent"]
    mengwi = next(r for r in rows if r[0] == MENGWI)
    assert mengwi[2:] == ["2", "3", "2", "2", "66.7", "100.0"]
    assert rows[-1][1:] == ["Total", "3", "5", "3", "2", "40.0", "90.0"]
    event = db.session.scalar(sa.select(AuditEvent))
    assert event.actor_id == reviewer.id and event.action == "report.export" and event.target == "report:completion"
    assert event.details == {"format": "csv", "filters": {"kind": "perangkat"}, "group_by": "kecamatan"}


def test_xlsx_export_opens_in_a_spreadsheet(client, reviewer, pop):
    response = client.get("/reports/export/completion.xlsx?group_by=course")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "key" and sheet.freeze_panes == "A2"
    assert [v[1:] for v in values[1:3]] == [["Kursus A", 4, 4, 3, 1, 25.0, 73.3], ["Kursus B", 2, 2, 1, 1, 50.0, None]]


@pytest.mark.parametrize("what", ["learners", "follow_up", "map", "recap"])
def test_every_table_exports(client, reviewer, pop, what):
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/reports/export/{what}.{fmt}")
        assert response.status_code == 200, (what, fmt)
        assert len(response.data) > 50


def test_export_neutralises_formula_cells(client, reviewer, pop, db):
    pop["people"]["u2"].full_name = '=HYPERLINK("http://evil.example","klik")'
    db.session.commit()
    text = client.get("/reports/export/learners.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text and ',=HYPERLINK' not in text
    sheet = load_workbook(io.BytesIO(client.get("/reports/export/learners.xlsx").data)).active
    cells = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells == ["'=HYPERLINK(\"http://evil.example\",\"klik\")"]


def test_recap_pdf_and_printable(client, reviewer, pop, db):
    response = client.get(f"/reports/recap.pdf?kecamatan_kode={MENGWI}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "PEMERINTAH KABUPATEN BADUNG" in text and "Munggu" in text and "Nyoman Dua" in text
    assert db.session.scalar(sa.select(AuditEvent.target)) == "report:recap"
    html = client.get("/reports/print?group_by=desa").get_data(as_text=True)
    assert "Munggu" in html and 'class="topbar"' not in html


def test_transcript_for_reviewer_and_for_the_learner_only(client, web, reviewer, pop, db):
    u1 = pop["people"]["u1"]
    response = client.get(f"/reports/learners/{u1.id}/transcript.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "Made Satu" in text and "Kursus A" in text and "Kursus B" in text
    web.post_form("/", "/logout")
    web.login(u1.username)
    assert client.get("/reports/me/transcript.pdf").status_code == 200
    assert client.get(f"/reports/learners/{u1.id}/transcript.pdf").status_code == 200
    assert client.get(f"/reports/learners/{pop['people']['u2'].id}/transcript.pdf").status_code == 404


REVIEWER_ROUTES = ["/reports/", "/reports/table?group_by=kecamatan", "/reports/learners", "/reports/map",
                   "/reports/follow-up", "/reports/recap", "/reports/print", "/reports/recap.pdf",
                   "/reports/export/completion.csv?group_by=desa", "/reports/export/learners.xlsx"]


@pytest.mark.parametrize("url", REVIEWER_ROUTES)
@pytest.mark.parametrize("who,status", [("anonymous", 302), ("learner", 403), ("trainer", 403),
                                        ("reviewer", 200), ("admin", 200)])
def test_report_route_permissions(client, web, db, url, who, status):
    if who != "anonymous":
        web.login(make_user(who).username)
    response = client.get(url)
    assert response.status_code == status, (url, who)
    if status == 302:
        assert "/login" in response.headers["Location"]


# ---------------------------------------------------------------------------- API
def test_api_completion_report(client, api, pop):
    headers = api.as_user(make_user("reviewer"))
    body = client.get("/api/v1/reports/completion?group_by=kecamatan&kind=perangkat", headers=headers).get_json()
    assert body["group_by"] == "kecamatan" and body["filters"] == {"kind": "perangkat"}
    mengwi = next(r for r in body["rows"] if r["key"] == MENGWI)
    assert mengwi == {"key": MENGWI, "label": "Mengwi", "learners": 2, "enrolled": 3, "started": 2, "completed": 2,
                      "completion_percent": 66.7, "avg_best_percent": 100.0}
    assert body["totals"] == {"learners": 3, "enrolled": 5, "started": 3, "completed": 2,
                              "completion_percent": 40.0, "avg_best_percent": 90.0}
    by_course = client.get("/api/v1/reports/completion?group_by=course", headers=headers).get_json()
    assert [r["key"] for r in by_course["rows"]] == [pop["a"].id, pop["b"].id]


def test_api_csv_has_the_same_numbers(client, api, pop):
    headers = api.as_user(make_user("admin"))
    text = client.get("/api/v1/reports/completion?group_by=desa&format=csv", headers=headers).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    munggu = next(r for r in rows if r[0] == MUNGGU)
    assert munggu[1:] == ["Munggu", "2", "3", "3", "2", "66.7", "70.0"]


@pytest.mark.parametrize("query,field", [
    ("group_by=banjar", "group_by"), ("", "group_by"), ("group_by=desa&desa_kode=x", "desa_kode"),
    ("group_by=desa&from=kemarin", "from"), ("group_by=desa&course_id=0", "course_id"),
])
def test_api_bad_parameters_give_422(client, api, pop, query, field):
    response = client.get(f"/api/v1/reports/completion?{query}", headers=api.as_user(make_user("reviewer")))
    assert response.status_code == 422 and response.get_json()["error"]["field"] == field


@pytest.mark.parametrize("role", ["learner", "trainer"])
def test_api_reports_are_for_reviewers_and_admins(client, api, pop, role):
    headers = api.as_user(make_user(role))
    assert client.get("/api/v1/reports/completion?group_by=desa", headers=headers).status_code == 403
    assert client.get("/api/v1/reports/learners", headers=headers).status_code == 403


def test_api_learners_behind_a_row(client, api, pop):
    headers = api.as_user(make_user("reviewer"))
    body = client.get(f"/api/v1/reports/learners?desa_kode={PELAGA}&course_id={pop['a'].id}",
                      headers=headers).get_json()
    assert [(l["full_name"], l["enrolled"], l["started"], l["completed"]) for l in body["learners"]] == [
        ("Wayan Empat", 1, 1, 0)]
