"""OAuth2 refresh-token authentication: an access token for a chatbot's CRM.

The editor connects the CRM once and pastes the refresh token it gave; the
app trades it for short-lived access tokens (RFC 6749 section 6: a
form-encoded POST of ``grant_type=refresh_token`` to the token URL) and
sends each as ``Authorization: <prefix> <token>``. Zoho documents the same
exchange, with its answer's ``expires_in`` and its errors:
https://www.zoho.com/crm/developer/docs/api/v8/refresh.html

An access token is kept, encrypted, in the chatbot's ``OAuthToken`` row and
used by every worker until shortly before it expires. One worker at a time
asks for a new one: the row's ``refreshing_until`` is a lease taken by a
conditional update, which holds across processes and machines on any
database; the others wait for its answer instead of stampeding the token
endpoint (Zoho allows ten tokens per ten minutes). The token URL is asked
through the same guarded sender as deliveries: SSRF guard, deadline,
capped answer.
"""

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

import requests
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from .conf import crm_settings
from .errors import SecretDecryptionError, TokenError
from .models import AuthType, Chatbot, OAuthToken
from .outcome import classify_exception, crm_error_text, parse_retry_after
from .presets import registered_preset
from .redaction import redact
from .sender import deadline_seconds, send
from .webhook import USER_AGENT

logger = logging.getLogger(__name__)

# A token is renewed this long before the CRM said it expires, so that no
# request goes out with one about to lapse.
RENEW_BEFORE = timedelta(minutes=5)
# When the answer gives no ``expires_in``: the common lifetime (Zoho's).
DEFAULT_LIFETIME = 3600
# After a refusal, workers stop asking with the same refresh token for this
# long (each lead's try fails at once with the same words); a Test
# connection asks again at any time.
REFUSAL_PAUSE = timedelta(minutes=10)
# How often a worker waiting for another one's refresh looks again.
WAIT_STEP = 0.1
# A 401 to a token younger than this is the CRM refusing the app (a scope
# it lacks), not the token: it is told, not renewed again.
FRESH_TOKEN = timedelta(seconds=60)
# The settings an access token is got with.
OAUTH_CREDENTIALS = (
    "oauth_token_url",
    "oauth_client_id",
    "oauth_client_secret",
    "oauth_refresh_token",
)
# The token endpoint's error codes that mean the refresh token or the client
# is no good (RFC 6749 section 5.2, and Zoho's ``invalid_code`` and
# ``invalid_client_secret``): asking again will not help, the editor must
# reconnect. Other errors (a malformed request, a throttle) are told as the
# CRM words them and the lead is tried again.
REFUSALS = frozenset(
    {
        "invalid_grant",
        "invalid_client",
        "invalid_code",
        "invalid_client_secret",
        "unauthorized_client",
        "invalid_scope",
    }
)


def refused_message() -> str:
    return _("The CRM refused the refresh token; reconnect the app.")


def fresh_token_refused_message() -> str:
    return _(
        "The CRM refused an access token it had just given (HTTP 401): the "
        "app may lack a permission (scope) this request needs. Reconnect it "
        "with the scopes in the setup steps."
    )


@dataclass(frozen=True)
class Grant:
    """What the token endpoint gave."""

    access_token: str = field(repr=False)
    expires_in: float
    # Some CRMs hand out a new refresh token with each access token.
    refresh_token: str = field(default="", repr=False)


def credentials_fingerprint(chatbot: Chatbot) -> str:
    """A keyed hash of what a token is got with: a token cached under
    another fingerprint was got with settings the editor has changed."""
    parts = [getattr(chatbot, name) for name in OAUTH_CREDENTIALS]
    return salted_hmac(
        "wagtail_chatbot_crm.oauth", "\x00".join(parts), algorithm="sha256"
    ).hexdigest()


def grant_secrets(chatbot: Chatbot) -> list[str]:
    """What a grant request sends that must not show in what it tells."""
    return [
        secret
        for secret in (chatbot.oauth_client_secret, chatbot.oauth_refresh_token)
        if secret
    ]


