"""The example site on PostgreSQL and Redis, switched by DATABASE_URL and
REDIS_URL as the README says: migrate, seed, run the web server and a
consumer, and a visitor's lead reaches the demo CRM."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from tests.scaleout.servers import free_ports

SITE = Path(__file__).resolve().parents[2] / "example_site"


@pytest.fixture
def site_env():
    """A database of the site's own on the test server, and the test Redis."""
    port = settings.DATABASES["default"]["PORT"]
    name = f"example_{settings.TEST_RUN_ID}"
    admin = f"postgres://postgres@127.0.0.1:{port}/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "WCC_"))
    }
    hubspot, zoho = free_ports(2)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/{name}",
        REDIS_URL=os.environ["WCC_TEST_REDIS_URL"],
        DEMO_HUBSPOT_PORT=str(hubspot),
        DEMO_ZOHO_PORT=str(zoho),
    )
    yield env
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=SITE,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )


def test_the_example_site_runs_on_postgresql_and_redis(site_env):
    checked = manage(site_env, "shell", "-c", CHECK_STACK)
    # (The shell may first say how many objects it imported.)
    assert checked.stdout.splitlines()[-1].split() == ["postgresql", "RedisHuey"]
    manage(site_env, "migrate", "--noinput", "--verbosity", "0")
    # A port neither emulator is about to take.
    taken = {int(site_env["DEMO_HUBSPOT_PORT"]), int(site_env["DEMO_ZOHO_PORT"])}
    port = next(p for p in free_ports(3) if p not in taken)
    manage(site_env, "seed_demo", "--base-url", f"http://127.0.0.1:{port}")
    demo = subprocess.Popen(
        [sys.executable, "manage.py", "run_demo", f"127.0.0.1:{port}"],
        cwd=SITE,
        env=site_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base)
        request = urllib.request.Request(
            base + "/chatbot/demo/leads/",
            data=json.dumps(
                {"name": "Ada Lovelace", "email": "ada@example.com", "consent": True}
            ).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 201
            uuid = json.load(response)["uuid"]
        status = ""
        deadline = time.monotonic() + 30
        with psycopg.connect(site_env["DATABASE_URL"], autocommit=True) as db:
            while status != "synced" and time.monotonic() < deadline:
                time.sleep(0.1)
                [status] = db.execute(
                    "SELECT sync_status FROM wagtail_chatbot_crm_lead WHERE uuid = %s",
                    [uuid],
                ).fetchone()
        assert status == "synced"
    finally:
        stop(demo)


def stop(demo):
    """Ctrl-C, as a developer stops the demo; it waits for its web server
    and consumer (up to 10 s each) before it exits."""
    demo.send_signal(signal.SIGINT)
    try:
        demo.wait(45)
    except subprocess.TimeoutExpired:
        demo.kill()
        demo.wait(10)
        raise AssertionError("the demo did not stop on Ctrl-C") from None


CHECK_STACK = """
from django.db import connection
from huey.contrib.djhuey import HUEY
print(connection.vendor, type(HUEY).__name__)
"""


def wait_until_up(base, timeout=60.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(base + "/", timeout=2)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
