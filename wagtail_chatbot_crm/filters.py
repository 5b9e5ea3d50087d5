"""Filters for the Leads report."""

import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet

from .models import Chatbot, Lead, SyncStatus


class LeadFilterSet(WagtailFilterSet):
    chatbot = django_filters.ModelChoiceFilter(
        label=_("Chatbot"), queryset=Chatbot.objects.order_by("name")
    )
    sync_status = django_filters.ChoiceFilter(
        label=_("Sync status"), choices=SyncStatus.choices
    )
    held_for_review = django_filters.BooleanFilter(
        label=_("Awaiting review"),
        widget=django_filters.widgets.BooleanWidget,
    )
    created_at = django_filters.DateFromToRangeFilter(
        label=_("Date"), widget=DateRangePickerWidget
    )

    class Meta:
        model = Lead
        fields = ["chatbot", "sync_status", "held_for_review", "created_at"]
