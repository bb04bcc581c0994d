"""Shared test set-up: an isolated data folder, real Redis, real workers, a real browser.

The fixtures live in tests/fixtures/ as plugins; see each module's docstring. The environment
itself is set by tests/environment.py, loaded with `-p` before the settings are imported.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

pytest_plugins = [
    "tests.fixtures.redis",
    "tests.fixtures.worker",
    "tests.fixtures.browser",
    "tests.fixtures.users",
]
if (ROOT / "tests" / "fixtures" / "sandbox.py").exists():
    pytest_plugins.append("tests.fixtures.sandbox")
