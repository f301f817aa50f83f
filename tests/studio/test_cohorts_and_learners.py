"""Cohort assignment (with auto-enrolment of newcomers) and the per-course learner table."""
from datetime import date

import pytest
import sqlalchemy as sa

from lms.courses.cohorts import CohortFilter, apply_active_rules, assign, preview
from lms.courses.models import Enrollment
from lms.courses.services import complete_lesson, enroll
from lms.errors import Invalid
from lms.quizzes.services import start_attempt, submit_attempt, course_quizzes
from lms.studio.services import course_learners
from tests.conftest import csrf_from
from tests.factories import make_course, make_quiz_course, make_user

MENGWI, PETANG = "51.03.02", "51.03.04"
MUNGGU, PELAGA = "51.03.02.2001", "51.03.04.2004"


def _people():
    return {
        "sekdes_munggu": make_user(desa_kode=MUNGGU, jabatan="SEKDES", kind="perangkat"),
        "kaur_munggu": make_user(desa_kode=MUNGGU, jabatan="KAUR_KEUANGAN", kind="perangkat"),
        "sekdes_kapal": make_user(desa_kode="51.03.02.1004", jabatan="SEKDES", kind="perangkat"),
        "warga_munggu": make_user(desa_kode=MUNGGU, jabatan=None, kind="warga"),
        "sekdes_pelaga": make_user(desa_kode=PELAGA, jabatan="SEKDES", kind="perangkat"),
        "trainer_munggu": make_user("trainer", desa_kode=MUNGGU),
    }


def _enrolled(course):
    from lms.extensions import db

    return set(db.session.scalars(sa.select(Enrollment.user_id).where(Enrollment.course_id == course.id)))


def test_preview_and_assign_by_kecamatan_and_kind(db):
    people = _people()
    course = make_course()
    admin = make_user("admin")
    cohort = CohortFilter(kecamatan_kode=MENGWI, kind="perangkat")
    assert preview(course, cohort) == {"matching": 3, "already_enrolled": 0, "new": 3}
    enroll(people["sekdes_munggu"], course)
    assert preview(course, cohort)["new"] == 2
    assert assign(course, cohort, by=admin, due_at=None, keep_active=False) == 2
    expected = {people[k].id for k in ("sekdes_munggu", "kaur_munggu", "sekdes_kapal")}
    assert _enrolled(course) == expected  # not the warga, not Petang, not the trainer


def test_assign_by_desa_and_jabatan_with_due_date(db):
    from datetime import datetime, timezone

    people = _people()
    course = make_course()
    due = datetime(2027, 1, 31, 15, 59, tzinfo=timezone.utc)
    assign(course, CohortFilter(jabatan_kode="SEKDES"), by=make_user("admin"), due_at=due, keep_active=False)
    assert _enrolled(course) == {people[k].id for k in ("sekdes_munggu", "sekdes_kapal", "sekdes_pelaga")}
    enrolment = db.session.scalar(sa.select(Enrollment).where(Enrollment.user_id == people["sekdes_pelaga"].id))
    assert enrolment.source == "assigned" and enrolment.due_at.replace(tzinfo=timezone.utc) == due


def test_active_rule_enrols_people_added_later(db):
    course = make_course()
    assign(course, CohortFilter(desa_kode=MUNGGU, kind="perangkat"), by=make_user("admin"), due_at=None,
           keep_active=True)
    newcomer = make_user(desa_kode=MUNGGU, jabatan="KASI_PELAYANAN", kind="perangkat")
    elsewhere = make_user(desa_kode=PELAGA, kind="perangkat")
    assert newcomer.id in _enrolled(course) and elsewhere.id not in _enrolled(course)


def test_inactive_rule_does_not(db):
    course = make_course()
    assign(course, CohortFilter(desa_kode=MUNGGU), by=make_user("admin"), due_at=None, keep_active=False)
    newcomer = make_user(desa_kode=MUNGGU)
    assert newcomer.id not in _enrolled(course)
    assert apply_active_rules(newcomer) == 0


