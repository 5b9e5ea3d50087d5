"""Settings for the test suite: the example site with test-only values."""

import os
import tempfile
from pathlib import Path

from config.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "tests-only-secret-key"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

# A file, not :memory:, so live-server threads (and, later, consumer
# subprocesses) share it; one per process so parallel runs do not collide.
TEST_DB = (
    Path(tempfile.gettempdir()) / f"wagtail_chatbot_crm_test_{os.getpid()}.sqlite3"
)
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(TEST_DB),
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 30},
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
}

HUEY = {"huey_class": "huey.MemoryHuey", "name": "tests", "immediate": True}

WAGTAILADMIN_BASE_URL = "http://testserver"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

LOGGING = {"version": 1, "disable_existing_loggers": False}
