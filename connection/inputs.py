"""Input every page shares: row ids from paths and forms, where to go next, bounded searches.

Anything a browser (or anyone) sends is parsed here before it reaches a query: an id past what
the database can hold, a ``next`` that leaves the site or is not a path, a search long enough to
make SQLite give up, all become a message or a 404, never a 500.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

# Ids are 64-bit signed integers in every database we support (BigAutoField).
MAX_ID = 2**63 - 1
# Searches and text filters: a person never types more; SQLite refuses LIKE patterns of 50,000.
MAX_SEARCH = 200


def parse_id(value: object) -> int | None:
    """The row id ``value`` names, or None when it is not a whole number from 1 to MAX_ID."""
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


class IdConverter:
    """``<id:pk>``: a row id the database can hold; anything else is a 404, not a 500."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError("not a row id")  # the resolver answers 404
        return number

    def to_url(self, value: int) -> str:
        return str(value)



class IdChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField by primary key whose value must be a row id."""

    def to_python(self, value):
        if value not in self.empty_values and parse_id(value) is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                  params={"value": str(value)[:40]})
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField by primary key whose values must all be row ids.

    Django validates each value with an exact lookup (safe) but then fetches them with ``__in``,
    which SQLite cannot bind past 64 bits: checked here first.
    """

    def _check_values(self, value):
        if isinstance(value, (list, tuple)):
            bad = [v for v in value if parse_id(v) is None]
            if bad:
                raise ValidationError(self.error_messages["invalid_pk_value"],
                                      code="invalid_pk_value", params={"pk": str(bad[0])[:40]})
        # A private hook of ModelMultipleChoiceField, so the stubs do not declare it.
        return super()._check_values(value)  # type: ignore[misc]


def safe_next(request: HttpRequest, target: str | None, default: str, *args) -> str:
    """Where to go after a POST: ``target`` when it is a path on this site, else ``default``.

    ``default`` is a URL name (with ``args``) or a path. The one place every ``next`` goes through:
    a full URL to another host, ``//host``, ``javascript:`` or a word that is not a path (which
    ``redirect()`` would try to reverse) all fall back to ``default``.
    """
    text = (target or "").strip()
    if text.startswith("/") and not text.startswith(("//", "/\\")) and \
            url_has_allowed_host_and_scheme(text, allowed_hosts={request.get_host()},
                                            require_https=request.is_secure()):
        return text
    return resolve_url(default, *args)
