"""What every scheduler shares: one process per instance (a lock file), and a clean stop.

Schedulers (kits, backups, crisis SMS, satellite sync) run as children of `autarcie serve`:
each holds a lock file so that only one runs per instance, whatever the number of web workers,
and stops on SIGTERM/SIGINT or when its parent ends (the parent holds the other end of its
stdin: however the parent ends, the child reads EOF).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import threading
from pathlib import Path
from typing import IO


def acquire_lock(path: Path) -> IO[bytes] | None:
    """The open lock file if this process now holds the lock, else None (closing releases)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("ab")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def stop_event(*, stop_with_parent: bool, name: str) -> threading.Event:
    """An event set on SIGTERM/SIGINT and, with `stop_with_parent`, at EOF on stdin."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    if stop_with_parent:

        def watch() -> None:
            with contextlib.suppress(OSError, ValueError):
                while os.read(0, 4096):  # the raw fd: no buffered-reader lock at shutdown
                    pass
            stop.set()

        threading.Thread(target=watch, name=f"{name}-parent-watch", daemon=True).start()
    return stop
