"""Telling people: failure emails, grouped per chatbot, and the optional
email for each new lead.

A chatbot's failure email lists every lead that failed since its last one
and goes at most once per ``FAILURE_EMAIL_WINDOW`` seconds: the first
failure is told at once, and failures during the next window wait for one
email when it ends (the periodic ``send_failure_emails`` task), so an
outage sends a couple of emails, not one per lead. Whichever worker moves
the chatbot's ``failure_email_sent_at`` in one conditional UPDATE sends;
the others find nothing to do.
"""

import logging
from datetime import UTC, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .conf import crm_settings
from .models import Chatbot, Lead, SyncStatus
from .outcome import FIXES

logger = logging.getLogger(__name__)

# Leads listed in one failure email; the count covers the rest.
LISTED = 50


def admin_url(path: str) -> str:
    """An admin path as an absolute URL, from ``WAGTAILADMIN_BASE_URL``."""
    base = getattr(settings, "WAGTAILADMIN_BASE_URL", "").rstrip("/")
    return f"{base}{path}"


def lead_admin_url(lead: Lead) -> str | None:
    """The lead's page in the Wagtail admin, as an absolute URL."""
    try:
        return admin_url(reverse("chatbot_crm_admin:lead", args=[lead.pk]))
    except NoReverseMatch:
        return None


def notify_failures_safely(chatbot_id: int) -> None:
    """``notify_failures``, logging instead of raising: for after a commit."""
    try:
        notify_failures(chatbot_id)
    except Exception:
        # The leads are Failed and shown so in the admin; a mail server
        # problem must not turn into a crash of the worker. They stay
        # untold, and the periodic task tries again.
        logger.exception("Could not send the failure email of chatbot %s", chatbot_id)


def untold_failures():
    """Failed leads nobody has been emailed about yet."""
    return Lead.objects.filter(
        sync_status=SyncStatus.FAILED, failure_notified_at__isnull=True
    )


def notify_failures(chatbot_id: int) -> int:
    """Email the chatbot's failed leads not told yet, unless a failure
    email went out within the window; returns how many leads were told."""
    now = timezone.now()
    window = timedelta(seconds=crm_settings.FAILURE_EMAIL_WINDOW)
    leads = untold_failures().filter(chatbot_id=chatbot_id)
    if not leads.exists():
        return 0
    took_turn = Chatbot.objects.filter(
        Q(failure_email_sent_at__isnull=True)
        | Q(failure_email_sent_at__lte=now - window),
        pk=chatbot_id,
    ).update(failure_email_sent_at=now)
    if not took_turn:
        return 0  # told recently: these wait for the window to end
    chatbot = Chatbot.objects.get(pk=chatbot_id)
    leads = list(leads.order_by("created_at"))
    recipients = chatbot.notification_recipients()
    if not recipients:
        logger.error(
            "%s leads of chatbot %s failed and nobody can be told: set "
            "notification emails on the chatbot or ADMINS",
            len(leads),
            chatbot.slug,
        )
    else:
        subject, body = failure_email(chatbot, leads)
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
        except Exception:
            # Not told after all: the next run of the periodic task retries.
            Chatbot.objects.filter(pk=chatbot_id).update(failure_email_sent_at=None)
            raise
    Lead.objects.filter(pk__in=[lead.pk for lead in leads]).update(
        failure_notified_at=now
    )
    return len(leads)


def send_failure_emails() -> int:
    """Every chatbot's waiting failure email whose window has ended."""
    told = 0
    for chatbot_id in untold_failures().values_list("chatbot_id", flat=True).distinct():
        try:
            told += notify_failures(chatbot_id)
        except Exception:
            logger.exception(
                "Could not send the failure email of chatbot %s", chatbot_id
            )
    return told


def failure_email(chatbot: Chatbot, leads: list[Lead]) -> tuple[str, str]:
    """The subject and text of a chatbot's failure email."""
    count = len(leads)
    if count == 1:
        lead = leads[0]
        subject = _("Lead from %(who)s could not be delivered to your CRM") % {
            "who": lead.who
        }
    else:
        subject = _(
            "%(count)d leads from “%(chatbot)s” could not be delivered to your CRM"
        ) % {"count": count, "chatbot": chatbot.name}
    lines = [
        ngettext(
            "This lead from the chatbot “%(chatbot)s” could not be delivered to "
            "your CRM after all its tries:",
            "These %(count)d leads from the chatbot “%(chatbot)s” could not be "
            "delivered to your CRM after all their tries:",
            count,
        )
        % {"chatbot": chatbot.name, "count": count},
        "",
    ]
    for lead in leads[:LISTED]:
        received = lead.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
        tries = ngettext(
            "not delivered after %(count)d try",
            "not delivered after %(count)d tries",
            lead.tries,
        ) % {"count": lead.tries}
        email = f" <{lead.email}>" if lead.email else ""
        lines.append(f"- {lead.who}{email}, {tries}")
        lines.append("  " + _("Received: %(when)s UTC") % {"when": received})
        lines.append(
            "  " + _("What went wrong: %(error)s") % {"error": lead.last_error}
        )
        url = lead_admin_url(lead)
        if url:
            lines.append("  " + _("See it and send it again: %(url)s") % {"url": url})
    if count > LISTED:
        lines.append(
            _("…and %(more)d more in the leads report.") % {"more": count - LISTED}
        )
    fixes = {lead.last_error_fix for lead in leads} & set(FIXES)
    if len(fixes) == 1:
        anchor, label = FIXES[fixes.pop()]
        edit = reverse(
            "wagtailsnippets_wagtail_chatbot_crm_chatbot:edit", args=[chatbot.pk]
        )
        lines += ["", f"{label}: {admin_url(edit)}#{anchor}"]
    report = reverse("chatbot_crm_admin:leads")
    lines += [
        "",
        _("All of them: %(url)s")
        % {"url": admin_url(f"{report}?chatbot={chatbot.pk}&sync_status=failed")},
    ]
    return subject, "\n".join(lines)


def email_new_lead(lead_id: int) -> None:
    """Tell the chatbot's notification addresses about a new lead."""
    lead = Lead.objects.select_related("chatbot").filter(pk=lead_id).first()
    if lead is None:  # deleted meanwhile
        return
    recipients = lead.chatbot.notification_recipients()
    if not recipients:
        return
    subject = _("New lead from %(who)s (%(chatbot)s)") % {
        "who": lead.who,
        "chatbot": lead.chatbot.name,
    }
    lines = [
        _("A new lead came in through the chatbot “%(chatbot)s”.")
        % {"chatbot": lead.chatbot.name},
        "",
    ]
    for label, value in lead.answers():
        if value:
            lines.append(f"{label}: {value}")
    url = lead_admin_url(lead)
    if url:
        lines += ["", _("See it: %(url)s") % {"url": url}]
    send_mail(subject, "\n".join(lines), settings.DEFAULT_FROM_EMAIL, recipients)
