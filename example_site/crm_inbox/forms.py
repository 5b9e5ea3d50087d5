"""The form that switches the demo CRM's mode."""

from django import forms

from .models import InboxBehaviour


class InboxBehaviourForm(forms.ModelForm):
    """Choose how the demo CRM answers, and how long the slow mode waits."""

    class Meta:
        model = InboxBehaviour
        fields = ["mode", "slow_seconds"]
        # The page labels the field itself; no help text to point at.
        help_texts = {"slow_seconds": ""}
        widgets = {"slow_seconds": forms.NumberInput(attrs={"min": 0, "max": 60})}
