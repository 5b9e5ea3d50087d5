"""Huey tasks: thin wrappers that load by id and call ``delivery``; and the
one place leads are queued.

The queue holds lead ids, never model instances. Tasks return nothing, so
no result piles up in Huey's result store.

A lead recorded while a request is answered is queued once the response has
gone out: the visitor never waits for the queue (a commit to another SQLite
file, or a Redis that is slow or down). The lead row itself, Pending and due,
is the outbox: should the process die before it queues, the sweep does.
"""

import logging
from collections.abc import Callable
from contextvars import ContextVar
from functools import partial

from django.core.signals import request_finished, request_started
from django.dispatch import receiver
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import delivery, notifications, privacy
from .models import AttemptTrigger
from .queue import check_queue_file

logger = logging.getLogger(__name__)


@db_task()
def deliver_lead(lead_id: int, trigger: str = AttemptTrigger.AUTOMATIC) -> None:
    """Deliver one lead to its chatbot's CRM (or reschedule it)."""
    delivery.deliver(lead_id, schedule=schedule, trigger=trigger)


# Remember which queue file this process opened, so that one replaced before
# the first task or sweep is noticed too: when the tasks are loaded (every
# process) and when each consumer worker starts.
check_queue_file(deliver_lead.huey)
deliver_lead.huey.on_startup()(lambda: check_queue_file(deliver_lead.huey))


@db_periodic_task(crontab(minute="*"))
def enqueue_overdue_deliveries() -> None:
    """Every minute: re-queue leads whose try is overdue, so none is lost."""
    check_queue_file(deliver_lead.huey)
    delivery.enqueue_overdue(enqueue)


@db_periodic_task(crontab(minute="*"))
def send_failure_emails() -> None:
    """Every minute: the failure emails whose window has ended."""
    notifications.send_failure_emails()


@db_task()
def email_new_lead(lead_id: int) -> None:
    """The "new lead" email, away from the visitor's request."""
    notifications.email_new_lead(lead_id)


@db_periodic_task(crontab(minute="17", hour="3"))
def purge_old_attempts() -> None:
    """Nightly: delete delivery attempts past ``ATTEMPT_RETENTION_DAYS``."""
    delivery.purge_old_attempts()


@db_periodic_task(crontab(minute="27", hour="3"))
def purge_old_leads() -> None:
    """Nightly: delete leads past ``LEAD_RETENTION_DAYS``, when it is set."""
    privacy.purge_old_leads()


def enqueue(lead_id: int, *, trigger: str = AttemptTrigger.AUTOMATIC) -> None:
    """Queue a lead's delivery now; a failure to queue loses nothing."""
    try:
        check_queue_file(deliver_lead.huey)
        deliver_lead(lead_id, trigger=trigger)
    except Exception:
        logger.exception("Could not queue lead %s; the sweep will", lead_id)


# Leads waiting for the current request's response to go out; None outside
# a request.
_after_response: ContextVar[list[Callable[[], None]] | None] = ContextVar(
    "wagtail_chatbot_crm_after_response", default=None
)


def enqueue_after_response(lead_id: int) -> None:
    """Queue a lead once the current response is sent; outside a request
    (a shell, a task, a test calling a view), now."""
    after_response(partial(enqueue, lead_id))


def email_new_lead_after_response(lead_id: int) -> None:
    """Queue the "new lead" email once the current response is sent."""
    after_response(partial(_queue_new_lead_email, lead_id))


def _queue_new_lead_email(lead_id: int) -> None:
    try:
        email_new_lead(lead_id)
    except Exception:
        logger.exception("Could not queue the new lead email of lead %s", lead_id)


def after_response(work: Callable[[], None]) -> None:
    """Run ``work`` (queueing something) once the current response is
    sent; outside a request, now."""
    waiting = _after_response.get()
    if waiting is None:
        work()
    else:
        waiting.append(work)


@receiver(request_started, dispatch_uid="wagtail_chatbot_crm_request_started")
def _open_request(**kwargs) -> None:
    _flush_request()  # a request whose end was never signalled
    _after_response.set([])


@receiver(request_finished, dispatch_uid="wagtail_chatbot_crm_request_finished")
def _flush_request(**kwargs) -> None:
    waiting = _after_response.get()
    _after_response.set(None)
    for work in waiting or ():
        work()


def schedule(lead_id: int, delay: float) -> None:
    """Queue a lead's next try in ``delay`` seconds."""
    try:
        check_queue_file(deliver_lead.huey)
        deliver_lead.schedule(args=(lead_id,), delay=delay)
    except Exception:
        # The lead keeps its next_attempt_at; the periodic sweep finds it.
        logger.exception("Could not schedule lead %s; the sweep will", lead_id)


def retry_now(lead_ids: list[int], *, allow_synced: bool = False) -> int:
    """Queue leads for a try now, by an editor's hand; returns how many
    (see ``delivery.request_retry``)."""
    return delivery.request_retry(lead_ids, enqueue=enqueue, allow_synced=allow_synced)
