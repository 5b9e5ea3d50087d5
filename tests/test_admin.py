"""The Chatbot editor in the Wagtail admin, driven through Django's client."""

import pytest
from django.db import connection
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from wagtail_chatbot_crm.models import Chatbot, CustomHeader, FieldMapping

pytestmark = pytest.mark.django_db

TOKEN = "tok_admin_5e1f0c7a9d"
HEADER_SECRET = "hdr_secret_77aa01"
ADD_URL = reverse("wagtailsnippets_wagtail_chatbot_crm_chatbot:add")
LIST_URL = reverse("wagtailsnippets_wagtail_chatbot_crm_chatbot:list")


def edit_url(chatbot):
    return reverse(
        "wagtailsnippets_wagtail_chatbot_crm_chatbot:edit", args=[chatbot.pk]
    )


def form_data(mappings=(), statics=(), headers=(), initial=None, **fields):
    """A full POST for the chatbot editor; keyword arguments override fields."""
    initial = initial or {}
    values = {
        "name": "Sales",
        "slug": "sales",
        "enabled": "on",
        "widget_style": "conversation",
        "greeting": "Hello!",
        "ask_name": "required",
        "ask_email": "required",
        "ask_phone": "optional",
        "ask_company": "off",
        "ask_message": "optional",
        "consent_text": "",
        "thank_you_text": "Thanks!",
        "crm_enabled": "on",
        "preset": "generic",
        "webhook_url": "https://crm.example.com/hooks/lead",
        "body_format": "json",
        "send_condition": "all",
        "auth_type": "none",
        "bearer_token": "",
        "api_key_header": "X-API-Key",
        "api_key": "",
        "basic_username": "",
        "basic_password": "",
        "signing_secret": "",
        "rate_limit_per_minute": "",
        "notification_emails": "",
        "field_mappings": inline_formset(
            list(mappings), initial=initial.get("field_mappings", 0)
        ),
        "static_values": inline_formset(
            list(statics), initial=initial.get("static_values", 0)
        ),
        "custom_headers": inline_formset(
            list(headers), initial=initial.get("custom_headers", 0)
        ),
    }
    values.update(fields)
    return nested_form_data({k: v for k, v in values.items() if v is not None})


