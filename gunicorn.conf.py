"""Gunicorn settings for Cakap Desa: ``gunicorn -c gunicorn.conf.py`` (the app defaults to ``lms:create_app()``).

Every app server is stateless (signed session cookies, the per-user session version in the
database, rate-limit counters in Redis), so production runs several of these behind nginx
(deploy/nginx.conf.example); every server needs the same SECRET_KEY, DATABASE_URL and REDIS_URL.
Each value below can be changed by the environment variable named beside it; docs/performance.md
and docs/scaling.md give the measurements these defaults come from.
"""
import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


wsgi_app = os.environ.get("GUNICORN_APP", "lms:create_app()")
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers: one request at a time each, which suits short CPU-bound requests behind nginx
# (nginx buffers slow mobile clients, so a worker is never held by a slow upload or download).
# Two per core plus one keeps the cores busy while other workers wait on PostgreSQL.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
threads = _int("GUNICORN_THREADS", 1)

# A request that takes longer than this is killed (the recap PDF and the big exports stream).
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)  # seconds; nginx keeps upstream connections open
backlog = _int("GUNICORN_BACKLOG", 2048)  # queued connections during an exam's start burst

# Recycle a worker after this many requests (with jitter so they do not all restart at once):
# a guard against slow memory growth. 0 turns it off (the bench does, to measure growth).
max_requests = _int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 500)

# nginx sets X-Forwarded-Proto; trust it only from these addresses. The client address itself
# comes from X-Forwarded-For through the app's PROXY_HOPS setting (lms/security/proxy.py).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Logs go to stderr (journald or the container runtime collects them); no access log by default,
# since nginx keeps one. GUNICORN_ACCESSLOG=- turns it on.
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
proc_name = "cakap-desa"
