"""Who may do what: administrators change settings, viewers only look.

Roles are Django groups so an operator can manage them in the admin; a superuser counts as an
administrator.
"""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

ADMINISTRATORS = "Administrators"
VIEWERS = "Viewers"


def is_administrator(user) -> bool:
    """True when `user` may change settings and start work."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name=ADMINISTRATORS).exists()


def administrator_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer 403 to anyone but an administrator (login is already enforced by middleware)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_administrator(request.user):
            raise PermissionDenied("Only administrators can change this.")
        return view(request, *args, **kwargs)

    return wrapper
