# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every HTTP client of routesec shares (the RPKI CAs, the RIPE Database, IRRd submissions).

* ``Secret``: an API key, token or password that shows as ``<redacted>`` in
  every repr and str, and scrubs itself from any text (a service that echoes it
  in an error body does not leak it);
* ``NoRedirect``: redirects are not followed, so an auth header never reaches
  another host;
* ``MAX_ANSWER``: the most bytes read from one answer.

Errors name the service they come from.
"""

from __future__ import annotations

import urllib.request

from .errors import DataError

MAX_ANSWER = 64 * 1024 * 1024  # bytes read from one answer at most
REDACTED = "<redacted>"


class Secret:
    """A credential that shows as ``<redacted>`` in every repr and str; ``service`` names where it is used."""

    __slots__ = ("_value",)

    def __init__(self, value, service="the service"):
        if isinstance(value, Secret):
            value = value.reveal()
        if not isinstance(value, str) or not value.strip():
            raise DataError("the API key/token is empty", service)
        self._value = value

    def reveal(self):
        return self._value

    def scrub(self, text):
        """``text`` with the secret replaced by ``<redacted>``."""
        return str(text).replace(self._value, REDACTED)

    def __repr__(self):
        return "Secret(%r)" % REDACTED

    __str__ = __repr__

    def __reduce__(self):  # never pickled with its value
        raise TypeError("a Secret is not serialisable")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse redirects: urllib would copy the auth header to wherever the service points."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None
