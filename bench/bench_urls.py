"""URLs for the submit-latency benchmark: the app's, plus a bare view."""

from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from wagtail_chatbot_crm.models import Lead


@csrf_exempt
def bare_insert(request, chatbot_id):
    """The floor: parse nothing, check nothing, insert one row."""
    lead = Lead.objects.create(
        chatbot_id=chatbot_id, name="Bare", email="b@example.com"
    )
    return JsonResponse({"id": lead.pk}, status=201)


urlpatterns = [
    path("bare/<int:chatbot_id>/", bare_insert),
    path("", include("wagtail_chatbot_crm.urls")),
]
