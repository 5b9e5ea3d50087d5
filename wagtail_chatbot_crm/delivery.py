"""Delivering a lead: claim it, send it, record the attempt, decide what next.

The imperative shell around the pure core (``payload``, ``webhook``,
``outcome``). The Huey tasks in ``tasks`` are thin wrappers around it.
"""

import logging
import time
import traceback
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .conf import crm_settings
from .fields import SecretDecryptionError
from .models import (
    AttemptTrigger,
    Chatbot,
    DeliveryAttempt,
    Lead,
    SyncStatus,
)
from .outcome import Outcome, classify_exception, classify_response
from .payload import LeadData, MappingRow, PayloadError, StaticRow, build_body
from .queue import check_queue_file
from .sender import deadline_seconds, send
from .validators import header_looks_secret
from .webhook import Endpoint, Header, build_request, redact

logger = logging.getLogger(__name__)

ACTIVE_STATUSES = (SyncStatus.PENDING, SyncStatus.RETRYING)
RATE_WINDOW = timedelta(minutes=1)


# --- From models to plain data ----------------------------------------------


def lead_data(lead: Lead) -> LeadData:
    """The plain values of a lead that mappings can send."""
    return LeadData(
        lead_id=str(lead.uuid),
        name=lead.name,
        email=lead.email,
        phone=lead.phone,
        company=lead.company,
        message=lead.message,
        page_url=lead.page_url,
        chatbot_name=lead.chatbot.name,
        submitted_at=lead.created_at,
        consent=lead.consent,
        extra=lead.extra_data if isinstance(lead.extra_data, dict) else {},
    )


def endpoint_for(chatbot: Chatbot) -> Endpoint:
    """A chatbot's CRM settings as plain data, secrets decrypted."""
    return Endpoint(
        url=chatbot.webhook_url,
        auth_type=chatbot.auth_type,
        bearer_token=chatbot.bearer_token,
        api_key_header=chatbot.api_key_header,
        api_key=chatbot.api_key,
        basic_username=chatbot.basic_username,
        basic_password=chatbot.basic_password,
        signing_secret=chatbot.signing_secret,
        headers=tuple(
            Header(
                header.name,
                header.value,
                header.is_secret or header_looks_secret(header.name),
            )
            for header in chatbot.custom_headers.all()
        ),
    )


def mapping_rows(chatbot: Chatbot) -> tuple[list[MappingRow], list[StaticRow]]:
    """A chatbot's field mappings and static values as plain data."""
    mappings = [
        MappingRow(
            row.source, row.crm_field, row.transform, row.date_format, row.extra_key
        )
        for row in chatbot.field_mappings.all()
    ]
    statics = [
        StaticRow(row.crm_field, row.value, row.is_json)
        for row in chatbot.static_values.all()
    ]
    return mappings, statics


# --- One try -------------------------------------------------------------------


@dataclass(frozen=True)
class AttemptResult:
    """One try, ready to show an editor: no secret anywhere in it."""

    outcome: Outcome
    started_at: datetime
    duration_ms: int
    response_excerpt: str


def attempt(
    endpoint: Endpoint,
    lead: LeadData,
    mappings: list[MappingRow],
    statics: list[StaticRow],
    body_format: str,
) -> AttemptResult:
    """Build, send and judge one request. Never raises for the CRM's sake:
    every failure comes back as an outcome with a plain-words message."""
    started_at = timezone.now()
    started = time.monotonic()
    excerpt = ""
    try:
        body, content_type = build_body(lead, mappings, statics, body_format)
        prepared = build_request(
            endpoint,
            body,
            content_type,
            idempotency_key=lead.lead_id,
            timestamp=int(time.time()),
        )
        exchange = send(prepared)
    except Exception as exc:  # every failure is an outcome, never a crash
        if not isinstance(exc, PayloadError):
            logger.info("Delivery to %s failed: %s", _host(endpoint.url), type(exc))
        outcome = classify_exception(exc, url=endpoint.url)
        duration_ms = int((time.monotonic() - started) * 1000)
    else:
        # Redact the whole answer before anything is cut from it, so no part
        # of a secret survives at the edge of an excerpt.
        text = redact(exchange.text().replace("\x00", ""), endpoint.secrets())
        outcome = classify_response(exchange.status_code, exchange.headers, text)
        duration_ms = exchange.duration_ms
        excerpt = text[: crm_settings.RESPONSE_EXCERPT_CHARS]
        if exchange.truncated or exchange.cut_off or len(text) > len(excerpt):
            excerpt += "…"
    secrets = endpoint.secrets()
    return AttemptResult(
        _redacted(outcome, secrets), started_at, duration_ms, redact(excerpt, secrets)
    )


