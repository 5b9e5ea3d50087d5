"""Run the web server and a Huey consumer together; Ctrl-C stops both."""

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand

# Huey polls an idle queue with a growing wait, up to 10 s by default; a short
# cap keeps "submit → CRM" well under a second.
CONSUMER_FLAGS = [
    "--workers=2",
    "--worker-type=thread",
    "--delay=0.01",
    "--max-delay=0.1",
]


class Command(BaseCommand):
    help = "Run the development server and a Huey consumer side by side."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        # Stop the children on SIGTERM too, not only on Ctrl-C.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        manage = [sys.executable, "manage.py"]
        processes = [
            subprocess.Popen([*manage, "run_huey", *CONSUMER_FLAGS]),
            subprocess.Popen([*manage, "runserver", "--noreload", addrport]),
        ]
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo running at http://{addrport}/ (admin: http://{addrport}/admin/, "
                "log in as admin / changeme). Press Ctrl-C to stop."
            )
        )
        try:
            while all(process.poll() is None for process in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGINT)
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
