"""The one error the API answers with, and how it becomes an HTTP response.

Every refusal is ``{"error": code, "message": ..., "field": ...}`` (``field`` when one query
parameter or path part is at fault), with the status the error carries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the domain and its tests never need the HTTP layer
    from aws_lambda_powertools.event_handler import Response


class ApiError(Exception):
    """A request the API cannot serve; ``status`` is the HTTP status it maps to."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field

    @classmethod
    def invalid(cls, field: str, message: str, code: str = "invalid_parameter") -> ApiError:
        return cls(400, code, message, field)

    @classmethod
    def not_found(cls, message: str) -> ApiError:
        return cls(404, "not_found", message)

    @classmethod
    def unauthorized(cls, message: str) -> ApiError:
        return cls(401, "unauthorized", message)

    def body(self) -> dict[str, str]:
        """The JSON body a client receives."""
        body = {"error": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body


def error_response(exc: ApiError) -> Response:
    """The HTTP response for ``exc``: its status, and its ``body()`` as JSON."""
    from aws_lambda_powertools.event_handler import Response, content_types

    return Response(
        status_code=exc.status, content_type=content_types.APPLICATION_JSON, body=exc.body()
    )
