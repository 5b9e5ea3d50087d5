"""Filters for the Leads report."""

import django_filters
from django.db.models import Q, QuerySet
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


SEARCH_FIELDS = ("name", "email", "company")


def filtered_leads(query) -> "QuerySet[Lead]":
    """The leads the report shows for a query (its filters and search), in
    its default order: a bulk action's “all”, or a replay."""
    data = {name: query.get(name) for name in query}
    filters = LeadFilterSet(data, queryset=Lead.objects.all())
    leads = filters.qs if filters.is_valid() else Lead.objects.all()
    search = (data.get("q") or "").strip()
    if search:
        match = Q()
        for field in SEARCH_FIELDS:
            match |= Q(**{f"{field}__icontains": search})
        leads = leads.filter(match)
    return leads.order_by("-created_at")
