"""OAuth2 refresh-token authentication, against the Zoho emulator's token
endpoint (a real HTTP server on 127.0.0.1) and, for request shapes, with
``responses``."""

import threading
import time
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
import responses
from django.db import connection
from django.test import TestCase
from django.utils import timezone

from crm_inbox.emulators import Zoho
from tests.test_preset_contracts import connect, submit
from wagtail_chatbot_crm import delivery, oauth, tasks
from wagtail_chatbot_crm.errors import TokenError
from wagtail_chatbot_crm.leads import record_lead
from wagtail_chatbot_crm.models import Chatbot, Lead, OAuthToken, SyncStatus
from wagtail_chatbot_crm.oauth import TokenSource, token_health

REFUSED = "The CRM refused the refresh token; reconnect the app."


@pytest.fixture
def zoho():
    emulator = Zoho().start()
    emulator.key = "zoho"
    yield emulator
    emulator.stop()


@pytest.fixture
def bot(make_chatbot, zoho, db):
    return connect(make_chatbot, zoho)


def deliver(lead):
    with TestCase.captureOnCommitCallbacks(execute=True):
        delivery.deliver(lead.pk, schedule=tasks.schedule)
    lead.refresh_from_db()
    return lead


def synced(chatbot, email="ada@example.com"):
    lead = deliver(submit(chatbot, email=email))
    assert lead.sync_status == SyncStatus.SYNCED, lead.last_error
    return lead


@pytest.mark.django_db
class TestTokenCache:
    def test_one_token_serves_many_leads_and_is_stored_encrypted(self, bot, zoho):
        synced(bot)
        synced(bot, "grace@example.com")
        assert zoho.token_requests == 1
        row = OAuthToken.objects.get(chatbot=bot)
        assert row.access_token == "1000.access.1"
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT access_token FROM wagtail_chatbot_crm_oauthtoken WHERE id = %s",
                [row.pk],
            )
            [stored] = cursor.fetchone()
        assert "1000.access" not in stored
        # Zoho gives an hour (``expires_in``).
        remaining = row.expires_at - timezone.now()
        assert timedelta(minutes=59) < remaining <= timedelta(hours=1)

    def test_a_token_about_to_expire_is_renewed_first(self, bot, zoho):
        synced(bot)
        OAuthToken.objects.filter(chatbot=bot).update(
            expires_at=timezone.now() + timedelta(minutes=2),
            renewed_at=timezone.now() - timedelta(minutes=58),
        )
        synced(bot, "grace@example.com")
        assert zoho.token_requests == 2
        assert OAuthToken.objects.get(chatbot=bot).access_token == "1000.access.2"

    def test_new_credentials_are_not_served_the_old_token(self, bot, zoho):
        synced(bot)
        zoho.refresh_token = "rotated-by-the-editor"
        bot.oauth_refresh_token = "rotated-by-the-editor"
        bot.save()
        synced(bot, "grace@example.com")
        assert zoho.token_requests == 2

    def test_a_401_renews_the_token_once_within_the_same_try(self, bot, zoho):
        synced(bot)
        in_use_for_a_while(bot)
        zoho.revoke_access_tokens()  # revoked in the CRM, or expired early
        lead = synced(bot, "grace@example.com")
        assert zoho.token_requests == 2
        # One try, one attempt: the 401 was not a failed try.
        attempt = lead.attempts.get()
        assert attempt.status_code == 200
        assert lead.tries == 1

    def test_a_second_401_fails_the_try_without_asking_again(self, bot, zoho):
        synced(bot)
        in_use_for_a_while(bot)
        zoho.check_auth = _always_refuse
        lead = deliver(submit(bot, email="grace@example.com"))
        assert lead.sync_status == SyncStatus.RETRYING
        assert lead.last_error.startswith("The CRM rejected the credentials (HTTP 401)")
        assert zoho.token_requests == 2

    def test_a_401_to_a_fresh_token_is_told_not_renewed(self, bot, zoho):
        # Zoho answers 401 OAUTH_SCOPE_MISMATCH to a token without the scope:
        # a new token would be refused too, and spend the token allowance.
        synced(bot)
        zoho.check_auth = _always_refuse
        for n in range(3):
            lead = deliver(submit(bot, email=f"visitor{n}@example.com"))
            assert lead.last_error.startswith(
                "The CRM refused an access token it had just given (HTTP 401)"
            )
        assert zoho.token_requests == 1

    def test_a_short_lived_token_serves_for_half_its_life(self, bot, zoho):
        zoho.token_lifetime = 120  # shorter than the five minutes' margin
        synced(bot)
        synced(bot, "grace@example.com")
        assert zoho.token_requests == 1

    def test_a_rotated_refresh_token_is_kept(self, bot, zoho):
        rotating(zoho)
        synced(bot)
        bot = Chatbot.objects.get(pk=bot.pk)
        assert bot.oauth_refresh_token == "rotated-1"
        # The token got with the old one still serves.
        synced(bot, "grace@example.com")
        assert zoho.token_requests == 1


