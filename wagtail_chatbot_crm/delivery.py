"""A lead's way to the CRM: claim it, have one try made, record it, and
decide what comes next (Synced, another try, Failed and an email).

``attempt`` makes the try; queueing is the caller's (``tasks``), which
hands in how to schedule or queue a lead, so this module never imports the
tasks that call it.
"""

import copy
import logging
import time
import traceback
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .attempt import (
    AttemptResult,
    attempt_for,
    failure,
    lead_data,
    redacted,
    secrets_of,
)
from .conf import crm_settings
from .errors import SecretDecryptionError
from .models import (
    AttemptTrigger,
    AuthType,
    Chatbot,
    DeliveryAttempt,
    Lead,
    SyncStatus,
)
from .notifications import notify_failures_safely
from .sender import deadline_seconds

logger = logging.getLogger(__name__)

# Queue a lead's task now, or in so many seconds (``tasks`` gives these).
Enqueue = Callable[[int], None]
Schedule = Callable[[int, float], None]

ACTIVE_STATUSES = (SyncStatus.PENDING, SyncStatus.RETRYING)
RATE_WINDOW = timedelta(minutes=1)


# Beyond the send's own deadline, a try resolves the host (which no socket
# timeout bounds) and writes to the database twice.
CLAIM_MARGIN = 30.0


# An OAuth2 try may wait for another worker's token (up to a deadline),
# ask for one, send, and after a 401 do all three again: six deadlines.
OAUTH2_EXCHANGES = 6


def lease_seconds(exchanges: int = 1) -> float:
    """How long a worker may hold a lead: longer than any try of
    ``exchanges`` requests can take.

    A dead worker's lead is free again after this, and the sweep, which runs
    every minute, queues it: with the default timeouts (5 + 15 s) it is
    picked up again within 50 + 60 seconds (OAuth2: 150 + 60).
    """
    return exchanges * deadline_seconds() + CLAIM_MARGIN


def deliver(
    lead_id: int, *, schedule: Schedule, trigger: str = AttemptTrigger.AUTOMATIC
) -> str | None:
    """Try to deliver one lead, and move it to its next status; a next try
    is handed to ``schedule``.

    Returns the lead's new status, or ``None`` when there was nothing to do
    (another worker holds it, it is already Synced, its try is not due, or
    it was deleted meanwhile).
    """
    token = _claim(lead_id, trigger)
    if token is None:
        return None
    try:
        try:
            lead = _load(lead_id)
        except SecretDecryptionError:
            # Load without the secrets: using them below fails again, and
            # that failure is recorded on the lead in plain words.
            lead = _load(lead_id, defer_secrets=True)
    except Lead.DoesNotExist:  # deleted since it was claimed
        return None
    if not lead.chatbot.crm_enabled and trigger == AttemptTrigger.AUTOMATIC:
        # Sync was switched off after the lead came in: stop, and say so.
        Lead.objects.filter(pk=lead_id, claim_token=token).update(
            sync_status=SyncStatus.SKIPPED,
            last_error=_("CRM sync was switched off before this lead was sent."),
            last_error_fix="sync",
            next_attempt_at=None,
            claimed_until=None,
            claim_token=None,
        )
        return SyncStatus.SKIPPED
    wait = _rate_limit_wait(lead, token)
    if wait is not None:
        schedule(lead_id, wait)
        return lead.sync_status
    if lead.chatbot.auth_type == AuthType.OAUTH2:
        Lead.objects.filter(pk=lead_id, claim_token=token).update(
            claimed_until=timezone.now()
            + timedelta(seconds=lease_seconds(OAUTH2_EXCHANGES))
        )
    try:
        result = attempt_for(lead.chatbot, lead_data(lead))
    except Exception as exc:
        # Whatever went wrong, the lead gets an attempt, a reason and its
        # next try; it is never left claimed and silent. The error's text
        # may quote a secret: it is logged redacted, with where it happened,
        # never as a raw traceback.
        outcome = redacted(
            failure(exc, lead.chatbot.webhook_url),
            secrets_of(lead.chatbot),
        )
        logger.error(
            "Delivery of lead %s failed before sending: %s\n%s",
            lead_id,
            outcome.detail,
            "".join(traceback.format_tb(exc.__traceback__)).rstrip(),
        )
        result = AttemptResult(outcome, timezone.now(), 0, "")
    return _record(lead, token, trigger, result, schedule)


CHATBOT_ROWS = ("field_mappings", "static_values", "custom_headers")

