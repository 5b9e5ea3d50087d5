"""Shared fixtures: chatbots, leads, a clean cache, and a real browser."""

import os
import shutil

import pytest
from django.core.cache import cache

from wagtail_chatbot_crm.models import Chatbot, FieldRequirement

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