def rotating(zoho):
    """The emulator hands out a new refresh token with each access token,
    and takes only the newest."""
    grant = zoho.grant

    def answer(form):
        status, body = grant(form)
        if status == 200:
            zoho.refresh_token = f"rotated-{zoho.token_requests}"
            body = {**body, "refresh_token": zoho.refresh_token}
        return status, body

    zoho.grant = answer


@pytest.mark.django_db
class TestSharedCredentials:
    def test_a_worker_with_the_spent_refresh_token_takes_the_stored_one(
        self, bot, zoho
    ):
        rotating(zoho)
        stale_copy = Chatbot.objects.get(pk=bot.pk)  # loaded before rotation
        first = TokenSource(Chatbot.objects.get(pk=bot.pk)).get()
        assert Chatbot.objects.get(pk=bot.pk).oauth_refresh_token == "rotated-1"
        # The other worker's copy still holds the spent token: it must not
        # use it (the CRM would refuse) nor mark the chatbot refused.
        assert TokenSource(stale_copy).get() == first
        assert zoho.token_requests == 1
        assert OAuthToken.objects.get(chatbot=bot).refused_at is None

    def test_a_test_with_unsaved_credentials_stores_nothing(self, bot, zoho):
        synced(bot)
        stored = OAuthToken.objects.get(chatbot=bot)
        rotating(zoho)
        zoho.refresh_token = "typed-in-the-editor"
        unsaved = Chatbot.objects.get(pk=bot.pk)
        unsaved.oauth_refresh_token = "typed-in-the-editor"
        assert TokenSource(unsaved, editing=True).get() == "1000.access.2"
        saved = Chatbot.objects.get(pk=bot.pk)
        assert saved.oauth_refresh_token == "emulator-refresh-token"
        after = OAuthToken.objects.get(chatbot=bot)
        assert (after.access_token, after.credentials, after.expires_at) == (
            stored.access_token,
            stored.credentials,
            stored.expires_at,
        )

    def test_a_test_with_unsaved_credentials_asks_once_for_all_its_requests(
        self, make_chatbot, zoho
    ):
        saved = connect(make_chatbot, zoho)
        unsaved = Chatbot(
            **{
                field.name: getattr(saved, field.name)
                for field in Chatbot._meta.concrete_fields
                if field.name != "id"
            }
        )
        tokens = TokenSource(unsaved, editing=True)
        assert tokens.get() == tokens.get() == "1000.access.1"
        assert zoho.token_requests == 1


def in_use_for_a_while(chatbot):
    """The stored token was got ten minutes ago."""
    OAuthToken.objects.filter(chatbot=chatbot).update(
        renewed_at=timezone.now() - timedelta(minutes=10)
    )


def _always_refuse(headers):
    from crm_inbox.emulators import Answer

    raise Answer(401, {"code": "INVALID_TOKEN", "message": "invalid oauth token"})


