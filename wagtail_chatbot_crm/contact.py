"""The contact fields a chatbot can ask for, declared once.

The lead's model fields take their limits from here, and the chatbot's
"ask for" settings their defaults; the visitor's form, the widget's inputs,
form pages' "lead field" choice, ``record_lead`` and the leads export follow
this list and its order.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ContactField:
    """One contact field and everything that differs between them."""

    name: str
    label: Promise
    # The label of the chatbot's setting that asks for it.
    setting_label: Promise
    max_length: int
    # The widget's input: an <input type> or "textarea".
    input_type: str
    autocomplete: str
    # Whether a new chatbot asks for it: "required", "optional" or "off".
    default: str
    # How the conversation asks for it.
    question: Promise


CONTACT_FIELDS = (
    ContactField(
        "name",
        _("Name"),
        _("name field"),
        200,
        "text",
        "name",
        "required",
        _("What is your name?"),
    ),
    ContactField(
        "email",
        _("Email"),
        _("email field"),
        254,
        "email",
        "email",
        "required",
        _("Which email address can we reach you at?"),
    ),
    ContactField(
        "phone",
        _("Phone"),
        _("phone field"),
        50,
        "tel",
        "tel",
        "optional",
        _("Would you like to leave a phone number too?"),
    ),
    ContactField(
        "company",
        _("Company"),
        _("company field"),
        200,
        "text",
        "organization",
        "off",
        _("Which company are you with?"),
    ),
    ContactField(
        "message",
        _("Message"),
        _("message field"),
        5000,
        "textarea",
        "off",
        "optional",
        _("What would you like to ask or tell us?"),
    ),
)
CONTACT_FIELD_NAMES = tuple(field.name for field in CONTACT_FIELDS)
BY_NAME = {field.name: field for field in CONTACT_FIELDS}
