"""The JSON API v1: thin views over the same services the web pages call.

Authentication is by ``Authorization: Bearer <token>`` only; the session cookie is never
read here, so the API needs no CSRF token and a browser cannot be tricked into writing.
"""
