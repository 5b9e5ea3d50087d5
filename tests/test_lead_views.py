"""The Leads report, a lead's detail, and retrying, through Django's client."""

import csv
import io
from datetime import UTC, timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from wagtail_chatbot_crm.models import DeliveryAttempt, Lead, SyncStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_queue")]

REPORT = reverse("chatbot_crm_admin:leads")


@pytest.fixture
def leads(chatbot, make_chatbot):
    other = make_chatbot(name="Support", slug="support")
    now = timezone.now()
    return {
        "synced": Lead.objects.create(
            chatbot=chatbot,
            name="Ada Synced",
            email="ada@example.com",
            company="Engines",
            sync_status=SyncStatus.SYNCED,
            tries=1,
            created_at=now - timedelta(days=1),
        ),
        "failed": Lead.objects.create(
            chatbot=chatbot,
            name="Bob Failed",
            email="bob@example.com",
            sync_status=SyncStatus.FAILED,
            tries=6,
            last_error="The CRM rejected the credentials (HTTP 401).",
            created_at=now - timedelta(days=10),
        ),
        "retrying": Lead.objects.create(
            chatbot=other,
            name="Cy Retrying",
            email="cy@example.com",
            sync_status=SyncStatus.RETRYING,
            tries=2,
            next_attempt_at=now + timedelta(minutes=5),
        ),
        "skipped": Lead.objects.create(
            chatbot=other,
            name="Di Skipped",
            email="di@example.com",
            sync_status=SyncStatus.SKIPPED,
            last_error="CRM sync was off when this lead came in.",
        ),
    }


def user_with(django_user_model, *codenames):
    user = django_user_model.objects.create_user("editor", "e@example.com", "pw")
    group = Group.objects.create(name="Chatbot CRM test group")
    perms = Permission.objects.filter(
        codename__in=["access_admin", *codenames],
        content_type__app_label__in=["wagtailadmin", "wagtail_chatbot_crm"],
    )
    group.permissions.set(perms)
    user.groups.add(group)
    return user


def names_in(response):
    return [lead.name for lead in response.context["object_list"]]


def test_report_lists_leads_newest_first_with_status_words(admin_client, leads):
    response = admin_client.get(REPORT)
    assert response.status_code == 200
    html = response.content.decode()
    assert names_in(response) == [
        "Di Skipped",
        "Cy Retrying",
        "Ada Synced",
        "Bob Failed",
    ]
    for word in ("Synced", "Failed", "Retrying", "Not sent"):
        assert f'w-chatbot-status__label">{word}<' in html
    assert "The CRM rejected the credentials (HTTP 401)." in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sync_status=failed", ["Bob Failed"]),
        ("sync_status=skipped", ["Di Skipped"]),
        ("q=engines", ["Ada Synced"]),
        ("q=cy%40example", ["Cy Retrying"]),
        (
            "ordering=created_at",
            ["Bob Failed", "Ada Synced", "Cy Retrying", "Di Skipped"],
        ),
    ],
)
def test_report_filters_search_and_ordering(admin_client, leads, query, expected):
    response = admin_client.get(f"{REPORT}?{query}")
    assert response.status_code == 200
    assert names_in(response)[: len(expected)] == expected
    if not query.startswith("ordering"):
        assert len(names_in(response)) == len(expected)


def test_report_filters_by_chatbot_and_date(admin_client, leads, chatbot):
    response = admin_client.get(f"{REPORT}?chatbot={chatbot.pk}")
    assert sorted(names_in(response)) == ["Ada Synced", "Bob Failed"]
    since = (timezone.now() - timedelta(days=2)).date().isoformat()
    response = admin_client.get(f"{REPORT}?created_at_from={since}")
    assert "Bob Failed" not in names_in(response)
    assert len(names_in(response)) == 3


def test_report_results_fragment(admin_client, leads):
    response = admin_client.get(reverse("chatbot_crm_admin:leads_results"))
    assert response.status_code == 200
    assert "Ada Synced" in response.content.decode()


