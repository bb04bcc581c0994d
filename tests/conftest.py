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


# Tests that take half a minute or more, longest first: they are handed out before the others
# (then the rest of the slow ones), so that no xdist worker is left running one of them alone at
# the end of a pass while the others sit idle.
LONG_RUNNING = ("tests/synchronization/test_kill_full_sync.py", "tests/fuzz/",
                "tests/test_every_page_fits.py", "tests/scaleout/")


def pytest_collection_modifyitems(items):
    """Mark the tests that touch the database: only they need the PostgreSQL pass. Start the
    long ones first."""
    import pytest

    for item in items:
        if item.get_closest_marker("django_db") or DATABASE_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.database)
    items.sort(key=_start_rank)


def _start_rank(item) -> int:
    for rank, prefix in enumerate(LONG_RUNNING):
        if item.nodeid.startswith(prefix):
            return rank
    return len(LONG_RUNNING) + (0 if item.get_closest_marker("slow") else 1)
