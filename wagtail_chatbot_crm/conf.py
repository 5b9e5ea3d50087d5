"""The one reader of the ``WAGTAIL_CHATBOT_CRM`` settings dict.

Every key is declared on :class:`Defaults` with its default value and a
docstring. Values are read from ``django.conf.settings`` each time they are
used, so ``override_settings`` and pytest-django's ``settings`` fixture work in
a site's own tests::

    from wagtail_chatbot_crm.conf import crm_settings

    crm_settings.RETRY_SCHEDULE
"""

import copy
from typing import Any

from django.conf import settings

SETTINGS_NAME = "WAGTAIL_CHATBOT_CRM"


class Defaults:
    """Every setting the app reads, with its default."""

    ENCRYPTION_KEYS: list[str] = []
    """Fernet keys (URL-safe base64, 32 bytes) for secrets stored in the
    database. The first key encrypts; every key decrypts, so a new key goes
    first and the old one stays until ``manage.py rotate_crm_keys`` has run.
    Required: a system check errors when it is empty."""

    RETRY_SCHEDULE: list[int] = [60, 300, 900, 1800, 3600]
    """Seconds to wait before each retry after a failed delivery. With the
    default, a lead is tried six times over about two hours."""

    CONNECT_TIMEOUT: float = 5.0
    """Seconds allowed to open a connection to the CRM."""

    READ_TIMEOUT: float = 15.0
    """Seconds allowed between bytes of the CRM's answer. A whole try, from
    connecting to the last byte, ends after ``CONNECT_TIMEOUT +
    READ_TIMEOUT`` seconds whatever the CRM does."""

    ALLOW_HTTP: bool = False
    """Allow plain ``http://`` webhook URLs. For development only: in
    production credentials would cross the network unencrypted."""

    ALLOWED_NETWORKS: list[str] = []
    """CIDR networks (``"127.0.0.0/8"``, ``"10.1.0.0/16"``) that deliveries
    may reach although they are loopback, private or otherwise internal.
    Empty by default: such addresses are refused to prevent SSRF."""

    ATTEMPT_RETENTION_DAYS: int = 90
    """Delivery attempts older than this many days are deleted by a periodic
    task."""

    FAILURE_EMAIL_WINDOW: int = 3600
    """Seconds between a chatbot's failure emails: the first failure is
    told at once, later ones are gathered into one email when the window
    ends."""

    LEAD_RETENTION_DAYS: int | None = None
    """Leads older than this many days are deleted, with their attempts, by
    a nightly task. ``None`` (the default) keeps them."""

    MAX_REQUEST_BYTES: int = 16 * 1024
    """Largest body the visitor endpoint accepts; bigger requests get 413."""

    RATE_LIMIT_REQUESTS: int = 10
    """Submissions one client may make to the visitor endpoint within
    ``RATE_LIMIT_WINDOW`` seconds before getting 429. ``0`` turns the limit
    off."""

    RATE_LIMIT_WINDOW: int = 60
    """Length in seconds of the window ``RATE_LIMIT_REQUESTS`` counts in."""

    RATE_LIMIT_CACHE: str = "default"
    """Alias of the Django cache holding rate-limit counters. With several web
    processes use a cache they share and that counts atomically: Redis or
    Memcached (the database cache's counter is not atomic)."""

    HONEYPOT_FIELD: str = "website"
    """Name of a field hidden from people. A submission that fills it in is
    answered exactly as a person's would be (a fresh uuid for a valid one,
    the same errors for bad fields), and nothing is stored. ``""`` turns it
    off."""

    CLIENT_IP_HEADER: str = ""
    """``request.META`` key holding the visitor's address when the site runs
    behind a proxy, such as ``"HTTP_X_REAL_IP"``. For a comma-separated list
    such as ``X-Forwarded-For`` the last address (the one your proxy added) is
    used. Blank uses ``REMOTE_ADDR``."""

    STORE_CLIENT_IP_HASH: bool = True
    """Store a keyed hash of the visitor's IP address with each lead, so
    abuse can be traced without keeping the address itself."""

    TRUSTED_ORIGINS: list[str] = []
    """Other origins whose pages may post leads, besides the request's own
    (its scheme, host and port) and each Wagtail Site's root URL. An entry is
    compared by scheme, host and port, a missing port being the scheme's
    default: ``"https://shop.example.com"`` allows that origin only (port
    443); ``"https://shop.example.com:8443"`` that port only; a host without
    a scheme stands for it on http and https, so ``"www.example.com"`` allows
    ``http://www.example.com`` (port 80) and ``https://www.example.com``
    (port 443), and ``"dev.example.com:8000"`` both schemes on port 8000."""

    MAX_RESPONSE_BYTES: int = 64 * 1024
    """Most bytes of a CRM's answer that are read."""

    RESPONSE_EXCERPT_CHARS: int = 1000
    """Most characters of a CRM's answer kept with a delivery attempt."""

    MAX_RETRY_AFTER: int = 3600
    """Longest wait, in seconds, honoured from a CRM's ``Retry-After``."""


class CRMSettings:
    """Attribute access to ``settings.WAGTAIL_CHATBOT_CRM`` with defaults."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or not hasattr(Defaults, name):
            raise AttributeError(f"{SETTINGS_NAME} has no setting {name!r}")
        configured = getattr(settings, SETTINGS_NAME, None) or {}
        if name in configured:
            return configured[name]
        return copy.deepcopy(getattr(Defaults, name))

    def configured_keys(self) -> set[str]:
        """Keys the site has set, known or not."""
        return set(getattr(settings, SETTINGS_NAME, None) or {})

    @staticmethod
    def known_keys() -> set[str]:
        """Keys this app understands."""
        return {name for name in vars(Defaults) if name.isupper()}


crm_settings = CRMSettings()
