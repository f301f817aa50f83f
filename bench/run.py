"""``make bench``, ``make bench-exam``, ``make bench-capacity``: the app under gunicorn on PostgreSQL
with generated learners, loaded by locust (as a library), figures printed and written as JSON.

Runs in the bench venv (.venv-bench: locust, psutil); the app, gunicorn and the database
commands run from the app's venv (.venv) as subprocesses. See docs/performance.md.

    python -m bench.run standard [--sizes 200,20000]     the phases and ratios of `make bench`
    python -m bench.run exam [--size 20000]               200 learners start one quiz at once
    python -m bench.run capacity [--size 20000]           learners with 7.5-15 s pauses, in steps
"""
from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402 - after monkey-patching, as gevent requires
import datetime as dt  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import secrets  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import psutil  # noqa: E402
from gevent.event import Event  # noqa: E402
from gevent.pool import Pool  # noqa: E402
from locust.contrib.fasthttp import FastHttpSession  # noqa: E402
from locust.env import Environment  # noqa: E402
from locust.event import EventHook  # noqa: E402

from bench import scenarios  # noqa: E402
from bench.measure import CpuMeter, Recorder, machine, summarize  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
APP_BIN = ROOT / ".venv" / "bin"
RESULTS = ROOT / "bench" / "results"
TMP = RESULTS / "tmp"
PASSWORD = "Bench-Sandi-Subak-2026"  # the generated learners' shared password (bench database only)
REVIEWER = "bench-peninjau"
SEED = 1
# Rate limits stay on (Redis round trips included) but every simulated learner comes from one
# address and the closed loops save answers far faster than a person: raise the ceilings.
BENCH_RATES = {"RATELIMIT_LOGIN": "1000000 per minute", "RATELIMIT_ANSWER": "1000000 per minute",
               "RATELIMIT_SUBMIT": "1000000 per minute"}

log = logging.getLogger("bench")


class BenchError(RuntimeError):
    pass


# ---------------------------------------------------------------------------- settings
class Settings:
    def __init__(self, args) -> None:
        self.pg_host = os.environ.get("PGHOST", "127.0.0.1")
        self.pg_port = os.environ.get("PGPORT", "5432")
        self.pg_user = os.environ.get("PGUSER", "postgres")
        self.db_name = os.environ.get("BENCH_DB", "cakap_bench")
        self.redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
        self.port = int(os.environ.get("BENCH_PORT", "8765"))
        self.base = f"http://127.0.0.1:{self.port}"
        self.duration = float(args.duration)
        self.warmup = float(args.warmup)
        self.reuse = args.reuse
        self.secret = secrets.token_hex(32)

    @property
    def database_url(self) -> str:
        return f"postgresql+psycopg://{self.pg_user}@{self.pg_host}:{self.pg_port}/{self.db_name}"

    def app_env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_DATABASE_URL", "VIRTUAL_ENV"))}
        env.update(DATABASE_URL=self.database_url, REDIS_URL=self.redis_url, SECRET_KEY=self.secret,
                   LMS_INSTANCE_DIR=str(TMP / "instance"), UPLOAD_FOLDER=str(TMP / "instance" / "uploads"),
                   GUNICORN_APP="bench.app:create_bench_app()", GUNICORN_BIND=f"127.0.0.1:{self.port}",
                   GUNICORN_MAX_REQUESTS="0", FLASK_APP="lms", **BENCH_RATES)
        env["PATH"] = f"{APP_BIN}:{env.get('PATH', '')}"
        return env


def _run(cmd: list[str], settings: Settings, *, db: str = "postgres") -> str:
    """Run a command of the app's venv (or psql) and fail loudly with its output."""
    env = settings.app_env()
    if cmd[0] == "psql":
        cmd = ["psql", "-h", settings.pg_host, "-p", settings.pg_port, "-U", settings.pg_user, "-d", db, "-qAt",
               "-v", "ON_ERROR_STOP=1", *cmd[1:]]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"{' '.join(cmd[:4])} ... failed ({done.returncode}):\n{done.stdout[-2000:]}"
                         f"\n{done.stderr[-4000:]}")
    return done.stdout


