"""Settings for the example site's own tests (``tests/demo/``).

The site's development settings, as ``make demo`` runs them, with the suite's
test-only database and queue. Django's settings are fixed for a process, so
these tests run in a pytest run of their own, which ``make test`` starts after
the suite::

    python -m pytest --ds=tests.demo.settings
"""

import sys
from pathlib import Path

# The example site's packages (config, home, contact, crm_inbox) are top-level
# modules, as its manage.py sees them; nothing else in the suite imports them.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "example_site"))

from config.settings.dev import *  # noqa: F403

# The suite's per-run database and queue files, never the demo's own; its
# quick password hasher and quiet logging.
from tests.settings import (  # noqa: F401
    DATABASES,
    HUEY,
    LOGGING,
    PASSWORD_HASHERS,
)