def test_bad_filter_values_are_ignored_not_crashing(admin_client, leads):
    for query in (
        "sync_status=nope",
        "chatbot=abc",
        "created_at_from=yesterday",
        "p=999",
    ):
        assert admin_client.get(f"{REPORT}?{query}").status_code == 200


def test_csv_export_of_the_filtered_rows(admin_client, leads):
    response = admin_client.get(f"{REPORT}?sync_status=failed&export=csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    )
    assert len(rows) == 1
    assert rows[0]["Name"] == "Bob Failed"
    assert rows[0]["Status"] == "Failed"
    assert rows[0]["Chatbot"] == "Sales"


def test_xlsx_export(admin_client, leads):
    response = admin_client.get(f"{REPORT}?export=xlsx")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert content[:2] == b"PK"  # a zip container


def test_export_with_bad_filters_exports_everything_valid(admin_client, leads):
    response = admin_client.get(f"{REPORT}?chatbot=notanumber&export=csv")
    assert response.status_code == 200


def test_report_query_count_does_not_grow_with_rows(admin_client, chatbot):
    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(REPORT).status_code == 200
        return len(queries)

    Lead.objects.bulk_create(Lead(chatbot=chatbot, name=f"L{n}") for n in range(10))
    few = count_queries()
    Lead.objects.bulk_create(Lead(chatbot=chatbot, name=f"M{n}") for n in range(990))
    many = count_queries()
    assert many == few


def test_detail_shows_data_attempts_and_errors(admin_client, leads):
    lead = leads["failed"]
    DeliveryAttempt.objects.create(
        lead=lead,
        chatbot=lead.chatbot,
        attempt_number=1,
        status_code=401,
        error="The CRM rejected the credentials (HTTP 401).",
        error_detail="HTTP 401 Unauthorized",
        response_excerpt='{"error": "bad token"}',
        request_body='{"email":"bob@example.com","budget":"5k"}',
    )
    lead.extra_data = {"Budget": "5k", "Topics": ["Pricing", "Support"], "Call": True}
    lead.save()
    response = admin_client.get(reverse("chatbot_crm_admin:lead", args=[lead.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bob Failed" in html
    assert "bob@example.com" in html
    assert "HTTP 401 Unauthorized" in html
    assert "{&quot;error&quot;: &quot;bad token&quot;}" in html
    assert "<details" in html
    assert "Retry now" in html
    # Every other answer, and the body each try sent.
    assert "<dt>Budget</dt>" in html and "<dd>5k</dd>" in html
    assert "<dd>Pricing, Support</dd>" in html and "<dd>Yes</dd>" in html
    assert "What was sent" in html
    assert "{\n  &quot;email&quot;: &quot;bob@example.com&quot;," in html


def test_unknown_lead_is_404(admin_client, db):
    assert (
        admin_client.get(reverse("chatbot_crm_admin:lead", args=[999])).status_code
        == 404
    )
    url = reverse("chatbot_crm_admin:lead_retry", args=[999])
    assert admin_client.post(url).status_code == 404


def test_retry_now_queues_a_failed_lead(
    admin_client, leads, django_capture_on_commit_callbacks
):
    lead = leads["failed"]
    url = reverse("chatbot_crm_admin:lead_retry", args=[lead.pk])
    assert "Yes, send it now" in admin_client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url)
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.sync_status == SyncStatus.PENDING
    [task] = HUEY.pending()
    assert task.args == (lead.pk,)
    assert task.kwargs == {"trigger": "manual"}


def test_retry_now_sends_a_not_sent_lead(
    admin_client, leads, django_capture_on_commit_callbacks
):
    lead = leads["skipped"]
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("chatbot_crm_admin:lead_retry", args=[lead.pk]))
    lead.refresh_from_db()
    assert lead.sync_status == SyncStatus.PENDING


def test_retry_of_a_synced_lead_needs_confirmation(admin_client, leads):
    lead = leads["synced"]
    url = reverse("chatbot_crm_admin:lead_retry", args=[lead.pk])
    response = admin_client.post(url)
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.sync_status == SyncStatus.SYNCED
    assert HUEY.pending() == []
    admin_client.post(url, {"resend": "1"})
    lead.refresh_from_db()
    assert lead.sync_status == SyncStatus.PENDING


def test_retry_of_a_lead_in_flight_is_refused(admin_client, leads):
    lead = leads["retrying"]
    Lead.objects.filter(pk=lead.pk).update(
        claimed_until=timezone.now() + timedelta(seconds=30)
    )
    admin_client.post(reverse("chatbot_crm_admin:lead_retry", args=[lead.pk]))
    lead.refresh_from_db()
    assert lead.sync_status == SyncStatus.RETRYING


def test_retry_all_failed_confirms_with_the_count(admin_client, leads, chatbot):
    url = reverse("chatbot_crm_admin:retry_failed")
    html = admin_client.get(f"{url}?chatbot={chatbot.pk}").content.decode()
    assert "1 failed lead of “Sales” will be sent to the CRM again now." in html
    response = admin_client.post(url, {"chatbot": chatbot.pk})
    assert response.status_code == 302
    assert Lead.objects.get(pk=leads["failed"].pk).sync_status == SyncStatus.PENDING
    assert Lead.objects.get(pk=leads["synced"].pk).sync_status == SyncStatus.SYNCED


def test_retry_all_failed_without_a_chatbot_lists_choices(
    admin_client, leads, make_chatbot
):
    url = reverse("chatbot_crm_admin:retry_failed")
    # One chatbot has failed leads: straight to its confirmation.
    html = admin_client.get(url).content.decode()
    assert "1 failed lead of “Sales” will be sent to the CRM again now." in html
    other = make_chatbot(name="Events", slug="events")
    Lead.objects.create(chatbot=other, name="Ed", sync_status=SyncStatus.FAILED)
    html = admin_client.get(url).content.decode()
    assert "Choose the chatbot whose leads to send" in html
    assert "Sales" in html and "Events" in html
    assert admin_client.get(url + "?chatbot=x").status_code == 404


def test_retrying_one_lead_leads_to_its_page_which_follows_the_try(
    admin_client, leads, chatbot
):
    response = admin_client.post(
        reverse("chatbot_crm_admin:retry_failed"), {"chatbot": chatbot.pk}
    )
    lead_url = reverse("chatbot_crm_admin:lead", args=[leads["failed"].pk])
    assert response["Location"] == lead_url
    html = admin_client.get(lead_url).content.decode()
    assert "data-lead-watch" in html
    assert "this page updates itself" in html
    settled = admin_client.get(
        reverse("chatbot_crm_admin:lead", args=[leads["synced"].pk])
    )
    assert "data-lead-watch" not in settled.content.decode()


def test_send_all_not_sent(admin_client, leads):
    url = reverse("chatbot_crm_admin:send_not_sent")
    report = admin_client.get(REPORT).content.decode()
    assert url in report and "Send all not sent" in report
    html = admin_client.get(url).content.decode()
    assert "1 lead of “Support” that was not sent will be sent to the CRM now." in html
    admin_client.post(url, {"chatbot": leads["skipped"].chatbot_id})
    assert Lead.objects.get(pk=leads["skipped"].pk).sync_status == SyncStatus.PENDING
    assert Lead.objects.get(pk=leads["failed"].pk).sync_status == SyncStatus.FAILED


def test_a_lead_never_tried_says_so(admin_client, leads):
    html = admin_client.get(
        reverse("chatbot_crm_admin:lead", args=[leads["skipped"].pk])
    ).content.decode()
    assert "(not tried yet)" in html
    assert "after 0 tries" not in html


def test_gets_never_change_anything(admin_client, leads):
    lead = leads["failed"]
    admin_client.get(reverse("chatbot_crm_admin:lead_retry", args=[lead.pk]))
    lead.refresh_from_db()
    assert lead.sync_status == SyncStatus.FAILED


def test_admin_posts_are_csrf_protected(client, django_user_model, leads):
    from django.test import Client

    admin = django_user_model.objects.create_superuser("boss", "b@example.com", "pw")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin)
    lead = leads["failed"]
    response = strict.post(reverse("chatbot_crm_admin:lead_retry", args=[lead.pk]))
    assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.sync_status == SyncStatus.FAILED


def test_without_permissions_no_lead_data_anywhere(client, django_user_model, leads):
    user = user_with(django_user_model)
    client.force_login(user)
    lead = leads["failed"]
    for url in (
        REPORT,
        f"{REPORT}?export=csv",
        reverse("chatbot_crm_admin:leads_results"),
        reverse("chatbot_crm_admin:lead", args=[lead.pk]),
        reverse("chatbot_crm_admin:lead_retry", args=[lead.pk]),
        reverse("chatbot_crm_admin:retry_failed"),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"Bob Failed" not in response.content
    assert (
        client.post(reverse("chatbot_crm_admin:lead_retry", args=[lead.pk])).status_code
        == 403
    )
    home = client.get("/admin/").content.decode()
    assert reverse("chatbot_crm_admin:leads") not in home


def test_view_permission_shows_leads_but_not_export_or_retry(
    client, django_user_model, leads
):
    client.force_login(user_with(django_user_model, "view_lead"))
    response = client.get(REPORT)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bob Failed" in html
    assert "Download CSV" not in html
    assert "Retry all failed" not in html
    assert client.get(f"{REPORT}?export=csv").status_code == 403
    lead = leads["failed"]
    assert (
        "Retry now"
        not in client.get(
            reverse("chatbot_crm_admin:lead", args=[lead.pk])
        ).content.decode()
    )
    assert (
        client.post(reverse("chatbot_crm_admin:lead_retry", args=[lead.pk])).status_code
        == 403
    )


def test_export_and_retry_permissions(client, django_user_model, leads):
    client.force_login(
        user_with(django_user_model, "view_lead", "export_lead", "retry_lead")
    )
    html = client.get(REPORT).content.decode()
    assert "Download CSV" in html
    assert "Retry all failed" in html
    assert client.get(f"{REPORT}?export=csv").status_code == 200


def test_permissions_appear_in_the_group_editor(admin_client):
    html = admin_client.get(reverse("wagtailusers_groups:add")).content.decode()
    for codename in (
        "view_lead",
        "export_lead",
        "retry_lead",
        "test_connection",
        "change_crm_settings",
    ):
        permission = Permission.objects.get(codename=codename)
        assert f'value="{permission.pk}"' in html, codename


def test_failure_email_links_to_the_lead(leads, settings):
    from django.core import mail

    from wagtail_chatbot_crm.notifications import notify_failures

    settings.WAGTAILADMIN_BASE_URL = "https://www.example.com"
    notify_failures(leads["failed"].chatbot_id)
    [email] = mail.outbox
    assert (
        f"https://www.example.com/admin/chatbot-crm/leads/{leads['failed'].pk}/"
        in email.body
    )


def test_csv_export_keeps_formulas_as_text(admin_client, chatbot):
    Lead.objects.create(chatbot=chatbot, name='=HYPERLINK("http://evil.example","x")')
    response = admin_client.get(f"{REPORT}?export=csv")
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    )
    assert rows[0]["Name"].startswith("'=HYPERLINK")


def test_csv_export_keeps_a_chatbot_name_formula_as_text(admin_client, make_chatbot):
    bot = make_chatbot(name='=HYPERLINK("http://x")')
    Lead.objects.create(chatbot=bot, name="Ada")
    response = admin_client.get(f"{REPORT}?export=csv")
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    )
    assert rows[0]["Chatbot"] == '\'=HYPERLINK("http://x")'
    assert rows[0]["Name"] == "Ada"