@pytest.mark.django_db
class TestRefusal:
    def test_a_refused_refresh_token_is_told_in_plain_words(self, make_chatbot, zoho):
        bot = connect(make_chatbot, zoho, token="revoked-refresh-token")
        lead = deliver(submit(bot))
        assert lead.sync_status == SyncStatus.RETRYING
        assert lead.last_error == REFUSED + " The CRM said: “invalid_code”"
        assert lead.attempts.get().status_code is None
        assert zoho.requests == 0  # no lead went out without a token
        assert token_health(bot) == lead.last_error

    def test_after_a_refusal_leads_do_not_hammer_the_token_endpoint(
        self, make_chatbot, zoho
    ):
        bot = connect(make_chatbot, zoho, token="revoked-refresh-token")
        calls = []
        grant = zoho.grant
        zoho.grant = lambda form: calls.append(form) or grant(form)
        for n in range(3):
            lead = deliver(submit(bot, email=f"visitor{n}@example.com"))
            assert lead.last_error.startswith(REFUSED)
        assert len(calls) == 1

    def test_reconnecting_clears_the_refusal(self, make_chatbot, zoho):
        bot = connect(make_chatbot, zoho, token="revoked-refresh-token")
        lead = deliver(submit(bot))
        assert token_health(bot)
        bot.oauth_refresh_token = zoho.refresh_token  # the editor reconnects
        bot.save()
        assert token_health(bot) == ""
        Lead.objects.filter(pk=lead.pk).update(next_attempt_at=timezone.now())
        lead = deliver(lead)
        assert lead.sync_status == SyncStatus.SYNCED, lead.last_error
        assert OAuthToken.objects.get(chatbot=bot).refused_at is None

    def test_a_test_connection_asks_again_straight_away(self, make_chatbot, zoho):
        bot = connect(make_chatbot, zoho, token="revoked-refresh-token")
        deliver(submit(bot))
        zoho.refresh_token = bot.oauth_refresh_token  # fixed in the CRM
        with pytest.raises(TokenError):
            TokenSource(bot).get()
        assert TokenSource(bot, editing=True).get() == "1000.access.1"
        assert token_health(bot) == ""

    def test_a_wrong_client_is_a_refusal_too(self, make_chatbot, zoho):
        bot = connect(make_chatbot, zoho)
        bot.oauth_client_secret = "not-the-secret"
        bot.save()
        lead = deliver(submit(bot))
        assert lead.last_error.startswith(REFUSED)
        assert "not-the-secret" not in lead.last_error

    def test_a_token_endpoint_in_trouble_is_not_a_refusal(self, make_chatbot, zoho):
        bot = connect(make_chatbot, zoho)
        zoho.grant = lambda form: (503, {"error": "server_error"})
        lead = deliver(submit(bot))
        assert lead.sync_status == SyncStatus.RETRYING
        assert lead.last_error.startswith(
            "The CRM's token URL gave no access token (HTTP 503)."
        )
        assert token_health(bot) == ""