def _redacted(outcome: Outcome, secrets: list[str]) -> Outcome:
    return replace(
        outcome,
        message=redact(outcome.message, secrets),
        detail=redact(outcome.detail, secrets),
    )


def attempt_for(chatbot: Chatbot, lead: LeadData) -> AttemptResult:
    """One try of sending ``lead`` with a chatbot's settings: a saved
    chatbot's, or an unsaved one from the editor (Test connection)."""
    mappings, statics = mapping_rows(chatbot)
    return attempt(endpoint_for(chatbot), lead, mappings, statics, chatbot.body_format)


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or "?"


# --- The lead's journey ------------------------------------------------------


# Beyond the send's own deadline, a try resolves the host (which no socket
# timeout bounds) and writes to the database twice.
CLAIM_MARGIN = 30.0


def lease_seconds() -> float:
    """How long a worker may hold a lead: longer than any try can take.

    A dead worker's lead is free again after this, and the sweep, which runs
    every minute, queues it: with the default timeouts (5 + 15 s) it is
    picked up again within 50 + 60 seconds.
    """
    return deadline_seconds() + CLAIM_MARGIN


def deliver(lead_id: int, *, trigger: str = AttemptTrigger.AUTOMATIC) -> str | None:
    """Try to deliver one lead, and move it to its next status.

    Returns the lead's new status, or ``None`` when there was nothing to do
    (another worker holds it, it is already Synced, or its try is not due).
    """
    token = _claim(lead_id, trigger)
    if token is None:
        return None
    try:
        lead = _load(lead_id)
    except SecretDecryptionError:
        # Load without the secrets: using them below fails again, and that
        # failure is recorded on the lead in plain words.
        lead = _load(lead_id, defer_secrets=True)
    if not lead.chatbot.crm_enabled and trigger == AttemptTrigger.AUTOMATIC:
        # Sync was switched off after the lead came in: stop, and say so.
        Lead.objects.filter(pk=lead_id, claim_token=token).update(
            sync_status=SyncStatus.SKIPPED,
            last_error=_("CRM sync was switched off before this lead was sent."),
            next_attempt_at=None,
            claimed_until=None,
            claim_token=None,
        )
        return SyncStatus.SKIPPED
    wait = _rate_limit_wait(lead, token)
    if wait is not None:
        _schedule(lead_id, wait)
        return lead.sync_status
    try:
        result = attempt_for(lead.chatbot, lead_data(lead))
    except Exception as exc:
        # Whatever went wrong, the lead gets an attempt, a reason and its
        # next try; it is never left claimed and silent. The error's text
        # may quote a secret: it is logged redacted, with where it happened,
        # never as a raw traceback.
        outcome = _redacted(
            classify_exception(exc, url=lead.chatbot.webhook_url),
            _secrets_of(lead.chatbot),
        )
        logger.error(
            "Delivery of lead %s failed before sending: %s\n%s",
            lead_id,
            outcome.detail,
            "".join(traceback.format_tb(exc.__traceback__)).rstrip(),
        )
        result = AttemptResult(outcome, timezone.now(), 0, "")
    return _record(lead, token, trigger, result)


def _secrets_of(chatbot: Chatbot) -> list[str]:
    """The chatbot's secrets, to keep out of what is logged and stored; none
    if they cannot be decrypted (then no text can hold them either)."""
    try:
        return endpoint_for(chatbot).secrets()
    except Exception:
        return []


def _load(lead_id: int, *, defer_secrets: bool = False) -> Lead:
    """The lead with its chatbot and the chatbot's rows, in four queries."""
    leads = Lead.objects.select_related("chatbot").prefetch_related(
        "chatbot__field_mappings", "chatbot__static_values", "chatbot__custom_headers"
    )
    if defer_secrets:
        leads = leads.defer(*(f"chatbot__{name}" for name in Chatbot.SECRET_FIELDS))
    return leads.get(pk=lead_id)