def export_rows(admin_client, query=""):
    response = admin_client.get(f"{REPORT}?export=csv{query}")
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_the_export_has_a_column_per_other_answer_and_iso_times(
    admin_client, chatbot, settings
):
    settings.TIME_ZONE = "Europe/Paris"
    when = timezone.make_aware(timezone.datetime(2026, 11, 26, 6, 28, 23, 37565), UTC)
    Lead.objects.create(
        chatbot=chatbot,
        name="Ada",
        created_at=when,
        consent=True,
        consent_at=when,
        extra_data={"Budget": "5k", "Topics": ["Pricing", "Support"]},
    )
    Lead.objects.create(
        chatbot=chatbot,
        name="Bob",
        created_at=when - timedelta(days=1),
        extra_data={"Subject": "Hello", "Budget": 12},
    )
    Lead.objects.create(chatbot=chatbot, name="Cy", created_at=when - timedelta(days=2))
    ada, bob, cy = export_rows(admin_client)
    assert ada["Date"] == "2026-11-26T07:28:23+01:00"
    assert ada["Consent given at"] == "2026-11-26T07:28:23+01:00"
    assert (ada["Consent given"], bob["Consent given"]) == ("Yes", "No")
    assert ada["Next try"] == ""
    # Each other answer's label is a column, in the order first seen.
    assert list(ada)[-3:] == ["Budget", "Topics", "Subject"]
    assert (ada["Budget"], ada["Topics"], ada["Subject"]) == (
        "5k",
        "Pricing, Support",
        "",
    )
    assert (bob["Budget"], bob["Subject"]) == ("12", "Hello")
    assert cy["Budget"] == ""
    # Filtered to the leads without other answers, no such columns.
    assert "Budget" not in export_rows(admin_client, "&q=Cy")[0]


