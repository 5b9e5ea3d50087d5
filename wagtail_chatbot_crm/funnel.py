"""The widget's funnel: opened, conversation started, lead sent, lead
synced, per chatbot over the last days. Opens and starts are counted per
day with one small request each from the widget; nothing about the visitor
is kept."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from .models import Chatbot, Lead, SyncStatus, WidgetDailyCount, WidgetEvent

DAYS = 7


def count_event(chatbot: Chatbot, event: str) -> None:
    """Add one to today's count of ``event`` for ``chatbot``."""
    today = timezone.localdate()
    counts = WidgetDailyCount.objects.filter(chatbot=chatbot, day=today, event=event)
    if counts.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            WidgetDailyCount.objects.create(
                chatbot=chatbot, day=today, event=event, count=1
            )
    except IntegrityError:  # another request created today's row first
        counts.update(count=F("count") + 1)


def funnel(days: int = DAYS) -> list[dict]:
    """One row per chatbot with anything in the last ``days`` days."""
    first_day = timezone.localdate() - timedelta(days=days - 1)
    since = timezone.now() - timedelta(days=days)
    events = {
        (row["chatbot"], row["event"]): row["total"]
        for row in WidgetDailyCount.objects.filter(day__gte=first_day)
        .values("chatbot", "event")
        .annotate(total=Sum("count"))
    }
    leads = {
        row["chatbot"]: row
        for row in Lead.objects.filter(created_at__gte=since)
        .values("chatbot")
        .annotate(
            sent=Count("pk"),
            synced=Count("pk", filter=Q(sync_status=SyncStatus.SYNCED)),
        )
    }
    ids = {chatbot for chatbot, _event in events} | set(leads)
    rows = []
    for chatbot in Chatbot.objects.filter(pk__in=ids).order_by("name"):
        counted = leads.get(chatbot.pk, {})
        rows.append(
            {
                "chatbot": chatbot,
                "opened": events.get((chatbot.pk, WidgetEvent.OPENED), 0),
                "started": events.get((chatbot.pk, WidgetEvent.STARTED), 0),
                "sent": counted.get("sent", 0),
                "synced": counted.get("synced", 0),
            }
        )
    return rows
