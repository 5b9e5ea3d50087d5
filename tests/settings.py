"""Settings for the test suite: the app in a small site of its own.

The site is ``tests.testapp`` (a home page and a contact form page) with the
Wagtail and Django apps a typical site has. The example site's own tests run
on ``tests.demo.settings``.
"""

import json
import os
import tempfile
from pathlib import Path

import django

DEBUG = False
SECRET_KEY = "tests-only-secret-key"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

INSTALLED_APPS = [
    "tests.testapp",
    "wagtail_chatbot_crm",
    "huey.contrib.djhuey",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "tests.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Files, not :memory:, so live-server threads and the Huey consumers that the
# end-to-end tests start share them; one set per run so runs do not collide.
TEST_RUN_ID = os.environ.get("WCC_TEST_RUN_ID") or str(os.getpid())
_TMP = Path(tempfile.gettempdir())
TEST_DB = _TMP / f"wagtail_chatbot_crm_test_{TEST_RUN_ID}.sqlite3"
TEST_HUEY_DB = _TMP / f"wagtail_chatbot_crm_huey_{TEST_RUN_ID}.sqlite3"

# Write-ahead logging lets a consumer's writes and the live server's reads
# proceed together, and commits cost one fsync instead of several.
SQLITE_PRAGMAS = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        # Keep connections: Huey's db_task closes them after every task
        # otherwise, and reopening costs more than a delivery's queries.
        "CONN_MAX_AGE": None,
        "NAME": str(TEST_DB),
        # The live server, the test itself and a consumer write at the same
        # time: take the write lock up front and wait for it, not fail.
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": SQLITE_PRAGMAS,
        },
        "TEST": {"NAME": str(TEST_DB)},
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = []

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
MEDIA_URL = "/media/"
MEDIA_ROOT = _TMP / f"wagtail_chatbot_crm_media_{TEST_RUN_ID}"

WAGTAIL_SITE_NAME = "Example site"
WAGTAILADMIN_BASE_URL = "http://testserver"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

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
    "results": False,
    "immediate": False,
    # As the README's install section documents them.
    "consumer": {"workers": 4, "worker_type": "thread", "max_delay": 0.05},
}

EMAIL_BACKEND = os.environ.get(
    "WCC_TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend"
)
EMAIL_FILE_PATH = os.environ.get("WCC_TEST_EMAIL_DIR", "")
DEFAULT_FROM_EMAIL = "chatbot@example.com"
# Django 6.0 lists addresses; 5.2 only knows (name, address) pairs.
ADMINS = (
    ["admin@example.com"]
    if django.VERSION >= (6, 0)
    else [("Site admin", "admin@example.com")]
)

LOGGING = {"version": 1, "disable_existing_loggers": False}
