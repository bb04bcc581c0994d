"""Template context shared by every page."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from connection.access import is_administrator, refusal_for
from connection.current import get_current_connection
from connection.models import ConnectionSetup


def access(request: HttpRequest) -> dict:
    """Role and current connection, computed only when a template asks for them."""
    read: dict[str, ConnectionSetup | None] = {}

    def current() -> ConnectionSetup | None:
        # Read once per page: the navigation and the mapping banner both ask for it.
        if "connection" not in read:
            read["connection"] = get_current_connection(request)
        return read["connection"]

    return {
        "is_administrator": SimpleLazyObject(lambda: is_administrator(request.user)),
        "current_connection": SimpleLazyObject(current),
        "all_connections": SimpleLazyObject(lambda: list(ConnectionSetup.objects.all())),
        "unmapped_refusal": SimpleLazyObject(
            lambda: refusal_for(current(), request.user) if request.user.is_authenticated
            else ""),
    }
