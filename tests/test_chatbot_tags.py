"""The {% chatbot_widget %} tag and the widget's no-JavaScript path."""

import logging

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from wagtail.models import Site

from wagtail_chatbot_crm.models import ChatbotSettings, FieldRequirement, Lead
from wagtail_chatbot_crm.templatetags import chatbot_tags

pytestmark = pytest.mark.django_db

HTML_POST = {"HTTP_ACCEPT": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}


def render(source, path="/contact/"):
    request = RequestFactory().get(path)
    request.site = Site.objects.get(is_default_site=True)
    return Template("{% load chatbot_tags %}" + source).render(
        Context({"request": request})
    )


@pytest.fixture(autouse=True)
def forget_reported():
    chatbot_tags._reported_missing.clear()


def test_widget_renders_the_asked_fields(make_chatbot):
    make_chatbot(
        ask_name=FieldRequirement.REQUIRED,
        ask_email=FieldRequirement.OPTIONAL,
        ask_phone=FieldRequirement.OFF,
        ask_company=FieldRequirement.OFF,
        ask_message=FieldRequirement.OPTIONAL,
        greeting="Hello there!",
        thank_you_text="Thanks a lot!",
    )
    html = render('{% chatbot_widget "sales" %}')
    assert 'action="/chatbot/sales/leads/"' in html
    assert 'name="name"' in html and 'name="email"' in html
    assert 'name="message"' in html
    assert 'name="phone"' not in html and 'name="company"' not in html
    assert html.count('aria-required="true"') == 1
    assert 'for="wcc-sales-name"' in html and 'id="wcc-sales-name"' in html
    assert "Hello there!" in html
    assert "Thanks a lot!" in html
    assert 'name="consent"' not in html
    assert 'name="website"' in html  # the honeypot
    assert 'name="next" value="/contact/"' in html
    assert "chatbot.js" in html and "chatbot.css" in html


def test_widget_shows_consent_when_configured(make_chatbot):
    make_chatbot(consent_text="You may contact me.")
    html = render('{% chatbot_widget "sales" %}')
    assert 'type="checkbox" name="consent"' in html
    assert "You may contact me." in html


@pytest.mark.parametrize("slug", ["nope", "off"])
def test_missing_or_disabled_chatbot_renders_nothing_and_logs_once(
    make_chatbot, caplog, slug
):
    make_chatbot(slug="off", enabled=False)
    with caplog.at_level(logging.WARNING):
        assert render(f'{{% chatbot_widget "{slug}" %}}').strip() == ""
        assert render(f'{{% chatbot_widget "{slug}" %}}').strip() == ""
    assert caplog.text.count(repr(slug)) == 1


def test_thank_you_shown_after_a_no_script_post(make_chatbot):
    make_chatbot()
    html = render('{% chatbot_widget "sales" %}', path="/contact/?chatbot_sent=sales")
    assert (
        'data-wcc-thanks  tabindex="-1"' in html or "data-wcc-thanks tabindex" in html
    )
    assert "data-wcc-form novalidate hidden" in html


def test_site_default_chatbot(make_chatbot):
    bot = make_chatbot(name="Site bot", slug="site-bot")
    assert render("{% chatbot_widget %}").strip() == ""
    site = Site.objects.get(is_default_site=True)
    ChatbotSettings.objects.update_or_create(
        site=site, defaults={"default_chatbot": bot}
    )
    assert 'id="wcc-site-bot"' in render("{% chatbot_widget %}")


def test_no_script_post_redirects_back_with_the_thank_you(client, chatbot):
    response = client.post(
        "/chatbot/sales/leads/",
        {"name": "Ada", "email": "ada@example.com", "next": "/contact/?a=1"},
        **HTML_POST,
    )
    assert response.status_code == 303
    assert response["Location"] == "/contact/?a=1&chatbot_sent=sales#wcc-sales"
    assert Lead.objects.get().name == "Ada"


def test_no_script_honeypot_post_redirects_like_a_lead(client, chatbot):
    data = {"name": "Ada", "email": "ada@example.com", "next": "/contact/"}
    real = client.post("/chatbot/sales/leads/", data, **HTML_POST)
    trap = client.post(
        "/chatbot/sales/leads/", {**data, "website": "http://spam.example"}, **HTML_POST
    )
    assert trap.status_code == real.status_code == 303
    assert trap["Location"] == real["Location"]
    assert Lead.objects.count() == 1