def whole_database_text():
    """Every row of every table, as stored: log entries and indexes included."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608
            chunks.extend(str(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_list_shows_chatbots(admin_client, make_chatbot):
    make_chatbot(name="Support bot", slug="support")
    response = admin_client.get(LIST_URL)
    assert response.status_code == 200
    assert "Support bot" in response.content.decode()


def test_editor_has_the_four_tabs(admin_client):
    html = admin_client.get(ADD_URL).content.decode()
    for tab in ("Chatbot", "CRM integration", "Field mapping", "Notifications"):
        assert f">{tab}<" in html or f"{tab}\n" in html, tab


def test_create_with_token_then_token_is_masked_everywhere(admin_client):
    response = admin_client.post(
        ADD_URL,
        form_data(
            auth_type="bearer",
            bearer_token=TOKEN,
            mappings=[{"source": "email", "crm_field": "properties.email"}],
            statics=[{"crm_field": "lead_source", "value": "Chatbot"}],
            headers=[{"name": "X-Tenant-Secret", "value": HEADER_SECRET}],
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    chatbot = Chatbot.objects.get(slug="sales")
    assert chatbot.bearer_token == TOKEN
    assert chatbot.field_mappings.get().crm_field == "properties.email"
    assert chatbot.custom_headers.get().is_secret is True

    stored = whole_database_text()
    assert "properties.email" in stored  # the dump does see what was saved
    assert TOKEN not in stored
    assert HEADER_SECRET not in stored

    history_url = reverse(
        "wagtailsnippets_wagtail_chatbot_crm_chatbot:history", args=[chatbot.pk]
    )
    for page in (edit_url(chatbot), LIST_URL, history_url, "/admin/"):
        html = admin_client.get(page).content.decode()
        assert TOKEN not in html
        assert HEADER_SECRET not in html
    html = admin_client.get(edit_url(chatbot)).content.decode()
    assert html.count('placeholder="Stored — leave blank to keep"') == 2
    assert 'name="bearer_token-clear"' in html


def test_blank_secret_keeps_the_stored_one(admin_client, make_chatbot):
    chatbot = make_chatbot(auth_type="bearer", bearer_token=TOKEN)
    response = admin_client.post(
        edit_url(chatbot), form_data(auth_type="bearer", bearer_token="", name="New")
    )
    assert response.status_code == 302
    chatbot.refresh_from_db()
    assert chatbot.name == "New"
    assert chatbot.bearer_token == TOKEN


def test_typed_secret_replaces_the_stored_one(admin_client, make_chatbot):
    chatbot = make_chatbot(auth_type="bearer", bearer_token=TOKEN)
    admin_client.post(
        edit_url(chatbot), form_data(auth_type="bearer", bearer_token="new")
    )
    chatbot.refresh_from_db()
    assert chatbot.bearer_token == "new"


def test_clear_checkbox_removes_the_secret(admin_client, make_chatbot):
    chatbot = make_chatbot(auth_type="bearer", bearer_token=TOKEN)
    response = admin_client.post(
        edit_url(chatbot), form_data(auth_type="none", **{"bearer_token-clear": "1"})
    )
    assert response.status_code == 302
    chatbot.refresh_from_db()
    assert chatbot.bearer_token == ""


def test_clearing_the_secret_the_auth_type_needs_is_refused(admin_client, make_chatbot):
    chatbot = make_chatbot(auth_type="bearer", bearer_token=TOKEN)
    response = admin_client.post(
        edit_url(chatbot), form_data(auth_type="bearer", **{"bearer_token-clear": "1"})
    )
    assert response.status_code == 200
    assert response.context["form"].errors["bearer_token"] == [
        "Enter the token, or choose another kind of authentication."
    ]
    chatbot.refresh_from_db()
    assert chatbot.bearer_token == TOKEN
    assert TOKEN not in response.content.decode()


def test_secret_typed_into_a_form_with_errors_is_not_echoed(admin_client):
    response = admin_client.post(
        ADD_URL, form_data(auth_type="bearer", bearer_token=TOKEN, webhook_url="")
    )
    assert response.status_code == 200
    assert TOKEN not in response.content.decode()
    assert Chatbot.objects.count() == 0


def test_http_url_is_refused_unless_allowed(admin_client, settings):
    settings.WAGTAIL_CHATBOT_CRM = {**settings.WAGTAIL_CHATBOT_CRM, "ALLOW_HTTP": False}
    response = admin_client.post(
        ADD_URL, form_data(webhook_url="http://crm.example.com/")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["webhook_url"] == [
        "Use an https:// address. Plain http:// would send leads and credentials "
        "unencrypted. (For a receiver on your own machine during development, a "
        'developer can set WAGTAIL_CHATBOT_CRM["ALLOW_HTTP"] = True.)'
    ]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (
            {"auth_type": "api_key", "api_key": "k", "api_key_header": "Bad Header"},
            "api_key_header",
        ),
        ({"auth_type": "basic", "basic_password": "p"}, "basic_username"),
        ({"auth_type": "basic", "basic_username": "u"}, "basic_password"),
        ({"notification_emails": "nope"}, "notification_emails"),
        ({"signing_secret": "plain"}, "signing_secret"),
        ({"rate_limit_per_minute": "0"}, "rate_limit_per_minute"),
    ],
)
def test_invalid_settings_are_reported_on_their_field(admin_client, fields, field):
    response = admin_client.post(ADD_URL, form_data(**fields))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Chatbot.objects.count() == 0


def test_conflicting_paths_are_reported_on_the_row(admin_client):
    response = admin_client.post(
        ADD_URL,
        form_data(
            mappings=[
                {"source": "email", "crm_field": "contact"},
                {"source": "name", "crm_field": "contact.name"},
            ],
            statics=[{"crm_field": "contact", "value": "x"}],
        ),
    )
    assert response.status_code == 200
    formsets = response.context["form"].formsets
    mapping_errors = [form.errors for form in formsets["field_mappings"].forms]
    static_errors = [form.errors for form in formsets["static_values"].forms]
    assert mapping_errors[0] == {}
    assert mapping_errors[1]["crm_field"] == [
        "“contact” sets a single value, so nothing can go inside it."
    ]
    assert static_errors[0]["crm_field"] == ["“contact” is already set by another row."]
    assert "“contact” sets a single value" in response.content.decode()
    assert Chatbot.objects.count() == 0


def test_form_bodies_allow_dotted_names(admin_client):
    response = admin_client.post(
        ADD_URL,
        form_data(
            body_format="form",
            mappings=[
                {"source": "email", "crm_field": "a"},
                {"source": "name", "crm_field": "a.b"},
            ],
        ),
    )
    assert response.status_code == 302


def test_deleted_rows_do_not_conflict(admin_client):
    response = admin_client.post(
        ADD_URL,
        form_data(
            mappings=[
                {"source": "email", "crm_field": "a"},
                {"source": "name", "crm_field": "a", "DELETE": "1"},
            ],
        ),
    )
    assert response.status_code == 302


def test_bad_header_name_is_reported(admin_client):
    response = admin_client.post(
        ADD_URL, form_data(headers=[{"name": "X Bad:", "value": "v"}])
    )
    assert response.status_code == 200
    form = response.context["form"].formsets["custom_headers"].forms[0]
    assert "name" in form.errors


def test_secret_header_is_masked_and_kept(admin_client, make_chatbot):
    chatbot = make_chatbot()
    header = CustomHeader.objects.create(
        chatbot=chatbot, name="X-Tenant", value=HEADER_SECRET, is_secret=True
    )
    html = admin_client.get(edit_url(chatbot)).content.decode()
    assert HEADER_SECRET not in html
    response = admin_client.post(
        edit_url(chatbot),
        form_data(
            headers=[
                {"id": header.pk, "name": "X-Tenant", "value": "", "is_secret": "on"}
            ],
            initial={"custom_headers": 1},
        ),
    )
    assert response.status_code == 302
    header.refresh_from_db()
    assert header.value == HEADER_SECRET


def test_unmasking_a_secret_header_needs_its_value_again(admin_client, make_chatbot):
    chatbot = make_chatbot()
    header = CustomHeader.objects.create(
        chatbot=chatbot, name="X-Tenant", value=HEADER_SECRET, is_secret=True
    )
    response = admin_client.post(
        edit_url(chatbot),
        form_data(
            headers=[{"id": header.pk, "name": "X-Tenant", "value": ""}],
            initial={"custom_headers": 1},
        ),
    )
    assert response.status_code == 200
    form = response.context["form"].formsets["custom_headers"].forms[0]
    assert form.errors["value"] == [
        "This value is stored as a secret. To send it as a plain header, enter it "
        "again."
    ]
    assert HEADER_SECRET not in response.content.decode()


def test_plain_header_value_is_shown(admin_client, make_chatbot):
    chatbot = make_chatbot()
    CustomHeader.objects.create(chatbot=chatbot, name="X-Source", value="website")
    assert 'value="website"' in admin_client.get(edit_url(chatbot)).content.decode()


def test_copy_is_not_offered(admin_client, make_chatbot):
    chatbot = make_chatbot(auth_type="bearer", bearer_token=TOKEN)
    url = f"/admin/snippets/wagtail_chatbot_crm/chatbot/copy/{chatbot.pk}/"
    assert admin_client.get(url).status_code == 404


def editor_client(django_user_model, *codenames):
    from django.contrib.auth.models import Group, Permission
    from django.test import Client

    user = django_user_model.objects.create_user("ed", "ed@example.com", "pw")
    group = Group.objects.create(name="CRM permission test group")
    group.permissions.set(
        Permission.objects.filter(codename__in=["access_admin", *codenames])
    )
    user.groups.add(group)
    client = Client()
    client.force_login(user)
    return client


def test_crm_settings_need_their_own_permission(django_user_model, make_chatbot):
    chatbot = make_chatbot(auth_type="bearer", bearer_token=TOKEN)
    FieldMapping.objects.create(chatbot=chatbot, source="email", crm_field="email")
    editor = editor_client(django_user_model, "change_chatbot", "view_chatbot")

    html = editor.get(edit_url(chatbot)).content.decode()
    assert 'name="name"' in html
    assert 'name="webhook_url"' not in html
    assert 'name="bearer_token"' not in html
    assert "field_mappings-TOTAL_FORMS" not in html
    assert "Test connection" not in html

    # Whatever is posted for the CRM settings is ignored; the rest is saved.
    data = form_data(
        name="Renamed",
        webhook_url="https://attacker.example.com/",
        mappings=[{"source": "name", "crm_field": "stolen"}],
    )
    response = editor.post(edit_url(chatbot), data)
    assert response.status_code == 302
    chatbot.refresh_from_db()
    assert chatbot.name == "Renamed"
    assert chatbot.webhook_url == "https://crm.example.com/hooks/lead"
    assert chatbot.bearer_token == TOKEN
    assert list(chatbot.field_mappings.values_list("crm_field", flat=True)) == ["email"]


def test_crm_settings_permission_shows_the_crm_fields(django_user_model, make_chatbot):
    chatbot = make_chatbot()
    editor = editor_client(
        django_user_model, "change_chatbot", "view_chatbot", "change_crm_settings"
    )
    html = editor.get(edit_url(chatbot)).content.decode()
    assert 'name="webhook_url"' in html
    assert "field_mappings-TOTAL_FORMS" in html


def test_notification_emails_need_the_crm_permission(django_user_model, make_chatbot):
    chatbot = make_chatbot(notification_emails="ops@example.com")
    editor = editor_client(django_user_model, "change_chatbot", "view_chatbot")
    assert (
        'name="notification_emails"'
        not in editor.get(edit_url(chatbot)).content.decode()
    )
    editor.post(edit_url(chatbot), form_data(notification_emails="snoop@example.net"))
    chatbot.refresh_from_db()
    assert chatbot.notification_emails == "ops@example.com"


def test_bulk_delete_leaves_a_chatbot_with_leads_alone(admin_client, make_chatbot):
    """The listing's bulk delete does not say how many leads would go."""
    from wagtail_chatbot_crm.models import Lead

    chatbot = make_chatbot()
    Lead.objects.create(chatbot=chatbot, name="Ada")
    lonely = make_chatbot(slug="lonely")
    bulk = reverse(
        "wagtail_bulk_action",
        args=["wagtail_chatbot_crm", "chatbot", "delete"],
    )
    response = admin_client.post(f"{bulk}?id={chatbot.pk}")
    assert response.status_code == 302
    assert response["Location"] == edit_url(chatbot)
    assert Chatbot.objects.filter(pk=chatbot.pk).exists()
    admin_client.post(f"{bulk}?id={lonely.pk}")
    assert not Chatbot.objects.filter(pk=lonely.pk).exists()


