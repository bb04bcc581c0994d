"""The connection a person is working on, kept in their session.

Mappings, couplings and jobs pages all show the current connection's data; the navigation
switches it. With one connection there is nothing to choose.
"""

from django.http import HttpRequest

from connection.models import ConnectionSetup

SESSION_KEY = "connection_id"


def get_current_connection(request: HttpRequest) -> ConnectionSetup | None:
    """The connection chosen in this session, else the first one, else None."""
    chosen = request.session.get(SESSION_KEY)
    connection = ConnectionSetup.objects.filter(pk=chosen).first() if chosen else None
    return connection or ConnectionSetup.objects.order_by("name").first()


def set_current_connection(request: HttpRequest, connection: ConnectionSetup) -> None:
    request.session[SESSION_KEY] = connection.pk
