"""Gunicorn settings for `make run` and for production; each can be set from the environment.

Threads in a few worker processes: imports run in a background thread of the worker
that received them, and their progress is in the database (SQLite: a file beside it),
so any worker answers the progress poll. With SCHEDULER_IN_WEB=1 every worker joins the
scheduler lease and exactly one of them runs the jobs.
"""

import os

# Address and port to listen on.
bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8080')}")
# Worker processes; two by default, about one per core in production.
workers = int(os.environ.get("WEB_WORKERS", "2"))
# Threads per worker (gthread): concurrent requests per process.
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
# Seconds an idle connection stays open. Gunicorn's 2 s raced clients that reuse one: the
# server closed it just as the next request came (connection reset, 8 of 12,000 requests
# in the load test). Keep it above the idle time of the browsers or proxy in front.
keepalive = int(os.environ.get("WEB_KEEPALIVE", "75"))
# Seconds a request may take before the worker is restarted (large exports, imports).
timeout = int(os.environ.get("WEB_TIMEOUT", "300"))
# Access log to stdout without query strings: a URL never holds personal data, but be sure.
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'


def post_worker_init(worker):
    """Join the scheduler lease from this worker when SCHEDULER_IN_WEB is on."""
    app = worker.wsgi
    if getattr(app, "config", {}).get("SCHEDULER_IN_WEB"):
        from app.jobs import run_in_background

        run_in_background(app)
