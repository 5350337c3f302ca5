"""Gunicorn settings for `make run` and for production; each can be set from the environment.

Threads in a few worker processes: imports run in a background thread of the worker
that received them, and their progress is in the database (SQLite: a file beside it),
so any worker answers the progress poll. With SCHEDULER_IN_WEB=1 every worker joins the
scheduler lease and exactly one of them runs the jobs.
"""

import gc
import os
import sys

# Address and port to listen on.
bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8080')}")
# Worker processes; two by default, about one per core in production.
workers = int(os.environ.get("WEB_WORKERS", "2"))
# Threads per worker (gthread): concurrent requests per process.
threads = int(os.environ.get("WEB_THREADS", "8"))
worker_class = "gthread"
# A listening socket per worker (SO_REUSEPORT), so the kernel spreads connections over the
# workers. With one shared socket the worker that woke first took nearly every connection,
# and a browser's kept-alive connection stays with its worker: in the load test one worker
# per instance served 95% of the requests (one process, one GIL) while the other idled.
# The price: connections still waiting in a worker's own queue when it dies are reset
# (browsers and partners try again), where a shared socket would hand them to another.
reuse_port = os.environ.get("WEB_REUSE_PORT", "1") == "1"
# Gunicorn's control socket (gunicornc) is off unless a path is given: two instances on one
# machine would both claim the default path in $HOME, and nothing of ours needs it.
control_socket = os.environ.get("WEB_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
# Seconds an idle connection stays open. Gunicorn's 2 s raced clients that reuse one: the
# server closed it just as the next request came (connection reset, 8 of 12,000 requests
# in the load test). Keep it above the idle time of the browsers or proxy in front.
keepalive = int(os.environ.get("WEB_KEEPALIVE", "75"))
# Seconds a request may take before the worker is restarted (large exports, imports).
timeout = int(os.environ.get("WEB_TIMEOUT", "300"))
# Access log to stdout without query strings: a URL never holds personal data, but be sure.
# It names the worker process (pid) that served the request, to see how the load is spread.
accesslog = "-"
access_log_format = '%(t)s %(p)s %(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'


# Seconds a thread may keep the GIL while another waits for it (Python's default: 0.005).
# A request's thread waits for it after every database answer: beside a busy thread (an
# import) a page of twenty queries could wait 100 ms for that alone.
_switch_interval = float(os.environ.get("WEB_SWITCH_INTERVAL", "0.001"))


def post_worker_init(worker):
    """Freeze the start-up objects, set the GIL's switch interval, join the scheduler lease."""
    # The application's start-up leaves some 300,000 objects that live as long as the worker
    # (FAB's views, the models, SQLAlchemy's mappers). Python's oldest-generation collection
    # walked all of them every hundred requests or so: 110-170 ms in which none of the
    # worker's threads ran. Frozen, they are left out of every collection.
    gc.collect()
    gc.freeze()
    sys.setswitchinterval(_switch_interval)
    app = worker.wsgi
    if getattr(app, "config", {}).get("SCHEDULER_IN_WEB"):
        from app.jobs import run_in_background

        run_in_background(app)


def when_ready(server):
    """Say where the workers listen: with reuse_port the master holds no socket to name."""
    if server.cfg.reuse_port:
        addresses = ", ".join(f"http://{address}" for address in server.cfg.bind)
        server.log.info("Listening at: %s (a socket per worker)", addresses)