def prepare_database(settings: Settings, size: int) -> dict:
    """A fresh bench database: migrations, curriculum, ``size`` generated learners, a reviewer."""
    flask = [str(APP_BIN / "flask"), "--app", "lms"]
    started = time.monotonic()
    if settings.reuse and _generated_count(settings) == size:
        print(f"  reusing {settings.db_name} ({size} generated learners)", flush=True)
        return {"reused": True, "seconds": 0}
    print(f"  database {settings.db_name}: create, migrate, seed, generate {size} learners ...", flush=True)
    _run(["psql", "-c", f'DROP DATABASE IF EXISTS "{settings.db_name}" WITH (FORCE)'], settings)
    _run(["psql", "-c", f'CREATE DATABASE "{settings.db_name}"'], settings)
    _run([*flask, "db", "upgrade"], settings)
    _run([*flask, "seed"], settings)
    gen_started = time.monotonic()
    _run([*flask, "generate-demo-data", "--learners", str(size), "--seed", str(SEED), "--password", PASSWORD],
         settings)
    generated = time.monotonic() - gen_started
    _run([*flask, "create-user", "--username", REVIEWER, "--password", PASSWORD, "--role", "reviewer",
          "--full-name", "Peninjau Bench"], settings)
    _run(["psql", "-c", "VACUUM ANALYZE"], settings, db=settings.db_name)
    return {"reused": False, "seconds": round(time.monotonic() - started, 1), "generate_seconds": round(generated, 1)}


def _generated_count(settings: Settings) -> int | None:
    try:
        out = _run(["psql", "-c", "SELECT count(*) FROM \"user\" WHERE username LIKE 'demo-%'"], settings,
                   db=settings.db_name)
        return int(out.strip())
    except (BenchError, ValueError):
        return None


def discover(settings: Settings, pool: int, exam: int = 0) -> dict:
    out = _run([str(APP_BIN / "python"), "-m", "bench.dbtools", "discover", "--pool", str(pool), "--exam", str(exam)],
               settings)
    return json.loads(out)


def database_facts(settings: Settings) -> dict:
    sql = ("SELECT (SELECT count(*) FROM \"user\"), (SELECT count(*) FROM enrollment), "
           "(SELECT count(*) FROM lesson_progress), (SELECT count(*) FROM attempt), (SELECT count(*) FROM answer), "
           "pg_database_size(current_database()), current_setting('server_version')")
    users, enrollments, progress, attempts, answers, size, version = \
        _run(["psql", "-F", "|", "-c", sql], settings, db=settings.db_name).strip().split("|")
    return {"users": int(users), "enrollments": int(enrollments), "lesson_progress": int(progress),
            "attempts": int(attempts), "answers": int(answers), "database_mb": round(int(size) / 2**20),
            "postgresql": version}