def request_grant(chatbot: Chatbot) -> Grant:
    """Ask the chatbot's token URL for an access token; raises
    ``TokenError`` whose message says in plain words what went wrong."""
    url = chatbot.oauth_token_url
    form = {
        "grant_type": "refresh_token",
        "refresh_token": chatbot.oauth_refresh_token,
        "client_id": chatbot.oauth_client_id,
    }
    if chatbot.oauth_client_secret:
        form["client_secret"] = chatbot.oauth_client_secret
    prepared = requests.Request(
        "POST",
        url,
        data=form,
        headers={"Accept": "application/json", "User-Agent": USER_AGENT},
    ).prepare()
    secrets = grant_secrets(chatbot)
    try:
        exchange = send(prepared)
    except Exception as exc:  # every failure is told, never a crash
        outcome = classify_exception(
            exc,
            url=url,
            connect_timeout=crm_settings.CONNECT_TIMEOUT,
            read_timeout=crm_settings.READ_TIMEOUT,
            url_label=_("token URL"),
        )
        raise TokenError(
            _("No access token could be got: %(reason)s")
            % {"reason": redact(outcome.message, secrets)},
            redact(outcome.detail, secrets),
        ) from None
    text = exchange.text()
    try:
        answer = json.loads(text)
    except ValueError:
        answer = None
    answer = answer if isinstance(answer, dict) else {}
    status = exchange.status_code
    detail = f"token URL: HTTP {status}"
    error = answer.get("error")
    token = answer.get("access_token")
    if 200 <= status < 300 and not error and isinstance(token, str) and token:
        return Grant(
            token,
            _lifetime(answer.get("expires_in")),
            answer.get("refresh_token") or "",
        )
    # The answer is an error: it holds no token to hide, but may echo ours.
    said = redact(crm_error_text(text), secrets)
    said_text = _(" The CRM said: “%(text)s”") % {"text": said} if said else ""
    if (isinstance(error, str) and error in REFUSALS) or status == 401:
        raise TokenError(
            refused_message() + said_text,
            f"{detail}; {error or ''}".rstrip("; "),
            refused=True,
        )
    retry_after = None
    if status in (429, 503):
        retry_after = parse_retry_after(
            exchange.headers.get("Retry-After"), cap=crm_settings.MAX_RETRY_AFTER
        )
    raise TokenError(
        _("The CRM's token URL gave no access token (HTTP %(status)s).")
        % {"status": status}
        + said_text,
        detail,
        retry_after=retry_after,
    )


def _lifetime(value) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return DEFAULT_LIFETIME
    return seconds if seconds > 0 else DEFAULT_LIFETIME


