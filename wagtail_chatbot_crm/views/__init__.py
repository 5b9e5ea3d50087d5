"""Views: the visitor endpoint (``capture``) and the admin's screens."""

from .capture import LeadCaptureView

__all__ = ["LeadCaptureView"]
