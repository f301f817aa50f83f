"""Simulated users (locust FastHttpUser classes) for the bench phases.

Each class does one thing in a closed loop (no pause) unless it says otherwise. Learners come
from a shared ``Fixture``: web sessions (cookies of a real form login) and API tokens are made
once before the phases, so a phase measures its own page, not the password hash of the login.
A response is an error unless it has the expected status (and, for pages, the expected text):
a learner sent back to the login page counts as an error, not as a fast page.
"""
from __future__ import annotations

import copy
import itertools
import random
import re
import time
from dataclasses import dataclass, field

from locust import FastHttpUser, between, constant, task
from locust.exception import StopUser

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
SHOWN_RE = re.compile(r'name="shown" value="(\d+)"')
CHOICE_RE = re.compile(r'name="q_(\d+)" value="(\d+)"')
TEXT_RE = re.compile(r'type="text" id="q_(\d+)"')
ATTEMPT_RE = re.compile(r"/attempts/(\d+)")


def csrf(html: str) -> str | None:
    match = CSRF_RE.search(html)
    return (match.group(1) or match.group(2)) if match else None


def api_payload(question: dict, rng: random.Random) -> dict:
    """A valid answer to a learner question from the API ({id, type, choices: [{id}]})."""
    if question["type"] == "short_text":
        return {"text": rng.choice(["72 jam", "tidak tahu", "3 x 24 jam", "sandi"])}
    ids = [c["id"] for c in question["choices"]]
    if question["type"] == "multiple":
        return {"choice_ids": sorted(rng.sample(ids, rng.randint(1, min(2, len(ids)))))}
    return {"choice_ids": [rng.choice(ids)]}


@dataclass
class Fixture:
    """What the simulated users share: the target course and quiz, and learners' sessions."""

    course: dict
    quiz: dict
    learners: list[str]
    password: str
    cookies: dict = field(default_factory=dict)  # username -> [http.cookiejar.Cookie]
    tokens: dict = field(default_factory=dict)  # username -> API token
    reviewer_cookies: list = field(default_factory=list)
    stop_at: float | None = None  # users start no request after this (epoch seconds)
    _next: itertools.count = field(default_factory=itertools.count)

    def restart(self) -> None:
        """The next phase hands out the learners from the first one again."""
        self._next = itertools.count()
        self.stop_at = None

    def take(self) -> str:
        return self.learners[next(self._next) % len(self.learners)]


class BenchUser(FastHttpUser):
    abstract = True
    wait_time = constant(0)
    network_timeout = 120.0
    connection_timeout = 120.0
    fx: Fixture  # set on a subclass per phase (bench.run.phase_class)

    def check(self, method: str, path: str, name: str, status=(200,), contains: str | None = None, **kw):
        """One request, an error unless its status is in ``status`` (and the body has ``contains``)."""
        if self.fx.stop_at is not None and time.time() >= self.fx.stop_at:
            raise StopUser()  # the window is over: finish quietly, so no request is cut off mid-flight
        with self.client.request(method, path, name=name, allow_redirects=False, catch_response=True, **kw) as r:
            if r.status_code not in status:
                r.failure(f"HTTP {r.status_code}")
            elif contains is not None and contains not in (r.text or ""):
                r.failure("unexpected page")
            else:
                r.success()
        return r

    def use_cookies(self, cookies) -> None:
        for cookie in cookies:
            self.client.cookiejar.set_cookie(copy.copy(cookie))


class ConstantBaseline(BenchUser):
    abstract = True

    @task
    def constant(self):
        self.check("GET", "/_bench/constant", "baseline: constant", contains="ok")


class LearnerUser(BenchUser):
    """Signed in as its own learner (a cached web session)."""

    abstract = True

    def on_start(self):
        self.username = self.fx.take()
        self.use_cookies(self.fx.cookies[self.username])


class UserBaseline(LearnerUser):
    abstract = True

    @task
    def user(self):
        self.check("GET", "/_bench/user", "baseline: logged-in user", contains=self.username)


class DashboardPage(LearnerUser):
    abstract = True

    @task
    def dashboard(self):
        self.check("GET", "/", "dashboard", contains='id="main"')


class CoursePage(LearnerUser):
    abstract = True

    @task
    def course(self):
        self.check("GET", f"/courses/{self.fx.course['slug']}", "course page", contains='id="main"')


class LessonPage(LearnerUser):
    abstract = True

    @task
    def lesson(self):
        lesson = random.choice(self.fx.course["lessons"])
        self.check("GET", f"/courses/{self.fx.course['slug']}/lessons/{lesson}", "lesson page", contains='id="main"')


class ReportPage(BenchUser):
    """A reviewer opening the completion table (the web page reviewers use)."""

    abstract = True
    group_by = "desa"

    def on_start(self):
        self.use_cookies(self.fx.reviewer_cookies)

    @task
    def report(self):
        self.check("GET", f"/reports/table?group_by={self.group_by}", f"report by {self.group_by}",
                   contains='id="main"')


class ApiLearner(BenchUser):
    """A learner using the JSON API with its bearer token (as the app on a phone would)."""

    abstract = True

    def on_start(self):
        self.username = self.fx.take()
        self.headers = {"Authorization": f"Bearer {self.fx.tokens[self.username]}"}
        self.rng = random.Random(self.username)
        self.attempt = None

    def start_attempt(self, name: str) -> bool:
        r = self.check("POST", f"/api/v1/quizzes/{self.fx.quiz['id']}/attempts", name, status=(200, 201),
                       headers=self.headers)
        if r.status_code not in (200, 201):
            self.attempt = None
            return False
        body = r.json()
        self.attempt = {"id": body["attempt_id"], "questions": body["questions"]}
        return True

    def save(self, question: dict, name: str):
        return self.check("PUT", f"/api/v1/attempts/{self.attempt['id']}/answers/{question['id']}", name,
                          headers=self.headers, json=api_payload(question, self.rng))

    def submit(self, name: str):
        r = self.check("POST", f"/api/v1/attempts/{self.attempt['id']}/submit", name, headers=self.headers,
                       contains='"submitted"')
        self.attempt = None
        return r


