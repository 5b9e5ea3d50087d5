"""Live preview in the chatbot editor: the widget with unsaved texts."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from wagtail_chatbot_crm.models import Chatbot, FieldRequirement

pytestmark = pytest.mark.django_db


def preview(chatbot, mode=None):
    request = RequestFactory().get("/")
    request.user = None
    return chatbot.serve_preview(request, mode or chatbot.default_preview_mode).render()


def test_the_preview_shows_the_unsaved_texts_and_fields(make_chatbot):
    bot = make_chatbot(greeting="Saved greeting")
    bot.greeting = "Hello from the unsaved form"
    bot.thank_you_text = "Thanks, unsaved"
    bot.ask_company = FieldRequirement.REQUIRED
    html = preview(bot).content.decode()
    assert "Hello from the unsaved form" in html
    assert "Saved greeting" not in html
    assert "Thanks, unsaved" in html
    assert "Company <span" in html
    # Sending from a preview stores nothing: the widget is told so.
    assert "data-wcc-preview" in html
    assert "nothing was sent" in html


def test_the_preview_shows_either_style_starting_with_the_chosen_one(make_chatbot):
    bot = make_chatbot(widget_style="form")
    assert [mode for mode, _label in bot.preview_modes] == ["conversation", "form"]
    assert bot.default_preview_mode == "form"
    assert 'data-wcc-style="form"' in preview(bot).content.decode()
    html = preview(bot, "conversation").content.decode()
    assert 'data-wcc-style="conversation"' in html
    # The conversation's questions come with the page.
    assert 'data-wcc-question="What is your name?"' in html


def test_a_chatbot_not_saved_yet_can_be_previewed():
    html = preview(Chatbot(name="New", greeting="Hi there")).content.decode()
    assert "Hi there" in html


def test_the_editor_offers_the_preview(admin_client, make_chatbot):
    bot = make_chatbot()
    url = reverse("wagtailsnippets_wagtail_chatbot_crm_chatbot:edit", args=[bot.pk])
    html = admin_client.get(url).content.decode()
    assert (
        reverse(
            "wagtailsnippets_wagtail_chatbot_crm_chatbot:preview_on_edit", args=[bot.pk]
        )
        in html
    )
