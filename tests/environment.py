"""Loaded with `-p` before pytest-django imports the settings: isolate the test environment.

Tests never touch the demo's data folder, its secret files or its embedded Redis address.
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

os.environ["DATA_DIR"] = os.environ.get("TEST_DATA_DIR") or str(ROOT / ".data" / "test")
os.environ.pop("REDIS_URL", None)
# Playwright's sync API runs an event loop in the test thread; the ORM calls tests make between
# browser steps are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