def test_the_xlsx_export_carries_the_same_columns(admin_client, chatbot):
    from openpyxl import load_workbook

    Lead.objects.create(
        chatbot=chatbot, name="=SUM(A1)", extra_data={"Budget": "5k"}, consent=True
    )
    response = admin_client.get(f"{REPORT}?export=xlsx")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    header, row = book.active.iter_rows(values_only=True)
    record = dict(zip(header, row, strict=True))
    assert record["Name"] == "=SUM(A1)"  # kept as text, not a formula
    assert record["Budget"] == "5k"
    assert record["Consent given"] == "Yes"
    assert record["Date"].endswith("+00:00")


@pytest.mark.parametrize(
    ("status", "words", "anchor"),
    [
        (401, "Check the authentication settings", "crm_integration-authentication"),
        (422, "Check the field mapping", "field_mapping-field_mapping"),
        (404, "Check the webhook URL", "crm_integration-webhook_url"),
    ],
)
def test_the_error_links_to_the_setting_that_fixes_it(
    admin_client, leads, status, words, anchor
):
    lead = leads["failed"]
    # As a failed try leaves it.
    lead.last_error_fix = {401: "auth", 422: "mapping", 404: "url"}[status]
    lead.save()
    edit = reverse(
        "wagtailsnippets_wagtail_chatbot_crm_chatbot:edit", args=[lead.chatbot_id]
    )
    link = f'<a href="{edit}#panel-child-{anchor}-section"'
    page = admin_client.get(reverse("chatbot_crm_admin:lead", args=[lead.pk]))
    assert f"{link}>{words}</a>" in page.content.decode()
    # The report's Last error column links it too.
    report = admin_client.get(f"{REPORT}?sync_status=failed").content.decode()
    assert f'{link} class="w-chatbot-fix">{words}</a>' in report


