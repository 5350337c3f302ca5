"""Background work gives way to people: the thread doing it runs at a lower CPU priority.

An import of 20,000 rows keeps a core busy for a quarter of a minute; beside it the pages
of everyone else waited for the CPU (load test: the screens' p95 400-700 ms while imports
ran). Linux gives each thread a nice value of its own (`setpriority` on the thread id): on
an idle machine the import runs as fast as before, on a busy one people's requests go
first. A process without privileges cannot raise a priority again, so only threads that do
nothing else afterwards are lowered (an import step's own thread), never a request thread.
On SQLite nothing is lowered (`background_nice`): there the work holds the only write lock.
"""

from __future__ import annotations

import io
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from flask import Flask, g, has_request_context, request
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)
T = TypeVar("T")


def thread_nice() -> int:
    """The nice value of the calling thread (0 where the platform has none)."""
    if not hasattr(os, "getpriority"):
        return 0
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def lower_this_thread(nice: int) -> None:
    """Give the calling thread the nice value `nice` (higher is lower priority; 0: leave it)."""
    if nice <= 0 or not hasattr(os, "setpriority"):
        return
    try:
        if thread_nice() < nice:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), min(nice, 19))
    except OSError as exc:  # a container may forbid it; the work then runs as before
        log.warning("could not lower the priority of a background thread: %s", exc)


def background_nice(app: Flask) -> int:
    """The nice value for background work: BACKGROUND_NICE, but 0 on SQLite.

    SQLite lets one connection write at a time, and an import's confirm holds that lock
    from its first row to its commit (it is stored whole or not at all). Lowered, the
    thread holding it is the last the kernel runs on a busy machine, while every other
    writer (a page's audit entry, a login, a partner's post) waits for it: people would
    wait for the very work that was to give way to them. At full speed it lets go soonest.
    On PostgreSQL writers lock rows, not the database, and the work gives way as meant.
    """
    if make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() == "sqlite":
        return 0
    return app.config["BACKGROUND_NICE"]


_pools: dict[tuple[int, int, int, int], ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _partners_pool(app: Flask) -> ThreadPoolExecutor:
    """This process's lowered threads for partner posts (made on first use, after a fork)."""
    size, nice = app.config["WEBHOOK_THREADS"], background_nice(app)
    key = (os.getpid(), id(app), size, nice)
    with _pools_lock:
        if key not in _pools:
            _pools[key] = _lowered_pool(size, "webhook", nice)
        return _pools[key]


def _lowered_pool(size: int, name: str, nice: int) -> ThreadPoolExecutor:
    """Threads that lower themselves to `nice` when they start."""
    return ThreadPoolExecutor(
        max_workers=size, thread_name_prefix=name, initializer=lower_this_thread, initargs=(nice,)
    )


def run_lowered(
    app: Flask, work: Callable[..., T], *args: Any, pool: ThreadPoolExecutor | None = None
) -> T:
    """Do `work(*args)` on a lowered thread, from `pool` or one of its own, and wait for it.

    The calling thread waits without using the CPU, and keeps its own priority for the
    requests it serves next. The work has the request's context when there is one (an audit
    entry names the address); an entry it writes counts as the request's own, so the audit
    guard adds none. Its session is its own: the caller reads again what it needs.
    """
    context = _request_alike(app) if has_request_context() else app.app_context()

    def in_context() -> tuple[T, bool]:
        with context:
            return work(*args), bool(g.get("audit_written"))

    if pool is None:
        with _lowered_pool(1, "background", background_nice(app)) as own:
            result, audited = own.submit(in_context).result()
    else:
        result, audited = pool.submit(in_context).result()
    if audited and has_request_context():
        g.audit_written = True
    return result


def _request_alike(app: Flask) -> Any:
    """A request context for another thread: the caller's address and headers, no body.

    Not `request_ctx.copy()`: that shares the caller's request object, and leaving the copy
    closes it (its uploaded files, its stream) while the caller still answers.
    """
    environ = {key: value for key, value in request.environ.items() if key != "werkzeug.request"}
    environ["wsgi.input"] = io.BytesIO()
    environ["CONTENT_LENGTH"] = "0"
    return app.request_context(environ)


def machines_work(app: Flask, work: Callable[..., T], *args: Any) -> T:
    """Do a machine's request (a partner's post) on one of the partners' lowered threads.

    The partners send their posts in bursts (the load test: 30 at the same instant every
    second); done at the request thread's priority they took the CPU from the people's
    pages. One thread per process (WEBHOOK_THREADS) does the posts one after another,
    apart from the imports' threads, so a long import step holds up no post. Their answer
    is the same.
    """
    return run_lowered(app, work, *args, pool=_partners_pool(app))
