from wagtail.snippets.models import register_snippet

from .viewsets import ChatbotViewSet

register_snippet(ChatbotViewSet)
