"""Admin panels for the chatbot editor."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import InlinePanel, Panel
from wagtail.admin.panels.base import get_form_for_model

from .forms import ChatbotChildForm
from .permissions import CHANGE_CRM_SETTINGS, can_test_connection
from .presets import all_presets, registered_preset


class ChatbotInlinePanel(InlinePanel):
    """An InlinePanel whose rows use ``ChatbotChildForm``, so secret values in
    them are masked like the chatbot's own credentials."""

    def get_form_options(self):
        options = super().get_form_options()
        child_options = self.child_edit_handler.get_form_options()
        options["formsets"][self.relation_name]["form"] = get_form_for_model(
            self.db_field.related_model,
            form_class=ChatbotChildForm,
            defer_required_on_fields=child_options.get("defer_required_on_fields", []),
        )
        return options

    class BoundPanel(InlinePanel.BoundPanel):
        """Rendered only when the form carries this panel's formset: the
        chatbot form leaves CRM rows out for users who may not change them."""

        def __init__(self, **kwargs):
            if kwargs["panel"].relation_name in kwargs["form"].formsets:
                super().__init__(**kwargs)
            else:
                Panel.BoundPanel.__init__(self, **kwargs)
                self.formset = None

        def is_shown(self):
            return self.formset is not None and super().is_shown()


class PresetPanel(Panel):
    """The chosen CRM's setup steps; with JavaScript, choosing a CRM fills
    the CRM settings and rows from its preset, and only the credential
    fields of the chosen authentication are shown."""

    def __init__(self, **kwargs):
        kwargs.setdefault("heading", _("Setting up this CRM"))
        super().__init__(**kwargs)

    @property
    def clean_name(self):
        return super().clean_name or "preset_setup"

    class BoundPanel(Panel.BoundPanel):
        template_name = "wagtail_chatbot_crm/panels/preset.html"

        class Media:
            css = {"all": ["wagtail_chatbot_crm/css/admin.css"]}
            js = ["wagtail_chatbot_crm/js/preset.js"]

        def is_shown(self):
            return self.request is not None and self.request.user.has_perm(
                CHANGE_CRM_SETTINGS
            )

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            current = registered_preset(getattr(self.instance, "preset", ""))
            context["current"] = current
            context["presets"] = {
                preset.key: preset_for_editor(preset) for preset in all_presets()
            }
            context["auth_fields"] = AUTH_FIELDS
            return context


# The editor's credential inputs of each kind of authentication.
AUTH_FIELDS = {
    "none": [],
    "bearer": ["bearer_token"],
    "api_key": ["api_key_header", "api_key"],
    "basic": ["basic_username", "basic_password"],
    "oauth2": [
        "oauth_token_url",
        "oauth_client_id",
        "oauth_client_secret",
        "oauth_refresh_token",
        "oauth_header_prefix",
    ],
}


def preset_for_editor(preset) -> dict:
    """What the editor's script needs of a preset, as JSON-ready data."""
    return {
        "label": str(preset.label),
        "url": preset.url,
        "auth_type": preset.auth_type,
        "api_key_header": preset.api_key_header,
        "oauth_token_url": preset.oauth_token_url,
        "oauth_header_prefix": preset.oauth_header_prefix,
        "body_format": preset.body_format,
        "mappings": [list(row) for row in preset.mappings],
        "static_values": [list(row) for row in preset.static_values],
        "steps": [str(step) for step in preset.setup_steps],
        "duplicates": str(preset.duplicates),
        "docs_url": preset.docs_url,
        "guide_url": preset.guide_url,
    }


