"""Admin viewsets: the Chatbot snippet editor."""

from django import forms
from django.contrib import messages
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters
from wagtail.admin import messages as wagtail_messages
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    HelpPanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
    TitleFieldPanel,
)
from wagtail.admin.ui.tables import BooleanColumn, Column, UpdatedAtColumn
from wagtail.admin.widgets.slug import SlugInput
from wagtail.snippets.views.snippets import (
    CreateView,
    DeleteView,
    EditView,
    SnippetViewSet,
)

from .forms import ChatbotAdminForm
from .models import Chatbot, SyncStatus
from .oauth import reconnect_label, token_health
from .panels import (
    BodyPreviewPanel,
    ChatbotInlinePanel,
    LoadFieldsPanel,
    PresetPanel,
    TestConnectionPanel,
)
from .permissions import CHANGE_CRM_SETTINGS as CRM
from .permissions import can_retry_leads


class SyncOffWarningMixin:
    """After a save, say so when a webhook URL is set but CRM sync is off:
    otherwise the first leads stay Not sent and nobody knows why. And when
    the chatbot has failed leads, offer to send them again: a save is how a
    failure's cause gets fixed."""

    def form_valid(self, form):
        response = super().form_valid(form)
        chatbot = self.object
        failed = chatbot.leads.filter(sync_status=SyncStatus.FAILED).count()
        if failed and chatbot.crm_enabled and can_retry_leads(self.request.user):
            url = reverse("chatbot_crm_admin:retry_failed")
            wagtail_messages.warning(
                self.request,
                ngettext(
                    "“%(name)s” has %(count)d failed lead.",
                    "“%(name)s” has %(count)d failed leads.",
                    failed,
                )
                % {"name": chatbot.name, "count": failed},
                buttons=[
                    wagtail_messages.button(
                        f"{url}?chatbot={chatbot.pk}",
                        ngettext("Send the lead again", "Send the leads again", failed),
                    )
                ],
            )
        if chatbot.webhook_url and not chatbot.crm_enabled:
            messages.warning(
                self.request,
                _(
                    "“%(name)s” has a webhook URL but CRM sync is off: its leads "
                    "are kept as “Not sent”. Tick “Enable CRM sync” on the CRM "
                    "integration tab to send them."
                )
                % {"name": chatbot.name},
            )
        return response


# The editor posts tokens, keys and passwords: keep them out of Django's
# error reports.
@method_decorator(sensitive_post_parameters(), name="dispatch")
class ChatbotCreateView(SyncOffWarningMixin, CreateView):
    pass


@method_decorator(sensitive_post_parameters(), name="dispatch")
class ChatbotEditView(SyncOffWarningMixin, EditView):
    pass


class ChatbotDeleteView(DeleteView):
    """Deleting a chatbot deletes its leads: the confirmation says how many."""

    @property
    def confirmation_message(self):
        count = self.object.leads.count()
        if not count:
            return super().confirmation_message
        return ngettext(
            "Delete this chatbot and its %(count)d lead? The lead and its "
            "delivery attempts are deleted with it. This cannot be undone.",
            "Delete this chatbot and its %(count)d leads? The leads and their "
            "delivery attempts are deleted with it. This cannot be undone.",
            count,
        ) % {"count": count}


class CrmConnectionColumn(Column):
    """The chatbot's CRM, or "Reconnect Zoho" when the CRM refused its
    refresh token: seen in the listing before leads pile up."""

    cell_template_name = "wagtail_chatbot_crm/tables/status_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        if token_health(instance):
            context.update(
                status=SyncStatus.FAILED,
                icon="warning",
                label=reconnect_label(instance),
            )
        else:
            context.update(
                status="crm", icon="link", label=instance.get_preset_display()
            )
        return context


