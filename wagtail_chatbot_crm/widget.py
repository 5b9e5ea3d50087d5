"""What the visitor's chatbot widget shows, built from a chatbot's settings."""

from dataclasses import dataclass

from .conf import crm_settings
from .contact import CONTACT_FIELDS
from .models import PROACTIVE_DELAY, Chatbot


@dataclass(frozen=True)
class WidgetField:
    """One input of the widget's form."""

    name: str
    label: str
    input_type: str
    autocomplete: str
    required: bool
    max_length: int
    question: str = ""
    value: str = ""
    errors: tuple[str, ...] = ()


def widget_fields(chatbot: Chatbot, values=None, errors=None) -> list[WidgetField]:
    """The contact fields the chatbot asks for, in order."""
    values = values or {}
    errors = errors or {}
    fields = []
    for field in CONTACT_FIELDS:
        name = field.name
        if not chatbot.asks(name):
            continue
        fields.append(
            WidgetField(
                name=name,
                label=str(field.label),
                input_type=field.input_type,
                autocomplete=field.autocomplete,
                required=chatbot.requires(name),
                max_length=field.max_length,
                question=str(field.question),
                value=str(values.get(name) or ""),
                errors=tuple(errors.get(name, ())),
            )
        )
    return fields


def widget_context(
    chatbot: Chatbot, *, values=None, errors=None, style=None, **extra
) -> dict:
    """Everything ``wagtail_chatbot_crm/widget.html`` needs; ``style``
    overrides the chatbot's ``widget_style`` (the editor's preview modes)."""
    from django.urls import reverse

    errors = errors or {}
    return {
        "chatbot": chatbot,
        "style": style or chatbot.widget_style,
        "fields_have_errors": any(key != "__all__" for key in errors),
        "fields": widget_fields(chatbot, values, errors),
        # A chatbot being previewed before its first save has no slug yet.
        "endpoint": reverse(
            "wagtail_chatbot_crm:lead_capture", args=[chatbot.slug or "preview"]
        ),
        "events_endpoint": reverse(
            "wagtail_chatbot_crm:widget_event", args=[chatbot.slug or "preview"]
        ),
        "honeypot": crm_settings.HONEYPOT_FIELD,
        "proactive_delay": PROACTIVE_DELAY,
        "consent_checked": bool((values or {}).get("consent")),
        "consent_errors": errors.get("consent", ()),
        "form_errors": errors.get("__all__", ()),
        **extra,
    }