def test_a_crm_fix_is_linked_only_for_who_may_change_crm_settings(
    client, django_user_model, leads
):
    lead = leads["failed"]
    lead.last_error_fix = "auth"
    lead.save()
    client.force_login(user_with(django_user_model, "view_lead", "change_chatbot"))
    html = client.get(reverse("chatbot_crm_admin:lead", args=[lead.pk])).content
    assert b"Check the authentication settings" not in html


def test_a_lead_not_sent_because_sync_is_off_links_to_the_switch(admin_client, leads):
    lead = leads["skipped"]
    lead.chatbot.crm_enabled = False
    lead.chatbot.save()
    html = admin_client.get(reverse("chatbot_crm_admin:lead", args=[lead.pk]))
    assert "Switch CRM sync on" in html.content.decode()


def test_next_try_says_when_in_words(admin_client, leads):
    html = admin_client.get(f"{REPORT}?sync_status=retrying").content.decode()
    # A time ahead in words (Wagtail's date column said "Just now").
    assert ">in 4\xa0minutes</time>" in html or ">in 5\xa0minutes</time>" in html


def bulk_url(action, *ids, next_url=REPORT):
    url = reverse("wagtail_bulk_action", args=["wagtail_chatbot_crm", "lead", action])
    query = "&".join(f"id={pk}" for pk in ids)
    return f"{url}?{query}&next={next_url}"


