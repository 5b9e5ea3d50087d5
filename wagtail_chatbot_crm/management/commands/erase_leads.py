"""``manage.py erase_leads --email ADDRESS``: erase one person's leads."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from wagtail_chatbot_crm.models import Lead
from wagtail_chatbot_crm.privacy import erase_person


class Command(BaseCommand):
    help = (
        "Delete every lead with this email address, in every chatbot, with "
        "its delivery attempts, and the form submissions of chatbot form "
        "pages that hold the address. Prints how many."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--email", required=True, action="append", help="repeat for several"
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="say how many leads would go, deleting nothing",
        )

    def handle(self, *args, email, dry_run, **options):
        for address in email:
            try:
                validate_email(address.strip())
            except ValidationError as exc:
                raise CommandError(f"“{address}” is not an email address.") from exc
        for address in email:
            address = address.strip()
            if dry_run:
                count = Lead.objects.filter(email__iexact=address).count()
                self.stdout.write(f"{address}: {count} leads would be deleted.")
                continue
            deleted = erase_person(address)
            self.stdout.write(
                f"{address}: deleted {deleted.leads} leads, "
                f"{deleted.attempts} delivery attempts and "
                f"{deleted.form_submissions} form submissions."
            )
