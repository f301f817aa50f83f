"""Every figure of every grouping and filter, against values worked out by hand from
tests/reports/population.py:

  u1 Munggu (Mengwi) perangkat SEKDES: A complete (quiz 100 %) on 10 Nov, B complete on 20 Nov
  u2 Munggu warga:                    A started (1 lesson, quiz 40 %)
  u3 Kapal (Mengwi) perangkat KAUR_KEUANGAN: A not started
  u4 Pelaga (Petang) perangkat SEKDES: B not started; A started by attempts 60 % and 80 % (best 80)
  u5 inactive, u6 Pelaga warga with no enrolment, a trainer enrolled in A: not counted
"""
import pytest

from lms.errors import Invalid
from lms.reports.queries import Filters, completion_report, parse_filters, parse_group_by
from tests.reports.population import KAPAL, MENGWI, MUNGGU, PELAGA, PETANG, build


@pytest.fixture
def pop(db):
    return build()


def rows(report):
    return {r.key: (r.learners, r.enrolled, r.started, r.completed, r.completion_percent, r.avg_best_percent)
            for r in report.rows}


def totals(report):
    t = report.totals
    return (t.learners, t.enrolled, t.started, t.completed, t.completion_percent, t.avg_best_percent)


def test_by_kecamatan(pop):
    report = completion_report(Filters(), "kecamatan")
    got = rows(report)
    assert got[MENGWI] == (3, 4, 3, 2, 50.0, 70.0)       # avg of 100 and 40
    assert got[PETANG] == (2, 2, 1, 0, 0.0, 80.0)
    assert got["51.03.01"] == (0, 0, 0, 0, 0.0, None)    # Kuta: nobody, still listed
    assert len(report.rows) == 6
    assert totals(report) == (5, 6, 4, 2, 33.3, 73.3)    # (100 + 40 + 80) / 3


def test_by_desa(pop):
    got = rows(completion_report(Filters(kecamatan_kode=MENGWI), "desa"))
    assert got[MUNGGU] == (2, 3, 3, 2, 66.7, 70.0)
    assert got[KAPAL] == (1, 1, 0, 0, 0.0, None)
    assert PELAGA not in got and len(got) == 20           # Mengwi's 15 desa + 5 kelurahan


def test_by_course(pop):
    report = completion_report(Filters(), "course")
    got = rows(report)
    assert got[pop["a"].id] == (4, 4, 3, 1, 25.0, 73.3)
    assert got[pop["b"].id] == (2, 2, 1, 1, 50.0, None)
    assert pop["draft"].id not in got
    assert [r.label for r in report.rows] == ["Kursus A", "Kursus B"]


def test_by_pillar(pop):
    got = rows(completion_report(Filters(), "pillar"))
    assert got["aman"] == (4, 4, 3, 1, 25.0, 73.3)
    assert got["etika"] == (2, 2, 1, 1, 50.0, None)
    assert got["cakap"] == got["budaya"] == (0, 0, 0, 0, 0.0, None)


def test_by_jabatan(pop):
    got = rows(completion_report(Filters(), "jabatan"))
    assert got["SEKDES"] == (2, 4, 3, 2, 50.0, 90.0)
    assert got["KAUR_KEUANGAN"] == (1, 1, 0, 0, 0.0, None)
    assert got[None] == (2, 1, 1, 0, 0.0, 40.0)          # the two warga without a jabatan
    assert got["PERBEKEL"] == (0, 0, 0, 0, 0.0, None)


def test_filter_kind(pop):
    report = completion_report(Filters(kind="perangkat"), "kecamatan")
    assert rows(report)[MENGWI] == (2, 3, 2, 2, 66.7, 100.0)
    assert totals(report) == (3, 5, 3, 2, 40.0, 90.0)


def test_filter_course_and_pillar(pop):
    by_course = completion_report(Filters(course_id=pop["b"].id), "kecamatan")
    assert rows(by_course)[MENGWI] == (3, 1, 1, 1, 100.0, None)
    assert rows(by_course)[PETANG] == (2, 1, 0, 0, 0.0, None)
    assert totals(completion_report(Filters(pillar="aman"), "desa"))[1:] == (4, 3, 1, 25.0, 73.3)


def test_filter_jabatan_and_desa(pop):
    assert totals(completion_report(Filters(jabatan="SEKDES"), "kecamatan")) == (2, 4, 3, 2, 50.0, 90.0)
    assert totals(completion_report(Filters(desa_kode=PELAGA), "desa")) == (2, 2, 1, 0, 0.0, 80.0)


