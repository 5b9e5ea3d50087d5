"""Privacy: deleting a lead (by an editor, by the retention period, by
erase_leads) leaves nothing of it behind, and a chatbot goes with its
leads after a confirmation that says how many."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.contrib.forms.models import FormSubmission

from tests.contact_pages import make_contact_page
from tests.test_delivery import deliver, new_lead
from tests.test_lead_views import user_with
from wagtail_chatbot_crm import delivery, privacy
from wagtail_chatbot_crm.models import Chatbot, DeliveryAttempt, Lead
from wagtail_chatbot_crm.permissions import app_permissions

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_queue")]


@pytest.fixture
def bot(make_chatbot, crm_server):
    return make_chatbot(webhook_url=crm_server.url)


def delivered_lead(bot, **fields):
    lead = new_lead(bot, **fields)
    deliver(lead.pk)
    return lead


def delete_url(lead):
    return reverse("chatbot_crm_admin:lead_delete", args=[lead.pk])


def test_an_editor_deletes_a_lead_after_confirming(admin_client, bot):
    lead = delivered_lead(bot)
    page = admin_client.get(reverse("chatbot_crm_admin:lead", args=[lead.pk]))
    assert delete_url(lead) in page.content.decode()
    confirm = admin_client.get(delete_url(lead)).content.decode()
    assert "deleted with its 1 delivery attempt" in confirm
    assert "delete it there too" in confirm  # it is Synced
    assert Lead.objects.filter(pk=lead.pk).exists()  # a GET changes nothing

    response = admin_client.post(delete_url(lead))
    assert response.status_code == 302
    assert response["Location"] == reverse("chatbot_crm_admin:leads")
    assert not Lead.objects.exists()
    assert not DeliveryAttempt.objects.exists()
    assert admin_client.get(delete_url(lead)).status_code == 404


def test_deleting_takes_a_permission_of_its_own(client, django_user_model, bot):
    lead = new_lead(bot)
    viewer = user_with(
        django_user_model, "view_lead", "export_lead", "retry_lead", "change_lead"
    )
    client.force_login(viewer)
    page = client.get(reverse("chatbot_crm_admin:lead", args=[lead.pk]))
    assert delete_url(lead) not in page.content.decode()
    assert client.get(delete_url(lead)).status_code == 403
    assert client.post(delete_url(lead)).status_code == 403
    assert Lead.objects.filter(pk=lead.pk).exists()
    assert app_permissions().filter(codename="delete_lead").exists()


def test_a_queued_delivery_of_a_deleted_lead_ends_as_nothing_to_do(bot, crm_server):
    lead = new_lead(bot)
    privacy.delete_leads(Lead.objects.filter(pk=lead.pk))
    assert deliver(lead.pk) is None
    assert crm_server.received == []


def test_a_lead_deleted_while_being_sent_ends_quietly(bot, crm_server, monkeypatch):
    lead = new_lead(bot)
    send = delivery.attempt_for

    def deleted_meanwhile(chatbot, data):
        result = send(chatbot, data)
        privacy.delete_leads(Lead.objects.filter(pk=lead.pk))
        return result

    monkeypatch.setattr(delivery, "attempt_for", deleted_meanwhile)
    assert deliver(lead.pk) is None
    assert len(crm_server.received) == 1
    assert not DeliveryAttempt.objects.exists()


def test_a_lead_deleted_between_claim_and_load_ends_quietly(bot, monkeypatch):
    lead = new_lead(bot)
    claim = delivery._claim

    def claimed_then_deleted(lead_id, trigger):
        token = claim(lead_id, trigger)
        Lead.objects.filter(pk=lead_id).delete()
        return token

    monkeypatch.setattr(delivery, "_claim", claimed_then_deleted)
    assert deliver(lead.pk) is None


def test_leads_past_the_retention_period_are_deleted(bot, settings):
    old = delivered_lead(bot, email="old@example.com")
    Lead.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=31)
    )
    recent = delivered_lead(bot, email="recent@example.com")
    # Kept forever by default.
    assert privacy.purge_old_leads() == 0
    settings.WAGTAIL_CHATBOT_CRM = {
        **settings.WAGTAIL_CHATBOT_CRM,
        "LEAD_RETENTION_DAYS": 30,
    }
    assert privacy.purge_old_leads() == 1
    assert list(Lead.objects.all()) == [recent]
    assert list(DeliveryAttempt.objects.values_list("lead", flat=True)) == [recent.pk]


def test_the_retention_purge_runs_nightly():
    from wagtail_chatbot_crm import tasks

    runs_at = tasks.purge_old_leads.task_class().validate_datetime
    assert runs_at(timezone.datetime(2026, 11, 27, 3, 27))
    assert not runs_at(timezone.datetime(2026, 11, 27, 3, 28))


def test_erase_leads_deletes_one_persons_leads_everywhere(make_chatbot, wagtail_site):
    sales = make_chatbot()
    support = make_chatbot(name="Support", slug="support")
    page = make_contact_page(support)
    for chatbot in (sales, support):
        delivered = new_lead(chatbot, email="Ada@Example.com")
        DeliveryAttempt.objects.create(lead=delivered, chatbot=chatbot)
    keep = new_lead(sales, name="Bob", email="bob@example.com")
    FormSubmission.objects.create(
        page=page, form_data={"your_email": "ada@example.com", "budget": "5k"}
    )
    FormSubmission.objects.create(
        page=page, form_data={"your_email": "bob@example.com", "note": "not ada"}
    )

    out = StringIO()
    call_command("erase_leads", "--email", "ada@EXAMPLE.com", "--dry-run", stdout=out)
    assert out.getvalue() == "ada@EXAMPLE.com: 2 leads would be deleted.\n"
    assert Lead.objects.count() == 3

    out = StringIO()
    call_command("erase_leads", "--email", "ada@EXAMPLE.com", stdout=out)
    assert out.getvalue() == (
        "ada@EXAMPLE.com: deleted 2 leads, 2 delivery attempts and "
        "1 form submissions.\n"
    )
    assert list(Lead.objects.all()) == [keep]
    assert not DeliveryAttempt.objects.exists()
    assert [s.form_data["your_email"] for s in FormSubmission.objects.all()] == [
        "bob@example.com"
    ]


def test_erase_leads_refuses_what_is_not_an_address(db):
    with pytest.raises(CommandError, match="is not an email address"):
        call_command("erase_leads", "--email", "ada")


def test_a_chatbot_goes_with_its_leads_after_a_confirmation_naming_them(
    admin_client, bot
):
    for _ in range(3):
        delivered_lead(bot)
    url = reverse("wagtailsnippets_wagtail_chatbot_crm_chatbot:delete", args=[bot.pk])
    response = admin_client.get(url)
    assert response.status_code == 200, response
    html = response.content.decode()
    assert "Delete this chatbot and its 3 leads?" in html
    admin_client.post(url)
    assert not Chatbot.objects.exists()
    assert not Lead.objects.exists()
    assert not DeliveryAttempt.objects.exists()


def test_a_chatbot_without_leads_gets_the_usual_question(admin_client, bot):
    url = reverse("wagtailsnippets_wagtail_chatbot_crm_chatbot:delete", args=[bot.pk])
    html = admin_client.get(url).content.decode()
    assert "Are you sure you want to delete this chatbot?" in html
