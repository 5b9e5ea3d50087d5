"""Run the delivery, claim and sweep tests on PostgreSQL and Redis.

Starts a PostgreSQL and a Redis server of its own (``servers.py``), runs
pytest on ``tests.scaleout.settings`` with their addresses, and stops them.
Without the servers' binaries it says so loudly and, outside CI, skips;
in CI (``CI`` set) that is a failure::

    python -m tests.scaleout.run [pytest options] [tests]
"""

import os
import signal
import subprocess
import sys

from tests.scaleout.servers import PostgresServer, RedisServer, ServerMissing

# The tests of what must hold across processes: claiming, retries, the
# sweep, the real consumer, OAuth2 token refresh, and the presets'
# deliveries.
TESTS = [
    "tests/scaleout",
    "tests/test_delivery.py",
    "tests/test_e2e_consumer.py",
    "tests/test_oauth.py",
    "tests/test_leads.py",
    "tests/test_preset_contracts.py",
    "tests/test_views.py",
]


def main(argv: list[str]) -> int:
    # A SIGTERM (a CI time limit) stops the servers too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    servers = []
    try:
        servers.append(PostgresServer().start())
        servers.append(RedisServer().start())
    except ServerMissing as exc:
        for server in servers:
            server.stop()
        print(
            f"\n*** SKIPPED: the PostgreSQL + Redis tests cannot run: {exc}. "
            "Install Debian's postgresql and redis-server packages. ***\n",
            file=sys.stderr,
        )
        return 1 if os.environ.get("CI") else 0
    postgres, redis = servers
    env = {
        **os.environ,
        **postgres.environment(),
        "WCC_TEST_REDIS_URL": redis.url,
    }
    try:
        return subprocess.call(
            [
                sys.executable,
                "-m",
                "pytest",
                "--ds=tests.scaleout.settings",
                "-p",
                "no:cacheprovider",
                *argv,
                # Options alone run the chosen tests with them.
                *([] if any(_is_path(arg) for arg in argv) else TESTS),
            ],
            env=env,
        )
    finally:
        for server in servers:
            server.stop()


def _is_path(arg: str) -> bool:
    return not arg.startswith("-") and os.path.exists(arg.split("::")[0])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