# ---------------------------------------------------------------------------- the app server
class Server:
    """gunicorn -c gunicorn.conf.py serving bench.app:create_bench_app() on the bench database."""

    def __init__(self, settings: Settings, label: str) -> None:
        self.settings = settings
        self.label = label
        self.proc = None

    def __enter__(self):
        TMP.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run(["redis-cli", "-u", self.settings.redis_url, "FLUSHDB"], check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError) as err:
            raise BenchError(f"Redis at {self.settings.redis_url} is needed ({err})") from err
        self.log_path = TMP / f"gunicorn-{self.label}.log"
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([str(APP_BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py")], cwd=ROOT,
                                     env=self.settings.app_env(), stdout=self.log, stderr=self.log)
        session = FastHttpSession(self.settings.base, EventHook(), None)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"gunicorn exited ({self.proc.returncode}); see {self.log_path}")
            try:
                if session.get("/healthz").status_code == 200 and len(self.workers()) >= 1:
                    gevent.sleep(2)  # let the other workers finish booting
                    return self
            except Exception:  # noqa: BLE001 - not listening yet
                pass
            gevent.sleep(0.3)
        raise BenchError(f"gunicorn did not answer /healthz within 60 s; see {self.log_path}")

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()

    def tracebacks(self) -> int:
        """Unhandled errors the app logged (a 500 is also an error of the phase that got it)."""
        return self.log_path.read_text(errors="replace").count("Traceback (most recent call last)")

    def workers(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.proc.pid).children()
        except psutil.NoSuchProcess:
            return []

    def pids(self) -> list[int]:
        return [self.proc.pid, *(p.pid for p in self.workers())]

    def memory(self) -> dict:
        """Resident and unique memory of each worker (MB)."""
        rss, uss = [], []
        for proc in self.workers():
            info = proc.memory_full_info()
            rss.append(round(info.rss / 2**20, 1))
            uss.append(round(info.uss / 2**20, 1))
        master = psutil.Process(self.proc.pid).memory_info().rss / 2**20
        return {"workers": len(rss), "worker_rss_mb": rss, "worker_uss_mb": uss, "max_worker_rss_mb": max(rss),
                "master_rss_mb": round(master, 1)}


# ---------------------------------------------------------------------------- sessions
def new_session(settings: Settings) -> FastHttpSession:
    return FastHttpSession(settings.base, EventHook(), None, network_timeout=120.0, connection_timeout=120.0)


def web_login(settings: Settings, username: str) -> list:
    """Log in through the form (CSRF token from the page); return the session's cookies."""
    session = new_session(settings)
    page = session.get("/login")
    token = scenarios.csrf(page.text or "")
    response = session.post("/login", data={"csrf_token": token, "username": username, "password": PASSWORD},
                            allow_redirects=False)
    if response.status_code != 302 or "/login" in response.headers.get("Location", ""):
        raise BenchError(f"web login as {username} failed: HTTP {response.status_code}")
    return list(session.cookiejar)


def api_token(settings: Settings, username: str) -> str:
    response = new_session(settings).post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    if response.status_code != 200:
        raise BenchError(f"token for {username} failed: HTTP {response.status_code} {response.text[:200]}")
    return response.json()["token"]


def in_parallel(fn, items, size: int = 4) -> list:
    return Pool(size).map(fn, items)


def make_fixture(settings: Settings, found: dict, web: int, api: int) -> scenarios.Fixture:
    learners = found["learners"]
    if len(learners) < max(web, api):
        raise BenchError(f"only {len(learners)} learners enrolled in {found['course']['slug']}; need {max(web, api)}")
    fx = scenarios.Fixture(course=found["course"], quiz=found["quiz"], learners=learners, password=PASSWORD)
    started = time.monotonic()
    for name, cookies in zip(learners[:web], in_parallel(lambda u: web_login(settings, u), learners[:web])):
        fx.cookies[name] = cookies
    for name, token in zip(learners[:api], in_parallel(lambda u: api_token(settings, u), learners[:api])):
        fx.tokens[name] = token
    fx.reviewer_cookies = web_login(settings, REVIEWER)
    print(f"  signed in {web} web sessions, {api} API tokens and a reviewer in "
          f"{time.monotonic() - started:.1f} s", flush=True)
    return fx


# ---------------------------------------------------------------------------- phases
def run_phase(settings: Settings, server: Server, fx: scenarios.Fixture, title: str, user_class, users: int,
              names: list[str]) -> dict:
    """Closed loop of ``users`` users: warm up, measure ``duration`` seconds, let in-flight requests end."""
    fx.restart()
    cls = type(user_class.__name__, (user_class,), {"fx": fx, "host": settings.base, "abstract": False})
    env = Environment(user_classes=[cls], host=settings.base)
    recorder = Recorder()
    env.events.request.add_listener(recorder)
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=min(users, 100))
    gevent.sleep(settings.warmup)
    meter = CpuMeter(server.pids, settings.db_name)
    meter.start()
    t0 = time.time()
    gevent.sleep(settings.duration)
    t1 = time.time()
    cpu = meter.stop()
    fx.stop_at = t1
    deadline = time.monotonic() + 120
    while runner.user_count and time.monotonic() < deadline:
        gevent.sleep(0.2)
    runner.quit()
    seconds = t1 - t0
    result = {"phase": title, "users": users, "seconds": round(seconds, 1), "cpu_cores": cpu,
              "by_name": {name: summarize(recorder.window(t0, t1, name), seconds)
                          for name in sorted({s.name for s in recorder.window(t0, t1)})}}
    primary = [s for name in names for s in recorder.window(t0, t1, name)]
    result.update(summarize(primary, seconds))
    result["measured"] = names
    return result


