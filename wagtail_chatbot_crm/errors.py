"""The exceptions a try can end with, shared by the modules that raise them
and ``outcome``, which tells an editor what each means. Imports nothing."""


class PayloadError(ValueError):
    """The chatbot's mapping cannot produce a body (an editor must fix it)."""


class AddressRefused(Exception):
    """The webhook host resolves only to addresses the SSRF guard refuses."""

    def __init__(self, host: str, address: str):
        super().__init__(f"{host} resolves to {address}, which is not allowed")
        self.host = host
        self.address = address


class InsecureURL(Exception):
    """A plain http:// webhook while ``ALLOW_HTTP`` is off."""


class SecretDecryptionError(Exception):
    """A stored secret could not be decrypted with any configured key."""


class TokenError(Exception):
    """No OAuth2 access token could be had; the message says why in plain
    words, and ``refused`` whether the CRM refused the refresh token."""

    def __init__(
        self,
        message: str,
        detail: str = "",
        *,
        refused: bool = False,
        retry_after: float | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.refused = refused
        self.retry_after = retry_after
