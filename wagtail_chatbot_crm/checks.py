"""System checks for a missing encryption key and unsafe configuration."""

import ipaddress

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from .conf import SETTINGS_NAME, crm_settings
from .fields import DEVELOPMENT_KEY, GENERATE_KEY_COMMAND, configured_keys


@register(Tags.security)
def check_encryption_keys(app_configs, **kwargs):
    """An encryption key must be configured, valid, and not the published one."""
    keys = configured_keys()
    if not keys:
        return [
            Error(
                f"{SETTINGS_NAME}['ENCRYPTION_KEYS'] is not set (or its "
                "environment variable is empty), so CRM credentials cannot be "
                f"stored or read. Generate a key with: {GENERATE_KEY_COMMAND}",
                hint=(
                    f"Set {SETTINGS_NAME} = {{'ENCRYPTION_KEYS': "
                    "[os.environ.get('CHATBOT_CRM_KEY')]} and give every web "
                    "and consumer process the same CHATBOT_CRM_KEY."
                ),
                id="wagtail_chatbot_crm.E001",
            )
        ]
    messages = []
    for position, key in enumerate(keys):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            messages.append(
                Error(
                    f"{SETTINGS_NAME}['ENCRYPTION_KEYS'][{position}] is not a "
                    "Fernet key.",
                    hint=f"Generate one with: {GENERATE_KEY_COMMAND}",
                    id="wagtail_chatbot_crm.E002",
                )
            )
    if DEVELOPMENT_KEY in keys and not settings.DEBUG:
        messages.append(
            Warning(
                f"{SETTINGS_NAME}['ENCRYPTION_KEYS'] contains the published "
                "development key while DEBUG is off: stored CRM credentials are "
                "readable by anyone.",
                hint=(
                    f"Generate a key with: {GENERATE_KEY_COMMAND}, put it first, "
                    "run 'manage.py rotate_crm_keys', then remove the development "
                    "key."
                ),
                id="wagtail_chatbot_crm.W001",
            )
        )
    return messages


@register(Tags.security)
def check_outgoing_request_safety(app_configs, **kwargs):
    """Plain http and allow-listed networks are for development."""
    messages = []
    if crm_settings.ALLOW_HTTP and not settings.DEBUG:
        messages.append(
            Warning(
                f"{SETTINGS_NAME}['ALLOW_HTTP'] is on while DEBUG is off: leads and "
                "credentials may be sent unencrypted.",
                hint="Turn ALLOW_HTTP off in production and use https:// webhooks.",
                id="wagtail_chatbot_crm.W002",
            )
        )
    for network in crm_settings.ALLOWED_NETWORKS:
        try:
            ipaddress.ip_network(network, strict=False)
        except (ValueError, TypeError):
            messages.append(
                Error(
                    f"{SETTINGS_NAME}['ALLOWED_NETWORKS'] holds {network!r}, which "
                    "is not a network.",
                    hint="Write networks in CIDR form, such as '127.0.0.0/8'.",
                    id="wagtail_chatbot_crm.E003",
                )
            )
    return messages


@register()
def check_settings(app_configs, **kwargs):
    """Unknown keys are probably typos; the retry schedule must be seconds."""
    messages = []
    for key in sorted(crm_settings.configured_keys() - crm_settings.known_keys()):
        messages.append(
            Warning(
                f"{SETTINGS_NAME} has an unknown key {key!r}; it is ignored.",
                hint="Known keys: " + ", ".join(sorted(crm_settings.known_keys())),
                id="wagtail_chatbot_crm.W003",
            )
        )
    schedule = crm_settings.RETRY_SCHEDULE
    if not isinstance(schedule, list | tuple) or not all(
        isinstance(delay, int | float) and not isinstance(delay, bool) and delay >= 0
        for delay in schedule
    ):
        messages.append(
            Error(
                f"{SETTINGS_NAME}['RETRY_SCHEDULE'] must be a list of seconds.",
                hint="For example [60, 300, 900, 1800, 3600]; [] means no retries.",
                id="wagtail_chatbot_crm.E004",
            )
        )
    return messages