LEARNER_PAGES = ("dashboard", "course page", "lesson page")


def standard_phases(full: bool, page_users: int, api_users: int, report_users: int) -> list:
    phases = [("baseline: constant", scenarios.ConstantBaseline, page_users, ["baseline: constant"]),
              ("baseline: logged-in user", scenarios.UserBaseline, page_users, ["baseline: logged-in user"]),
              ("dashboard", scenarios.DashboardPage, page_users, ["dashboard"]),
              ("course page", scenarios.CoursePage, page_users, ["course page"]),
              ("lesson page", scenarios.LessonPage, page_users, ["lesson page"])]
    if full:
        kecamatan = type("KecamatanReport", (scenarios.ReportPage,), {"group_by": "kecamatan", "abstract": True})
        desa = type("DesaReport", (scenarios.ReportPage,), {"group_by": "desa", "abstract": True})
        phases += [("save answer", scenarios.AnswerSave, api_users, ["save answer"]),
                   ("submit attempt", scenarios.SubmitAttempt, api_users, ["submit attempt"]),
                   ("quiz at a human pace", scenarios.PacedQuizTaker, api_users,
                    ["quiz: start attempt", "quiz: save answer", "quiz: submit"]),
                   ("report by kecamatan", kecamatan, report_users, ["report by kecamatan"]),
                   ("report by desa", desa, report_users, ["report by desa"])]
    return phases


def standard(settings: Settings, sizes: list[int], page_users: int, api_users: int, report_users: int) -> dict:
    runs = []
    for size in sizes:
        full = size == max(sizes)
        print(f"\n== {size} learners ==", flush=True)
        prep = prepare_database(settings, size)
        facts = database_facts(settings)
        with Server(settings, f"standard-{size}") as server:
            found = discover(settings, pool=max(page_users, api_users))
            fx = make_fixture(settings, found, page_users, api_users if full else 0)
            phases = []
            for title, cls, users, names in standard_phases(full, page_users, api_users, report_users):
                phase = run_phase(settings, server, fx, title, cls, users, names)
                phases.append(phase)
                print(f"  {title:<26} {phase['rps']:>7} req/s  p50 {phase['p50_ms']} ms  p95 {phase['p95_ms']} ms"
                      f"  errors {phase['errors']}  (cpu: app {phase['cpu_cores']['app']}, "
                      f"postgres {phase['cpu_cores']['postgres']}, other {phase['cpu_cores']['other']})", flush=True)
            memory = server.memory()
        memory["server_tracebacks"] = server.tracebacks()
        baseline = next(p for p in phases if p["phase"] == "baseline: logged-in user")["rps"]
        for phase in phases:
            phase["ratio_to_logged_in"] = round(phase["rps"] / baseline, 3) if baseline else None
        runs.append({"learners": size, "database": facts, "prepare": prep, "course": found["course"]["slug"],
                     "quiz_id": found["quiz"]["id"], "phases": phases, "memory": memory})
    return {"runs": runs, "targets": standard_targets(runs)}


def _phase(run: dict, title: str) -> dict | None:
    return next((p for p in run["phases"] if p["phase"] == title), None)


def _below(value, limit) -> bool:
    return value is not None and value < limit


