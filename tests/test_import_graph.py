"""The rooms and the one way imports run: connection <- mappings <- synchronization.

Read from the source with ``ast``: an import the graph cannot see (``importlib``, a dotted
string) is refused too, because nobody could check it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from synchronization import handlers, jobs
from synchronization.models import JobKind

ROOT = Path(__file__).resolve().parent.parent
APPS = ("connection", "mappings", "synchronization")
# What each app may import of the others.
ALLOWED = {"connection": set(), "mappings": {"connection"},
           "synchronization": {"connection", "mappings"}}


def sources(app: str) -> list[Path]:
    return [p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]


def imported(path: Path) -> set[str]:
    """Top-level names of the modules ``path`` imports (anywhere in it, functions included)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("app", APPS)
def test_an_app_imports_only_the_apps_below_it(app):
    upward = {f"{path.relative_to(ROOT)} imports {name}" for path in sources(app)
              for name in imported(path) & set(APPS) - {app} - ALLOWED[app]}
    assert not upward, sorted(upward)


@pytest.mark.parametrize("app", APPS)
def test_no_module_loads_another_by_name(app):
    found = [str(path.relative_to(ROOT)) for path in sources(app)
             if "importlib" in imported(path) or "import_string" in path.read_text()]
    assert not found, found


def test_every_kind_of_job_has_a_handler_and_every_handler_a_kind():
    assert set(handlers.HANDLERS) == set(JobKind)
    assert all(jobs.can_run(kind) for kind in JobKind)


def test_only_jobs_py_creates_job_rows_and_imports_django_rq():
    creating, queueing = set(), set()
    for app in APPS:
        for path in sources(app):
            text = path.read_text()
            if "SyncJob.objects.create" in text or "SyncJob.objects.bulk_create" in text:
                creating.add(str(path.relative_to(ROOT)))
            if "django_rq" in imported(path):
                queueing.add(str(path.relative_to(ROOT)))
    assert creating == queueing == {"synchronization/jobs.py"}
