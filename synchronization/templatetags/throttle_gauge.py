"""``{{ job.throttle|gauge_rows }}``: a job's saved throttle gauge as rows for the pages."""

from __future__ import annotations

from typing import Any

from django import template

from synchronization.throttle import GaugeRow
from synchronization.throttle import gauge_rows as rows_of

register = template.Library()


@register.filter
def gauge_rows(throttle: Any) -> list[GaugeRow]:
    """The rows of a saved gauge (malformed entries are left out)."""
    return rows_of(throttle)
