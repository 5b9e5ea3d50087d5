"""Admin URLs, mounted by ``wagtail_hooks`` under ``/admin/chatbot-crm/``."""


app_name = "chatbot_crm_admin"

urlpatterns: list = []
