import io

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from wagtail_chatbot_crm.fields import SecretDecryptionError, decrypt, encrypt
from wagtail_chatbot_crm.models import Chatbot, CustomHeader

TOKEN = "tok_live_8f2d1c9b7a"


def raw_column(model, field, pk):
    table = model._meta.db_table
    column = model._meta.get_field(field).column
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_round_trip():
    token = encrypt("s3cret")
    assert token != "s3cret"
    assert decrypt(token) == "s3cret"


def test_secret_is_a_plain_string_in_python_and_ciphertext_in_the_database(
    make_chatbot,
):
    chatbot = make_chatbot(auth_type="bearer", bearer_token=TOKEN)
    stored = raw_column(Chatbot, "bearer_token", chatbot.pk)
    assert TOKEN not in stored
    assert decrypt(stored) == TOKEN
    assert Chatbot.objects.get(pk=chatbot.pk).bearer_token == TOKEN


def test_blank_secret_stays_blank_and_can_be_filtered_on(make_chatbot):
    chatbot = make_chatbot()
    assert raw_column(Chatbot, "api_key", chatbot.pk) == ""
    assert Chatbot.objects.filter(api_key="").count() == 1


def test_header_values_are_encrypted(chatbot):
    header = CustomHeader.objects.create(chatbot=chatbot, name="X-Token", value=TOKEN)
    assert TOKEN not in raw_column(CustomHeader, "value", header.pk)
    assert CustomHeader.objects.get(pk=header.pk).value == TOKEN


def test_missing_keys_refuse_to_store(settings, db):
    settings.WAGTAIL_CHATBOT_CRM = {"ENCRYPTION_KEYS": []}
    with pytest.raises(ImproperlyConfigured, match="Generate a key with"):
        encrypt("x")


def test_unknown_key_gives_a_clear_error(make_chatbot, settings):
    chatbot = make_chatbot(bearer_token=TOKEN)
    settings.WAGTAIL_CHATBOT_CRM = {"ENCRYPTION_KEYS": [Fernet.generate_key().decode()]}
    with pytest.raises(SecretDecryptionError, match="Add back the key"):
        Chatbot.objects.get(pk=chatbot.pk)


def test_rotation_re_encrypts_with_the_first_key(make_chatbot, settings):
    old_key = settings.WAGTAIL_CHATBOT_CRM["ENCRYPTION_KEYS"][0]
    chatbot = make_chatbot(
        auth_type="basic", basic_username="u", basic_password="pw-1", signing_secret=""
    )
    CustomHeader.objects.create(chatbot=chatbot, name="X-Secret", value="hv-1")
    new_key = Fernet.generate_key().decode()
    settings.WAGTAIL_CHATBOT_CRM = {
        **settings.WAGTAIL_CHATBOT_CRM,
        "ENCRYPTION_KEYS": [new_key, old_key],
    }

    out = io.StringIO()
    call_command("rotate_crm_keys", stdout=out)

    assert "Re-encrypted 2 secrets in 2 rows." in out.getvalue()
    # Readable with the new key alone: the old one can now be dropped.
    settings.WAGTAIL_CHATBOT_CRM = {
        **settings.WAGTAIL_CHATBOT_CRM,
        "ENCRYPTION_KEYS": [new_key],
    }
    assert Chatbot.objects.get(pk=chatbot.pk).basic_password == "pw-1"
    assert CustomHeader.objects.get(chatbot=chatbot).value == "hv-1"
    Fernet(new_key).decrypt(raw_column(Chatbot, "basic_password", chatbot.pk).encode())
