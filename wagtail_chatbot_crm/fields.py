"""A model field that keeps secrets encrypted at rest.

Values are plain strings in Python and Fernet tokens in the database. Keys come
from ``WAGTAIL_CHATBOT_CRM["ENCRYPTION_KEYS"]``: the first encrypts, all
decrypt, which is what makes rotation possible.
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from .conf import crm_settings
from .errors import SecretDecryptionError
from .validators import WebhookURLValidator

# Published in the example site and the tests, so it protects nothing. The
# system check warns when it is configured with DEBUG off.
DEVELOPMENT_KEY = "aW5zZWN1cmUtZGV2ZWxvcG1lbnQta2V5LTMyYnl0ZXM="

GENERATE_KEY_COMMAND = (
    'python -c "from cryptography.fernet import Fernet; '
    'print(Fernet.generate_key().decode())"'
)


def configured_keys() -> list:
    """``ENCRYPTION_KEYS`` as a list, without blank entries: a key read with
    ``os.environ.get`` from an unset variable counts as not set."""
    keys = crm_settings.ENCRYPTION_KEYS
    if isinstance(keys, str):
        keys = [keys]
    return [key for key in keys or () if key]


def get_fernet() -> MultiFernet:
    """The MultiFernet built from the configured keys."""
    keys = configured_keys()
    if not keys:
        raise ImproperlyConfigured(
            "WAGTAIL_CHATBOT_CRM['ENCRYPTION_KEYS'] is empty, so secrets cannot "
            f"be stored. Generate a key with: {GENERATE_KEY_COMMAND}"
        )
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "WAGTAIL_CHATBOT_CRM['ENCRYPTION_KEYS'] holds a value that is not a "
            "Fernet key (32 bytes, URL-safe base64)."
        ) from exc


def encrypt(value: str) -> str:
    """Encrypt a string with the first configured key."""
    return get_fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    """Decrypt a token made with any configured key."""
    try:
        return get_fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretDecryptionError(
            "A stored secret could not be decrypted with any key in "
            "WAGTAIL_CHATBOT_CRM['ENCRYPTION_KEYS']. Add back the key it was "
            "encrypted with."
        ) from exc


class EncryptedTextField(models.TextField):
    """A text field stored as a Fernet token; blank stays blank.

    Only blankness can be filtered on (``field=""``): equal values encrypt
    differently.
    """

    description = "Text encrypted at rest"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("blank") is True:
            del kwargs["blank"]
        if kwargs.get("default") == "":
            del kwargs["default"]
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if not value:
            return ""
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)


class WebhookURLFormField(forms.URLField):
    """A URL input that names a preset's unfilled ``<placeholder>``."""

    default_validators = [WebhookURLValidator()]


class WebhookURLField(models.URLField):
    """A webhook address: a URL, and no ``<placeholder>`` left in it."""

    default_validators = [WebhookURLValidator()]

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": WebhookURLFormField, **kwargs})