def _claim(lead_id: int, trigger: str) -> uuid.UUID | None:
    """Take the lead for this worker in one conditional UPDATE.

    Only an active lead (Pending or Retrying) that no live worker holds can
    be claimed; an automatic try must also be due. The token returned proves
    the claim when the outcome is written.
    """
    now = timezone.now()
    token = uuid.uuid4()
    claimable = Lead.objects.filter(pk=lead_id, sync_status__in=ACTIVE_STATUSES).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    )
    if trigger == AttemptTrigger.AUTOMATIC:
        # An early duplicate task leaves the lead to its scheduled run.
        claimable = claimable.filter(
            Q(next_attempt_at__isnull=True)
            | Q(next_attempt_at__lte=now + timedelta(seconds=1))
        )
    claimed = claimable.update(
        claimed_until=now + timedelta(seconds=lease_seconds()), claim_token=token
    )
    return token if claimed else None


def _rate_limit_wait(lead: Lead, token: uuid.UUID) -> float | None:
    """Seconds the claimed lead must wait for its chatbot's rate limit, with
    the claim released and the lead rescheduled; None if it may go now."""
    chatbot = lead.chatbot
    limit = chatbot.rate_limit_per_minute
    if not limit:
        return None
    with transaction.atomic():
        # Locking the chatbot row makes concurrent workers count in turn.
        Chatbot.objects.select_for_update().filter(pk=chatbot.pk).exists()
        now = timezone.now()
        recent = list(
            DeliveryAttempt.objects.filter(
                chatbot=chatbot, started_at__gt=now - RATE_WINDOW
            )
            .exclude(trigger=AttemptTrigger.TEST)
            .order_by("started_at")
            .values_list("started_at", flat=True)[:limit]
        )
        in_flight = (
            Lead.objects.filter(
                chatbot=chatbot, sync_status__in=ACTIVE_STATUSES, claimed_until__gt=now
            )
            .exclude(pk=lead.pk)
            .count()
        )
        if len(recent) + in_flight < limit:
            return None
        wait = 1.0
        if len(recent) >= limit:
            wait = max((recent[0] + RATE_WINDOW - now).total_seconds(), 0.5)
        Lead.objects.filter(pk=lead.pk, claim_token=token).update(
            claimed_until=None,
            claim_token=None,
            next_attempt_at=now + timedelta(seconds=wait),
        )
    return wait


def _record(lead: Lead, token: uuid.UUID, trigger: str, result: AttemptResult) -> str:
    """Store the attempt and move the lead, in one transaction."""
    outcome = result.outcome
    schedule = list(crm_settings.RETRY_SCHEDULE)
    now = timezone.now()
    # The claim makes this worker the only one moving the lead, so the tries
    # read when it was loaded are still current; the count itself is bumped
    # in SQL so that it matches the attempts even if the claim lapsed.
    tries = lead.tries + 1
    changes = {"tries": F("tries") + 1, "claimed_until": None, "claim_token": None}
    delay = None
    if outcome.success:
        status = SyncStatus.SYNCED
        changes.update(synced_at=now, last_error="", next_attempt_at=None)
    elif tries <= len(schedule):
        status = SyncStatus.RETRYING
        delay = max(float(schedule[tries - 1]), outcome.retry_after or 0.0)
        changes.update(
            last_error=outcome.message, next_attempt_at=now + timedelta(seconds=delay)
        )
    else:
        status = SyncStatus.FAILED
        changes.update(last_error=outcome.message, next_attempt_at=None)
    changes["sync_status"] = status
    with transaction.atomic():
        moved = Lead.objects.filter(pk=lead.pk, claim_token=token).update(**changes)
        if not moved:
            Lead.objects.filter(pk=lead.pk).update(tries=F("tries") + 1)
        DeliveryAttempt.objects.create(
            lead_id=lead.pk,
            chatbot_id=lead.chatbot_id,
            attempt_number=tries,
            trigger=trigger,
            started_at=result.started_at,
            duration_ms=result.duration_ms,
            status_code=outcome.status_code,
            success=outcome.success,
            error="" if outcome.success else outcome.message,
            error_detail=outcome.detail,
            response_excerpt=result.response_excerpt,
        )
        if moved and delay is not None:
            transaction.on_commit(lambda: _schedule(lead.pk, delay))
        if (
            moved
            and status == SyncStatus.FAILED
            and trigger == AttemptTrigger.AUTOMATIC
        ):
            transaction.on_commit(lambda: _notify_safely(lead.pk))
    if not moved:
        # The claim lapsed and another worker took the lead over; it decides.
        logger.warning(
            "Lead %s: try %s finished after its claim lapsed", lead.pk, tries
        )
        return lead.sync_status
    log = logger.info if outcome.success else logger.warning
    log(
        "Lead %s try %s: %s%s",
        lead.pk,
        tries,
        status,
        "" if outcome.success else f" ({outcome.detail})",
    )
    return status