class TokenSource:
    """The access token for one chatbot's requests.

    ``get()`` gives a token good for a while yet; ``get(stale=token)``,
    after the CRM answered 401 to ``token``, a newer one (another worker's
    if it already renewed it, else a fresh one), unless ``token`` is itself
    fresh: then the CRM is refusing the app (a missing scope, say), and a
    new token would only spend the token endpoint's allowance.

    The saved chatbot's credentials are the truth: a worker whose copy is
    older (another worker stored a rotated refresh token, an editor saved
    new ones) takes them from the database. ``editing`` is for Test
    connection and Load fields, which use the editor's unsaved settings:
    with credentials that differ from the saved ones they ask the token URL
    and keep the token in memory only, storing nothing (a chatbot not saved
    yet is the same); with the saved ones they share the stored token, and
    ask again straight after a refusal.
    """

    def __init__(self, chatbot: Chatbot, *, editing: bool = False):
        self.chatbot = chatbot
        self.editing = editing
        # (token, when it was got) for credentials that are not stored.
        self._own: tuple[str, float] | None = None

    def __call__(self, stale: str = "") -> str:
        return self.get(stale)

    def get(self, stale: str = "") -> str:
        fingerprint = self._saved_fingerprint()
        if fingerprint is None:
            return self._unshared(stale)
        chatbot = self.chatbot
        row = _row_for(chatbot)
        give_up = time.monotonic() + deadline_seconds() + 1
        while True:
            now = timezone.now()
            if row.credentials and row.credentials != fingerprint:
                # Another worker may have stored a rotated refresh token:
                # take the saved credentials if they changed.
                self._saved_fingerprint()
            fingerprint = credentials_fingerprint(chatbot)
            current = row.credentials == fingerprint
            if current and stale and row.access_token == stale and _fresh(row, now):
                raise TokenError(fresh_token_refused_message())
            token = row.access_token if current and row.access_token != stale else ""
            usable = bool(token) and row.expires_at is not None and now < row.expires_at
            if usable and now < _renew_at(row):
                return token
            if (
                current
                and not usable
                and row.refused_at is not None
                and now < row.refused_at + REFUSAL_PAUSE
                and not self.editing
            ):
                raise TokenError(row.error or refused_message(), refused=True)
            lease = _take_lease(row, now)
            if lease is not None:
                renewed = self._renew(row, fingerprint, lease)
                if renewed:
                    return renewed
            elif usable:
                # Due for renewal, and another worker is renewing it: this
                # one is still good.
                return token
            if time.monotonic() > give_up:
                raise TokenError(
                    _(
                        "Another worker was getting a new access token from "
                        "the CRM and did not finish in time; the lead will "
                        "be tried again."
                    )
                )
            time.sleep(WAIT_STEP)
            row = _reload(row)

    def _saved_fingerprint(self) -> str | None:
        """The fingerprint of the saved credentials, which this source then
        uses; ``None`` when they are not to be shared (a chatbot not saved,
        or an editor's unsaved credentials)."""
        chatbot = self.chatbot
        if chatbot.pk is None:
            return None
        try:
            saved = Chatbot.objects.only(*OAUTH_CREDENTIALS).get(pk=chatbot.pk)
        except (Chatbot.DoesNotExist, SecretDecryptionError):
            return None
        if any(
            getattr(saved, name) != getattr(chatbot, name) for name in OAUTH_CREDENTIALS
        ):
            if self.editing:
                return None
            for name in OAUTH_CREDENTIALS:
                setattr(chatbot, name, getattr(saved, name))
        return credentials_fingerprint(chatbot)

    def _unshared(self, stale: str) -> str:
        """A token for credentials that are not stored, kept in memory."""
        if self._own is not None:
            token, got_at = self._own
            if token != stale:
                return token
            if time.monotonic() - got_at < FRESH_TOKEN.total_seconds():
                raise TokenError(fresh_token_refused_message())
        token = request_grant(self.chatbot).access_token
        self._own = (token, time.monotonic())
        return token

    def _renew(self, row: OAuthToken, fingerprint: str, lease) -> str | None:
        """Ask for a token while holding the lease, and share what came;
        ``None`` when the credentials changed under it (ask again)."""
        chatbot = self.chatbot
        used = chatbot.oauth_refresh_token
        mine = OAuthToken.objects.filter(pk=row.pk, refreshing_until=lease)
        try:
            grant = request_grant(chatbot)
        except TokenError as exc:
            if exc.refused and self._saved_fingerprint() != fingerprint:
                # Refused because another worker rotated the refresh token
                # (or an editor saved a new one) meanwhile: not a refusal.
                mine.update(refreshing_until=None)
                return None
            if exc.refused:
                mine.update(
                    credentials=fingerprint,
                    access_token="",
                    expires_at=None,
                    refused_at=timezone.now(),
                    error=exc.message,
                    refreshing_until=None,
                )
            else:
                mine.update(refreshing_until=None)
            raise
        except BaseException:
            mine.update(refreshing_until=None)
            raise
        if grant.refresh_token and grant.refresh_token != used:
            fingerprint = self._keep_rotated(used, grant.refresh_token, fingerprint)
        now = timezone.now()
        mine.update(
            credentials=fingerprint,
            access_token=grant.access_token,
            expires_at=now + timedelta(seconds=grant.expires_in),
            renewed_at=now,
            refused_at=None,
            error="",
            refreshing_until=None,
        )
        return grant.access_token

    def _keep_rotated(self, used: str, new: str, fingerprint: str) -> str:
        """Store the refresh token the CRM handed out with the access token
        (the one used is spent), unless an editor saved another meanwhile;
        returns the fingerprint the access token is stored under."""
        chatbot = self.chatbot
        try:
            with transaction.atomic():
                saved = (
                    Chatbot.objects.select_for_update()
                    .only(*OAUTH_CREDENTIALS)
                    .get(pk=chatbot.pk)
                )
                if saved.oauth_refresh_token != used:
                    return fingerprint
                # updated_at too: processes that keep the chatbot loaded
                # must not go on with the spent token.
                Chatbot.objects.filter(pk=chatbot.pk).update(
                    oauth_refresh_token=new, updated_at=timezone.now()
                )
        except Exception:
            logger.exception(
                "Could not store the refresh token the CRM rotated for chatbot %s",
                chatbot.pk,
            )
            return fingerprint
        chatbot.oauth_refresh_token = new
        return credentials_fingerprint(chatbot)


