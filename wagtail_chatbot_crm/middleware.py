"""``ChatbotWidgetMiddleware``: the chatbot on every HTML page without
touching a template; where it shows is the editors' choice (``placement``).

Add it to ``MIDDLEWARE`` instead of putting ``{% chatbot_widget %}`` in the
base template. It leaves alone responses that are not whole HTML pages
(other content types, errors, streamed or compressed bodies), the Wagtail
and Django admin, and pages that render the widget themselves.
"""

from django.urls import NoReverseMatch, reverse

from .placement import page_in, placed_chatbot
from .templatetags.chatbot_tags import render_widget

BODY_END = b"</body>"
WIDGET_MARK = b"data-wcc-endpoint"


class ChatbotWidgetMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not self._is_page(request, response):
            return response
        page = page_in(getattr(response, "context_data", None))
        chatbot = placed_chatbot(request, page)
        if chatbot is None:
            return response
        content = response.content
        end = content.rfind(BODY_END)
        widget = render_widget(request, chatbot).encode(response.charset)
        response.content = content[:end] + widget + content[end:]
        return response

    @staticmethod
    def _is_page(request, response) -> bool:
        if (
            response.status_code != 200
            or response.streaming
            or response.has_header("Content-Encoding")
            or not response.get("Content-Type", "").startswith("text/html")
            or _in_admin(request.path)
        ):
            return False
        return BODY_END in response.content and WIDGET_MARK not in response.content


def _in_admin(path: str) -> bool:
    for name in ("wagtailadmin_home", "admin:index"):
        try:
            if path.startswith(reverse(name)):
                return True
        except NoReverseMatch:
            continue
    return False
