"""OAuth2 in the chatbot editor: its fields, its secrets, Test connection
and Load fields against the Zoho emulator."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from crm_inbox.emulators import Zoho
from tests.test_admin import ADD_URL, edit_url, form_data
from tests.test_connection_view import JSON, connection_url
from wagtail_chatbot_crm.models import Chatbot, OAuthToken
from wagtail_chatbot_crm.presets import apply_preset, get_preset

pytestmark = pytest.mark.django_db

CLIENT_SECRET = "oauth_client_secret_5f2c1a"
REFRESH_TOKEN = "1000.oauth_refresh_token_8e7d"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


@pytest.fixture
def zoho():
    emulator = Zoho().start()
    emulator.client_secret = CLIENT_SECRET
    emulator.refresh_token = REFRESH_TOKEN
    yield emulator
    emulator.stop()


def oauth_form(zoho, **fields):
    values = {
        "preset": "zoho",
        "webhook_url": zoho.url,
        "auth_type": "oauth2",
        "oauth_token_url": zoho.token_url,
        "oauth_client_id": zoho.client_id,
        "oauth_client_secret": CLIENT_SECRET,
        "oauth_refresh_token": REFRESH_TOKEN,
        "oauth_header_prefix": "Zoho-oauthtoken",
    }
    preset = get_preset("zoho")
    return form_data(
        mappings=[{"source": a, "crm_field": b} for a, b in preset.mappings],
        statics=[
            {"crm_field": a, "value": b, "is_json": "on" if c else ""}
            for a, b, c in preset.static_values
        ],
        **{**values, **fields},
    )


@pytest.fixture
def saved(make_chatbot, zoho):
    return make_chatbot(
        preset="zoho",
        webhook_url=zoho.url,
        auth_type="oauth2",
        oauth_token_url=zoho.token_url,
        oauth_client_id=zoho.client_id,
        oauth_client_secret=CLIENT_SECRET,
        oauth_refresh_token=REFRESH_TOKEN,
        oauth_header_prefix="Zoho-oauthtoken",
    )


def test_an_oauth2_chatbot_is_saved_and_its_secrets_never_shown(admin_client, zoho):
    response = admin_client.post(ADD_URL, oauth_form(zoho))
    assert response.status_code == 302, response.context["form"].errors
    chatbot = Chatbot.objects.get()
    assert chatbot.oauth_refresh_token == REFRESH_TOKEN
    assert chatbot.oauth_client_secret == CLIENT_SECRET
    page = admin_client.get(edit_url(chatbot)).content.decode()
    assert REFRESH_TOKEN not in page
    assert CLIENT_SECRET not in page
    assert 'name="oauth_refresh_token"' in page
    assert "Stored — leave blank to keep" in page


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("oauth_token_url", "Enter the CRM's token URL"),
        ("oauth_client_id", "Enter the client ID"),
        ("oauth_refresh_token", "Enter the refresh token"),
    ],
)
def test_oauth2_needs_its_settings(admin_client, zoho, missing, message):
    response = admin_client.post(ADD_URL, oauth_form(zoho, **{missing: ""}))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[missing])
    assert not Chatbot.objects.exists()


def test_a_header_prefix_is_one_word(admin_client, zoho):
    response = admin_client.post(
        ADD_URL, oauth_form(zoho, oauth_header_prefix="Bearer\r\nX-Evil: 1")
    )
    assert response.status_code == 200
    assert "oauth_header_prefix" in response.context["form"].errors


def test_test_connection_trades_the_refresh_token_and_sends(admin_client, saved, zoho):
    response = admin_client.post(
        connection_url(saved),
        oauth_form(zoho, oauth_client_secret="", oauth_refresh_token=""),
        **JSON,
    )
    assert response.json()["success"] is True, response.json()
    assert zoho.token_requests == 1
    assert zoho.requests == 1
    # The token is kept for the deliveries that follow.
    assert OAuthToken.objects.get(chatbot=saved).access_token == "1000.access.1"


def test_test_connection_tells_a_refused_refresh_token(admin_client, saved, zoho):
    zoho.refresh_token = "revoked in Zoho"
    response = admin_client.post(
        connection_url(saved),
        oauth_form(zoho, oauth_client_secret="", oauth_refresh_token=""),
        **JSON,
    )
    body = response.json()
    assert body["success"] is False
    assert "The CRM refused the refresh token; reconnect the app." in str(body)
    assert REFRESH_TOKEN not in str(body)
    assert zoho.requests == 0


def test_load_fields_uses_an_access_token(admin_client, saved, zoho):
    response = admin_client.post(
        reverse("chatbot_crm_admin:load_fields_existing", args=[saved.pk]),
        oauth_form(zoho, oauth_client_secret="", oauth_refresh_token=""),
        **JSON,
    )
    body = response.json()
    assert body["success"] is True, body
    assert "Last_Name" in str(body)


@pytest.mark.parametrize("moved", ["oauth_token_url", "webhook_url"])
def test_stored_oauth_secrets_do_not_follow_a_new_host(
    admin_client, saved, zoho, moved
):
    elsewhere = "https://elsewhere.example.net/oauth/v2/token"
    response = admin_client.post(
        connection_url(saved),
        oauth_form(
            zoho,
            oauth_client_secret="",
            oauth_refresh_token="",
            **{moved: elsewhere},
        ),
        **JSON,
    )
    assert response.status_code == 400
    errors = " ".join(response.json()["errors"])
    assert "Refresh token:" in errors
    assert "Client secret:" in errors
    assert "names another host" in errors
    assert zoho.token_requests == zoho.requests == 0


def test_typed_again_the_secrets_go_to_the_new_token_host(admin_client, saved, zoho):
    other = Zoho().start()
    try:
        other.client_secret, other.refresh_token = CLIENT_SECRET, REFRESH_TOKEN
        other.access_tokens = zoho.access_tokens  # one Zoho, two addresses
        response = admin_client.post(
            connection_url(saved),
            oauth_form(
                zoho, oauth_token_url=other.token_url.replace("127.0.0.1", "localhost")
            ),
            **JSON,
        )
    finally:
        other.stop()
    assert response.json()["success"] is True, response.json()
    assert other.token_requests == 1


def test_zoho_needs_the_token_url_of_its_data_centre(admin_client, make_chatbot):
    chatbot = apply_preset(make_chatbot(), "zoho")
    response = admin_client.post(
        edit_url(chatbot),
        form_data(
            preset="zoho",
            webhook_url="https://www.zohoapis.eu/crm/v8/Leads/upsert",
            auth_type="oauth2",
            oauth_token_url="https://accounts.zoho.com/oauth/v2/token",
            oauth_client_id="1000.CLIENT",
            oauth_client_secret=CLIENT_SECRET,
            oauth_refresh_token=REFRESH_TOKEN,
            oauth_header_prefix="Zoho-oauthtoken",
        ),
    )
    assert response.status_code == 200
    [error] = response.context["form"].errors["oauth_token_url"]
    assert error == (
        "The webhook URL is in Zoho's www.zohoapis.eu data centre: its tokens "
        "come from https://accounts.zoho.eu/oauth/v2/token."
    )


def test_a_refused_refresh_token_shows_on_the_dashboard_and_listing(
    admin_client, saved, zoho
):
    from tests.test_oauth import deliver
    from tests.test_preset_contracts import submit

    listing = reverse(Chatbot.snippet_viewset.get_url_name("list"))
    edit = edit_url(saved)
    assert "Reconnect Zoho" not in admin_client.get("/admin/").content.decode()
    assert "Reconnect Zoho" not in admin_client.get(listing).content.decode()

    zoho.refresh_token = "revoked in Zoho"
    deliver(submit(saved))
    home = admin_client.get("/admin/").content.decode()
    assert f'<a href="{edit}">Reconnect Zoho</a>' in home
    assert "The CRM refused the refresh token; reconnect the app." in home
    assert "Reconnect Zoho" in admin_client.get(listing).content.decode()

    # Reconnected: a new refresh token typed in the editor.
    response = admin_client.post(
        edit, oauth_form(zoho, oauth_client_secret="", oauth_refresh_token="new-one")
    )
    assert response.status_code == 302
    assert "Reconnect Zoho" not in admin_client.get("/admin/").content.decode()
    assert "Reconnect Zoho" not in admin_client.get(listing).content.decode()