def test_no_script_honeypot_post_with_errors_shows_them(client, chatbot):
    response = client.post(
        "/chatbot/sales/leads/",
        {"name": "Ada", "email": "not-an-email", "website": "http://spam.example"},
        **HTML_POST,
    )
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()


def test_no_script_post_never_redirects_off_site(client, chatbot):
    response = client.post(
        "/chatbot/sales/leads/",
        {"name": "Ada", "email": "ada@example.com", "next": "https://evil.example/"},
        **HTML_POST,
    )
    assert response["Location"] == "/?chatbot_sent=sales#wcc-sales"


def test_no_script_post_with_errors_shows_them_and_keeps_the_input(client, chatbot):
    response = client.post(
        "/chatbot/sales/leads/",
        {"name": "Ada <b>", "email": "not-an-email", "next": "/contact/"},
        **HTML_POST,
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a valid email address." in html
    assert 'value="Ada &lt;b&gt;"' in html
    assert 'value="not-an-email"' in html
    assert 'aria-invalid="true"' in html
    assert 'href="/contact/"' in html
    assert Lead.objects.count() == 0


def test_no_script_post_with_control_characters_shows_the_error(client, chatbot):
    response = client.post(
        "/chatbot/sales/leads/",
        {"name": "Evil\r\nBcc: x@example.com", "email": "ada@example.com"},
        **HTML_POST,
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        "Remove the line breaks, tabs and other control characters from this field."
        in html
    )
    assert 'aria-invalid="true"' in html
    assert Lead.objects.count() == 0


def test_no_script_errors_without_a_chatbot_are_a_page(client, db):
    response = client.post("/chatbot/nope/leads/", {"name": "x"}, **HTML_POST)
    assert response.status_code == 404
    assert "There is no chatbot at this address." in response.content.decode()


@pytest.mark.usefixtures("steady_rate_window")
def test_no_script_rate_limit_keeps_retry_after(client, chatbot, settings):
    settings.WAGTAIL_CHATBOT_CRM = {
        **settings.WAGTAIL_CHATBOT_CRM,
        "RATE_LIMIT_REQUESTS": 1,
    }
    data = {"name": "Ada", "email": "ada@example.com"}
    client.post("/chatbot/sales/leads/", data, **HTML_POST)
    response = client.post("/chatbot/sales/leads/", data, **HTML_POST)
    assert response.status_code == 429
    assert response["Retry-After"]
    assert "Too many messages" in response.content.decode()


def test_scripts_and_api_clients_still_get_json(client, chatbot):
    response = client.post(
        "/chatbot/sales/leads/",
        {"name": "Ada", "email": "ada@example.com"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 201
    assert set(response.json()) == {"id", "uuid"}


def test_inline_widget_has_no_bubble_behaviour(make_chatbot):
    make_chatbot()
    html = render('{% chatbot_widget "sales" inline=True %}')
    assert "wcc--inline" in html
    assert "data-wcc-inline" in html


def test_chatbot_block_renders_the_chatbot_inline(make_chatbot):
    from django.test import RequestFactory

    from wagtail_chatbot_crm.blocks import ChatbotBlock

    bot = make_chatbot()
    block = ChatbotBlock()
    request = RequestFactory().get("/")
    html = block.render(block.to_python({"chatbot": bot.pk}), {"request": request})
    assert 'id="wcc-sales"' in html
    assert "data-wcc-inline" in html
    disabled = make_chatbot(slug="gone", enabled=False)
    assert block.render(block.to_python({"chatbot": disabled.pk}), {}).strip() == ""


def test_widget_needs_no_per_visitor_token(make_chatbot):
    # So the page around it can be served from a cache.
    make_chatbot()
    html = render('{% chatbot_widget "sales" %}')
    assert "csrfmiddlewaretoken" not in html


def test_no_default_chatbot_chosen_renders_nothing_and_says_so_once(db, caplog):
    with caplog.at_level(logging.WARNING):
        assert render("{% chatbot_widget %}").strip() == ""
        assert render("{% chatbot_widget %}").strip() == ""
    assert caplog.text.count("no chatbot is chosen for this site") == 1
    assert "Settings → Chatbot" in caplog.text
