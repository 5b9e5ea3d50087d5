"""“Test connection” in the chatbot editor, driven through Django's client."""

import json
import socket

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.crm_server import Step
from tests.test_admin import ADD_URL, edit_url, form_data
from wagtail_chatbot_crm.models import Chatbot, CustomHeader, DeliveryAttempt, Lead
from wagtail_chatbot_crm.views import connection as view_module

pytestmark = pytest.mark.django_db

TOKEN = "tok_test_conn_4b7e19c2"
TYPED_TOKEN = "tok_typed_9d01a6f3e2"
HEADER_SECRET = "hdr_secret_test_5512ab"
NEW_URL = reverse("chatbot_crm_admin:test_connection")
JSON = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Each test starts with no connection tests counted against its user."""
    cache.clear()


def connection_url(chatbot):
    return reverse("chatbot_crm_admin:test_connection_existing", args=[chatbot.pk])


def staff_user(django_user_model, *permissions, username="editor"):
    """A staff user with Wagtail admin access and the given permissions."""
    user = django_user_model.objects.create_user(
        username, f"{username}@example.com", "password", is_staff=True
    )
    for name in ("wagtailadmin.access_admin", *permissions):
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def free_port():
    """A local port with nothing listening on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- What the editor sees ---------------------------------------------------------


def test_editor_shows_the_button_in_the_crm_tab(admin_client, chatbot):
    html = admin_client.get(edit_url(chatbot)).content.decode()
    crm_tab = html[html.index('id="tab-crm_integration"') :]
    assert ">Test connection<" in html.replace("\n", "").replace("  ", "")
    assert f'formaction="{connection_url(chatbot)}"' in crm_tab
    assert "formnovalidate" in crm_tab
    assert 'aria-live="polite"' in crm_tab
    assert "wagtail_chatbot_crm/js/editor-action.js" in html
    # Right after the authentication settings.
    assert crm_tab.index("id_basic_password") < crm_tab.index("formaction=")
    assert crm_tab.index("formaction=") < crm_tab.index("id_signing_secret")


def test_new_chatbot_editor_posts_to_the_new_chatbot_url(admin_client):
    html = admin_client.get(ADD_URL).content.decode()
    assert f'formaction="{NEW_URL}"' in html


def test_editor_hides_the_button_without_the_permission(django_user_model, chatbot):
    editor = staff_user(
        django_user_model,
        "wagtail_chatbot_crm.change_chatbot",
        "wagtail_chatbot_crm.view_chatbot",
    )
    response = client_for(editor).get(edit_url(chatbot))
    assert response.status_code == 200
    html = response.content.decode()
    assert connection_url(chatbot) not in html
    # “What is sent” sends nothing: an editor of the chatbot has it.
    assert "formaction=" in html and "preview-body" in html


# --- Success, from unsaved values --------------------------------------------------


def test_success_shows_status_and_time_inline(admin_client, chatbot, crm_server):
    response = admin_client.post(
        connection_url(chatbot), form_data(webhook_url=crm_server.url), **JSON
    )
    assert response.status_code == 200
    result = response.json()
    assert result["success"] is True
    assert result["status_code"] == 201
    assert result["message"] == (
        f"Connection successful (HTTP 201 in {result['duration_ms']} ms)"
    )
    assert result["response_excerpt"] == '{"id": "crm-1"}'
    assert result["errors"] == []

    [received] = crm_server.received
    body = received.json()
    assert body["name"] == "Test Contact"
    assert body["email"] == "test-contact@example.com"
    assert body["company"].startswith("Connection test ")
    assert body["company"].endswith(" UTC")
    # The editor sees what was sent, laid out for reading.
    assert json.loads(result["request_body"]) == body
    assert result["request_body"].startswith("{\n")


