"""Admin panels for the chatbot editor."""

from wagtail.admin.panels import InlinePanel
from wagtail.admin.panels.base import get_form_for_model

from .forms import ChatbotChildForm


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
