"""Background work gives way to people: the thread doing it runs at a lower CPU priority.

An import of 20,000 rows keeps a core busy for a quarter of a minute; beside it the pages
of everyone else waited for the CPU (load test: the screens' p95 400-700 ms while imports
ran). Linux gives each thread a nice value of its own (`setpriority` on the thread id): on
an idle machine the import runs as fast as before, on a busy one people's requests go
first. A process without privileges cannot raise a priority again, so only threads that do
nothing else afterwards are lowered (an import step's own thread), never a request thread.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from flask import Flask

from .extensions import db

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


_pools: dict[tuple[int, int, int, int], ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _pool(app: Flask) -> ThreadPoolExecutor:
    """This process's lowered threads for `app`'s settings (made on first use, after a fork)."""
    size, nice = app.config["WEBHOOK_THREADS"], app.config["BACKGROUND_NICE"]
    key = (os.getpid(), id(app), size, nice)
    with _pools_lock:
        if key not in _pools:
            _pools[key] = ThreadPoolExecutor(
                max_workers=size,
                thread_name_prefix="webhook",
                initializer=lower_this_thread,
                initargs=(nice,),
            )
        return _pools[key]


def machines_work(app: Flask, work: Callable[..., T], *args: Any) -> T:
    """Do a machine's request (a partner's post) on a lowered thread of its own and wait.

    The partners send their posts in bursts (the load test: 30 at the same instant every
    second); done at the request thread's priority they took the CPU from the people's
    pages. The request's thread waits without using the CPU; a few such threads per
    process do the posts one after another. Their answer is the same.
    """

    def in_context() -> T:
        with app.app_context():
            try:
                return work(*args)
            finally:
                db.session.remove()

    return _pool(app).submit(in_context).result()