def test_success_page_without_javascript(admin_client, chatbot, crm_server):
    response = admin_client.post(
        connection_url(chatbot), form_data(webhook_url=crm_server.url)
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Connection successful (HTTP 201 in " in html
    assert " ms)" in html
    assert "Nothing was saved" in html
    assert f'href="{edit_url(chatbot)}"' in html


def test_a_new_chatbot_is_tested_with_what_was_typed(admin_client, crm_server):
    response = admin_client.post(
        NEW_URL,
        form_data(
            webhook_url=crm_server.url,
            auth_type="api_key",
            api_key_header="X-Api-Token",
            api_key=TYPED_TOKEN,
            mappings=[
                {"source": "email", "crm_field": "properties.email"},
                {"source": "name", "crm_field": "properties.name", "DELETE": "on"},
                {"source": "company", "crm_field": "properties.company"},
            ],
            statics=[{"crm_field": "lead_source", "value": "Chatbot"}],
            headers=[{"name": "X-Tenant", "value": "acme"}],
        ),
        **JSON,
    )
    assert response.json()["success"] is True, response.json()
    [received] = crm_server.received
    assert received.headers["X-Api-Token"] == TYPED_TOKEN
    assert received.headers["X-Tenant"] == "acme"
    body = received.json()
    assert body["properties"]["email"] == "test-contact@example.com"
    assert body["properties"]["company"].startswith("Connection test ")
    assert "name" not in body["properties"]  # the deleted row is not sent
    assert body["lead_source"] == "Chatbot"
    assert TYPED_TOKEN not in response.content.decode()
    assert Chatbot.objects.count() == 0


def test_the_whole_form_is_checked_as_on_save(admin_client, crm_server):
    # As Wagtail's preview: the test uses the chatbot the form would save,
    # so every error in it is named first.
    response = admin_client.post(
        NEW_URL, form_data(name="", webhook_url=crm_server.url), **JSON
    )
    assert response.status_code == 400
    assert "Name: This field is required." in response.json()["errors"]
    assert crm_server.received == []


def test_form_encoded_body_follows_the_unsaved_body_format(
    admin_client, chatbot, crm_server
):
    admin_client.post(
        connection_url(chatbot),
        form_data(
            webhook_url=crm_server.url,
            body_format="form",
            mappings=[{"source": "name", "crm_field": "last_name"}],
        ),
        **JSON,
    )
    [received] = crm_server.received
    assert received.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert received.body == b"last_name=Test+Contact"


# --- Stored secrets ---------------------------------------------------------------


def test_blank_token_input_uses_the_stored_token(
    admin_client, make_chatbot, crm_server
):
    chatbot = make_chatbot(
        webhook_url=crm_server.url, auth_type="bearer", bearer_token=TOKEN
    )
    response = admin_client.post(
        connection_url(chatbot),
        form_data(webhook_url=crm_server.url, auth_type="bearer", bearer_token=""),
        **JSON,
    )
    assert response.json()["success"] is True
    [received] = crm_server.received
    assert received.headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in response.content.decode()


def test_typed_token_replaces_the_stored_one(admin_client, make_chatbot, crm_server):
    chatbot = make_chatbot(auth_type="bearer", bearer_token=TOKEN)
    admin_client.post(
        connection_url(chatbot),
        form_data(
            webhook_url=crm_server.url, auth_type="bearer", bearer_token=TYPED_TOKEN
        ),
        **JSON,
    )
    [received] = crm_server.received
    assert received.headers["Authorization"] == f"Bearer {TYPED_TOKEN}"
    chatbot.refresh_from_db()
    assert chatbot.bearer_token == TOKEN


def test_blank_secret_header_uses_the_stored_value(
    admin_client, make_chatbot, crm_server
):
    chatbot = make_chatbot(webhook_url=crm_server.url)
    header = CustomHeader.objects.create(
        chatbot=chatbot, name="X-Tenant-Secret", value=HEADER_SECRET, is_secret=True
    )
    response = admin_client.post(
        connection_url(chatbot),
        form_data(
            webhook_url=crm_server.url,
            headers=[{"id": header.pk, "name": "X-Tenant-Secret", "value": ""}],
            initial={"custom_headers": 1},
        ),
        **JSON,
    )
    assert response.json()["success"] is True
    [received] = crm_server.received
    assert received.headers["X-Tenant-Secret"] == HEADER_SECRET
    assert HEADER_SECRET not in response.content.decode()


def test_no_secret_appears_even_when_the_crm_echoes_it(
    admin_client, make_chatbot, crm_server
):
    chatbot = make_chatbot(
        webhook_url=crm_server.url, auth_type="bearer", bearer_token=TOKEN
    )
    CustomHeader.objects.create(
        chatbot=chatbot, name="X-Tenant-Secret", value=HEADER_SECRET, is_secret=True
    )
    header = chatbot.custom_headers.get()
    for token, accept in ((TYPED_TOKEN, JSON), ("", JSON), (TYPED_TOKEN, {}), ("", {})):
        sent = token or TOKEN
        # A careless CRM echoes what it got, and what it was once sent.
        echo = {
            "message": f"Bad token {sent} (was {TOKEN}) for {HEADER_SECRET}",
            "request": {"Authorization": f"Bearer {sent}"},
        }
        crm_server.then(Step(401, json.dumps(echo)))
        response = admin_client.post(
            connection_url(chatbot),
            form_data(
                webhook_url=crm_server.url,
                auth_type="bearer",
                bearer_token=token,
                headers=[{"id": header.pk, "name": "X-Tenant-Secret", "value": ""}],
                initial={"custom_headers": 1},
            ),
            **accept,
        )
        text = response.content.decode()
        assert "[redacted]" in text
        for secret in (TOKEN, TYPED_TOKEN, HEADER_SECRET):
            assert secret not in text


def test_invalid_settings_never_echo_a_typed_secret(admin_client, chatbot):
    response = admin_client.post(
        connection_url(chatbot),
        form_data(
            webhook_url="not a url",
            auth_type="basic",
            basic_username="",
            basic_password=TYPED_TOKEN,
            signing_secret=TOKEN,
        ),
        **JSON,
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert TYPED_TOKEN not in text
    assert TOKEN not in text


# --- Nothing is saved -------------------------------------------------------------


def test_nothing_is_saved(admin_client, chatbot, crm_server):
    before = Chatbot.objects.values().get(pk=chatbot.pk)
    response = admin_client.post(
        connection_url(chatbot),
        form_data(
            name="Renamed",
            webhook_url=crm_server.url,
            auth_type="bearer",
            bearer_token=TYPED_TOKEN,
            mappings=[{"source": "email", "crm_field": "email"}],
            headers=[{"name": "X-Tenant", "value": "acme"}],
        ),
        **JSON,
    )
    assert response.json()["success"] is True
    assert Chatbot.objects.values().get(pk=chatbot.pk) == before
    assert chatbot.field_mappings.count() == 0
    assert chatbot.custom_headers.count() == 0
    assert Lead.objects.count() == 0
    assert DeliveryAttempt.objects.count() == 0


# --- Failures, in plain words -----------------------------------------------------


def test_rejected_credentials(admin_client, make_chatbot, crm_server):
    chatbot = make_chatbot(
        webhook_url=crm_server.url, auth_type="bearer", bearer_token=TOKEN
    )
    crm_server.then(Step(401, '{"message": "Invalid API token"}'))
    response = admin_client.post(
        connection_url(chatbot),
        form_data(webhook_url=crm_server.url, auth_type="bearer"),
        **JSON,
    )
    assert response.status_code == 200
    result = response.json()
    assert result["success"] is False
    assert result["status_code"] == 401
    assert result["message"].startswith("The CRM rejected the credentials (HTTP 401).")
    assert result["response_excerpt"] == '{"message": "Invalid API token"}'
    assert result["detail"] == "HTTP 401 Unauthorized"


def test_rejected_credentials_page_without_javascript(
    admin_client, chatbot, crm_server
):
    crm_server.then(Step(403, '{"message": "Forbidden"}'))
    response = admin_client.post(
        connection_url(chatbot), form_data(webhook_url=crm_server.url)
    )
    html = response.content.decode()
    assert "The CRM rejected the credentials (HTTP 403)." in html
    assert "HTTP 403 Forbidden" in html
    assert "{&quot;message&quot;: &quot;Forbidden&quot;}" in html
    assert "Nothing was saved" in html


def test_malformed_url_is_a_field_error(admin_client, chatbot, crm_server):
    response = admin_client.post(
        connection_url(chatbot), form_data(webhook_url="htp:/crm example"), **JSON
    )
    assert response.status_code == 400
    result = response.json()
    assert result["success"] is False
    assert "nothing was sent" in result["message"]
    assert "Webhook URL: Enter a valid URL." in result["errors"]
    assert crm_server.connections == 0


def test_missing_url_and_token_are_field_errors(admin_client):
    response = admin_client.post(
        NEW_URL,
        form_data(crm_enabled=None, webhook_url="", auth_type="bearer"),
        **JSON,
    )
    errors = response.json()["errors"]
    assert "Webhook URL: Enter the address to send the test lead to." in errors
    assert (
        "Bearer token: Enter the token, or choose another kind of authentication."
        in errors
    )


def test_invalid_rows_are_named(admin_client, chatbot):
    response = admin_client.post(
        connection_url(chatbot),
        form_data(
            webhook_url="https://crm.example.com/hooks/lead",
            headers=[{"name": "Bad Header:", "value": "x"}],
        ),
        **JSON,
    )
    [error] = response.json()["errors"]
    assert error.startswith("Custom header 1, Header name: ")


def test_unreachable_host(admin_client, chatbot):
    response = admin_client.post(
        connection_url(chatbot),
        form_data(webhook_url=f"http://127.0.0.1:{free_port()}/hooks/lead"),
        **JSON,
    )
    result = response.json()
    assert result["success"] is False
    assert result["status_code"] is None
    assert "127.0.0.1 refused the connection" in result["message"]
    assert result["detail"]


def test_internal_address_is_refused(admin_client, chatbot, crm_server, settings):
    settings.WAGTAIL_CHATBOT_CRM = {
        **settings.WAGTAIL_CHATBOT_CRM,
        "ALLOWED_NETWORKS": [],
    }
    response = admin_client.post(
        connection_url(chatbot), form_data(webhook_url=crm_server.url), **JSON
    )
    result = response.json()
    assert result["success"] is False
    assert "a private or internal network address" in result["message"]
    assert crm_server.connections == 0


# --- Method, permission, rate limit -----------------------------------------------


def test_get_is_not_allowed(admin_client, chatbot):
    for url in (connection_url(chatbot), NEW_URL):
        response = admin_client.get(url)
        assert response.status_code == 405
        assert response["Allow"] == "POST"


def test_anonymous_is_sent_to_the_login(client, chatbot, crm_server):
    response = client.post(
        connection_url(chatbot), form_data(webhook_url=crm_server.url)
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))
    response = client.post(
        connection_url(chatbot), form_data(webhook_url=crm_server.url), **JSON
    )
    assert response.status_code == 403
    assert crm_server.connections == 0


def test_without_the_permission_is_forbidden(django_user_model, chatbot, crm_server):
    editor = client_for(
        staff_user(
            django_user_model,
            "wagtail_chatbot_crm.add_chatbot",
            "wagtail_chatbot_crm.change_chatbot",
        )
    )
    for url in (connection_url(chatbot), NEW_URL):
        for accept in (JSON, {}):
            response = editor.post(url, form_data(webhook_url=crm_server.url), **accept)
            assert response.status_code == 403
            assert "permission" in response.content.decode()
    assert crm_server.connections == 0


def test_testing_a_stored_chatbot_needs_the_right_to_edit_it(
    django_user_model, make_chatbot, crm_server
):
    # Otherwise its stored token could be sent to any address one typed.
    chatbot = make_chatbot(auth_type="bearer", bearer_token=TOKEN)
    tester = client_for(
        staff_user(django_user_model, "wagtail_chatbot_crm.test_connection")
    )
    response = tester.post(
        connection_url(chatbot),
        form_data(webhook_url=crm_server.url, auth_type="bearer"),
        **JSON,
    )
    assert response.status_code == 403
    assert crm_server.connections == 0


def test_editor_with_the_permission_can_test(django_user_model, chatbot, crm_server):
    tester = client_for(
        staff_user(
            django_user_model,
            "wagtail_chatbot_crm.change_chatbot",
            "wagtail_chatbot_crm.change_crm_settings",
            "wagtail_chatbot_crm.test_connection",
        )
    )
    response = tester.post(
        connection_url(chatbot), form_data(webhook_url=crm_server.url), **JSON
    )
    assert response.json()["success"] is True


def test_without_crm_settings_permission_the_stored_settings_are_tested(
    django_user_model, make_chatbot, crm_server
):
    chatbot = make_chatbot(webhook_url=crm_server.url)
    tester = client_for(
        staff_user(
            django_user_model,
            "wagtail_chatbot_crm.change_chatbot",
            "wagtail_chatbot_crm.test_connection",
        )
    )
    response = tester.post(
        connection_url(chatbot),
        form_data(webhook_url="https://elsewhere.example.com/hook"),
        **JSON,
    )
    assert response.json()["success"] is True
    assert len(crm_server.received) == 1


@pytest.mark.usefixtures("steady_rate_window")
def test_rate_limited_per_user(admin_client, chatbot, django_user_model):
    data = form_data(webhook_url="not a url")
    for _try in range(view_module.RATE_LIMIT):
        assert (
            admin_client.post(connection_url(chatbot), data, **JSON).status_code == 400
        )
    response = admin_client.post(connection_url(chatbot), data, **JSON)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many connection tests" in response.json()["message"]
    html = admin_client.post(connection_url(chatbot), data).content.decode()
    assert "Too many connection tests" in html

    other = client_for(
        staff_user(
            django_user_model,
            "wagtail_chatbot_crm.change_chatbot",
            "wagtail_chatbot_crm.change_crm_settings",
            "wagtail_chatbot_crm.test_connection",
        )
    )
    assert other.post(connection_url(chatbot), data, **JSON).status_code == 400


def test_json_when_asked_by_accept_header(admin_client, chatbot, crm_server):
    response = admin_client.post(
        connection_url(chatbot),
        form_data(webhook_url=crm_server.url),
        HTTP_ACCEPT="application/json",
    )
    assert response["Content-Type"] == "application/json"
    assert response.json()["success"] is True


def test_csrf_token_is_required(chatbot, crm_server, admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post(
        connection_url(chatbot), form_data(webhook_url=crm_server.url), **JSON
    )
    assert response.status_code == 403
    assert crm_server.connections == 0


# --- Stored secrets follow the saved host only ------------------------------------

SAVED_URL = "https://crm.example.com/hooks/lead"


@pytest.mark.parametrize("saved", ["another host", "https on the same host"])
def test_a_stored_token_is_not_sent_to_a_new_host(
    admin_client, make_chatbot, crm_server, saved
):
    saved_url = (
        SAVED_URL
        if saved == "another host"
        else crm_server.url.replace("http://", "https://")
    )
    chatbot = make_chatbot(
        webhook_url=saved_url, auth_type="bearer", bearer_token=TOKEN
    )
    response = admin_client.post(
        connection_url(chatbot),
        form_data(webhook_url=crm_server.url, auth_type="bearer", bearer_token=""),
        **JSON,
    )
    assert response.status_code == 400
    assert crm_server.received == []
    [error] = response.json()["errors"]
    assert error.startswith("Bearer token: The webhook URL now names another host")
    assert "127.0.0.1" in error
    assert TOKEN not in response.content.decode()


def test_a_typed_token_may_go_to_a_new_host(admin_client, make_chatbot, crm_server):
    chatbot = make_chatbot(
        webhook_url=SAVED_URL, auth_type="bearer", bearer_token=TOKEN
    )
    response = admin_client.post(
        connection_url(chatbot),
        form_data(
            webhook_url=crm_server.url, auth_type="bearer", bearer_token=TYPED_TOKEN
        ),
        **JSON,
    )
    assert response.json()["success"] is True
    [received] = crm_server.received
    assert received.headers["Authorization"] == f"Bearer {TYPED_TOKEN}"


def test_a_stored_secret_header_is_not_sent_to_a_new_host(
    admin_client, make_chatbot, crm_server
):
    chatbot = make_chatbot(webhook_url=SAVED_URL)
    header = CustomHeader.objects.create(
        chatbot=chatbot, name="X-Tenant-Secret", value=HEADER_SECRET, is_secret=True
    )
    response = admin_client.post(
        connection_url(chatbot),
        form_data(
            webhook_url=crm_server.url,
            headers=[{"id": header.pk, "name": "X-Tenant-Secret", "value": ""}],
            initial={"custom_headers": 1},
        ),
        **JSON,
    )
    assert response.status_code == 400
    assert crm_server.received == []
    [error] = response.json()["errors"]
    assert error.startswith("Custom header 1, Value: The webhook URL now")


def test_a_token_kept_for_another_auth_type_is_not_sent(
    admin_client, make_chatbot, crm_server
):
    # Saved with an API key; a bearer token lingers from an earlier set-up.
    chatbot = make_chatbot(
        webhook_url=crm_server.url,
        auth_type="api_key",
        api_key="key_in_use_77",
        bearer_token=TOKEN,
    )
    response = admin_client.post(
        connection_url(chatbot),
        form_data(webhook_url=crm_server.url, auth_type="bearer", bearer_token=""),
        **JSON,
    )
    assert response.status_code == 400
    assert crm_server.received == []
    [error] = response.json()["errors"]
    assert error.startswith("Bearer token: ")
    assert "authentication type" in error


def test_saving_a_new_host_asks_for_the_secrets_again(admin_client, make_chatbot):
    chatbot = make_chatbot(
        webhook_url=SAVED_URL, auth_type="bearer", bearer_token=TOKEN
    )
    response = admin_client.post(
        edit_url(chatbot),
        form_data(
            webhook_url="https://elsewhere.example.net/hook",
            auth_type="bearer",
            bearer_token="",
        ),
    )
    assert response.status_code == 200  # the editor again, with the error
    assert "The webhook URL now names another host" in response.content.decode()
    chatbot.refresh_from_db()
    assert chatbot.webhook_url == SAVED_URL


def test_the_log_line_names_the_target_host(admin_client, chatbot, crm_server, caplog):
    with caplog.at_level("INFO", logger="wagtail_chatbot_crm"):
        admin_client.post(
            connection_url(chatbot), form_data(webhook_url=crm_server.url), **JSON
        )
    [line] = [
        r.getMessage() for r in caplog.records if "Connection test" in r.getMessage()
    ]
    assert "127.0.0.1" in line


def test_a_new_host_drops_stored_secrets_it_would_not_use(admin_client, make_chatbot):
    chatbot = make_chatbot(webhook_url=SAVED_URL, auth_type="none", bearer_token=TOKEN)
    response = admin_client.post(
        edit_url(chatbot),
        form_data(webhook_url="https://elsewhere.example.net/hook", auth_type="none"),
    )
    assert response.status_code == 302
    chatbot.refresh_from_db()
    assert chatbot.webhook_url == "https://elsewhere.example.net/hook"
    assert chatbot.bearer_token == ""


def test_the_editor_gets_the_result_rendered_by_the_server(
    admin_client, make_chatbot, crm_server
):
    chatbot = make_chatbot(webhook_url=crm_server.url)
    crm_server.then(Step(422, '<script>alert("x")</script> bad email'))
    response = admin_client.post(
        connection_url(chatbot), form_data(webhook_url=crm_server.url), **JSON
    )
    html = response.json()["html"]
    assert "w-chatbot-test-result" in html
    assert response.json()["message"] in html.replace("&#x27;", "'")
    assert "&lt;script&gt;" in html
    assert "<script>" not in html


def test_a_stored_secret_header_left_out_of_the_post_is_not_sent_to_a_new_host(
    admin_client, make_chatbot, crm_server
):
    # A crafted post that simply omits the header row: the row stays in the
    # chatbot, so the form must still ask for it again.
    chatbot = make_chatbot(webhook_url=SAVED_URL)
    CustomHeader.objects.create(
        chatbot=chatbot, name="X-Tenant-Secret", value=HEADER_SECRET, is_secret=True
    )
    response = admin_client.post(
        connection_url(chatbot), form_data(webhook_url=crm_server.url), **JSON
    )
    assert response.status_code == 400
    assert crm_server.received == []
    saved = admin_client.post(
        edit_url(chatbot), form_data(webhook_url="https://elsewhere.example.net/h")
    )
    assert saved.status_code == 200
    chatbot.refresh_from_db()
    assert chatbot.webhook_url == SAVED_URL
