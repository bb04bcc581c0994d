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


def unmapped_refusal(request: HttpRequest) -> str:
    """Why the signed-in person may not use integration actions, or "" when they may.

    Business Central Users Must Map to Dynamics 365 Sales Users (seed 001), adapted to portal
    users: while it is on, a person whose e-mail is not the Primary Email of a Sales user (as
    Test Connection last found) has no integration capabilities in the pages.
    """
    from connection.current import get_current_connection

    return refusal_for(get_current_connection(request), request.user)


def refusal_for(connection, user) -> str:
    """:func:`unmapped_refusal` for a connection already read (pages read it once)."""
    if connection is None or not connection.user_mapping_required:
        return ""
    if connection.is_user_mapped(user):
        return ""
    email = getattr(user, "email", "") or "no e-mail"
    return (f"Business Central Users Must Map to Dynamics 365 Sales Users is on for "
            f"{connection.name}, and your e-mail ({email}) is not the Primary Email of a Dynamics "
            "365 Sales user, so synchronization and coupling actions are off for you. Run Test "
            "Connection once you are a Sales user, or ask an administrator to turn the setting "
            "off on the Advanced FastTab.")


def administrator_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer 403 to anyone but an administrator (login is already enforced by middleware).

    Integration actions (those outside the connection app, whose settings and Test Connection
    must stay reachable to fix the mapping) also refuse people who must map to a Sales user and
    do not.
    """
    integration_action = not view.__module__.startswith("connection.")

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_administrator(request.user):
            raise PermissionDenied("Only administrators can change this.")
        refusal = unmapped_refusal(request) if integration_action else ""
        if refusal:
            raise PermissionDenied(refusal)
        return view(request, *args, **kwargs)

    return wrapper
