"""The web inbox's server side: its sign-in session and how the API function serves it.

The app's files (HTML, ES modules, CSS) live beside the API function (``functions/api/web``),
not in the layer; this package holds only Python: ``session`` (the signed, HttpOnly session
cookie) and ``gateway`` (the ``/app`` routes: files, sign-in, and the API behind the cookie).
"""