# Chatbots as loaded for delivery, kept per process: a backlog's or a busy
# day's leads share a few chatbots, and loading one with its three row sets
# was half of a try's work (``make bench-drain``). An entry serves while the
# chatbot's ``updated_at`` is unchanged, which saving the chatbot or any of
# its rows changes (``models.touch_chatbot``); a change that bypasses save(),
# such as ``QuerySet.update()``, is seen within ``CHATBOT_CACHE_SECONDS``.
CHATBOT_CACHE_SECONDS = 5.0
_chatbots: dict[int, tuple[datetime, float, Chatbot]] = {}


def _load(lead_id: int, *, defer_secrets: bool = False) -> Lead:
    """The lead with its chatbot and the chatbot's rows."""
    if defer_secrets:
        return (
            Lead.objects.select_related("chatbot")
            .prefetch_related(*(f"chatbot__{name}" for name in CHATBOT_ROWS))
            .defer(*(f"chatbot__{name}" for name in Chatbot.SECRET_FIELDS))
            .get(pk=lead_id)
        )
    lead = Lead.objects.annotate(chatbot_version=F("chatbot__updated_at")).get(
        pk=lead_id
    )
    lead.chatbot = _chatbot(lead.chatbot_id, lead.chatbot_version)
    return lead


def _chatbot(pk: int, version: datetime) -> Chatbot:
    """The chatbot with its rows, as of ``version``; a copy of its own for
    each try, which may change its attributes (OAuth2 credentials)."""
    now = time.monotonic()
    cached = _chatbots.get(pk)
    if (
        cached is None
        or cached[0] != version
        or now - cached[1] > CHATBOT_CACHE_SECONDS
    ):
        chatbot = Chatbot.objects.prefetch_related(*CHATBOT_ROWS).get(pk=pk)
        cached = _chatbots[pk] = (chatbot.updated_at, now, chatbot)
    return copy.copy(cached[2])


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


def _record(
    lead: Lead,
    token: uuid.UUID,
    trigger: str,
    result: AttemptResult,
    schedule: Schedule,
) -> str | None:
    """Store the attempt and move the lead, in one transaction."""
    outcome = result.outcome
    retry_delays = list(crm_settings.RETRY_SCHEDULE)
    now = timezone.now()
    # The claim makes this worker the only one moving the lead, so the tries
    # read when it was loaded are still current; the count itself is bumped
    # in SQL so that it matches the attempts even if the claim lapsed.
    tries = lead.tries + 1
    changes = {"tries": F("tries") + 1, "claimed_until": None, "claim_token": None}
    delay = None
    if outcome.success:
        status = SyncStatus.SYNCED
        changes.update(
            synced_at=now, last_error="", last_error_fix="", next_attempt_at=None
        )
    elif tries <= len(retry_delays):
        status = SyncStatus.RETRYING
        delay = max(float(retry_delays[tries - 1]), outcome.retry_after or 0.0)
        changes.update(
            last_error=outcome.message,
            last_error_fix=outcome.fix,
            next_attempt_at=now + timedelta(seconds=delay),
        )
    else:
        status = SyncStatus.FAILED
        changes.update(
            last_error=outcome.message, last_error_fix=outcome.fix, next_attempt_at=None
        )
    changes["sync_status"] = status
    with transaction.atomic():
        moved = Lead.objects.filter(pk=lead.pk, claim_token=token).update(**changes)
        if not moved and not Lead.objects.filter(pk=lead.pk).update(
            tries=F("tries") + 1
        ):
            # Deleted while it was being sent (an editor, erase_leads, the
            # retention purge): nothing is left to record the try on.
            logger.info("Lead %s was deleted during try %s", lead.pk, tries)
            return None
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
            request_body=result.request_body,
            fix="" if outcome.success else outcome.fix,
            crm_record_id=result.crm_record_id,
            crm_action=result.crm_action,
        )
        if moved and delay is not None:
            transaction.on_commit(lambda: schedule(lead.pk, delay))
        if (
            moved
            and status == SyncStatus.FAILED
            and trigger == AttemptTrigger.AUTOMATIC
        ):
            transaction.on_commit(lambda: notify_failures_safely(lead.chatbot_id))
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


def request_retry(
    lead_ids: list[int], *, enqueue: Callable[..., None], allow_synced: bool = False
) -> int:
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
        # Sent by an editor's hand: a lead held for review is reviewed.
        ready.filter(pk__in=ids).update(
            sync_status=SyncStatus.PENDING, next_attempt_at=now, held_for_review=False
        )
        for lead_id in ids:
            transaction.on_commit(
                partial(enqueue, lead_id, trigger=AttemptTrigger.MANUAL)
            )
    return len(ids)


def enqueue_overdue(enqueue: Enqueue, *, grace: float = 30.0) -> int:
    """Queue every lead whose try is overdue and that no worker holds.

    Catches leads whose task was lost: a worker killed mid-delivery, a queue
    flushed or its file removed, a consumer that was down when the try fell
    due.
    """
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
