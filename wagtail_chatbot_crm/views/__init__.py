"""Views: the visitor endpoints (``capture``) and the admin's screens."""

from .capture import LeadCaptureView, WidgetEventView

__all__ = ["LeadCaptureView", "WidgetEventView"]
