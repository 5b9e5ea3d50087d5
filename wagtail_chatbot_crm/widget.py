"""What the visitor's chatbot widget shows, built from a chatbot's settings."""

from dataclasses import dataclass

from .conf import crm_settings
from .forms import LeadForm
from .models import CONTACT_FIELDS, Chatbot

FIELD_INPUTS = {
    # (input type, autocomplete token)
    "name": ("text", "name"),
    "email": ("email", "email"),
    "phone": ("tel", "tel"),
    "company": ("text", "organization"),
    "message": ("textarea", "off"),
}


@dataclass(frozen=True)
class WidgetField:
    """One input of the widget's form."""

    name: str
    label: str
    input_type: str
    autocomplete: str
    required: bool
    max_length: int
    value: str = ""
    errors: tuple[str, ...] = ()


def widget_fields(chatbot: Chatbot, values=None, errors=None) -> list[WidgetField]:
    """The contact fields the chatbot asks for, in order."""
    values = values or {}
    errors = errors or {}
    fields = []
    for name in CONTACT_FIELDS:
        if not chatbot.asks(name):
            continue
        input_type, autocomplete = FIELD_INPUTS[name]
        fields.append(
            WidgetField(
                name=name,
                label=str(LeadForm.LABELS[name]),
                input_type=input_type,
                autocomplete=autocomplete,
                required=chatbot.requires(name),
                max_length=LeadForm.MAX_LENGTHS[name],
                value=str(values.get(name) or ""),
                errors=tuple(errors.get(name, ())),
            )
        )
    return fields


def widget_context(chatbot: Chatbot, *, values=None, errors=None, **extra) -> dict:
    """Everything ``wagtail_chatbot_crm/widget.html`` needs."""
    from django.urls import reverse

    errors = errors or {}
    return {
        "chatbot": chatbot,
        "fields_have_errors": any(key != "__all__" for key in errors),
        "fields": widget_fields(chatbot, values, errors),
        "endpoint": reverse("wagtail_chatbot_crm:lead_capture", args=[chatbot.slug]),
        "honeypot": crm_settings.HONEYPOT_FIELD,
        "consent_checked": bool((values or {}).get("consent")),
        "consent_errors": errors.get("consent", ()),
        "form_errors": errors.get("__all__", ()),
        **extra,
    }
