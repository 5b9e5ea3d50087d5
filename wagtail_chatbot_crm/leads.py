"""Recording a lead: validate, save, schedule delivery, tell the hooks."""

import logging
from collections.abc import Mapping
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from wagtail import hooks

from . import tasks
from .attribution import clean_attribution
from .conf import crm_settings
from .contact import CONTACT_FIELD_NAMES
from .forms import LeadForm
from .models import Chatbot, Lead, SendCondition, SyncStatus

logger = logging.getLogger(__name__)

HOOK_NAME = "after_record_lead"


def record_lead(
    chatbot: Chatbot,
    data: Mapping[str, Any],
    *,
    source_url: str | None = None,
    client_ip: str | None = None,
    extra_data: Mapping[str, Any] | None = None,
    require_fields: bool = True,
) -> Lead:
    """Validate ``data`` against the chatbot's form, save it as a lead and
    queue its delivery once the transaction commits (in a request, once the
    response is sent).

    A lead the chatbot will send starts Pending; one it will not (CRM sync
    off, or no consent where consent is required) starts Not sent, with the
    reason in ``last_error``. Raises ``ValidationError`` (with a dict of
    field errors) and stores nothing when the data is not acceptable.
    ``source_url`` is the page the lead came from, used when the data names
    none; ``extra_data`` (JSON-serialisable) is kept with the lead as it is,
    such as a form page's other answers. ``require_fields=False`` accepts a
    lead without the fields the chatbot requires (a Wagtail form page asks
    its own); the values given are still checked. Attribution in ``data``
    (``landing_page``, ``referrer``, ``utm_*``) is kept as
    ``attribution.clean_attribution`` makes it safe, never refused.
    """
    values = validate_lead(chatbot, data, require_fields=require_fields)
    now = timezone.now()
    lead = Lead(
        chatbot=chatbot,
        **{name: values.get(name, "") for name in CONTACT_FIELD_NAMES},
        consent=bool(values.get("consent")),
        consent_at=now if values.get("consent") else None,
        page_url=values.get("page_url") or LeadForm.clean_source_url(source_url),
        client_ip_hash=hash_client_ip(client_ip),
        extra_data=dict(extra_data or {}),
        created_at=now,
        **clean_attribution(data),
    )
    lead.sync_status, lead.last_error = initial_status(chatbot, lead)
    if not chatbot.crm_enabled:
        lead.last_error_fix = "sync"
    elif chatbot.send_condition == SendCondition.REVIEW:
        lead.held_for_review = True
    if lead.sync_status == SyncStatus.PENDING:
        # Due now: if the queued task is lost, the periodic sweep finds it.
        lead.next_attempt_at = now
    # One INSERT, committed on its own unless the caller holds a transaction
    # (then the lead is queued when that commits): no transaction of ours
    # keeps SQLite's write lock while Python works.
    lead.save()
    if lead.sync_status == SyncStatus.PENDING:
        transaction.on_commit(partial(tasks.enqueue_after_response, lead.pk))
    if chatbot.new_lead_email:
        transaction.on_commit(partial(tasks.email_new_lead_after_response, lead.pk))
    logger.info(
        "Recorded lead %s for chatbot %s (%s)", lead.pk, chatbot.slug, lead.sync_status
    )
    _fire_hooks(lead)
    return lead


def validate_lead(
    chatbot: Chatbot, data: Mapping[str, Any], *, require_fields: bool = True
) -> dict[str, Any]:
    """The cleaned lead fields of ``data``, checked as ``record_lead`` checks
    them; raises the same ``ValidationError`` and saves nothing."""
    form = LeadForm(chatbot, data, require_fields=require_fields)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return form.cleaned_data


def initial_status(chatbot: Chatbot, lead: Lead) -> tuple[str, str]:
    """The status a new lead starts in, and why it will not be sent if so."""
    if not chatbot.crm_enabled:
        return SyncStatus.SKIPPED, _("CRM sync was off when this lead came in.")
    if chatbot.send_condition == SendCondition.REVIEW:
        return SyncStatus.SKIPPED, _(
            "Awaiting review: an editor sends it to the CRM or deletes it as spam."
        )
    if chatbot.send_condition == SendCondition.CONSENT and not lead.consent:
        return SyncStatus.SKIPPED, _(
            "The visitor did not tick the consent box, and this chatbot sends "
            "only leads that did."
        )
    return SyncStatus.PENDING, ""


def client_ip_digest(client_ip: str) -> str:
    """A keyed hash of an address: stable, but not reversible without the
    site's ``SECRET_KEY``."""
    return salted_hmac(
        "wagtail_chatbot_crm.client_ip", client_ip, algorithm="sha256"
    ).hexdigest()


def hash_client_ip(client_ip: str | None) -> str:
    """The hash stored with a lead, or "" when addresses are not kept."""
    if not client_ip or not crm_settings.STORE_CLIENT_IP_HASH:
        return ""
    return client_ip_digest(client_ip)


def _fire_hooks(lead: Lead) -> None:
    # The lead is saved before the hooks run, and a failing hook is logged
    # rather than raised: a site's own code must never cost a visitor's lead.
    for hook in hooks.get_hooks(HOOK_NAME):
        try:
            hook(lead)
        except Exception:
            logger.exception(
                "The %s hook %r failed for lead %s", HOOK_NAME, hook, lead.pk
            )
