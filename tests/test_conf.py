import inspect

import pytest

from wagtail_chatbot_crm.conf import Defaults, crm_settings


def test_defaults_apply_to_keys_the_site_leaves_out(settings):
    settings.WAGTAIL_CHATBOT_CRM = {}
    assert crm_settings.RETRY_SCHEDULE == [60, 300, 900, 1800, 3600]
    assert crm_settings.ALLOW_HTTP is False
    assert crm_settings.ALLOWED_NETWORKS == []


def test_settings_are_read_when_used(settings):
    settings.WAGTAIL_CHATBOT_CRM = {"RETRY_SCHEDULE": [1, 2]}
    assert crm_settings.RETRY_SCHEDULE == [1, 2]
    settings.WAGTAIL_CHATBOT_CRM = {"RETRY_SCHEDULE": [5]}
    assert crm_settings.RETRY_SCHEDULE == [5]


def test_mutable_defaults_are_copies(settings):
    settings.WAGTAIL_CHATBOT_CRM = {}
    crm_settings.RETRY_SCHEDULE.append(99)
    assert crm_settings.RETRY_SCHEDULE == [60, 300, 900, 1800, 3600]


def test_unknown_setting_is_an_attribute_error():
    with pytest.raises(AttributeError):
        _ = crm_settings.NO_SUCH_SETTING


def test_every_spec_setting_has_a_documented_default():
    spec_keys = {
        "ENCRYPTION_KEYS",
        "RETRY_SCHEDULE",
        "CONNECT_TIMEOUT",
        "READ_TIMEOUT",
        "ALLOW_HTTP",
        "ALLOWED_NETWORKS",
        "ATTEMPT_RETENTION_DAYS",
    }
    assert spec_keys <= crm_settings.known_keys()
    source = inspect.getsource(Defaults)
    for key in crm_settings.known_keys():
        # Each key is followed by its docstring.
        after = source.split(f"    {key}:", 1)[1]
        assert after.split("\n", 2)[1].strip().startswith('"""'), key
