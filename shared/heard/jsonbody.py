"""Reading a request's JSON body safely: any input is either a document or one ``BodyError``
saying why not (never a ``RecursionError`` or a string that cannot be stored)."""

from __future__ import annotations

import base64
import json
from typing import Any


class BodyError(ValueError):
    """The body is not a JSON document Heard can take; the message says why."""


def load_json(raw: bytes | str) -> Any:
    """The body's JSON. Strings must be valid Unicode (a lone ``\\ud800`` escape is refused: it
    could never be stored or queued), and nesting deeper than Python can walk is refused."""
    try:
        data = json.loads(raw)
        # Re-encoding finds any unpaired surrogate escape anywhere in the document.
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BodyError(f"not valid JSON ({exc})") from exc
    except UnicodeEncodeError:
        raise BodyError("a string holds an unpaired surrogate escape") from None
    except RecursionError:
        raise BodyError("JSON nested too deeply") from None
    except ValueError as exc:  # NaN/Infinity re-encoded, huge integer literals
        raise BodyError(f"not valid JSON ({exc})") from exc
    return data


def raw_body(body: str | None, is_base64_encoded: bool) -> bytes:
    """The request's bytes from an API Gateway event's ``body`` (text, or base64 when the
    content type is not textual)."""
    if not body:
        return b""
    if not is_base64_encoded:
        return body.encode("utf-8", errors="surrogatepass")
    try:
        return base64.b64decode(body, validate=True)
    except ValueError:
        raise BodyError("not valid base64") from None
