"""Every report page, export and API call issues the same number of statements at two data sizes."""
import pytest

from lms.courses.services import complete_lesson, enroll
from tests.factories import make_user
from tests.reports.population import KAPAL, PELAGA, build

URLS = ["/reports/", "/reports/table?group_by=desa", "/reports/learners", "/reports/map",
        "/reports/follow-up?list=not_started", "/reports/follow-up?list=inactive", "/reports/recap",
        "/reports/print?group_by=kecamatan", "/reports/export/completion.csv?group_by=jabatan",
        "/reports/export/learners.xlsx", "/reports/export/recap.csv", "/reports/recap.pdf"]


def _grow(pop, n):
    for i in range(n):
        learner = make_user(desa_kode=(KAPAL, PELAGA)[i % 2], commit=False, phone=f"08123456{i:04d}")
        enroll(learner, pop["a"])
        if i % 3:
            complete_lesson(learner, pop["a"].modules[0].lessons[0])


@pytest.mark.parametrize("url", URLS)
def test_report_pages_issue_a_fixed_number_of_statements(web, client, db, count_queries, url):
    pop = build()
    reviewer = make_user("reviewer")
    web.login(reviewer.username)
    counts = []
    for extra in (0, 25):
        _grow(pop, extra)
        db.session.commit()
        with count_queries() as counter:
            response = client.get(url)
            assert response.status_code == 200, url
            response.get_data()  # consume streamed bodies inside the count
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("url", ["/api/v1/reports/completion?group_by=kecamatan",
                                 "/api/v1/reports/completion?group_by=desa&format=csv",
                                 "/api/v1/reports/learners"])
def test_report_api_issues_a_fixed_number_of_statements(client, api, db, count_queries, url):
    pop = build()
    headers = api.as_user(make_user("reviewer"))
    counts = []
    for extra in (0, 25):
        _grow(pop, extra)
        db.session.commit()
        with count_queries() as counter:
            response = client.get(url, headers=headers)
            assert response.status_code == 200
            response.get_data()
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