def test_consent_only_needs_a_consent_text(admin_client):
    response = admin_client.post(ADD_URL, form_data(send_condition="consent"))
    assert response.status_code == 200
    assert (
        "Write a consent text" in response.context["form"].errors["send_condition"][0]
    )


def test_a_typed_secret_header_is_not_shown_back(admin_client):
    response = admin_client.post(
        ADD_URL,
        form_data(
            name="",  # an error elsewhere makes the form show again
            headers=[{"name": "Authorization", "value": "Token " + HEADER_SECRET}],
        ),
    )
    assert response.status_code == 200
    assert HEADER_SECRET not in response.content.decode()


def test_static_values_may_not_collide_with_the_default_mapping(admin_client):
    response = admin_client.post(
        ADD_URL, form_data(statics=[{"crm_field": "email", "value": "x"}])
    )
    assert response.status_code == 200
    form = response.context["form"].formsets["static_values"].forms[0]
    assert form.errors["crm_field"] == ["“email” is already set by another row."]


def test_a_typed_secret_with_a_line_break_is_refused_on_its_field(admin_client):
    response = admin_client.post(
        ADD_URL,
        form_data(auth_type="bearer", bearer_token=TOKEN[:6] + "\n" + TOKEN[6:]),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["bearer_token"] == [
        "The bearer token holds a line break or another control character: "
        "enter it again without it."
    ]
    assert not Chatbot.objects.exists()
    assert TOKEN[6:] not in response.content.decode()


def test_a_secret_header_with_a_line_break_is_refused_on_its_row(admin_client):
    response = admin_client.post(
        ADD_URL,
        form_data(
            headers=[
                {
                    "name": "X-Tenant",
                    "value": HEADER_SECRET[:4] + "\r\n" + HEADER_SECRET[4:],
                    "is_secret": "on",
                }
            ]
        ),
    )
    assert response.status_code == 200
    row = response.context["form"].formsets["custom_headers"].forms[0]
    assert row.errors["value"] == [
        "The value of the X-Tenant header holds a line break or another control "
        "character: enter it again without it."
    ]
    assert not Chatbot.objects.exists()


def test_a_header_named_like_a_key_is_stored_secret_and_masked(admin_client):
    response = admin_client.post(
        ADD_URL,
        form_data(headers=[{"name": "X-Access-Key", "value": HEADER_SECRET}]),
    )
    assert response.status_code == 302
    header = CustomHeader.objects.get()
    assert header.is_secret is True
    assert header.value == HEADER_SECRET
    html = admin_client.get(edit_url(header.chatbot)).content.decode()
    assert HEADER_SECRET not in html


def test_saving_a_url_with_sync_off_warns_that_leads_will_wait(admin_client):
    response = admin_client.post(
        ADD_URL,
        form_data(crm_enabled="", webhook_url="https://crm.example.com/hook"),
        follow=True,
    )
    assert "has a webhook URL but CRM sync is off" in response.content.decode()
    response = admin_client.post(ADD_URL, form_data(slug="on", name="On"), follow=True)
    assert "CRM sync is off" not in response.content.decode()


def test_the_main_menu_groups_chatbots_and_their_leads(admin_client, chatbot):
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory
    from wagtail.admin.menu import admin_menu

    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.get(username="admin")
    items = admin_menu.menu_items_for_request(request)
    [group] = [item for item in items if item.name == "chatbots"]
    labels = [str(item.label) for item in group.menu.menu_items_for_request(request)]
    assert labels == ["Chatbots", "Leads"]


def test_a_chatbots_row_menu_offers_its_leads(admin_client, chatbot):
    listing = reverse("wagtailsnippets_wagtail_chatbot_crm_chatbot:list")
    html = admin_client.get(listing).content.decode()
    assert f'href="/admin/chatbot-crm/leads/?chatbot={chatbot.pk}"' in html
    assert "View leads" in html
