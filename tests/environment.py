"""Loaded with `-p` before pytest-django imports the settings: isolate the test environment.

Tests never touch the demo's data folder, its secret files or its embedded Redis address. Under
pytest-xdist every worker gets a data folder of its own (and so its own SQLite test database,
sandbox data and embedded Redis), with its secret files written before any process reads them.
"""

import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent

data_dir = Path(os.environ.get("TEST_DATA_DIR") or ROOT / ".data" / "test")
if os.environ.get("PYTEST_XDIST_WORKER"):
    data_dir = data_dir / os.environ["PYTEST_XDIST_WORKER"]
data_dir.mkdir(parents=True, exist_ok=True)
for name, make in (("secret_key", lambda: secrets.token_urlsafe(50)),
                   ("field_encryption_keys", lambda: Fernet.generate_key().decode())):
    if not (data_dir / name).exists():
        (data_dir / name).write_text(make())
        (data_dir / name).chmod(0o600)
os.environ["DATA_DIR"] = str(data_dir)
os.environ.pop("REDIS_URL", None)
# The sandbox fails requests on purpose: back-offs after a 5xx or a timeout start at 50 ms, not
# 1 s (Retry-After on a 429 is still honoured as sent).
os.environ.setdefault("SYNC_RETRY_BASE_SECONDS", "0.05")
# Playwright's sync API runs an event loop in the test thread; the ORM calls tests make between
# browser steps are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
