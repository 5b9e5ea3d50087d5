"""Huey tasks: thin wrappers that load by id and call ``delivery``.

The queue holds lead ids, never model instances.
"""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import delivery
from .models import AttemptTrigger


@db_task()
def deliver_lead(lead_id: int, trigger: str = AttemptTrigger.AUTOMATIC):
    """Deliver one lead to its chatbot's CRM (or reschedule it)."""
    return delivery.deliver(lead_id, trigger=trigger)


@db_periodic_task(crontab(minute="*"))
def enqueue_overdue_deliveries():
    """Every minute: re-queue leads whose try is overdue, so none is lost."""
    return delivery.enqueue_overdue()


@db_periodic_task(crontab(minute="17", hour="3"))
def purge_old_attempts():
    """Nightly: delete delivery attempts past ``ATTEMPT_RETENTION_DAYS``."""
    return delivery.purge_old_attempts()