def _schedule(lead_id: int, delay: float) -> None:
    from .tasks import deliver_lead

    try:
        check_queue_file(deliver_lead.huey)
        deliver_lead.schedule(args=(lead_id,), delay=delay)
    except Exception:
        # The lead keeps its next_attempt_at; the periodic sweep finds it.
        logger.exception("Could not schedule lead %s; the sweep will", lead_id)


def request_retry(lead_ids: list[int], *, allow_synced: bool = False) -> int:
    """Queue leads for a try now, by an editor's hand. Returns how many.

    Failed, Retrying, Pending and Not sent leads qualify; Synced ones only
    with ``allow_synced`` (the editor confirmed a second delivery). A lead a
    worker is delivering right now is left to that worker.
    """
    now = timezone.now()
    statuses = [*ACTIVE_STATUSES, SyncStatus.FAILED, SyncStatus.SKIPPED]
    if allow_synced:
        statuses.append(SyncStatus.SYNCED)
    with transaction.atomic():
        ready = Lead.objects.filter(pk__in=lead_ids, sync_status__in=statuses).filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
        )
        ids = list(ready.values_list("pk", flat=True))
        # The same conditions again in the UPDATE: a lead that was claimed or
        # synced in between is left alone.
        ready.filter(pk__in=ids).update(
            sync_status=SyncStatus.PENDING, next_attempt_at=now
        )
        for lead_id in ids:
            transaction.on_commit(
                partial(enqueue, lead_id, trigger=AttemptTrigger.MANUAL)
            )
    return len(ids)


def enqueue(lead_id: int, *, trigger: str = AttemptTrigger.AUTOMATIC) -> None:
    """Queue a lead's delivery now; a failure to queue loses nothing."""
    from .tasks import deliver_lead

    try:
        check_queue_file(deliver_lead.huey)
        deliver_lead(lead_id, trigger=trigger)
    except Exception:
        logger.exception("Could not queue lead %s; the sweep will", lead_id)


def enqueue_overdue(*, grace: float = 30.0) -> int:
    """Queue every lead whose try is overdue and that no worker holds.

    Catches leads whose task was lost: a worker killed mid-delivery, a queue
    flushed or its file removed, a consumer that was down when the try fell
    due.
    """
    from .tasks import deliver_lead

    check_queue_file(deliver_lead.huey)
    now = timezone.now()
    due = Lead.objects.filter(
        sync_status__in=ACTIVE_STATUSES,
        next_attempt_at__lte=now - timedelta(seconds=grace),
    ).filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
    ids = list(due.values_list("pk", flat=True)[:1000])
    for lead_id in ids:
        enqueue(lead_id)
    if ids:
        logger.warning("Re-queued %s overdue leads", len(ids))
    return len(ids)


def purge_old_attempts() -> int:
    """Delete attempts older than ``ATTEMPT_RETENTION_DAYS``."""
    cutoff = timezone.now() - timedelta(days=crm_settings.ATTEMPT_RETENTION_DAYS)
    deleted, _counts = DeliveryAttempt.objects.filter(started_at__lt=cutoff).delete()
    return deleted


# --- Telling people ------------------------------------------------------------


def lead_admin_url(lead: Lead) -> str | None:
    """The lead's page in the Wagtail admin, as an absolute URL."""
    try:
        path = reverse("chatbot_crm_admin:lead", args=[lead.pk])
    except NoReverseMatch:
        return None
    base = getattr(settings, "WAGTAILADMIN_BASE_URL", "").rstrip("/")
    return f"{base}{path}"


def _notify_safely(lead_id: int) -> None:
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
