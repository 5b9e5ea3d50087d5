"""Wagtail form pages into the lead pipeline: two mixins for a form page.

A page built on ``AbstractEmailForm`` or ``AbstractForm`` records each
submission as a lead of the chatbot an editor picks, and the lead is sent to
that chatbot's CRM like any other. Wagtail's own handling of the submission
(the stored ``FormSubmission``, the email) stays exactly as it was::

    from django.db import models
    from modelcluster.fields import ParentalKey
    from wagtail.admin.panels import FieldPanel, InlinePanel
    from wagtail.contrib.forms.models import AbstractEmailForm, AbstractFormField

    from wagtail_chatbot_crm.form_pages import (
        ChatbotFormFieldMixin,
        ChatbotFormPageMixin,
    )


    class FormField(ChatbotFormFieldMixin, AbstractFormField):
        page = ParentalKey(
            "ContactPage", on_delete=models.CASCADE, related_name="form_fields"
        )


    class ContactPage(ChatbotFormPageMixin, AbstractEmailForm):
        content_panels = [
            *AbstractEmailForm.content_panels,
            InlinePanel("form_fields", label="Form fields"),
            *ChatbotFormPageMixin.chatbot_panels,
        ]

This module needs ``wagtail.contrib.forms`` in ``INSTALLED_APPS``; the rest of
the app does not import it.
"""

import datetime
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.forms.models import AbstractFormField

from .contact import CONTACT_FIELDS
from .forms import LeadForm
from .leads import record_lead
from .models import Chatbot, Lead

logger = logging.getLogger(__name__)


# The lead field a form page's answer fills, if any.
LeadField = models.TextChoices(
    "LeadField",
    [
        ("NONE", ("", _("Not sent as a lead field"))),
        *((field.name.upper(), (field.name, field.label)) for field in CONTACT_FIELDS),
    ],
)


class ChatbotFormFieldMixin(models.Model):
    """For a form page's field model: which lead field an answer fills.

    Put it before ``AbstractFormField`` in the bases; it adds the choice to
    the field's panels, so editors pick it beside the label and type.
    """

    lead_field = models.CharField(
        _("lead field"),
        max_length=20,
        choices=LeadField.choices,
        blank=True,
        help_text=_(
            "Send this answer to the chatbot's lead as its name, email, phone, "
            "company or message. Other answers are kept with the lead as extra "
            "data."
        ),
    )

    panels = [*AbstractFormField.panels, FieldPanel("lead_field")]

    # A model inherits only its first abstract base's Meta: carry
    # AbstractFormField's (the fields' sort order) through this one.
    class Meta(AbstractFormField.Meta):
        abstract = True


