"""Shared test set-up: an isolated data folder, real Redis, real workers, a real browser.

The fixtures live in tests/fixtures/ as plugins; see each module's docstring. The environment
itself is set by tests/environment.py, loaded with `-p` before the settings are imported.
"""

from pathlib import Path

from hypothesis import HealthCheck, settings

# Four xdist workers share two cores: how long an example takes says nothing about the code, so
# Hypothesis neither times examples nor calls a loaded machine's generation "too slow".
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")

ROOT = Path(__file__).resolve().parent.parent

pytest_plugins = [
    "tests.fixtures.redis",
    "tests.fixtures.worker",
    "tests.fixtures.browser",
    "tests.fixtures.users",
]
if (ROOT / "tests" / "fixtures" / "sandbox.py").exists():
    pytest_plugins.append("tests.fixtures.sandbox")

# Fixtures through which a test reaches the database (pytest-django's, directly or not).
DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences",
                     "django_db_serialized_rollback", "live_server"}


def pytest_collection_modifyitems(items):
    """Mark the tests that touch the database: only they need the PostgreSQL pass. The
    hostile-input tests are marked ``fuzz``: they run on SQLite as well."""
    import pytest

    for item in items:
        if item.get_closest_marker("django_db") or DATABASE_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.database)
        if item.nodeid.startswith("tests/fuzz/"):
            item.add_marker(pytest.mark.fuzz)
