"""Deleting leads: by an editor, by the retention period, by erase_leads.

A lead goes with its delivery attempts (they cascade) in one transaction.
A delivery task still queued for it holds only the lead's number and ends
as nothing to do; a try in flight finds the lead gone and records nothing
(``delivery._record``). No copy of a lead is cached anywhere else.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from .conf import crm_settings
from .models import DeliveryAttempt, Lead

logger = logging.getLogger(__name__)

# Leads deleted per transaction by the retention purge, so a first run over
# years of leads does not hold one long write lock.
BATCH = 1000


@dataclass(frozen=True)
class Deleted:
    leads: int = 0
    attempts: int = 0
    form_submissions: int = 0


def delete_leads(leads: QuerySet) -> Deleted:
    """Delete ``leads`` and their delivery attempts."""
    with transaction.atomic():
        ids = list(leads.values_list("pk", flat=True))
        attempts, _counts = DeliveryAttempt.objects.filter(lead_id__in=ids).delete()
        count, _counts = Lead.objects.filter(pk__in=ids).delete()
    return Deleted(leads=count, attempts=attempts)


def purge_old_leads() -> int:
    """Delete leads older than ``LEAD_RETENTION_DAYS`` (none when unset)."""
    days = crm_settings.LEAD_RETENTION_DAYS
    if days is None:
        return 0
    cutoff = timezone.now() - timedelta(days=days)
    total = 0
    while True:
        batch = Lead.objects.filter(created_at__lt=cutoff).order_by("pk")[:BATCH]
        ids = list(batch.values_list("pk", flat=True))
        if not ids:
            break
        total += delete_leads(Lead.objects.filter(pk__in=ids)).leads
    if total:
        logger.info("Deleted %s leads older than %s days", total, days)
    return total


def erase_person(email: str) -> Deleted:
    """Delete every lead with this email address (any chatbot, any case),
    and the form submissions of chatbot form pages that hold it."""
    email = email.strip()
    with transaction.atomic():
        deleted = delete_leads(Lead.objects.filter(email__iexact=email))
        submissions = _erase_form_submissions(email)
    return Deleted(deleted.leads, deleted.attempts, submissions)


def _erase_form_submissions(email: str) -> int:
    """Delete the form submissions, of pages that record leads, with an
    answer equal to ``email`` (ignoring case)."""
    from wagtail.contrib.forms.models import FormSubmission
    from wagtail.models import Page, get_page_models

    from .form_pages import ChatbotFormPageMixin

    page_types = [
        model for model in get_page_models() if issubclass(model, ChatbotFormPageMixin)
    ]
    if not page_types:
        return 0
    pages = Page.objects.type(*page_types)
    wanted = email.casefold()
    ids = [
        submission.pk
        for submission in FormSubmission.objects.filter(
            page__in=pages, form_data__icontains=email
        ).iterator()
        if any(
            isinstance(answer, str) and answer.strip().casefold() == wanted
            for answer in _answers(submission.form_data)
        )
    ]
    deleted, _counts = FormSubmission.objects.filter(pk__in=ids).delete()
    return deleted


def _answers(data) -> list:
    if isinstance(data, dict):
        return list(data.values())
    return []
