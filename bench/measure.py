"""Raw request samples -> figures, and where the CPU went during a phase.

Every request the load generator makes is kept (name, start time, duration, error), so the
percentiles are exact (nearest rank over the samples of the window), not read off a histogram.
A phase's window starts after its warm-up; a request counts in the window it started in.
"""
from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field

import psutil


@dataclass
class Sample:
    name: str
    start: float  # epoch seconds
    ms: float
    error: str | None


@dataclass
class Recorder:
    """A locust ``request`` event listener that keeps every sample."""

    samples: list[Sample] = field(default_factory=list)

    def __call__(self, request_type, name, response_time, response_length, exception=None, start_time=None,
                 **_kw) -> None:
        started = start_time if start_time is not None else time.time() - response_time / 1000
        self.samples.append(Sample(name, started, float(response_time), None if exception is None else
                                   f"{type(exception).__name__}: {str(exception)[:160]}"))

    def record(self, name: str, started: float, ms: float, error: str | None) -> None:
        """For requests made outside locust's users (the exam's own client)."""
        self.samples.append(Sample(name, started, ms, error))

    def window(self, t0: float, t1: float, name: str | None = None) -> list[Sample]:
        return [s for s in self.samples if t0 <= s.start < t1 and (name is None or s.name == name)]


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..1) of an already sorted list."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[rank - 1]


def summarize(samples: list[Sample], seconds: float) -> dict:
    times = sorted(s.ms for s in samples)
    errors = [s for s in samples if s.error]
    examples = sorted({s.error for s in errors})[:5]

    def r(v):
        return None if v is None else round(v, 1)

    return {"requests": len(samples), "rps": round(len(samples) / seconds, 1) if seconds else None,
            "p50_ms": r(percentile(times, 0.50)), "p95_ms": r(percentile(times, 0.95)),
            "p99_ms": r(percentile(times, 0.99)), "max_ms": r(times[-1] if times else None),
            "errors": len(errors), "error_examples": examples}


# ---------------------------------------------------------------------------- CPU accounting
def _cpu(proc: psutil.Process) -> float:
    try:
        t = proc.cpu_times()
        return t.user + t.system
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0.0


def _processes(name: str, title: str | None = None) -> dict[int, psutil.Process]:
    """Processes called ``name`` (and, if given, whose title contains ``title``)."""
    found = {}
    for proc in psutil.process_iter(["name", "cmdline"]):
        if proc.info["name"] == name and (title is None or title in " ".join(proc.info["cmdline"] or ())):
            found[proc.pid] = proc
    return found


class CpuMeter:
    """Core-seconds used by the app server, PostgreSQL, Redis, the load generator and everything else.

    "postgres" counts the backends serving the bench database only (PostgreSQL puts the database
    name in each backend's process title); other databases' work on a shared machine, and the
    server's shared background processes, fall under "other".
    """

    def __init__(self, app_pids, database: str) -> None:
        self.app_pids = app_pids  # callable -> list of pids (gunicorn master and workers)
        self.database = database

    def _snapshot(self) -> dict:
        app = {pid: psutil.Process(pid) for pid in self.app_pids()}
        return {"at": time.monotonic(), "system": psutil.cpu_times(),
                "app": {pid: _cpu(p) for pid, p in app.items()},
                "postgres": {pid: _cpu(p) for pid, p in _processes("postgres", f" {self.database} ").items()},
                "redis": {pid: _cpu(p) for pid, p in _processes("redis-server").items()},
                "loadgen": _cpu(psutil.Process(os.getpid()))}

    def start(self) -> None:
        self.before = self._snapshot()
        self.load_before = os.getloadavg()

    def stop(self) -> dict:
        after = self._snapshot()
        seconds = after["at"] - self.before["at"]

        def used(kind):  # processes born in the window count from zero
            return sum(v - self.before[kind].get(pid, 0.0) for pid, v in after[kind].items())

        s0, s1 = self.before["system"], after["system"]
        idle = (s1.idle - s0.idle) + (getattr(s1, "iowait", 0) - getattr(s0, "iowait", 0))
        total = sum(s1) - sum(s0)
        cores = psutil.cpu_count() or 1
        busy = cores * (1 - idle / total) if total else 0.0
        ours = {"app": used("app"), "postgres": used("postgres"), "redis": used("redis"),
                "loadgen": after["loadgen"] - self.before["loadgen"]}
        out = {k: round(v / seconds, 2) for k, v in ours.items()}
        out["busy_cores"] = round(busy, 2)
        out["other"] = round(max(busy - sum(ours.values()) / seconds, 0.0), 2)
        out["loadavg_before"] = [round(x, 2) for x in self.load_before]
        out["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
        return out


def machine() -> dict:
    """What the figures were measured on."""
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            model = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), "")
    except OSError:
        pass
    return {"cpu": model, "cores": psutil.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "loadavg_at_start": [round(x, 2) for x in os.getloadavg()]}