def test_bulk_send_queues_the_selected_leads_but_not_synced_ones(admin_client, leads):
    url = bulk_url("send", leads["failed"].pk, leads["skipped"].pk, leads["synced"].pk)
    html = admin_client.get(url).content.decode()
    assert "These 2 leads will be sent to the CRM now" in html
    assert "Left out: synced leads" in html
    response = admin_client.post(url)
    assert response.status_code == 302
    statuses = dict(Lead.objects.values_list("name", "sync_status"))
    assert statuses["Bob Failed"] == statuses["Di Skipped"] == SyncStatus.PENDING
    assert statuses["Ada Synced"] == SyncStatus.SYNCED


def test_bulk_delete_needs_the_delete_permission(client, django_user_model, leads):
    url = bulk_url("delete", leads["failed"].pk)
    client.force_login(user_with(django_user_model, "view_lead", "retry_lead"))
    client.post(url)
    assert Lead.objects.filter(pk=leads["failed"].pk).exists()


def test_bulk_delete(admin_client, leads):
    lead = leads["failed"]
    DeliveryAttempt.objects.create(lead=lead, chatbot=lead.chatbot)
    url = bulk_url("delete", lead.pk, leads["skipped"].pk)
    assert "These 2 leads are deleted" in admin_client.get(url).content.decode()
    admin_client.post(url)
    assert set(Lead.objects.values_list("name", flat=True)) == {
        "Ada Synced",
        "Cy Retrying",
    }
    assert not DeliveryAttempt.objects.exists()


def test_select_all_means_what_the_filter_shows(admin_client, leads):
    from urllib.parse import quote

    url = bulk_url("send", "all", next_url=quote(f"{REPORT}?sync_status=failed"))
    admin_client.post(url)
    statuses = dict(Lead.objects.values_list("name", "sync_status"))
    assert statuses["Bob Failed"] == SyncStatus.PENDING
    assert statuses["Di Skipped"] == SyncStatus.SKIPPED  # not in the filter


def test_the_report_has_checkboxes_and_the_bulk_footer(admin_client, leads):
    html = admin_client.get(REPORT).content.decode()
    assert 'data-bulk-action-footer="LEAD"' in html
    assert f'data-object-id="{leads["failed"].pk}"' in html
    assert "Send to the CRM" in html


def test_send_again_what_the_filter_shows_after_a_preview(admin_client, leads, chatbot):
    report = admin_client.get(f"{REPORT}?chatbot={chatbot.pk}&p=1").content.decode()
    replay = reverse("chatbot_crm_admin:replay")
    assert f'href="{replay}?chatbot={chatbot.pk}"' in report  # page number dropped
    url = f"{replay}?chatbot={chatbot.pk}"
    html = admin_client.get(url).content.decode()
    # How many and which, before anything is sent.
    assert "2 leads, those the report shows with this filter" in html
    assert "Ada Synced" in html and "Bob Failed" in html
    assert "Cy Retrying" not in html
    assert "<li>Synced: 1</li>" in html and "<li>Failed: 1</li>" in html
    assert Lead.objects.get(pk=leads["synced"].pk).sync_status == SyncStatus.SYNCED

    response = admin_client.post(replay, {"chatbot": chatbot.pk})
    assert response.status_code == 302
    statuses = dict(Lead.objects.values_list("name", "sync_status"))
    assert statuses["Ada Synced"] == statuses["Bob Failed"] == SyncStatus.PENDING
    assert statuses["Cy Retrying"] == SyncStatus.RETRYING


def test_replay_by_status_and_date(admin_client, leads):
    since = (timezone.now() - timedelta(days=3)).date().isoformat()
    replay = reverse("chatbot_crm_admin:replay")
    html = admin_client.get(
        f"{replay}?sync_status=failed&created_at_from={since}"
    ).content.decode()
    assert "The report shows no leads with this filter" in html  # Bob: 10 days ago
    admin_client.post(replay, {"sync_status": "failed", "created_at_from": since})
    assert Lead.objects.get(pk=leads["failed"].pk).sync_status == SyncStatus.FAILED
