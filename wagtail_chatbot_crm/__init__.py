"""A lead-capturing chatbot for Wagtail that delivers every lead to a CRM."""

__version__ = "0.1.0"