def _fresh(row: OAuthToken, now) -> bool:
    return row.renewed_at is not None and now - row.renewed_at < FRESH_TOKEN


def _renew_at(row: OAuthToken):
    """When a token is due for renewal: five minutes before it expires, or
    halfway through its life if that is shorter."""
    before = RENEW_BEFORE
    if row.renewed_at is not None:
        before = min(before, (row.expires_at - row.renewed_at) / 2)
    return row.expires_at - before


def _row_for(chatbot: Chatbot) -> OAuthToken:
    try:
        row, _created = OAuthToken.objects.get_or_create(chatbot_id=chatbot.pk)
    except IntegrityError:
        # Another worker made it in the meantime.
        row = OAuthToken.objects.get(chatbot_id=chatbot.pk)
    except SecretDecryptionError:
        row = _forget_token(chatbot.pk)
    return row


def _reload(row: OAuthToken) -> OAuthToken:
    try:
        return OAuthToken.objects.get(pk=row.pk)
    except SecretDecryptionError:
        return _forget_token(row.chatbot_id)


def _forget_token(chatbot_id: int) -> OAuthToken:
    """A cached token no configured key decrypts (the keys were rotated
    without it) is dropped: a new one is got instead."""
    OAuthToken.objects.filter(chatbot_id=chatbot_id).update(
        access_token="", expires_at=None
    )
    return OAuthToken.objects.get(chatbot_id=chatbot_id)


def _take_lease(row: OAuthToken, now):
    """The lease's end if this worker gets to ask the token endpoint (no
    other worker holds the lease, or its lease ran out); else ``None``."""
    until = now + timedelta(seconds=deadline_seconds() + 5)
    taken = (
        OAuthToken.objects.filter(pk=row.pk)
        .filter(Q(refreshing_until__isnull=True) | Q(refreshing_until__lt=now))
        .update(refreshing_until=until)
    )
    return until if taken == 1 else None


def token_health(chatbot: Chatbot) -> str:
    """Plain words when the CRM refused the chatbot's refresh token and it
    has not been changed since; "" when all is well (or unknown)."""
    if chatbot.auth_type != AuthType.OAUTH2:
        return ""
    try:
        row = chatbot.oauth_token
    except OAuthToken.DoesNotExist:
        return ""
    if row.refused_at is None:
        return ""
    try:
        if row.credentials != credentials_fingerprint(chatbot):
            return ""
    except SecretDecryptionError:
        return ""
    return row.error or refused_message()


def reconnect_label(chatbot: Chatbot) -> str:
    """ "Reconnect Zoho": what an editor must do, naming the CRM."""
    preset = registered_preset(chatbot.preset)
    crm = preset.vendor if preset and preset.vendor else _("the CRM")
    return _("Reconnect %(crm)s") % {"crm": crm}


def needing_reconnection() -> list[tuple[Chatbot, str]]:
    """The chatbots whose CRM refused their refresh token, with what it
    said; every lead of theirs fails until an editor reconnects."""
    candidates = Chatbot.objects.filter(
        auth_type=AuthType.OAUTH2, oauth_token__refused_at__isnull=False
    ).select_related("oauth_token")
    found = []
    for chatbot in candidates:
        message = token_health(chatbot)
        if message:
            found.append((chatbot, message))
    return found