class TestConnectionPanel(Panel):
    """A “Test connection” button that sends a test lead built from the
    editor's current, unsaved CRM settings and shows the answer inline."""

    def __init__(
        self,
        template="wagtail_chatbot_crm/panels/test_connection.html",
        **kwargs,
    ):
        kwargs.setdefault("heading", _("Test connection"))
        kwargs.setdefault(
            "help_text",
            _(
                "Sends a test lead (“Test Contact”, an example.com email address "
                "and the time of the test as the company) with the settings on "
                "this page, including changes you have not saved yet. Nothing "
                "is saved."
            ),
        )
        super().__init__(**kwargs)
        self.template = template

    def clone_kwargs(self):
        kwargs = super().clone_kwargs()
        kwargs["template"] = self.template
        return kwargs

    @property
    def clean_name(self):
        return super().clean_name or "test_connection"

    class BoundPanel(Panel.BoundPanel):
        class Media:
            css = {"all": ["wagtail_chatbot_crm/css/admin.css"]}
            js = ["wagtail_chatbot_crm/js/editor-action.js"]

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.template_name = self.panel.template

        button_label = _("Test connection")
        busy_label = _("Testing…")
        url_name = "test_connection"
        result_template = "wagtail_chatbot_crm/includes/test_connection_result.html"

        def is_shown(self):
            return self.request is not None and can_test_connection(self.request.user)

        @property
        def failed_result(self) -> dict:
            """What is shown when the test's answer never came."""
            return {
                "success": False,
                "message": _(
                    "The test could not be run. Reload the page and try again."
                ),
            }

        @property
        def url(self) -> str:
            """Where the test is posted: the stored chatbot's, or a new one's."""
            if self.instance is not None and self.instance.pk:
                return reverse(
                    f"chatbot_crm_admin:{self.url_name}_existing",
                    args=[self.instance.pk],
                )
            return reverse(f"chatbot_crm_admin:{self.url_name}")


class LoadFieldsPanel(TestConnectionPanel):
    """“Load fields from the CRM”: the CRM's own field names, read with the
    editor's unsaved settings, offered in every mapping row's CRM field."""

    def __init__(self, **kwargs):
        kwargs.setdefault("heading", _("Fields in your CRM"))
        kwargs.setdefault(
            "help_text",
            _(
                "Reads the names of your CRM's fields with the settings on the "
                "CRM integration tab, including changes you have not saved yet, "
                "so you can pick them in each row's CRM field. Nothing is saved."
            ),
        )
        super().__init__(**kwargs)

    @property
    def clean_name(self):
        return "load_fields"

    class BoundPanel(TestConnectionPanel.BoundPanel):
        button_label = _("Load fields from the CRM")
        busy_label = _("Loading…")
        url_name = "load_fields"

        @property
        def failed_result(self) -> dict:
            return {
                "success": False,
                "message": _(
                    "The fields could not be loaded. Reload the page and try again."
                ),
            }


class BodyPreviewPanel(TestConnectionPanel):
    """“What is sent”: the body a lead would be sent with, built from the
    rows on the page (saved or not) by the code deliveries use, kept up to
    date as the editor changes them."""

    def __init__(self, **kwargs):
        kwargs.setdefault("heading", _("What is sent"))
        kwargs.setdefault(
            "help_text",
            _(
                "The body a lead would be sent with, built from the rows above "
                "(including changes you have not saved yet) for a sample lead. "
                "Nothing is sent."
            ),
        )
        super().__init__(**kwargs)

    @property
    def clean_name(self):
        return "preview_body"

    class BoundPanel(TestConnectionPanel.BoundPanel):
        class Media:
            css = {"all": ["wagtail_chatbot_crm/css/admin.css"]}
            js = [
                "wagtail_chatbot_crm/js/editor-action.js",
                "wagtail_chatbot_crm/js/mapping-rows.js",
            ]

        button_label = _("Show what is sent")
        busy_label = _("Building…")
        url_name = "preview_body"
        result_template = "wagtail_chatbot_crm/includes/body_preview_result.html"
        # Follows the rows as they change.
        follows_changes = True

        def is_shown(self):
            return self.request is not None

        @property
        def failed_result(self) -> dict:
            return {
                "success": False,
                "message": _(
                    "The body could not be built. Reload the page and try again."
                ),
            }
