"""Settings for the test suite: the example site with test-only values."""

import json
import os
import tempfile
from pathlib import Path

import django

from config.settings.base import *  # noqa: F403

DEBUG = False
INSTALLED_APPS = ["crm_inbox", *INSTALLED_APPS]  # noqa: F405
SECRET_KEY = "tests-only-secret-key"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

# Files, not :memory:, so live-server threads and the Huey consumers that the
# end-to-end tests start share them; one set per run so runs do not collide.
TEST_RUN_ID = os.environ.get("WCC_TEST_RUN_ID") or str(os.getpid())
_TMP = Path(tempfile.gettempdir())
TEST_DB = _TMP / f"wagtail_chatbot_crm_test_{TEST_RUN_ID}.sqlite3"
TEST_HUEY_DB = _TMP / f"wagtail_chatbot_crm_huey_{TEST_RUN_ID}.sqlite3"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        # Keep connections: Huey's db_task closes them after every task
        # otherwise, and reopening costs more than a delivery's queries.
        "CONN_MAX_AGE": None,
        "NAME": str(TEST_DB),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": SQLITE_PRAGMAS,  # noqa: F405
        },
        "TEST": {"NAME": str(TEST_DB)},
    }
}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Generated for the tests; any valid Fernet key would do.
TEST_ENCRYPTION_KEY = "n3Qs6r6m1nq3pQ3cVn9kP0m0kqJ8qN2m3lH2o9qD7oY="

WAGTAIL_CHATBOT_CRM = {
    "ENCRYPTION_KEYS": [TEST_ENCRYPTION_KEY],
    "ALLOW_HTTP": True,
    "ALLOWED_NETWORKS": ["127.0.0.0/8"],
    # Overrides for a consumer subprocess, which cannot see override_settings.
    **json.loads(os.environ.get("WCC_TEST_CRM_SETTINGS", "{}")),
}

# Tasks are queued in a file and run only by a real consumer (the end-to-end
# tests start one); unit tests call the delivery code directly.
HUEY = {
    "huey_class": "huey.SqliteHuey",
    "name": "tests",
    "filename": str(TEST_HUEY_DB),
    "immediate": False,
}

WAGTAILADMIN_BASE_URL = "http://testserver"
EMAIL_BACKEND = os.environ.get(
    "WCC_TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend"
)
EMAIL_FILE_PATH = os.environ.get("WCC_TEST_EMAIL_DIR", "")
# Django 6.0 lists addresses; 5.2 only knows (name, address) pairs.
ADMINS = (
    ["admin@example.com"]
    if django.VERSION >= (6, 0)
    else [("Site admin", "admin@example.com")]
)

LOGGING = {"version": 1, "disable_existing_loggers": False}
