"""Settings shared by the example site's development and production modes."""

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

INSTALLED_APPS = [
    "home",
    "contact",
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

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

WSGI_APPLICATION = "config.wsgi.application"

# Write-ahead logging lets the consumer's writes and the web server's reads
# proceed together, and commits cost one fsync instead of several.
SQLITE_PRAGMAS = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        # Keep connections: Huey's db_task closes them after every task
        # otherwise, and reopening costs more than a delivery's queries.
        "CONN_MAX_AGE": None,
        "NAME": os.environ.get("EXAMPLE_SITE_DB", BASE_DIR / "db.sqlite3"),
        # The web server and the Huey consumer write at the same time: take
        # the write lock up front and wait for it instead of failing.
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": SQLITE_PRAGMAS,
        },
    }
}

# Scale-out: DATABASE_URL=postgres://user:password@host:5432/name switches
# to PostgreSQL (pip install "wagtail-chatbot-crm[postgres]").
if os.environ.get("DATABASE_URL"):
    _db = urlsplit(os.environ["DATABASE_URL"])
    if _db.scheme not in ("postgres", "postgresql"):
        raise ImproperlyConfigured("DATABASE_URL must be a postgres:// URL.")
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(_db.path.lstrip("/")),
            "USER": unquote(_db.username or ""),
            "PASSWORD": unquote(_db.password or ""),
            "HOST": _db.hostname or "",
            "PORT": _db.port or "",
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = []

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"

WAGTAIL_SITE_NAME = "Example site"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

HUEY = {
    "huey_class": "huey.SqliteHuey",
    "name": "example_site",
    "filename": os.environ.get("EXAMPLE_SITE_HUEY_DB", str(BASE_DIR / "huey.sqlite3")),
    # Deliveries return nothing: no result store to fill.
    "results": False,
    # djhuey would run tasks inline when DEBUG is on; the demo runs a consumer.
    "immediate": False,
    # What `manage.py run_huey` runs with, no flags needed: threads, since a
    # delivery mostly waits on the CRM; and an idle queue polled at least
    # every 0.05 s (Huey's default backs off to 10 s), so a lead reaches the
    # CRM within a fraction of a second.
    "consumer": {"workers": 4, "worker_type": "thread", "max_delay": 0.05},
}
# Scale-out: REDIS_URL=redis://host:6379/0 switches the queue to Redis
# (pip install "wagtail-chatbot-crm[redis]"), with a blocking dequeue, so
# consumers on several machines share it.
if os.environ.get("REDIS_URL"):
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "example_site",
        "url": os.environ["REDIS_URL"],
        "blocking": True,
        "results": False,
        "immediate": False,
        "consumer": {"workers": 4, "worker_type": "thread"},
    }

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = "chatbot@example.com"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "wagtail_chatbot_crm": {"handlers": ["console"], "level": "INFO"},
    },
}
