"""``manage.py run_demo``: what it starts, and with which environment."""

import pytest
from django.core.management import call_command

from home.management.commands import run_demo


class Started:
    """Stands in for subprocess.Popen: records, and ends at once."""

    calls = []

    def __init__(self, args, env=None):
        self.args, self.env = args, env
        Started.calls.append(self)

    def poll(self):
        return 0

    def terminate(self):
        pass

    def wait(self, timeout=None):
        return 0

    def kill(self):
        pass


@pytest.fixture
def started(monkeypatch):
    Started.calls = []
    monkeypatch.setattr(run_demo.subprocess, "Popen", Started)
    monkeypatch.setattr(run_demo.Command, "start_emulators", lambda self: [])
    # The test runner keeps its own signal handlers.
    monkeypatch.setattr(run_demo.signal, "signal", lambda *args: None)
    monkeypatch.delenv("WAGTAILADMIN_BASE_URL", raising=False)
    return Started.calls


def test_email_links_name_the_port_the_demo_runs_on(started):
    call_command("run_demo", "127.0.0.1:8301")
    assert [call.args[2] for call in started] == ["run_huey", "runserver"]
    for call in started:
        assert call.env["WAGTAILADMIN_BASE_URL"] == "http://127.0.0.1:8301"


def test_a_base_url_from_the_environment_wins(started, monkeypatch):
    monkeypatch.setenv("WAGTAILADMIN_BASE_URL", "https://demo.example.com")
    call_command("run_demo", "127.0.0.1:8301")
    assert started[0].env["WAGTAILADMIN_BASE_URL"] == "https://demo.example.com"