def test_date_range_limits_completions(pop):
    report = completion_report(parse_filters({"from": "2026-11-15", "to": "2026-11-30"}), "kecamatan")
    assert rows(report)[MENGWI] == (3, 4, 3, 1, 25.0, 70.0)   # only u1's B (20 Nov) is in range
    assert totals(completion_report(parse_filters({"to": "2026-11-10"}), "kecamatan"))[3] == 1
    assert totals(completion_report(parse_filters({"from": "2026-11-21"}), "kecamatan"))[3] == 0


@pytest.mark.parametrize("args,field", [
    ({"course_id": "abc"}, "course_id"), ({"course_id": "99999"}, "course_id"), ({"pillar": "x"}, "pillar"),
    ({"kecamatan_kode": "51.99.99"}, "kecamatan_kode"), ({"desa_kode": "1"}, "desa_kode"),
    ({"jabatan": "RAJA"}, "jabatan"), ({"kind": "turis"}, "kind"), ({"from": "kemarin"}, "from"),
    ({"to": "2026-13-01"}, "to"), ({"from": "2026-12-01", "to": "2026-11-01"}, "from"),
])
def test_bad_filters_name_the_parameter(pop, args, field):
    with pytest.raises(Invalid) as err:
        parse_filters(args)
    assert err.value.field == field


def test_bad_group_by():
    with pytest.raises(Invalid) as err:
        parse_group_by("banjar")
    assert err.value.field == "group_by"


def test_learners_behind_a_row(pop):
    from lms.reports.queries import learner_rows

    got = {r["user"].full_name: (r["enrolled"], r["started"], r["completed"], r["avg_best_percent"])
           for r in learner_rows(Filters(desa_kode=MUNGGU))}
    assert got == {"Made Satu": (2, 2, 2, 100.0), "Nyoman Dua": (1, 1, 0, 40.0)}
    got = {r["user"].full_name for r in learner_rows(Filters(course_id=pop["b"].id))}
    assert got == {"Made Satu", "Wayan Empat"}


def test_follow_up_lists(pop):
    from datetime import datetime, timedelta, timezone

    from lms.reports.queries import follow_up

    not_started = {(r["user"].full_name, r["course"].title) for r in follow_up(Filters(), kind="not_started")}
    assert not_started == {("Ketut Tiga", "Kursus A"), ("Wayan Empat", "Kursus B")}
    # started but not complete: u2 (A) and u4 (A); their last activity is "now" in the test
    assert follow_up(Filters(), kind="inactive", inactive_days=14) == []
    later = datetime.now(timezone.utc) + timedelta(days=15)
    inactive = {r["user"].full_name for r in follow_up(Filters(), kind="inactive", inactive_days=14, now=later)}
    assert inactive == {"Nyoman Dua", "Wayan Empat"}
    assert {r["user"].full_name for r in follow_up(Filters(desa_kode=PELAGA), kind="inactive", now=later)} == {
        "Wayan Empat"}


def test_literacy_map(pop):
    from lms.reports.queries import literacy_map

    data = literacy_map(Filters())
    assert data["cells"][(MUNGGU, "aman")] == 70.0 and data["cells"][(PELAGA, "aman")] == 80.0
    assert (KAPAL, "aman") not in data["cells"] and len(data["desa"]) == 62
    assert data["pillars"] == ["cakap", "etika", "budaya", "aman"]


def test_completions_per_week(pop):
    from lms.reports.queries import completions_per_week

    # 10 Nov 2026 is a Tuesday (week of Mon 9 Nov); 20 Nov a Friday (week of Mon 16 Nov)
    assert completions_per_week(Filters()) == [("2026-11-09", 1), ("2026-11-16", 1)]
    assert completions_per_week(Filters(course_id=pop["b"].id)) == [("2026-11-16", 1)]


def test_recap(pop):
    from lms.reports.queries import recap

    sections = {s["kecamatan"]: s for s in recap(Filters(kecamatan_kode=MENGWI))}
    assert list(sections) == ["Mengwi"]
    mengwi = sections["Mengwi"]
    munggu = next(r for r in mengwi["rows"] if r["kode"] == MUNGGU)
    # Munggu: enrolled 3, completed 2; pass: u1 passed quiz A, u2 did not → 50 %;
    # hours: u1 2 lessons of A (5 min each) + 1 of B (5) + u2 1 of A (5) = 20 min = 0.3 h
    assert (munggu["enrolled"], munggu["completed"], munggu["completion_percent"]) == (3, 2, 66.7)
    assert munggu["pass_rate"] == 50.0 and munggu["hours"] == 0.3 and munggu["not_done"] == ["Nyoman Dua"]
    kapal = next(r for r in mengwi["rows"] if r["kode"] == KAPAL)
    assert kapal["not_done"] == ["Ketut Tiga"] and kapal["pass_rate"] is None and kapal["hours"] == 0.0
    assert mengwi["totals"] == {"enrolled": 4, "completed": 2, "completion_percent": 50.0, "pass_rate": 50.0,
                                "hours": 0.3}