class ChatbotViewSet(SnippetViewSet):
    model = Chatbot
    add_view_class = ChatbotCreateView
    edit_view_class = ChatbotEditView
    delete_view_class = ChatbotDeleteView
    icon = "comment"
    menu_label = _("Chatbots")
    # In the main menu through ``wagtail_hooks.ChatbotGroup``, beside Leads.
    add_to_admin_menu = False
    # A copy would have to carry the credentials along; start from a blank form.
    copy_view_enabled = False
    list_display = [
        "name",
        "slug",
        BooleanColumn("enabled", label=_("Enabled")),
        BooleanColumn("crm_enabled", label=_("CRM sync")),
        CrmConnectionColumn("preset", label=_("CRM")),
        UpdatedAtColumn(),
    ]
    list_filter = ["enabled", "crm_enabled", "preset"]
    search_fields = ["name", "slug"]
    ordering = ["name"]

    def get_queryset(self, request):
        # The CRM column reads each chatbot's OAuth2 token row.
        return Chatbot.objects.select_related("oauth_token")

    edit_handler = TabbedInterface(
        [
            ObjectList(
                [
                    # The slug fills in from the name, as a page's from its
                    # title, until it is edited by hand.
                    TitleFieldPanel("name", placeholder=False, classname=""),
                    FieldPanel("slug", widget=SlugInput),
                    FieldPanel("enabled"),
                    FieldPanel("widget_style", widget=forms.RadioSelect),
                    FieldPanel("greeting"),
                    FieldRowPanel(
                        [
                            FieldPanel("proactive_greeting"),
                            FieldPanel("proactive_delay"),
                        ]
                    ),
                    MultiFieldPanel(
                        [
                            FieldRowPanel(
                                [FieldPanel("ask_name"), FieldPanel("ask_email")]
                            ),
                            FieldRowPanel(
                                [FieldPanel("ask_phone"), FieldPanel("ask_company")]
                            ),
                            FieldPanel("ask_message"),
                        ],
                        heading=_("Contact fields"),
                        help_text=_("Which details the chatbot asks visitors for."),
                    ),
                    FieldPanel("consent_text"),
                    FieldPanel("thank_you_text"),
                ],
                heading=_("Chatbot"),
            ),
            ObjectList(
                [
                    FieldPanel("crm_enabled", permission=CRM),
                    FieldPanel("preset", permission=CRM),
                    PresetPanel(),
                    FieldPanel("webhook_url", permission=CRM),
                    FieldRowPanel(
                        [
                            FieldPanel("body_format", permission=CRM),
                            FieldPanel("send_condition", permission=CRM),
                        ]
                    ),
                    MultiFieldPanel(
                        [
                            FieldPanel("auth_type", permission=CRM),
                            FieldPanel("bearer_token", permission=CRM),
                            FieldRowPanel(
                                [
                                    FieldPanel("api_key_header", permission=CRM),
                                    FieldPanel("api_key", permission=CRM),
                                ],
                                help_text=_("For “API key in a header”."),
                            ),
                            FieldRowPanel(
                                [
                                    FieldPanel("basic_username", permission=CRM),
                                    FieldPanel("basic_password", permission=CRM),
                                ],
                                help_text=_("For “Basic auth”."),
                            ),
                            FieldPanel("oauth_token_url", permission=CRM),
                            FieldRowPanel(
                                [
                                    FieldPanel("oauth_client_id", permission=CRM),
                                    FieldPanel("oauth_client_secret", permission=CRM),
                                ],
                                help_text=_("For “OAuth2 refresh token”."),
                            ),
                            FieldRowPanel(
                                [
                                    FieldPanel("oauth_refresh_token", permission=CRM),
                                    FieldPanel("oauth_header_prefix", permission=CRM),
                                ]
                            ),
                        ],
                        heading=_("Authentication"),
                        help_text=_(
                            "Fill in only the fields of the type you choose. Stored "
                            "secrets are never shown again: leave a field blank to "
                            "keep what is stored."
                        ),
                    ),
                    TestConnectionPanel(),
                    FieldPanel("signing_secret", permission=CRM),
                    FieldPanel("rate_limit_per_minute", permission=CRM),
                    ChatbotInlinePanel(
                        "custom_headers",
                        panels=[
                            FieldRowPanel(
                                [
                                    FieldPanel("name"),
                                    FieldPanel("value", widget=forms.TextInput),
                                ]
                            ),
                            FieldPanel("is_secret"),
                        ],
                        heading=_("Custom headers"),
                        label=_("Header"),
                        help_text=_("Extra headers your CRM asks for."),
                    ),
                ],
                heading=_("CRM integration"),
            ),
            ObjectList(
                [
                    HelpPanel(
                        content=_(
                            "<p>Each row sends one chatbot field to a field of your "
                            "CRM. In JSON bodies a dot nests and a number makes a "
                            "list: <code>properties.email</code> sends "
                            '<code>{"properties": {"email": …}}</code>. The '
                            "“Date format” transform asks for strftime codes "
                            "(<code>%Y-%m-%d</code>; blank gives ISO 8601), and "
                            "“Other answer” for the label of the form page's "
                            "field, such as Budget.</p>"
                        )
                    ),
                    LoadFieldsPanel(),
                    ChatbotInlinePanel(
                        "field_mappings",
                        # One line a row; the date format and the answer's
                        # label show only for the rows that use them
                        # (mapping-rows.js).
                        panels=[
                            FieldRowPanel(
                                [
                                    FieldPanel("source"),
                                    FieldPanel("crm_field"),
                                    FieldPanel("transform"),
                                ]
                            ),
                            FieldRowPanel(
                                [FieldPanel("date_format"), FieldPanel("extra_key")]
                            ),
                        ],
                        heading=_("Field mapping"),
                        label=_("Mapping"),
                    ),
                    ChatbotInlinePanel(
                        "static_values",
                        panels=[
                            FieldRowPanel(
                                [
                                    FieldPanel("crm_field"),
                                    FieldPanel("value", widget=forms.TextInput),
                                ]
                            ),
                            FieldPanel("is_json"),
                        ],
                        heading=_("Static values"),
                        label=_("Static value"),
                        help_text=_(
                            "Sent with every lead, e.g. lead_source = Chatbot."
                        ),
                    ),
                    BodyPreviewPanel(),
                ],
                heading=_("Field mapping"),
            ),
            ObjectList(
                # Failure emails carry leads' contact details.
                [
                    FieldPanel("notification_emails", permission=CRM),
                    FieldPanel("new_lead_email", permission=CRM),
                ],
                heading=_("Notifications"),
            ),
        ],
        base_form_class=ChatbotAdminForm,
    )