@pytest.mark.parametrize("cohort,field", [
    (CohortFilter(kecamatan_kode="99.99.99"), "kecamatan_kode"), (CohortFilter(desa_kode="1"), "desa_kode"),
    (CohortFilter(jabatan_kode="RAJA"), "jabatan_kode"), (CohortFilter(kind="turis"), "kind"),
    (CohortFilter(kecamatan_kode=PETANG, desa_kode=MUNGGU), "desa_kode"),
])
def test_bad_filters_are_refused(db, cohort, field):
    with pytest.raises(Invalid) as err:
        preview(make_course(), cohort)
    assert err.value.field == field


def test_cohort_page_previews_then_assigns(web, client, db):
    people = _people()
    author = make_user("trainer")
    course = make_course(author=author)
    web.login(author.username)
    url = f"/studio/courses/{course.id}/cohorts"
    page = client.get(url).get_data(as_text=True)
    response = client.post(url, data={"csrf_token": csrf_from(page), "kecamatan_kode": MENGWI,
                                      "kind": "perangkat", "preview": "1"})
    assert "3 orang cocok" in response.get_data(as_text=True)
    assert _enrolled(course) == set()
    response = client.post(url, data={"csrf_token": csrf_from(page), "kecamatan_kode": MENGWI, "kind": "perangkat",
                                      "due_date": "2027-01-31", "keep_active": "y", "submit": "1"})
    assert response.status_code == 302 and len(_enrolled(course)) == 3


def test_learner_table_shows_progress_quizzes_and_completion(db, web, client):
    author = make_user("trainer")
    course = make_quiz_course(author=author, lessons=2)
    munggu, pelaga = make_user(desa_kode=MUNGGU, full_name="Made Munggu"), make_user(
        desa_kode=PELAGA, jabatan="KASI_PELAYANAN", full_name="Nyoman Pelaga")
    for user in (munggu, pelaga):
        enroll(user, course)
    complete_lesson(munggu, course.modules[0].lessons[0])
    quiz = course_quizzes(course.id)[0]
    submit_attempt(start_attempt(pelaga, quiz)[0])
    db.session.commit()
    rows = {r["user"].full_name: r for r in course_learners(course)}
    assert rows["Made Munggu"]["done"] == 1 and rows["Made Munggu"]["percent"] == 50.0
    assert rows["Made Munggu"]["attempts"] == 0 and rows["Nyoman Pelaga"]["attempts"] == 1
    assert rows["Nyoman Pelaga"]["best_percent"] == 0.0 and rows["Nyoman Pelaga"]["quizzes_passed"] == 0
    assert rows["Nyoman Pelaga"]["last_activity"] is not None
    assert [r["user"].full_name for r in course_learners(course, desa_kode=PELAGA)] == ["Nyoman Pelaga"]
    assert [r["user"].full_name for r in course_learners(course, jabatan_kode="SEKDES")] == ["Made Munggu"]
    web.login(author.username)
    html = client.get(f"/studio/courses/{course.id}/learners?desa={PELAGA}").get_data(as_text=True)
    assert "Nyoman Pelaga" in html and "Made Munggu" not in html


def test_learner_table_query_count_does_not_grow(db, web, client, count_queries):
    author = make_user("trainer")
    counts = []
    for n in (2, 30):
        course = make_quiz_course(author=author, lessons=2)
        for _ in range(n):
            learner = make_user(commit=False)
            enroll(learner, course)
            complete_lesson(learner, course.modules[0].lessons[0])
        db.session.commit()
        web.login(author.username)
        with count_queries() as counter:
            assert client.get(f"/studio/courses/{course.id}/learners").status_code == 200
        counts.append(counter.count)
        web.post_form("/", "/logout")
    assert counts[0] == counts[1], counts
