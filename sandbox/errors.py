"""Service errors raised by handlers and turned into each service's error JSON."""

from __future__ import annotations

import uuid

from sandbox.messages import Response, json_response


class ServiceError(Exception):
    """An error answer: HTTP status, service error code and message (protocols.md 3.7, 4.7)."""

    def __init__(
        self, status: int, code: str, message: str, headers: list[tuple[str, str]] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or []

    def dataverse_response(self) -> Response:
        """``{"error":{"code":"0x...","message":"..."}}`` with OData headers."""
        body = {"error": {"code": self.code, "message": self.message}}
        return json_response(self.status, body, [("OData-Version", "4.0"), *self.headers])

    def business_central_response(self) -> Response:
        """BC error JSON; the message ends with a correlation id like the real service."""
        message = f"{self.message}  CorrelationId:  {uuid.uuid4()}."
        return json_response(
            self.status, {"error": {"code": self.code, "message": message}}, self.headers
        )
