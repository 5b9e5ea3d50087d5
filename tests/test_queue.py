"""The SQLite queue file removed under a running process."""

import logging
import sqlite3
from contextlib import closing
from pathlib import Path

from wagtail_chatbot_crm import tasks
from wagtail_chatbot_crm.queue import check_queue_file


def tasks_in_file(path: Path) -> int:
    """Queued tasks as a consumer started now would see them."""
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("select count(*) from task").fetchone()[0]


def test_a_removed_queue_file_is_logged_and_reconnected(empty_queue, caplog):
    path = Path(empty_queue.storage.filename)
    tasks.enqueue(101)
    assert tasks_in_file(path) == 1
    for name in path.parent.glob(path.name + "*"):
        name.unlink()

    with caplog.at_level(logging.ERROR, logger="wagtail_chatbot_crm.queue"):
        tasks.enqueue(102)

    assert f"The Huey queue file {path} was removed" in caplog.text
    assert tasks_in_file(path) == 1  # the new task, where consumers look


def test_a_replaced_queue_file_is_reconnected(empty_queue, caplog, tmp_path):
    path = Path(empty_queue.storage.filename)
    check_queue_file(empty_queue)
    # Swapped for another file under the same name, as a restore would.
    other = tmp_path / "other.sqlite3"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("create table unrelated (x)")
    other.replace(path)
    assert check_queue_file(empty_queue)
    tasks.enqueue(103)
    assert tasks_in_file(path) == 1


def test_an_intact_queue_file_is_left_alone(empty_queue, caplog):
    check_queue_file(empty_queue)
    assert not check_queue_file(empty_queue)
    assert caplog.text == ""


def test_the_queue_file_is_known_from_the_start(empty_queue):
    # Recorded when the tasks are loaded (and when a consumer starts), so a
    # file replaced before the first task is noticed as well.
    from wagtail_chatbot_crm.queue import _open_files

    assert empty_queue.storage in _open_files
    assert tasks.deliver_lead.huey is empty_queue
