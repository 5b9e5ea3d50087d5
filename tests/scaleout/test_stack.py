"""The scale-out run is on the stack it claims: PostgreSQL and Redis."""

from django.db import connection
from huey import RedisHuey
from huey.contrib.djhuey import HUEY


def test_the_database_is_postgresql(db):
    assert connection.vendor == "postgresql"


def test_the_queue_is_redis_with_a_blocking_dequeue():
    assert isinstance(HUEY, RedisHuey)
    assert HUEY.storage.blocking
    HUEY.storage.conn.ping()
