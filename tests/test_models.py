import importlib

import pytest
from django.core.exceptions import ValidationError

from wagtail_chatbot_crm.models import (
    Chatbot,
    CustomHeader,
    FieldMapping,
    FieldRequirement,
    Lead,
    StaticValue,
    SyncStatus,
)

pytestmark = pytest.mark.django_db

SIGNING_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def errors_of(instance):
    with pytest.raises(ValidationError) as excinfo:
        instance.full_clean()
    return excinfo.value.message_dict


def chatbot(**fields):
    values = {"name": "Sales", "slug": "sales"}
    values.update(fields)
    return Chatbot(**values)


def test_a_plain_chatbot_is_valid():
    chatbot().full_clean()


def test_crm_sync_needs_a_webhook_url():
    assert errors_of(chatbot(crm_enabled=True))["webhook_url"] == [
        "Enter the address to send leads to, or turn CRM sync off."
    ]


def test_webhook_url_must_be_https(settings):
    settings.WAGTAIL_CHATBOT_CRM = {**settings.WAGTAIL_CHATBOT_CRM, "ALLOW_HTTP": False}
    errors = errors_of(chatbot(webhook_url="http://crm.example.com/hook"))
    assert errors["webhook_url"] == [
        "Use an https:// address. Plain http:// would send leads and credentials "
        "unencrypted. (For a receiver on your own machine during development, a "
        'developer can set WAGTAIL_CHATBOT_CRM["ALLOW_HTTP"] = True.)'
    ]
    chatbot(webhook_url="https://crm.example.com/hook").full_clean()


def test_plain_http_is_accepted_where_allowed(settings):
    settings.WAGTAIL_CHATBOT_CRM = {**settings.WAGTAIL_CHATBOT_CRM, "ALLOW_HTTP": True}
    chatbot(webhook_url="http://127.0.0.1:9000/hook").full_clean()


def test_credentials_in_the_url_are_refused():
    errors = errors_of(chatbot(webhook_url="https://user:pw@crm.example.com/"))
    assert "Basic auth" in errors["webhook_url"][0]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"auth_type": "bearer"},
            "bearer_token",
            "Enter the token, or choose another kind of authentication.",
        ),
        (
            {"auth_type": "api_key"},
            "api_key",
            "Enter the API key, or choose another kind of authentication.",
        ),
        (
            {"auth_type": "api_key", "api_key": "k", "api_key_header": "X Api Key"},
            "api_key_header",
            "“X Api Key” is not a valid header name: use letters, digits and - "
            "only, with no spaces or colons.",
        ),
        (
            {"auth_type": "basic", "basic_password": "p"},
            "basic_username",
            "Enter the user name for Basic auth.",
        ),
        (
            {"auth_type": "basic", "basic_username": "u"},
            "basic_password",
            "Enter the password for Basic auth.",
        ),
    ],
)
def test_auth_type_requires_its_credentials(fields, field, message):
    assert errors_of(chatbot(**fields))[field] == [message]


def test_credentials_of_the_chosen_type_are_enough():
    chatbot(auth_type="bearer", bearer_token="t").full_clean()
    chatbot(auth_type="api_key", api_key="k").full_clean()
    chatbot(auth_type="basic", basic_username="u", basic_password="p").full_clean()


@pytest.mark.parametrize("secret", ["secret", "whsec_not base64!", "whsec_c2hvcnQ="])
def test_signing_secret_must_be_a_standard_webhooks_secret(secret):
    assert "signing_secret" in errors_of(chatbot(signing_secret=secret))


def test_standard_webhooks_secret_is_accepted():
    chatbot(signing_secret=SIGNING_SECRET).full_clean()


def test_at_least_one_contact_field_is_asked():
    off = FieldRequirement.OFF
    errors = errors_of(
        chatbot(
            ask_name=off, ask_email=off, ask_phone=off, ask_company=off, ask_message=off
        )
    )
    assert errors["ask_email"] == ["Ask for at least one contact field."]


def test_notification_emails_are_validated():
    errors = errors_of(chatbot(notification_emails="ops@example.com, nope"))
    assert errors["notification_emails"] == ["Not valid email addresses: nope"]


@pytest.mark.parametrize("admin", ["ops@example.com", ("Ops", "ops@example.com")])
def test_notification_recipients_fall_back_to_admins(settings, admin):
    settings.ADMINS = [admin]
    assert chatbot().notification_recipients() == ["ops@example.com"]
    listed = chatbot(notification_emails="a@example.com\nb@example.com; c@example.com")
    assert listed.notification_recipients() == [
        "a@example.com",
        "b@example.com",
        "c@example.com",
    ]


def test_date_transform_only_applies_to_dates(make_chatbot):
    bot = make_chatbot()
    mapping = FieldMapping(chatbot=bot, source="email", crm_field="e", transform="date")
    assert errors_of(mapping)["transform"] == ["Only “Submitted at” is a date."]
    FieldMapping(
        chatbot=bot,
        source="submitted_at",
        crm_field="created",
        transform="date",
        date_format="%Y-%m-%d",
    ).full_clean()


