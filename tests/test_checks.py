import pytest
from cryptography.fernet import Fernet

from wagtail_chatbot_crm.checks import (
    check_encryption_keys,
    check_outgoing_request_safety,
    check_settings,
)
from wagtail_chatbot_crm.fields import DEVELOPMENT_KEY


def ids(messages):
    return [message.id for message in messages]


def test_configured_site_passes(settings):
    settings.WAGTAIL_CHATBOT_CRM = {"ENCRYPTION_KEYS": [Fernet.generate_key().decode()]}
    assert check_encryption_keys(None) == []
    assert check_outgoing_request_safety(None) == []
    assert check_settings(None) == []


@pytest.mark.parametrize(
    "configured",
    [
        {},
        {"ENCRYPTION_KEYS": []},
        # os.environ.get() of an unset or empty variable, as the README has it
        {"ENCRYPTION_KEYS": [None]},
        {"ENCRYPTION_KEYS": [""]},
    ],
)
def test_missing_key_is_an_error_that_says_how_to_make_one(settings, configured):
    settings.WAGTAIL_CHATBOT_CRM = configured
    [error] = check_encryption_keys(None)
    assert error.id == "wagtail_chatbot_crm.E001"
    assert "Fernet.generate_key()" in error.msg


def test_settings_dict_missing_altogether_is_the_same_error(settings):
    del settings.WAGTAIL_CHATBOT_CRM
    assert ids(check_encryption_keys(None)) == ["wagtail_chatbot_crm.E001"]


def test_malformed_key_is_an_error(settings):
    settings.WAGTAIL_CHATBOT_CRM = {"ENCRYPTION_KEYS": ["not-a-key"]}
    assert ids(check_encryption_keys(None)) == ["wagtail_chatbot_crm.E002"]


def test_development_key_warns_only_in_production(settings):
    settings.WAGTAIL_CHATBOT_CRM = {"ENCRYPTION_KEYS": [DEVELOPMENT_KEY]}
    settings.DEBUG = True
    assert check_encryption_keys(None) == []
    settings.DEBUG = False
    assert ids(check_encryption_keys(None)) == ["wagtail_chatbot_crm.W001"]


def test_plain_http_warns_in_production(settings):
    settings.WAGTAIL_CHATBOT_CRM = {"ALLOW_HTTP": True}
    settings.DEBUG = False
    assert ids(check_outgoing_request_safety(None)) == ["wagtail_chatbot_crm.W002"]
    settings.DEBUG = True
    assert check_outgoing_request_safety(None) == []


def test_bad_allowed_network_is_an_error(settings):
    settings.WAGTAIL_CHATBOT_CRM = {"ALLOWED_NETWORKS": ["127.0.0.0/8", "localhost"]}
    [error] = check_outgoing_request_safety(None)
    assert error.id == "wagtail_chatbot_crm.E003"
    assert "'localhost'" in error.msg


def test_unknown_key_warns(settings):
    settings.WAGTAIL_CHATBOT_CRM = {"RETRY_SCHEDUEL": [1]}
    [warning] = check_settings(None)
    assert warning.id == "wagtail_chatbot_crm.W003"
    assert "'RETRY_SCHEDUEL'" in warning.msg


@pytest.mark.parametrize("schedule", ["60,300", [60, "300"], [-1], [True]])
def test_bad_retry_schedule_is_an_error(settings, schedule):
    settings.WAGTAIL_CHATBOT_CRM = {"RETRY_SCHEDULE": schedule}
    assert ids(check_settings(None)) == ["wagtail_chatbot_crm.E004"]


def test_checks_run_through_django(settings):
    from django.core.checks import run_checks

    settings.WAGTAIL_CHATBOT_CRM = {}
    assert "wagtail_chatbot_crm.E001" in ids(run_checks())


def test_an_unset_key_variable_stops_manage_py_with_the_check_not_a_traceback(
    tmp_path,
):
    """A settings module written as the README says, with CHATBOT_CRM_KEY
    unset: ``manage.py check`` names the setting and how to make a key."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    (tmp_path / "readme_settings.py").write_text(
        "import os\n"
        "from tests.settings import *  # noqa\n"
        "WAGTAIL_CHATBOT_CRM = {\n"
        "    'ENCRYPTION_KEYS': [os.environ.get('CHATBOT_CRM_KEY')],\n"
        "}\n"
    )
    root = Path(__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if k != "CHATBOT_CRM_KEY"}
    env.update(
        DJANGO_SETTINGS_MODULE="readme_settings",
        PYTHONPATH=os.pathsep.join([str(tmp_path), str(root)]),
    )
    done = subprocess.run(
        [sys.executable, "-m", "django", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "wagtail_chatbot_crm.E001" in done.stderr
    assert "[os.environ.get('CHATBOT_CRM_KEY')]} and give every web" in done.stderr
    assert "Traceback" not in done.stderr