class ChatbotFormPageMixin(models.Model):
    """For an ``AbstractEmailForm``/``AbstractForm`` page: record each
    submission as a lead of the chosen chatbot.

    Put it before the Wagtail base class, and add ``chatbot_panels`` to the
    page's ``content_panels`` (or its own tab) so editors can choose the
    chatbot.
    """

    lead_chatbot = models.ForeignKey(
        "wagtail_chatbot_crm.Chatbot",
        verbose_name=_("chatbot for leads"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "Submissions also become leads of this chatbot: they go to its CRM "
            "with its settings and appear in its leads report. Leave empty to "
            "keep submissions in Wagtail only."
        ),
    )

    chatbot_panels = [FieldPanel("lead_chatbot")]

    class Meta:
        abstract = True

    def serve(self, request, *args, **kwargs):
        # The address the visitor used is the lead's page URL: the Site
        # record's root URL (``full_url``) may name another host or port.
        self._lead_page_url = request.build_absolute_uri(request.path)
        return super().serve(request, *args, **kwargs)

    def process_form_submission(self, form):
        """Store the submission as Wagtail does, then record it as a lead."""
        submission = super().process_form_submission(form)
        if self.lead_chatbot_id is None:
            return submission
        try:
            # A savepoint: a failure here must not spoil a request-wide
            # transaction (ATOMIC_REQUESTS) that holds the submission.
            with transaction.atomic():
                self.record_chatbot_lead(form)
        except Exception:
            # The submission is saved and the visitor sees the landing page;
            # the editor still has it under the page's form submissions.
            logger.exception(
                "Could not record a lead from form page %s (submission %s)",
                self.pk,
                getattr(submission, "pk", None),
            )
        return submission

    def record_chatbot_lead(self, form) -> Lead | None:
        """Record a valid form's answers as a lead of ``lead_chatbot``.

        Answers the chatbot does not ask for, or whose values it refuses (an
        email its validation rejects), are kept as extra data instead, and
        the chatbot's required fields are not enforced: the visitor has met
        the form's own. Returns None when the chatbot is switched off.
        """
        # Like the chatbot's own endpoint: enabled only, secrets not decrypted.
        chatbot = (
            Chatbot.objects.filter(pk=self.lead_chatbot_id, enabled=True)
            .defer(*Chatbot.SECRET_FIELDS)
            .first()
        )
        if chatbot is None:
            logger.info(
                "Form page %s: its chatbot is switched off; no lead recorded",
                self.pk,
            )
            return None
        answers = sort_answers(self.get_form_fields(), form.cleaned_data)
        answers.move_to_extra_data([n for n in answers.data if not chatbot.asks(n)])
        try:
            return self._record_answers(chatbot, answers)
        except ValidationError as error:
            refused = [name for name in error.message_dict if name in answers.data]
            if not refused:
                raise
            logger.info(
                "Form page %s: chatbot %s refused %s; kept as extra data",
                self.pk,
                chatbot.slug,
                ", ".join(refused),
            )
            answers.move_to_extra_data(refused)
            return self._record_answers(chatbot, answers)

    def _record_answers(self, chatbot: Chatbot, answers: "LeadAnswers") -> Lead:
        return record_lead(
            chatbot,
            answers.data,
            # A host Django's URL check refuses ("testserver", an intranet
            # name) falls back to the Site record's.
            source_url=LeadForm.clean_source_url(getattr(self, "_lead_page_url", ""))
            or self.full_url,
            extra_data=answers.extra_data,
            require_fields=False,
        )


@dataclass
class LeadAnswers:
    """A form submission's answers sorted into lead fields and extra data."""

    #: Lead field name -> the answer as text.
    data: dict[str, str] = field(default_factory=dict)
    #: Form field label -> the answer as JSON-serialisable data.
    extra_data: dict[str, Any] = field(default_factory=dict)
    #: Lead field name -> the label of the form field it came from.
    labels: dict[str, str] = field(default_factory=dict)

    def move_to_extra_data(self, names: Iterable[str]) -> None:
        """Keep these lead fields' answers as extra data, under their labels."""
        for name in list(names):
            self.extra_data[self.labels.pop(name)] = self.data.pop(name)


def sort_answers(form_fields: Iterable, cleaned_data: Mapping[str, Any]) -> LeadAnswers:
    """Sort a form's cleaned answers by each field's ``lead_field``.

    A mapped answer fills its lead field as text; the first field mapped to a
    lead field wins, and every other answer is kept as extra data under its
    field's label.
    """
    answers = LeadAnswers()
    for form_field in form_fields:
        name = form_field.clean_name or form_field.get_field_clean_name()
        if name not in cleaned_data:
            continue
        value = cleaned_data[name]
        lead_field = getattr(form_field, "lead_field", "")
        if lead_field and lead_field not in answers.data:
            answers.data[lead_field] = answer_text(value)
            answers.labels[lead_field] = form_field.label
        else:
            answers.extra_data[form_field.label] = answer_json(value)
    return answers


def answer_text(value: Any) -> str:
    """An answer as the text a lead field holds."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(answer_text(item) for item in value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def answer_json(value: Any) -> Any:
    """An answer as JSON-serialisable data: dates as ISO strings, lists as lists."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [answer_json(item) for item in value]
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    # Decimals from number fields, and anything a custom form builder adds.
    return str(value)
