"""Template context shared by every page."""

from django.http import HttpRequest

from connection.access import is_administrator


def access(request: HttpRequest) -> dict:
    return {"is_administrator": is_administrator(request.user)}
