"""Development settings: for this machine only, never for a public server."""

import os

from wagtail_chatbot_crm.fields import DEVELOPMENT_KEY

from .base import *  # noqa: F403

DEBUG = True
# The demo CRM inbox: public, unauthenticated, for this machine only.
INSTALLED_APPS = ["crm_inbox", *INSTALLED_APPS]  # noqa: F405
SECRET_KEY = "example-site-development-only-not-secret"
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

WAGTAIL_CHATBOT_CRM = {
    # Published with the code: fine for a demo, never for real credentials.
    "ENCRYPTION_KEYS": [DEVELOPMENT_KEY],
    # The demo CRM inbox runs on this machine over plain http.
    "ALLOW_HTTP": True,
    "ALLOWED_NETWORKS": ["127.0.0.0/8", "::1/128"],
}
# The demo HubSpot and Zoho that run_demo starts, for the "Demo …" presets.
DEMO_CRM_PORTS = {
    "hubspot": int(os.environ.get("DEMO_HUBSPOT_PORT", "8001")),
    "zoho": int(os.environ.get("DEMO_ZOHO_PORT", "8002")),
}
# DEMO_RETRY_SCHEDULE=5,5,5 make demo: watch a failing lead reach Failed in
# seconds instead of two hours.
if os.environ.get("DEMO_RETRY_SCHEDULE"):
    WAGTAIL_CHATBOT_CRM["RETRY_SCHEDULE"] = [
        float(delay) for delay in os.environ["DEMO_RETRY_SCHEDULE"].split(",")
    ]