def test_mapping_path_is_checked(make_chatbot):
    mapping = FieldMapping(chatbot=make_chatbot(), source="email", crm_field="a..b")
    assert "crm_field" in errors_of(mapping)


def test_json_static_values_must_parse(make_chatbot):
    bot = make_chatbot()
    bad = StaticValue(chatbot=bot, crm_field="tags", value="[Email", is_json=True)
    assert errors_of(bad)["value"][0].startswith("This is not valid JSON")
    StaticValue(
        chatbot=bot, crm_field="tags", value='["Email"]', is_json=True
    ).full_clean()
    StaticValue(
        chatbot=bot, crm_field="src", value="[Email", is_json=False
    ).full_clean()


@pytest.mark.parametrize(
    ("name", "value", "field"),
    [
        ("X Bad", "v", "name"),
        ("X-Bad:", "v", "name"),
        ("Content-Type", "text/plain", "name"),
        ("Idempotency-Key", "v", "name"),
        ("X-Good", "line\r\nInjected: yes", "value"),
    ],
)
def test_custom_headers_are_validated(make_chatbot, name, value, field):
    header = CustomHeader(chatbot=make_chatbot(), name=name, value=value)
    assert field in errors_of(header)


@pytest.mark.parametrize("name", ["X-Auth-Token", "X-Access-Key", "X-Session"])
def test_headers_named_like_credentials_become_secret(make_chatbot, name):
    header = CustomHeader(chatbot=make_chatbot(), name=name, value="v")
    header.full_clean()
    assert header.is_secret is True
    plain = CustomHeader(chatbot=header.chatbot, name="X-Source", value="web")
    plain.full_clean()
    assert plain.is_secret is False


def test_a_chatbot_goes_with_its_leads(make_chatbot):
    bot = make_chatbot()
    Lead.objects.create(chatbot=bot, name="Ann")
    bot.delete()
    assert not Lead.objects.exists()


def test_new_lead_defaults(make_chatbot):
    lead = Lead.objects.create(chatbot=make_chatbot(), email="ann@example.com")
    assert lead.sync_status == SyncStatus.PENDING
    assert lead.get_sync_status_display() == "Pending"
    assert lead.tries == 0
    assert lead.uuid
    assert SyncStatus.SKIPPED.label == "Not sent"


def test_other_answer_mapping_needs_its_label(make_chatbot):
    bot = make_chatbot()
    row = FieldMapping(chatbot=bot, source="extra", crm_field="budget")
    assert errors_of(row)["extra_key"] == ["Enter the label of the form field to send."]
    FieldMapping(
        chatbot=bot, source="extra", crm_field="budget", extra_key="Budget"
    ).full_clean()


SECRET_FIELDS_AND_LABELS = [
    ("bearer_token", "bearer token"),
    ("api_key", "API key"),
    ("basic_username", "user name"),
    ("basic_password", "password"),
    ("signing_secret", "signing secret"),
]


@pytest.mark.parametrize(("field", "label"), SECRET_FIELDS_AND_LABELS)
@pytest.mark.parametrize("control", ["\n", "\r", "\t", "\x00", "\x7f", "\x85"])
def test_a_secret_with_control_characters_is_refused(field, label, control):
    value = SIGNING_SECRET if field == "signing_secret" else "tok_5e1f0c7a9d"
    errors = errors_of(chatbot(**{field: value[:10] + control + value[10:]}))
    assert errors[field] == [
        f"The {label} holds a line break or another control character: "
        "enter it again without it."
    ]


def test_a_secret_header_value_with_control_characters_is_refused(make_chatbot):
    header = CustomHeader(
        chatbot=make_chatbot(), name="X-Tenant", value="abc\tdef", is_secret=True
    )
    assert errors_of(header)["value"] == [
        "The value of the X-Tenant header holds a line break or another control "
        "character: enter it again without it."
    ]
    named = CustomHeader(chatbot=header.chatbot, name="X-Auth-Token", value="a\nb")
    assert errors_of(named)["value"] == [
        "The value of the X-Auth-Token header holds a line break or another "
        "control character: enter it again without it."
    ]


def test_a_plain_header_value_may_hold_a_tab(make_chatbot):
    CustomHeader(chatbot=make_chatbot(), name="X-Note", value="a\tb").full_clean()


def test_headers_saved_before_the_rule_covered_their_names_are_marked_secret(
    make_chatbot,
):
    from django.apps import apps

    migration = importlib.import_module(
        "wagtail_chatbot_crm.migrations.0005_mark_secret_looking_headers"
    )
    bot = make_chatbot()
    # Written as the old rule left them: created without clean().
    old = CustomHeader.objects.create(chatbot=bot, name="X-Access-Key", value="k1")
    plain = CustomHeader.objects.create(chatbot=bot, name="X-Source", value="web")
    chosen = CustomHeader.objects.create(
        chatbot=bot, name="X-Tenant", value="acme", is_secret=True
    )
    migration.mark_secret_looking_headers(apps, None)
    for header in (old, plain, chosen):
        header.refresh_from_db()
    assert (old.is_secret, plain.is_secret, chosen.is_secret) == (True, False, True)
    assert (old.value, plain.value, chosen.value) == ("k1", "web", "acme")
