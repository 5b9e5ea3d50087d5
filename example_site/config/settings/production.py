"""Production settings: everything secret comes from the environment."""

import os

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",")

WAGTAIL_CHATBOT_CRM = {
    # Comma-separated; the first key encrypts. See `manage.py rotate_crm_keys`.
    "ENCRYPTION_KEYS": [
        key for key in os.environ.get("CHATBOT_CRM_KEYS", "").split(",") if key
    ],
}