def standard_targets(runs: list[dict]) -> list[dict]:
    big = max(runs, key=lambda r: r["learners"])
    small = min(runs, key=lambda r: r["learners"])
    out = []

    def target(name, value, limit, ok):
        out.append({"target": name, "measured": value, "limit": limit, "met": bool(ok)})

    for page in LEARNER_PAGES:
        p = _phase(big, page)
        target(f"{page}: throughput / logged-in baseline ({big['learners']} learners)", p["ratio_to_logged_in"],
               ">= 0.40", p["ratio_to_logged_in"] is not None and p["ratio_to_logged_in"] >= 0.40)
    paced = _phase(big, "quiz at a human pace")
    for name in ("quiz: save answer", "quiz: submit"):
        r = paced["by_name"].get(name, {})
        target(f"{name}: p95 ms, {paced['users']} learners at a human pace, no errors", r.get("p95_ms"), "< 300",
               _below(r.get("p95_ms"), 300) and r["errors"] == 0)
    for title in ("save answer", "submit attempt"):
        p = _phase(big, title)
        target(f"{title}: p95 ms, {p['users']} learners in a closed loop (no pause), no errors", p["p95_ms"],
               "< 300", _below(p["p95_ms"], 300) and p["errors"] == 0)
    if small is not big:
        for page in LEARNER_PAGES:
            a, b = _phase(small, page)["p50_ms"], _phase(big, page)["p50_ms"]
            ratio = round(b / a, 2) if a and b else None
            target(f"{page}: p50 at {big['learners']} / p50 at {small['learners']} learners", ratio, "<= 1.5",
                   ratio is not None and ratio <= 1.5)
    desa = _phase(big, "report by desa")
    target("report by desa: p50 ms", desa["p50_ms"], "< 250", _below(desa["p50_ms"], 250))
    worst = max(r["memory"]["max_worker_rss_mb"] for r in runs)
    target("largest worker RSS MB", worst, "< 150", worst < 150)
    return out