@pytest.mark.django_db
class TestTokenURL:
    def test_the_token_url_passes_the_ssrf_guard(self, make_chatbot, zoho, settings):
        bot = connect(make_chatbot, zoho)
        settings.WAGTAIL_CHATBOT_CRM = {
            **settings.WAGTAIL_CHATBOT_CRM,
            "ALLOWED_NETWORKS": [],
        }
        lead = deliver(submit(bot))
        assert lead.last_error.startswith(
            "No access token could be got: The token URL points to 127.0.0.1, a "
            "private or internal network address"
        )
        assert zoho.token_requests == 0

    def test_a_token_endpoint_that_hangs_ends_at_the_deadline(
        self, make_chatbot, zoho, settings
    ):
        settings.WAGTAIL_CHATBOT_CRM = {
            **settings.WAGTAIL_CHATBOT_CRM,
            "CONNECT_TIMEOUT": 0.5,
            "READ_TIMEOUT": 0.5,
        }
        bot = connect(make_chatbot, zoho)
        zoho.token_delay = 3
        started = time.monotonic()
        lead = deliver(submit(bot))
        assert time.monotonic() - started < 2.5
        assert lead.last_error.startswith("No access token could be got:")
        assert "within" in lead.last_error

    @responses.activate
    def test_the_grant_is_a_form_encoded_refresh_token_post(self, make_chatbot):
        responses.post(
            "https://accounts.zoho.eu/oauth/v2/token",
            json={"access_token": "1000.abc", "expires_in": 3600},
        )
        bot = make_chatbot(
            webhook_url="https://www.zohoapis.eu/crm/v8/Leads/upsert",
            auth_type="oauth2",
            oauth_token_url="https://accounts.zoho.eu/oauth/v2/token",
            oauth_client_id="1000.CLIENT",
            oauth_client_secret="client-secret-value",
            oauth_refresh_token="1000.refresh.value",
            oauth_header_prefix="Zoho-oauthtoken",
        )
        assert oauth.request_grant(bot).access_token == "1000.abc"
        [call] = responses.calls
        assert call.request.method == "POST"
        assert call.request.headers["Content-Type"] == (
            "application/x-www-form-urlencoded"
        )
        assert parse_qs(call.request.body) == {
            "grant_type": ["refresh_token"],
            "refresh_token": ["1000.refresh.value"],
            "client_id": ["1000.CLIENT"],
            "client_secret": ["client-secret-value"],
        }
        assert "refresh" not in call.request.url  # never in the query string


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "body", "refused"),
    [
        (400, {"error": "invalid_grant"}, True),
        (200, {"error": "invalid_code"}, True),
        (401, {"error": "invalid_client"}, True),
        (401, None, True),
        (400, {"error": "Access Denied", "error_description": "Too many"}, False),
        (429, None, False),
        (200, {"token_type": "Bearer"}, False),
        (200, None, False),
        (500, None, False),
    ],
)
@responses.activate
def test_token_endpoint_answers(make_chatbot, status, body, refused):
    url = "https://accounts.example.com/token"
    if body is None:
        responses.post(url, status=status, body="<html>nope</html>")
    else:
        responses.post(url, status=status, json=body)
    bot = make_chatbot(
        auth_type="oauth2",
        oauth_token_url=url,
        oauth_client_id="client",
        oauth_refresh_token="refresh-secret-value",
    )
    with pytest.raises(TokenError) as caught:
        oauth.request_grant(bot)
    assert caught.value.refused is refused
    assert caught.value.message.startswith(REFUSED) is refused
    assert "refresh-secret-value" not in caught.value.message


@pytest.mark.django_db(transaction=True)
def test_two_workers_share_one_refresh(make_chatbot, zoho):
    """Two threads (each its own database connection) need a token at
    once: one asks the token endpoint, the other waits for its answer."""
    bot = connect(make_chatbot, zoho)
    zoho.token_delay = 0.5
    tokens, errors = [], []
    barrier = threading.Barrier(2)

    def worker():
        try:
            barrier.wait()
            tokens.append(TokenSource(Chatbot.objects.get(pk=bot.pk)).get())
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == []
    assert tokens == ["1000.access.1", "1000.access.1"]
    assert zoho.token_requests == 1


def test_two_consumer_workers_refresh_once(consumer, make_chatbot, zoho):
    """A real consumer with two workers delivers two leads at once, both
    needing a token: the counting token endpoint is asked once."""
    bot = connect(make_chatbot, zoho)
    zoho.token_delay = 0.5
    consumer.start(CONNECT_TIMEOUT=2, READ_TIMEOUT=2)
    leads = [
        record_lead(bot, {"name": "Ada Lovelace", "email": f"v{n}@example.com"})
        for n in range(2)
    ]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        statuses = set(
            Lead.objects.filter(pk__in=[lead.pk for lead in leads]).values_list(
                "sync_status", flat=True
            )
        )
        if statuses == {SyncStatus.SYNCED}:
            break
        time.sleep(0.05)
    assert statuses == {SyncStatus.SYNCED}
    assert zoho.token_requests == 1
    assert zoho.requests == 2
