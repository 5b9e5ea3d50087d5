from django.apps import AppConfig


# Not "Test…": pytest would try to collect a class so named wherever a test
# module imports it.
class SiteAppConfig(AppConfig):
    """The test site's pages: a home page and a contact form page."""

    name = "tests.testapp"
    label = "testapp"
    default_auto_field = "django.db.models.BigAutoField"
