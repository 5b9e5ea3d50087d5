"""Telling people: the email sent when a lead could not be delivered."""

import logging
from datetime import UTC

from django.conf import settings
from django.core.mail import send_mail
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from .models import Lead

logger = logging.getLogger(__name__)


def lead_admin_url(lead: Lead) -> str | None:
    """The lead's page in the Wagtail admin, as an absolute URL."""
    try:
        path = reverse("chatbot_crm_admin:lead", args=[lead.pk])
    except NoReverseMatch:
        return None
    base = getattr(settings, "WAGTAILADMIN_BASE_URL", "").rstrip("/")
    return f"{base}{path}"


def notify_failure_safely(lead_id: int) -> None:
    """``notify_failure``, logging instead of raising: for after a commit."""
    try:
        notify_failure(lead_id)
    except Exception:
        # The lead is Failed and shown so in the admin; a mail server problem
        # must not turn into a crash of the worker.
        logger.exception("Could not send the failure email for lead %s", lead_id)


def notify_failure(lead_id: int) -> None:
    """Email the chatbot's notification addresses that a lead failed."""
    lead = Lead.objects.select_related("chatbot").get(pk=lead_id)
    recipients = lead.chatbot.notification_recipients()
    if not recipients:
        logger.error(
            "Lead %s failed and nobody can be told: set notification emails on "
            "chatbot %s or ADMINS",
            lead.pk,
            lead.chatbot.slug,
        )
        return
    who = lead.name or lead.email or lead.phone or str(lead.uuid)
    subject = _("Lead from %(who)s could not be delivered to your CRM") % {"who": who}
    lines = [
        _(
            "A lead from the chatbot “%(chatbot)s” could not be delivered to your "
            "CRM after %(tries)s tries."
        )
        % {"chatbot": lead.chatbot.name, "tries": lead.tries},
        "",
        _("Lead: %(who)s") % {"who": who},
    ]
    if lead.email:
        lines.append(_("Email: %(email)s") % {"email": lead.email})
    if lead.phone:
        lines.append(_("Phone: %(phone)s") % {"phone": lead.phone})
    lines += [
        _("Received: %(when)s UTC")
        % {"when": lead.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")},
        "",
        _("What went wrong: %(error)s") % {"error": lead.last_error},
    ]
    url = lead_admin_url(lead)
    if url:
        lines += ["", _("See the lead and send it again: %(url)s") % {"url": url}]
    send_mail(
        subject,
        "\n".join(lines),
        settings.DEFAULT_FROM_EMAIL,
        recipients,
        fail_silently=False,
    )
