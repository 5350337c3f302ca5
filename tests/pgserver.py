"""A PostgreSQL server of one's own (Debian's binaries), for a test or the load test to
stop and start: the shared test database must never be restarted under other tests."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path


def postgres_ids() -> tuple[int, int]:
    """User and group id of the `postgres` system user (PostgreSQL refuses to run as root)."""
    import pwd

    entry = pwd.getpwnam("postgres")
    return entry.pw_uid, entry.pw_gid


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def own_postgres(
    name: str = "gp_restart", settings: str = "-c fsync=off"
) -> Iterator[tuple[str, Callable[[str], None]]]:
    """A new cluster with one database: (its URL, pg_ctl("stop"|"start")); removed after.

    "stop" is immediate, as a crash: the next start recovers from the write-ahead log.
    """
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not found:
        raise RuntimeError("PostgreSQL is niet geïnstalleerd (Debian: apt-get install postgresql).")
    pgbin = Path(found[-1])
    data = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        os.chown(data, *postgres_ids())
    port = _free_port()
    run = partial(subprocess.run, check=True, capture_output=True)
    run([*as_postgres, str(pgbin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"])
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 {settings}"

    def pg_ctl(action: str) -> None:
        if action == "start":
            run([*as_postgres, str(pgbin / "pg_ctl"), "-D", str(data), "-w", "-l",
                 str(data / "server.log"), "-o", options, "start"])  # fmt: skip
        else:
            run([*as_postgres, str(pgbin / "pg_ctl"), "-D", str(data), "-m", "immediate",
                 "stop"])  # fmt: skip

    pg_ctl("start")
    try:
        run([*as_postgres, str(pgbin / "createdb"), "-h", "127.0.0.1", "-p", str(port),
             "-U", "postgres", name])  # fmt: skip
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/{name}", pg_ctl
    finally:
        subprocess.run([*as_postgres, str(pgbin / "pg_ctl"), "-D", str(data), "-m", "fast",
                        "stop"], capture_output=True)  # fmt: skip
        shutil.rmtree(data, ignore_errors=True)
