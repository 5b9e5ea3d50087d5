"""What the demo CRM received, and how it is told to answer."""

import json

from django.core.validators import MaxValueValidator
from django.db import models

SINGLETON_PK = 1


class InboxMessage(models.Model):
    """One request that reached the demo CRM's webhook, and how it was answered."""

    received_at = models.DateTimeField(auto_now_add=True)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=255)
    # The request headers, with any credential masked: the token is never stored.
    headers = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True)
    content_type = models.CharField(max_length=255, blank=True)
    status_code = models.PositiveSmallIntegerField()
    accepted = models.BooleanField(default=False)

    class Meta:
        ordering = ["-received_at", "-pk"]

    def __str__(self):
        return f"{self.method} {self.path} → {self.status_code}"

    def header(self, name: str) -> str:
        """A stored header's value, looked up regardless of case ("" if absent)."""
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return ""

    @property
    def idempotency_key(self) -> str:
        """The ``Idempotency-Key`` the sender chose, if it sent one."""
        return self.header("Idempotency-Key")

    @property
    def pretty_body(self) -> str:
        """The body indented for reading if it is JSON, otherwise as received."""
        try:
            parsed = json.loads(self.body)
        except ValueError:
            return self.body
        return json.dumps(parsed, indent=2, ensure_ascii=False, sort_keys=True)


class InboxMode(models.TextChoices):
    """How the demo CRM answers a request that carries the right token."""

    OK = "ok", "OK: 201 Created"
    FAIL = "fail", "Fail: 500 Internal Server Error"
    SLOW = "slow", "Slow: wait, then 201 Created"
    RATE_LIMITED = "rate_limited", "Rate limited: 429 with Retry-After: 30"
    UNAUTHORIZED = "unauthorized", "Unauthorized: 401"


class InboxBehaviour(models.Model):
    """The demo CRM's single behaviour row, shared by every process through the DB.

    The web server answers the webhook while the Huey consumer sends it, so the
    mode lives in the database rather than in memory or a per-process cache.
    """

    mode = models.CharField(max_length=20, choices=InboxMode, default=InboxMode.OK)
    slow_seconds = models.PositiveSmallIntegerField(
        default=5,
        validators=[MaxValueValidator(60)],
        help_text="How long the slow mode waits before answering.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "inbox behaviour"
        verbose_name_plural = "inbox behaviour"

    def __str__(self):
        return f"Demo CRM mode: {self.get_mode_display()}"

    def save(self, *args, **kwargs):
        """Always save as the one row there is."""
        self.pk = SINGLETON_PK
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> "InboxBehaviour":
        """The stored behaviour, or the unsaved default (mode ``ok``) if none is."""
        return cls.objects.filter(pk=SINGLETON_PK).first() or cls(pk=SINGLETON_PK)
