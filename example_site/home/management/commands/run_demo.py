"""Run the web server and a Huey consumer together; Ctrl-C stops both."""

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand

from crm_inbox.demo_crms import start_emulators


class Command(BaseCommand):
    help = "Run the development server and a Huey consumer side by side."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        # Stop the children on Ctrl-C, and on SIGTERM too. Ctrl-C is set
        # explicitly: started from a shell's background job, this process
        # (and so its children) would inherit SIGINT ignored.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        manage = [sys.executable, "manage.py"]
        emulators = self.start_emulators()
        # Links in emails (a failed lead's page) name the port the demo
        # really runs on, unless the environment says otherwise.
        env = {"WAGTAILADMIN_BASE_URL": f"http://{addrport}", **os.environ}
        processes = [
            # As documented: the settings' HUEY["consumer"] options, no flags.
            subprocess.Popen([*manage, "run_huey"], env=env),
            subprocess.Popen([*manage, "runserver", "--noreload", addrport], env=env),
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
            for emulator in emulators:
                emulator.stop()
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGINT)
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()

    def start_emulators(self) -> list:
        """The demo HubSpot and Zoho, for the "Demo …" presets."""
        try:
            emulators = start_emulators()
        except OSError as exc:
            self.stderr.write(
                f"The demo HubSpot and Zoho could not start ({exc}); set "
                "DEMO_CRM_PORTS to free ports to try those presets."
            )
            return []
        for emulator in emulators:
            self.stdout.write(
                f"Demo {type(emulator).__name__} listening at "
                f"http://127.0.0.1:{emulator.server_address[1]}/"
            )
        return emulators
