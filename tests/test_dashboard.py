"""The dashboard panel on the admin home."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from wagtail_chatbot_crm.dashboard import lead_stats
from wagtail_chatbot_crm.models import Lead, SyncStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def week(chatbot):
    now = timezone.now()
    statuses = [SyncStatus.SYNCED] * 3 + [SyncStatus.FAILED, SyncStatus.PENDING]
    for status in statuses:
        Lead.objects.create(chatbot=chatbot, name=status, sync_status=status)
    # Older than the window: counted only among all failed leads.
    Lead.objects.create(
        chatbot=chatbot,
        name="old",
        sync_status=SyncStatus.FAILED,
        created_at=now - timedelta(days=9),
    )


def test_stats_count_the_last_seven_days(week):
    stats = lead_stats()
    assert stats["leads"] == 5
    assert stats["synced"] == 3
    assert stats["success_rate"] == 75  # 3 synced of 4 settled
    assert stats["failed"] == 2


def test_no_settled_leads_has_no_rate(db):
    assert lead_stats()["success_rate"] is None


def test_panel_on_the_admin_home(admin_client, week):
    html = admin_client.get("/admin/").content.decode()
    assert "Chatbot leads, last 7 days" in html
    assert "75%" in html
    assert "/admin/chatbot-crm/leads/?sync_status=failed" in html
    assert "See the 2 failed leads and why" in html


def test_panel_hidden_without_permission(client, django_user_model, week):
    user = django_user_model.objects.create_user("e", "e@example.com", "pw")
    group = Group.objects.create(name="Dashboard test group")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    user.groups.add(group)
    client.force_login(user)
    html = client.get("/admin/").content.decode()
    assert "Chatbot leads" not in html
    assert "/admin/chatbot-crm/leads/" not in html