class AnswerSave(ApiLearner):
    """Closed loop: save answers to the questions of one open attempt, over and over."""

    abstract = True

    @task
    def answer(self):
        if self.attempt is None and not self.start_attempt("answer: start attempt"):
            return
        self.save(self.rng.choice(self.attempt["questions"]), "save answer")


class SubmitAttempt(ApiLearner):
    """Closed loop: start an attempt, save one answer, submit."""

    abstract = True

    @task
    def cycle(self):
        if not self.start_attempt("submit: start attempt"):
            return
        self.save(self.rng.choice(self.attempt["questions"]), "submit: save answer")
        self.submit("submit attempt")


class PacedQuizTaker(ApiLearner):
    """A learner taking the quiz at a fast human pace: 1-3 s per question, then submit, then again."""

    abstract = True
    wait_time = between(1, 3)

    @task
    def step(self):
        if self.attempt is None:
            if self.start_attempt("quiz: start attempt"):
                self.todo = list(self.attempt["questions"])
            return
        if self.todo:
            self.save(self.todo.pop(0), "quiz: save answer")
        else:
            self.submit("quiz: submit")


class WebLearner(BenchUser):
    """Capacity mix: a learner on a phone with 7.5-15 s between actions.

    Logs in through the form, reads lessons (most of the time), opens the course page and the
    dashboard, and after about 20 such actions takes the quiz: one question per page, each answer
    autosaved as the page's script does, then the next page; submits, reads the result. About
    one action in 50 finds the session ended, and the learner logs in again.
    """

    abstract = True
    wait_time = between(7.5, 15)
    relogin_chance = 0.02

    def on_start(self):
        self.username = self.fx.take()
        self.rng = random.Random(self.username)
        self.attempt = None  # {"id", "page", "pages_left"} while a quiz is open
        self.login()

    def login(self):
        self.client.cookiejar.clear()
        page = self.check("GET", "/login", "capacity: login form")
        token = csrf(page.text or "")
        if token is None:
            return
        self.check("POST", "/login", "capacity: login", status=(302,),
                   data={"csrf_token": token, "username": self.username, "password": self.fx.password})
        self.attempt = None

    @task
    def act(self):
        if self.rng.random() < self.relogin_chance:
            self.login()
            return
        if self.attempt is not None:
            self.quiz_step()
            return
        roll = self.rng.random()
        slug = self.fx.course["slug"]
        if roll < 0.65:
            lesson = self.rng.choice(self.fx.course["lessons"])
            self.check("GET", f"/courses/{slug}/lessons/{lesson}", "capacity: lesson page", contains='id="main"')
        elif roll < 0.80:
            self.check("GET", f"/courses/{slug}", "capacity: course page", contains='id="main"')
        elif roll < 0.95:
            self.check("GET", "/", "capacity: dashboard", contains='id="main"')
        else:  # a quiz is some 16 actions (open, answer and move on per question, submit, result)
            self.start_quiz()

    def start_quiz(self):
        quiz = self.fx.quiz["id"]
        page = self.check("GET", f"/quizzes/{quiz}", "capacity: quiz overview", contains='id="main"')
        token = csrf(page.text or "")
        if token is None:
            return
        r = self.check("POST", f"/quizzes/{quiz}/start", "capacity: quiz start", status=(302,),
                       data={"csrf_token": token})
        match = ATTEMPT_RE.search(r.headers.get("Location", "") if r.status_code == 302 else "")
        if match:
            self.attempt = {"id": int(match.group(1)), "page": 0, "html": None}
            self.open_page()

    def open_page(self):
        a = self.attempt
        r = self.check("GET", f"/attempts/{a['id']}?page={a['page']}", "capacity: quiz page", contains='id="main"')
        a["html"] = r.text if r.status_code == 200 else None
        a["answered"] = False

    def quiz_step(self):
        a = self.attempt
        html = a.get("html") or ""
        token = csrf(html)
        shown = SHOWN_RE.findall(html)
        if token is None or not shown:
            self.attempt = None
            return
        qid = shown[0]
        if not a["answered"]:  # pick an answer: the page's script saves it at once
            data = {"csrf_token": token, "shown": qid}
            choices = [c for q, c in CHOICE_RE.findall(html) if q == qid]
            data[f"q_{qid}"] = self.rng.choice(choices) if choices else "72 jam"
            self.check("POST", f"/attempts/{a['id']}/answers/{qid}", "capacity: save answer", data=data,
                       headers={"X-CSRFToken": token}, contains='"saved"')
            a["answered"] = True
            return
        last = 'value="summary"' in html
        r = self.check("POST", f"/attempts/{a['id']}", "capacity: next question", status=(302,),
                       data={"csrf_token": token, "page": a["page"], "go": "summary" if last else "next"})
        if r.status_code != 302:
            self.attempt = None
        elif last:
            self.finish(token)
        else:
            a["page"] += 1
            self.open_page()

    def finish(self, token: str):
        a = self.attempt
        self.check("GET", f"/attempts/{a['id']}/summary", "capacity: quiz summary", contains='id="main"')
        self.check("POST", f"/attempts/{a['id']}/submit", "capacity: submit", status=(302,),
                   data={"csrf_token": token})
        self.check("GET", f"/attempts/{a['id']}/result", "capacity: result", contains='id="main"')
        self.attempt = None
