"""WCAG 2.1 AA: axe-core finds no serious or critical violation on the main pages, at 360x740 and 1280x800.

Each test walks one role's pages through the real UI and checks them all before failing, so one
run names every rule and element that needs fixing (rule id, impact, CSS selector).
"""
from __future__ import annotations

import pytest

from tests.browser.helpers import (DEMO, answer_quiz_page, axe_violations, describe, live_course, live_user, login,
                                   serious)


class Checker:
    def __init__(self, page):
        self.page = page
        self.failures: list[str] = []
        self.checked: list[str] = []

    def check(self, name: str) -> None:
        self.page.wait_for_load_state("load")
        bad = serious(axe_violations(self.page))
        self.checked.append(name)
        if bad:
            self.failures.append(describe(name, self.page.url, bad))

    def assert_clean(self) -> None:
        assert not self.failures, "serious/critical axe-core violations:\n" + "\n".join(self.failures)


def submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).first.click()


def finish_attempt(page) -> None:
    """Answer each page of the attempt and go on until the summary page."""
    for _ in range(10):
        answer_quiz_page(page)
        with page.expect_navigation():
            page.locator("#attempt-form button[name=go][value=next], #attempt-form button[name=go][value=summary]"
                         ).last.click()
        if "/summary" in page.url:
            return
    raise AssertionError("the attempt never reached its summary page")


@pytest.fixture(params=["phone", "desktop"])
def any_page(request):
    return request.getfixturevalue(f"{request.param}_page")


def test_learner_pages(live_server, any_page):
    page, base = any_page, live_server.url
    course = live_course(live_server)
    username, password = live_user(live_server)
    axe = Checker(page)

    page.goto(f"{base}/login")
    axe.check("login")
    login(page, base, username, password)
    axe.check("dashboard (empty)")
    page.goto(f"{base}/courses/")
    axe.check("catalogue")
    page.goto(course["url"])
    axe.check("course page (not enrolled)")
    submit(page, "form[action$='/enroll'] [type=submit]")
    axe.check("course page (enrolled)")
    page.goto(f"{course['url']}/lessons/{course['lesson_ids'][0]}")
    axe.check("lesson page")
    submit(page, "form[action$='/complete'] [type=submit]")
    page.goto(base + "/")
    axe.check("dashboard (with a course)")
    page.goto(course["url"])
    with page.expect_navigation():
        page.locator("a[href*='/quizzes/']").first.click()
    axe.check("quiz overview")
    submit(page, "form[action$='/start'] [type=submit]")
    axe.check("quiz attempt page")
    finish_attempt(page)
    axe.check("quiz summary")
    submit(page, "form[action$='/submit'] [type=submit]")
    assert "/result" in page.url
    axe.check("quiz result")
    page.goto(f"{base}/me/profile")
    axe.check("profile")
    axe.assert_clean()


def test_trainer_pages(live_server, any_page):
    page, base = any_page, live_server.url
    course = live_course(live_server)
    axe = Checker(page)
    login(page, base, *DEMO["trainer"])
    page.goto(f"{base}/studio/")
    axe.check("studio course list")
    page.goto(f"{base}/studio/courses/new")
    axe.check("studio new course")
    page.goto(f"{base}/studio/courses/{course['id']}")
    axe.check("studio course editor")
    page.goto(f"{base}/studio/lessons/{course['lesson_ids'][0]}")
    axe.check("studio lesson editor")
    page.goto(f"{base}/studio/courses/{course['id']}")
    with page.expect_navigation():
        page.locator("a[href*='/studio/quizzes/']").first.click()
    axe.check("studio quiz editor")
    with page.expect_navigation():
        page.locator("a[href*='/questions/new']").first.click()
    axe.check("studio question form")
    axe.assert_clean()


def test_reviewer_pages(live_server, any_page):
    page, base = any_page, live_server.url
    axe = Checker(page)
    login(page, base, *DEMO["reviewer"])
    page.goto(f"{base}/reports/")
    axe.check("report dashboard")
    page.goto(f"{base}/reports/table?group_by=desa")
    axe.check("report table")
    page.goto(f"{base}/reports/learners")
    axe.check("report learners")
    axe.assert_clean()


def test_admin_pages(live_server, phone_page):
    page, base = phone_page, live_server.url
    axe = Checker(page)
    login(page, base, *DEMO["admin"])
    page.goto(f"{base}/people/")
    axe.check("people list")
    page.goto(f"{base}/people/new")
    axe.check("people new")
    axe.assert_clean()
