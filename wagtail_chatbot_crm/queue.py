"""Keeping the Huey queue reachable.

With ``SqliteHuey`` the queue is a file that every web and consumer process
keeps open. When it is removed or replaced under them (a deploy that wipes
the directory, a ``git clean``), SQLite raises nothing: each process goes on
writing to and reading from its own deleted copy, and no task reaches a
consumer. Before queueing, and in the consumer's minute sweep, the file is
checked; a process that finds it gone logs an error and reconnects, so new
tasks reach the file at the path again. Leads queued into the lost file are
found by the sweep, so none is lost.
"""

import logging
import os
import weakref

from huey import Huey
from huey.storage import SqliteStorage

logger = logging.getLogger(__name__)

# Which file each storage had open when last checked: (device, inode).
_open_files: "weakref.WeakKeyDictionary[SqliteStorage, tuple[int, int]]" = (
    weakref.WeakKeyDictionary()
)


def _file_id(path: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return stat.st_dev, stat.st_ino


def check_queue_file(huey: Huey) -> bool:
    """Reconnect if the SQLite queue's file was removed or replaced since
    this process opened it; returns whether it had to."""
    storage = huey.storage
    if not isinstance(storage, SqliteStorage) or storage.filename == ":memory:":
        return False
    current = _file_id(storage.filename)
    known = _open_files.get(storage)
    if current is not None and known in (None, current):
        _open_files[storage] = current
        return False
    logger.error(
        "The Huey queue file %s was removed or replaced while this process "
        "had it open; reconnecting. Tasks queued in between are recovered by "
        "the sweep. Restart the other web and consumer processes that use it.",
        storage.filename,
    )
    storage.close()
    storage.initialize_schema()  # creates the file and its tables again
    _open_files[storage] = _file_id(storage.filename)
    return True
