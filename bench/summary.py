"""Print a bench result file as Markdown tables (for docs/performance.md).

    python -m bench.summary bench/results/2026-11-28.json [bench/results/2026-11-28-exam.json ...]

Standard library only: runs with any Python 3.11.
"""
from __future__ import annotations

import json
import sys


def _row(cells) -> str:
    return "| " + " | ".join("" if c is None else str(c) for c in cells) + " |"


def _cpu(c: dict) -> str:
    return (f"app {c['app']}, pg {c['postgres']}, redis {c['redis']}, locust {c['loadgen']}, other {c['other']}; "
            f"load {c['loadavg_before'][0]}")


def per_request(phase: dict, part: str):
    """CPU milliseconds per measured request spent in ``part`` (app, postgres) during the phase.

    Every request of the window counts (a submit phase also starts attempts and saves answers),
    so for phases with helper requests this is per measured request, helpers included.
    """
    total = sum(x["requests"] for x in phase.get("by_name", {}).values()) or phase["requests"]
    if not total:
        return None
    return round(phase["cpu_cores"][part] * phase["seconds"] * 1000 / total, 1)


def _machine(r: dict) -> str:
    m = r["machine"]
    return (f"{m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; commit {r.get('commit')} "
            f"(+{r.get('uncommitted_changes', 0)} uncommitted files); gunicorn {r['gunicorn']}; "
            f"load average at start {m['loadavg_at_start']}, at end {r.get('loadavg_at_end')}")


def standard(r: dict) -> list[str]:
    out = [f"Run of {r['started']}: {_machine(r)}; {r['settings']['duration_s']} s measured per phase after "
           f"{r['settings']['warmup_s']} s of warm-up.", ""]
    out.append(_row(["learners", "phase", "users", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors",
                     "ratio to logged-in", "app CPU ms/req", "PostgreSQL CPU ms/req", "CPU cores used during the phase"]))
    out.append(_row(["---"] * 12))
    for run in r["runs"]:
        for p in run["phases"]:
            out.append(_row([run["learners"], p["phase"], p["users"], p["rps"], p["p50_ms"], p["p95_ms"], p["p99_ms"],
                             p["errors"], p["ratio_to_logged_in"], per_request(p, "app"), per_request(p, "postgres"),
                             _cpu(p["cpu_cores"])]))
    out.append("")
    for run in r["runs"]:
        m = run["memory"]
        out.append(f"- {run['learners']} learners: database {run['database']}; worker RSS {m['worker_rss_mb']} MB "
                   f"(unique {m['worker_uss_mb']} MB); tracebacks in the server log: {m.get('server_tracebacks')}")
    out += ["", *targets(r["targets"])]
    return out


def targets(items: list[dict]) -> list[str]:
    out = [_row(["target", "measured", "goal", "met"]), _row(["---"] * 4)]
    out += [_row([t["target"], t["measured"], t["limit"], "yes" if t["met"] else "**no**"]) for t in items]
    return out


def exam(r: dict) -> list[str]:
    out = [f"Run of {r['started']}: {_machine(r)}; {r['exam_learners']} learners, "
           f"{r['learners_in_database']} in the database, {r.get('pause_s')} s between answers, {r['seconds']} s from "
           f"the barrier to the last answer.", "",
           _row(["request", "count", "p50 ms", "p95 ms", "max ms", "errors"]), _row(["---"] * 6)]
    out += [_row([n, x["requests"], x["p50_ms"], x["p95_ms"], x["max_ms"], x["errors"]]) for n, x in r["requests"].items()]
    out += ["", f"CPU during the peak: {_cpu(r['cpu_cores'])}. SQL check: {r['sql_check']}", "", *targets(r["targets"])]
    return out


def capacity(r: dict) -> list[str]:
    out = [f"Run of {r['started']}: {_machine(r)}; think time {r['think_time_s']} s.", "",
           _row(["learners", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "held", "CPU cores"]), _row(["---"] * 8)]
    out += [_row([s["users"], s["rps"], s["p50_ms"], s["p95_ms"], s["p99_ms"], s["errors"], s["held"],
                  _cpu(s["cpu_cores"])]) for s in r["steps"]]
    held = [s for s in r["steps"] if s["held"]]
    if held:
        out += ["", f"By kind of request at {held[-1]['users']} learners:", "",
                _row(["request", "req/s", "p50 ms", "p95 ms", "errors"]), _row(["---"] * 5)]
        out += [_row([n, x["rps"], x["p50_ms"], x["p95_ms"], x["errors"]]) for n, x in held[-1]["by_name"].items()]
    out += ["", *targets(r["targets"])]
    return out


def main(paths: list[str]) -> int:
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            result = json.load(fh)
        print(f"### {path}\n")
        print("\n".join({"standard": standard, "exam": exam, "capacity": capacity}[result["kind"]](result)))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
