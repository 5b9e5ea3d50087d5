"""The Settings → Chatbot screen: what editors choose, and what is in place
for it to take effect."""

from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.admin.panels import HelpPanel


class PlacementStatusPanel(HelpPanel):
    """Says whether the template tag or the middleware puts the chatbot on
    the pages, and where the bubble shows with the saved settings."""

    class BoundPanel(HelpPanel.BoundPanel):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.content = format_html(
                "<p>{}</p><p>{}</p>", self.how_it_gets_there(), self.where()
            )

        def how_it_gets_there(self) -> str:
            from .placement import middleware_active

            if middleware_active():
                return _(
                    "The chatbot middleware is on: it adds the chatbot to every "
                    "page of the site."
                )
            seen = self.instance.tag_seen_at
            if seen is not None:
                return _(
                    "The {%% chatbot_widget %%} tag is in the site's templates "
                    "(last seen %(ago)s ago)."
                ) % {"ago": timesince(seen)}
            return _(
                "No page of this site has shown the {% chatbot_widget %} tag "
                "yet: a developer adds it to the base template, or turns on the "
                "chatbot middleware, before the choice below takes effect."
            )

        def where(self) -> str:
            from .models import Placement

            instance = self.instance
            chatbot = instance.default_chatbot
            if chatbot is None or instance.placement == Placement.NOWHERE:
                return _("Visitors see no chatbot.")
            if not chatbot.enabled:
                return _("“%(name)s” is switched off: visitors see no chatbot.") % {
                    "name": chatbot.name
                }
            if instance.placement == Placement.SECTION and instance.section:
                where = _("on “%(section)s” and the pages under it") % {
                    "section": instance.section.get_admin_display_title()
                }
            else:
                where = _("on every page")
            hidden = instance.pk and instance.hidden_pages.count()
            text = _("Visitors see “%(name)s” %(where)s") % {
                "name": chatbot.name,
                "where": where,
            }
            if hidden:
                text += ngettext(
                    ", except on %(count)s page listed below.",
                    ", except on %(count)s pages listed below.",
                    hidden,
                ) % {"count": hidden}
            else:
                text += "."
            return text