# ---------------------------------------------------------------------------- exam peak
def exam(settings: Settings, size: int, learners: int, pause: tuple[float, float]) -> dict:
    """``learners`` learners start one quiz at the same instant, answer everything and submit;
    every second one sends its submit twice at once (a double tap).

    Between answers (and before the submit) each learner pauses ``pause`` seconds, drawn at
    random: (1, 3) is a fast human pace; (0, 0) sends everything back to back.
    """
    print(f"\n== exam peak: {learners} learners, {size} in the database ==", flush=True)
    prep = prepare_database(settings, size)
    with Server(settings, "exam") as server:
        found = discover(settings, pool=1, exam=learners)
        names = found["exam_learners"]
        if len(names) < learners:
            raise BenchError(f"only {len(names)} learners without an attempt at quiz {found['exam_quiz']['id']}")
        quiz_id, course_id = found["exam_quiz"]["id"], found["course"]["id"]
        tokens = dict(zip(names, in_parallel(lambda u: api_token(settings, u), names)))
        env = Environment(user_classes=[], host=settings.base)
        recorder = Recorder()
        env.events.request.add_listener(recorder)

        def enroll(username):
            s = new_session(settings)
            r = s.post(f"/api/v1/courses/{course_id}/enroll", headers={"Authorization": f"Bearer {tokens[username]}"})
            if r.status_code not in (200, 201):
                raise BenchError(f"enrol {username}: HTTP {r.status_code}")

        in_parallel(enroll, names)
        go, ready = Event(), []
        expected: dict[str, dict] = {}
        doubles: list[bool] = []

        def learner(i: int, username: str):
            headers = {"Authorization": f"Bearer {tokens[username]}"}
            session = FastHttpSession(settings.base, env.events.request, None, network_timeout=120.0,
                                      connection_timeout=120.0)
            rng = random.Random(username)
            ready.append(i)
            go.wait()
            r = session.post(f"/api/v1/quizzes/{quiz_id}/attempts", headers=headers, name="exam: start")
            if r.status_code not in (200, 201):
                return
            body = r.json()
            attempt = body["attempt_id"]
            expected[username] = {}
            for question in body["questions"]:
                gevent.sleep(rng.uniform(*pause))
                payload = scenarios.api_payload(question, rng)
                r = session.put(f"/api/v1/attempts/{attempt}/answers/{question['id']}", headers=headers, json=payload,
                                name="exam: save answer")
                if r.status_code == 200:
                    expected[username][str(question["id"])] = payload
            gevent.sleep(rng.uniform(*pause))

            def submit():
                s = FastHttpSession(settings.base, env.events.request, None, network_timeout=120.0,
                                    connection_timeout=120.0)
                resp = s.post(f"/api/v1/attempts/{attempt}/submit", headers=headers, name="exam: submit")
                return resp.json() if resp.status_code == 200 else None

            if i % 2:
                both = [g.value for g in gevent.joinall([gevent.spawn(submit), gevent.spawn(submit)])]
                doubles.append(both[0] is not None and both[0] == both[1])
            else:
                submit()

        greenlets = [gevent.spawn(learner, i, name) for i, name in enumerate(names[:learners])]
        while len(ready) < learners:
            gevent.sleep(0.05)
        meter = CpuMeter(server.pids, settings.db_name)
        meter.start()
        t0 = time.time()
        go.set()
        gevent.joinall(greenlets)
        t1 = time.time()
        cpu = meter.stop()
        memory = server.memory()
    memory["server_tracebacks"] = server.tracebacks()
    expected_path = TMP / "exam-expected.json"
    expected_path.write_text(json.dumps({"quiz_id": quiz_id, "answers": expected}))
    check = json.loads(_run([str(APP_BIN / "python"), "-m", "bench.dbtools", "exam-check", str(expected_path)],
                            settings))
    window = recorder.window(t0 - 1, t1 + 1)
    requests = {name: summarize([s for s in window if s.name == name], t1 - t0)
                for name in ("exam: start", "exam: save answer", "exam: submit")}
    errors = sum(r["errors"] for r in requests.values())
    start = requests["exam: start"]
    targets = [
        {"target": "every request succeeded", "measured": errors, "limit": "0 errors", "met": errors == 0},
        {"target": "start p95 ms", "measured": start["p95_ms"], "limit": "< 3000",
         "met": start["p95_ms"] is not None and start["p95_ms"] < 3000},
        {"target": "exactly one attempt per learner (SQL)", "measured": check["learners_with_one_attempt"],
         "limit": f"= {learners}", "met": check["learners_with_one_attempt"] == learners},
        {"target": "every saved answer present (SQL)", "measured": f"{check['answers_found']}/{check['answers_sent']}",
         "limit": "all", "met": check["ok"] and check["answers_found"] == check["answers_sent"] > 0},
        {"target": "double submits answered with the same result", "measured": f"{sum(doubles)}/{len(doubles)}",
         "limit": "all", "met": len(doubles) == learners // 2 and all(doubles)},
    ]
    return {"learners_in_database": size, "prepare": prep, "exam_learners": learners, "quiz_id": quiz_id,
            "pause_s": list(pause),
            "seconds": round(t1 - t0, 2), "requests": requests, "cpu_cores": cpu, "memory": memory,
            "sql_check": check, "targets": targets}


# ---------------------------------------------------------------------------- capacity
MIN_CAPACITY_STEP = 25
def capacity(settings: Settings, size: int, start: int, step: int, top: int, hold: float, spawn_rate: float) -> dict:
    """Learners with 7.5-15 s pauses, added ``step`` at a time until p95 >= 1 s or an error
    (halved from ``start`` instead when even the first step does not hold)."""
    print(f"\n== capacity with think time: {size} learners in the database ==", flush=True)
    prep = prepare_database(settings, size)
    steps = []
    with Server(settings, "capacity") as server:
        found = discover(settings, pool=top)
        fx = scenarios.Fixture(course=found["course"], quiz=found["quiz"], learners=found["learners"],
                               password=PASSWORD)
        cls = type("WebLearner", (scenarios.WebLearner,), {"fx": fx, "host": settings.base, "abstract": False})
        env = Environment(user_classes=[cls], host=settings.base)
        recorder = Recorder()
        env.events.request.add_listener(recorder)
        runner = env.create_local_runner()
        users = start
        while users <= top:
            runner.start(users, spawn_rate=spawn_rate)
            while runner.user_count < users:
                gevent.sleep(0.5)
            gevent.sleep(20)  # every new learner past its login and into the 7.5-15 s rhythm
            meter = CpuMeter(server.pids, settings.db_name)
            meter.start()
            t0 = time.time()
            gevent.sleep(hold)
            t1 = time.time()
            cpu = meter.stop()
            window = recorder.window(t0, t1)
            result = {"users": users, "seconds": round(t1 - t0, 1), "cpu_cores": cpu, **summarize(window, t1 - t0),
                      "by_name": {name: summarize([s for s in window if s.name == name], t1 - t0)
                                  for name in sorted({s.name for s in window})}}
            result["held"] = result["p95_ms"] is not None and result["p95_ms"] < 1000 and result["errors"] == 0
            steps.append(result)
            print(f"  {users:>5} learners: {result['rps']} req/s  p50 {result['p50_ms']} ms  p95 {result['p95_ms']} ms"
                  f"  errors {result['errors']}  busy cores {cpu['busy_cores']} (app {cpu['app']}, "
                  f"postgres {cpu['postgres']}, other {cpu['other']})", flush=True)
            if result["held"]:
                if any(not s["held"] and s["users"] > users for s in steps):
                    break  # held here, failed one step up: the answer is in between
                users += step
            elif any(s["held"] for s in steps) or users <= MIN_CAPACITY_STEP:
                break
            else:  # not even the first step held: halve until one does
                users = max(users // 2, MIN_CAPACITY_STEP)
        fx.stop_at = time.time()
        runner.quit()
        memory = server.memory()
    memory["server_tracebacks"] = server.tracebacks()
    held = [s["users"] for s in steps if s["held"]]
    return {"learners_in_database": size, "prepare": prep, "think_time_s": [7.5, 15], "steps": steps,
            "capacity_learners": max(held) if held else 0, "memory": memory,
            "enrolled_learners_used": len(found["learners"]),
            "targets": [{"target": "learners held with p95 < 1 s and no errors", "measured": max(held) if held else 0,
                         "limit": ">= 1000", "met": bool(held) and max(held) >= 1000}]}


# ---------------------------------------------------------------------------- output
def _text(value) -> str:
    return "-" if value is None else str(value)


def print_standard(result: dict) -> None:
    print("\nCakap Desa bench: requests per second, latency, errors, and throughput relative to the logged-in "
          "baseline of the same run")
    header = f"{'learners':>8}  {'phase':<26} {'users':>5} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>6} " \
             f"{'ratio':>6}"
    print(header)
    print("-" * len(header))
    for run in result["runs"]:
        for p in run["phases"]:
            cells = [_text(p[k]) for k in ("rps", "p50_ms", "p95_ms", "errors", "ratio_to_logged_in")]
            print(f"{run['learners']:>8}  {p['phase']:<26} {p['users']:>5} {cells[0]:>8} {cells[1]:>8} "
                  f"{cells[2]:>8} {cells[3]:>6} {cells[4]:>6}")
        m = run["memory"]
        print(f"{run['learners']:>8}  worker RSS MB: {m['worker_rss_mb']} (unique: {m['worker_uss_mb']})")
    print_targets(result["targets"])


def print_targets(targets: list[dict]) -> None:
    print("\nTargets:")
    for t in targets:
        print(f"  [{'met' if t['met'] else 'NOT MET':>7}] {t['target']}: {t['measured']} (target {t['limit']})")


def write(result: dict, suffix: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{dt.date.today().isoformat()}{suffix}.json"
    path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def header(settings: Settings, kind: str, args) -> dict:
    workers = os.environ.get("WEB_CONCURRENCY") or str((psutil.cpu_count() or 1) * 2 + 1)
    changed = _git("status", "--porcelain", "--untracked-files=no")
    return {"kind": kind, "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "commit": _git("rev-parse", "--short", "HEAD"), "uncommitted_changes": len(changed.splitlines()),
            "machine": machine(), "python": platform.python_version(),
            "gunicorn": {"workers": int(workers), "worker_class": os.environ.get("GUNICORN_WORKER_CLASS", "sync"),
                         "threads": int(os.environ.get("GUNICORN_THREADS", "1"))},
            "settings": {"duration_s": settings.duration, "warmup_s": settings.warmup, "rate_limits": BENCH_RATES,
                         "redis": settings.redis_url, "database": settings.db_name, "args": vars(args)},
            "load_generator": "locust (FastHttpUser, library mode, one process on the same machine)"}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("kind", choices=["standard", "exam", "capacity"])
    parser.add_argument("--sizes", default="200,20000", help="standard: learner counts, comma-separated")
    parser.add_argument("--size", type=int, default=20000, help="exam, capacity: learners in the database")
    parser.add_argument("--duration", type=float, default=float(os.environ.get("BENCH_DURATION", 20)))
    parser.add_argument("--warmup", type=float, default=float(os.environ.get("BENCH_WARMUP", 5)))
    parser.add_argument("--page-users", type=int, default=20)
    parser.add_argument("--api-users", type=int, default=100)
    parser.add_argument("--report-users", type=int, default=2)
    parser.add_argument("--exam-learners", type=int, default=200)
    parser.add_argument("--exam-pause", default="1,3", help="exam: seconds between answers, min,max")
    parser.add_argument("--start", type=int, default=250, help="capacity: first step")
    parser.add_argument("--step", type=int, default=250)
    parser.add_argument("--top", type=int, default=2000)
    parser.add_argument("--hold", type=float, default=60)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--reuse", action="store_true", help="keep the bench database if it has that many learners")
    parser.add_argument("--no-write", action="store_true", help="print only (for trying the tooling)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings(args)
    started = time.monotonic()
    result = header(settings, args.kind, args)
    try:
        if args.kind == "standard":
            sizes = sorted(int(s) for s in args.sizes.split(","))
            result.update(standard(settings, sizes, args.page_users, args.api_users, args.report_users))
            print_standard(result)
            suffix = ""
        elif args.kind == "exam":
            pause = tuple(float(x) for x in args.exam_pause.split(","))
            result.update(exam(settings, args.size, args.exam_learners, (pause[0], pause[-1])))
            for name, r in result["requests"].items():
                print(f"  {name:<18} {r['requests']:>5} requests  p50 {r['p50_ms']} ms  p95 {r['p95_ms']} ms  "
                      f"max {r['max_ms']} ms  errors {r['errors']}")
            print(f"  SQL: {result['sql_check']['learners_with_one_attempt']} learners with one attempt, "
                  f"{result['sql_check']['answers_found']}/{result['sql_check']['answers_sent']} answers present")
            print_targets(result["targets"])
            suffix = "-exam"
        else:
            result.update(capacity(settings, args.size, args.start, args.step, args.top, args.hold, args.spawn_rate))
            held = [s for s in result["steps"] if s["held"]]
            if held:
                print(f"\nRequests at {held[-1]['users']} learners, by kind:")
                for name, r in held[-1]["by_name"].items():
                    print(f"  {name:<28} {r['rps']:>6} req/s  p50 {r['p50_ms']} ms  p95 {r['p95_ms']} ms  "
                          f"errors {r['errors']}")
            print(f"\nCapacity: {result['capacity_learners']} learners with p95 < 1 s and no errors")
            print_targets(result["targets"])
            suffix = "-capacity"
    except BenchError as err:
        print(f"\nbench failed: {err}", file=sys.stderr)
        return 2
    result["total_seconds"] = round(time.monotonic() - started, 1)
    result["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    if not args.no_write:
        print(f"\nwritten: {write(result, suffix).relative_to(ROOT)} ({result['total_seconds']} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
