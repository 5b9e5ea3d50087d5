"""Re-encrypt every stored secret with the first key of ENCRYPTION_KEYS."""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from wagtail_chatbot_crm.fields import EncryptedTextField


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored CRM secret with the first key in "
        "WAGTAIL_CHATBOT_CRM['ENCRYPTION_KEYS']. Run it after putting a new key "
        "first; the old key can be removed once it has finished."
    )

    def handle(self, *args, **options):
        rows = values = 0
        for model in apps.get_models():
            fields = [
                field.name
                for field in model._meta.concrete_fields
                if isinstance(field, EncryptedTextField)
            ]
            if not fields:
                continue
            with transaction.atomic():
                # Loading decrypts with any key; update() encrypts with the first.
                for obj in model._default_manager.select_for_update().iterator(
                    chunk_size=500
                ):
                    changed = {
                        name: getattr(obj, name)
                        for name in fields
                        if getattr(obj, name)
                    }
                    if changed:
                        model._default_manager.filter(pk=obj.pk).update(**changed)
                        rows += 1
                        values += len(changed)
        self.stdout.write(
            self.style.SUCCESS(f"Re-encrypted {values} secrets in {rows} rows.")
        )
