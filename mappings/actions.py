"""Buttons that start synchronization, shown only once the synchronization app offers them.

Imports run connection <- mappings <- synchronization, so this module never imports the engine:
it only asks Django whether the URL exists. The synchronization app is expected to expose
``synchronization:sync_mapping`` taking a POST with ``mapping_id``, ``mode`` (``full`` or
``modified``) and optionally ``coupling`` ids, and ``synchronization:match_coupling``
(same fields as the Match-Based Coupling form) to run matching as a background job.
"""

from __future__ import annotations

from functools import cache

from django.urls import NoReverseMatch, reverse

SYNC = "synchronization:sync_mapping"
MATCH = "synchronization:match_coupling"
JOBS = "synchronization:jobs"
ERRORS = "synchronization:errors"


@cache
def url(name: str) -> str | None:
    """The URL of an action without arguments, or None while it does not exist."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def action_urls() -> dict[str, str | None]:
    """The sync, match, jobs and errors URLs for templates (None hides the button)."""
    return {"sync_url": url(SYNC), "match_job_url": url(MATCH), "jobs_url": url(JOBS),
            "errors_url": url(ERRORS)}
