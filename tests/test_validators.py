"""Validators shared by the models and forms."""

import pytest
from django.core.exceptions import ValidationError

from wagtail_chatbot_crm.validators import header_looks_secret, validate_secret


@pytest.mark.parametrize(
    "name",
    [
        "X-Access-Key",
        "x-access-key",
        "X-KEY",
        "X-Api-Token",
        "Client-Secret",
        "Authorization",
        "X-Auth",
        "X-Passphrase",
        "X-Password",
        "X-Hub-Signature-256",
        "Cookie",
        "X-Session-Id",
    ],
)
def test_headers_named_like_credentials_look_secret(name):
    assert header_looks_secret(name)


@pytest.mark.parametrize(
    "name", ["X-Source", "X-Tenant", "Accept-Language", "X-Request-Id", ""]
)
def test_other_headers_do_not(name):
    assert not header_looks_secret(name)


@pytest.mark.parametrize("value", ["tok\n", "tok\u2028x", "\x1btok", "tok\x9f"])
def test_a_secret_with_control_characters_is_refused_by_name(value):
    with pytest.raises(ValidationError) as excinfo:
        validate_secret(value, "bearer token")
    assert excinfo.value.messages == [
        "The bearer token holds a line break or another control character: "
        "enter it again without it."
    ]


def test_a_secret_without_them_is_accepted():
    validate_secret("tok_5e1f0c7a9d pässwörd/+=", "bearer token")
    validate_secret("", "bearer token")
