"""Template context shared by every page."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from connection.access import is_administrator, unmapped_refusal
from connection.current import get_current_connection
from connection.models import ConnectionSetup


def access(request: HttpRequest) -> dict:
    """Role and current connection, computed only when a template asks for them."""
    return {
        "is_administrator": SimpleLazyObject(lambda: is_administrator(request.user)),
        "current_connection": SimpleLazyObject(lambda: get_current_connection(request)),
        "all_connections": SimpleLazyObject(lambda: list(ConnectionSetup.objects.all())),
        "unmapped_refusal": SimpleLazyObject(
            lambda: unmapped_refusal(request) if request.user.is_authenticated else ""),
    }
