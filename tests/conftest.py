"""Shared fixtures: chatbots, leads, a clean cache, and a real browser."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from wagtail_chatbot_crm.models import Chatbot, FieldRequirement

# The suite runs on tests.settings and its own test site; the example site's
# own tests (tests/demo/) need the site's apps, so they run on its settings in
# a pytest run of their own (`make test` runs both).
# The scale-out checks (tests/scaleout/) run only on PostgreSQL and Redis
# (`python -m tests.scaleout.run`, which `make test` runs too).
if settings.SETTINGS_MODULE == "tests.demo.settings":
    collect_ignore_glob = ["test_*.py"]
    collect_ignore = ["scaleout"]
elif settings.SETTINGS_MODULE == "tests.scaleout.settings":
    collect_ignore = ["demo"]
else:
    collect_ignore = ["demo", "scaleout"]

# Playwright's sync API runs an event loop in the test thread; Django's ORM,
# used by the same tests to set up and check data, refuses to run beside one
# unless told that this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters must not leak from one test into the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def empty_queue():
    """An empty Huey queue before and after the test."""
    from huey.contrib.djhuey import HUEY

    HUEY.flush()
    yield HUEY
    HUEY.flush()


@pytest.fixture
def make_chatbot(db):
    """Create a chatbot; keyword arguments override the defaults."""

    def make(**fields):
        values = {
            "name": "Sales",
            "slug": "sales",
            "ask_name": FieldRequirement.REQUIRED,
            "ask_email": FieldRequirement.REQUIRED,
            "ask_phone": FieldRequirement.OPTIONAL,
            "ask_company": FieldRequirement.OPTIONAL,
            "ask_message": FieldRequirement.OPTIONAL,
            "crm_enabled": True,
            "webhook_url": "https://crm.example.com/hooks/lead",
        }
        values.update(fields)
        return Chatbot.objects.create(**values)

    return make


@pytest.fixture
def chatbot(make_chatbot):
    return make_chatbot()


@pytest.fixture(scope="session")
def browser():
    """A headless Debian Chromium driven by Playwright."""
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def crm_server():
    """A real HTTP server on 127.0.0.1 playing the CRM."""
    from tests.crm_server import FakeCRM

    server = FakeCRM().start()
    yield server
    server.stop()


FILE_EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
# What Huey's consumer logs as it starts, takes a task and ends one.
STARTED = "Huey consumer started"
TASK_TAKEN = "Executing "
TASK_ENDED = (" executed in ", "Unhandled exception in task ")


class Consumer:
    """A real ``run_huey`` subprocess on the test settings and database."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.mail_dir = tmp_path / "mail"
        self.mail_dir.mkdir(exist_ok=True)
        self.log = tmp_path / "consumer.log"
        self.process = None
        self.log_file = None
        self.log_offset = 0

    def start(self, **crm_settings):
        root = Path(__file__).resolve().parent.parent
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"],
            "PYTHONPATH": str(root),
            "WCC_TEST_RUN_ID": settings.TEST_RUN_ID,
            "WCC_TEST_CRM_SETTINGS": json.dumps(crm_settings),
            "WCC_TEST_EMAIL_BACKEND": FILE_EMAIL_BACKEND,
            "WCC_TEST_EMAIL_DIR": str(self.mail_dir),
        }
        if self.log_file:
            self.log_file.close()
        self.log_file = self.log.open("ab")
        self.log_offset = self.log_file.tell()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "django",
                "run_huey",
                "--workers=2",
                "--worker-type=thread",
                "--delay=0.05",
                "--max-delay=0.2",
            ],
            env=env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )
        self.wait_until_ready()
        return self

    def wait_until_ready(self, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError("the consumer exited:\n" + self.log.read_text())
            if STARTED in self.log_since_start():
                return
            time.sleep(0.05)
        raise AssertionError("the consumer did not start:\n" + self.log.read_text())

    def log_since_start(self) -> str:
        """The log of this run of the consumer (a restart appends to it)."""
        return self.log.read_bytes()[self.log_offset :].decode(errors="replace")

    def tasks_running(self) -> int:
        """How many tasks a worker has taken and not finished, by Huey's log.

        Huey logs "Executing <task>" as a worker takes a task, and
        "<task> executed in …" or "Unhandled exception in task …" as it ends;
        our tasks end in no other way.
        """
        log = self.log_since_start()
        return log.count(TASK_TAKEN) - sum(log.count(end) for end in TASK_ENDED)

    def wait_until_idle(self, *, scheduled=0, timeout=15.0) -> list[float]:
        """Wait until the consumer has nothing to do but ``scheduled`` tasks
        waiting in Huey's schedule (a retry for later): none queued, none
        running. Returns the seconds until each scheduled task is due."""
        from huey.contrib.djhuey import HUEY

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            later = HUEY.scheduled()
            if (
                len(later) == scheduled
                and HUEY.pending_count() == 0
                and self.tasks_running() == 0
            ):
                now = datetime.now(UTC).replace(tzinfo=None)  # Huey's naive UTC
                return sorted((task.eta - now).total_seconds() for task in later)
            time.sleep(0.05)
        raise AssertionError("the consumer stayed busy:\n" + self.log_since_start())

    def kill(self):
        """SIGKILL: the worker dies mid-task, as on a crash or OOM kill."""
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.log_file:
            self.log_file.close()

    def emails(self):
        return sorted(self.mail_dir.glob("*.log"))


@pytest.fixture
def consumer(tmp_path, transactional_db):
    """Start with ``consumer.start(**WAGTAIL_CHATBOT_CRM overrides)``."""
    from huey.contrib.djhuey import HUEY

    HUEY.flush()
    runner = Consumer(tmp_path)
    yield runner
    runner.stop()
    HUEY.flush()


@pytest.fixture
def screenshot(page):
    """Save a screenshot: into docs/screenshots/ with UPDATE_SCREENSHOTS=1
    (``make screenshots``), else into tests/.artifacts/ for a look."""
    root = Path(__file__).resolve().parent.parent
    if os.environ.get("UPDATE_SCREENSHOTS"):
        folder = root / "docs" / "screenshots"
    else:
        folder = root / "tests" / ".artifacts"
    folder.mkdir(parents=True, exist_ok=True)

    def take(name, target=None):
        path = folder / f"{name}.png"
        (target or page).screenshot(path=str(path))
        return path

    return take


@pytest.fixture
def wagtail_site(transactional_db):
    """Wagtail's page tree and default site.

    Migrations create them, and the flush after each transactional test
    removes them; the admin's dashboard needs them.
    """
    from wagtail.models import Locale, Page, Site

    from tests.testapp.models import HomePage

    site = Site.objects.filter(is_default_site=True).first()
    if site is not None and isinstance(site.root_page.specific, HomePage):
        return site
    # A fresh database holds the welcome page Wagtail's migrations make,
    # which shows no widget: serve the test site's own home page instead.
    Locale.objects.get_or_create(language_code="en")
    root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
    home = root.add_child(instance=HomePage(title="Example site", slug="example-home"))
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page": home},
    )
    return Site.objects.get(is_default_site=True)


@pytest.fixture
def admin_page(page, live_server, admin_user, wagtail_site):
    """A browser page logged in to the Wagtail admin as a superuser."""
    from tests.browser import log_in

    log_in(page, live_server.url, admin_user.username)
    return page


@pytest.fixture
def steady_rate_window(monkeypatch):
    """Rate limits count in fixed windows of the clock: a test that fills
    one must not see it end halfway (a minute boundary falls within a
    given second of any run). The limits' clock stands still, mid-window."""
    from types import SimpleNamespace

    from django.core.cache import caches

    from wagtail_chatbot_crm import ratelimit
    from wagtail_chatbot_crm.conf import crm_settings

    monkeypatch.setattr(
        ratelimit, "time", SimpleNamespace(time=lambda: 1_800_000_030.0)
    )
    # The same window for every such test: each starts with nothing counted.
    caches[crm_settings.RATE_LIMIT_CACHE].clear()
