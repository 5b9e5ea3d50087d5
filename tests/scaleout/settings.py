"""The suite's settings on the scale-out stack: PostgreSQL and ``RedisHuey``.

``python -m tests.scaleout.run`` starts both servers (``servers.py``) and
passes their addresses in the environment; this module is never used
without them.
"""

import os

from tests.settings import *  # noqa: F403
from tests.settings import TEST_RUN_ID

# One database for the test run, used under the same name by the test
# process and the consumers it starts.
_DB_NAME = f"wcc_test_{TEST_RUN_ID}"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _DB_NAME,
        "USER": "postgres",
        "HOST": "127.0.0.1",
        "PORT": os.environ["WCC_TEST_PG_PORT"],
        "CONN_MAX_AGE": None,
        # A connection a restarted server dropped is noticed, not used.
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"NAME": _DB_NAME},
    }
}

# Redis, with a blocking dequeue: a consumer waits on the queue instead of
# polling it.
HUEY = {
    "huey_class": "huey.RedisHuey",
    "name": f"tests-{TEST_RUN_ID}",
    "url": os.environ["WCC_TEST_REDIS_URL"],
    "blocking": True,
    "results": False,
    "immediate": False,
    "consumer": {"workers": 4, "worker_type": "thread"},
}
