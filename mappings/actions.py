"""Buttons that start synchronization, shown once the synchronization app offers them.

Imports run connection <- mappings <- synchronization, so this module never imports the engine:
the synchronization app hands it the names of its URLs in its ``ready()`` (``sync``: a POST with
``mapping_id``, ``mode`` and optionally ``coupling`` ids; ``match``: the Match-Based Coupling
form's fields, run as a background job; ``jobs`` and ``errors``: the logs).
"""

from __future__ import annotations

from django.urls import reverse

_url_names: dict[str, str] = {}


def provide(**url_names: str) -> None:
    """Called by the synchronization app in its ``ready()`` with its URL names."""
    _url_names.update(url_names)


def url(key: str) -> str | None:
    """The URL of an action without arguments, or None while no app offers it."""
    name = _url_names.get(key)
    return reverse(name) if name else None


def action_urls() -> dict[str, str | None]:
    """The sync, match, jobs and errors URLs for templates (None hides the button)."""
    return {"sync_url": url("sync"), "match_job_url": url("match"), "jobs_url": url("jobs"),
            "errors_url": url("errors")}
