# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ROA requests for ARIN's hosted RPKI, in ARIN's signed ROA request text format.

Written from ARIN's "Route Origin Authorizations (ROAs)" page: a ROA request
is one line of fields, each followed by a vertical bar::

    1|<timestamp>|<name>|<origin AS>|<start mm-dd-yyyy>|<end mm-dd-yyyy>|<address>|<length>|<max length>|

version 1; the timestamp in seconds since the epoch; a name of letters, digits,
spaces and dashes (256 characters at most); one origin AS number; the
validity dates, which must lie inside the validity of the organisation's
resource certificate; then the prefix as address, CIDR length and max length.
The operator signs the text with the organisation's private key (for example
``openssl dgst -sha256 -sign``) and submits text and signature in ARIN Online.
Nothing here holds a key or talks to ARIN.

One request is rendered per ROA to add. Removals have no request text: they
are done in ARIN Online (Manage RPKI, ROAs, delete); ``removals`` lists them
with that instruction, so that the plan is never reported as done.
"""

from __future__ import annotations

import datetime
import re

from ..errors import DataError

VERSION = 1
_NAME = re.compile(r"^[A-Za-z0-9 -]{1,256}$")
REMOVAL_HOWTO = "delete it in ARIN Online (Routing Security, Manage RPKI, ROAs): the request format has no removal"


def roa_name(roa, prefix="routesec"):
    """A ROA name ARIN accepts: ``routesec AS64500 192-0-2-0-24``."""
    address = re.sub(r"[^A-Za-z0-9]+", "-", str(roa.prefix)).strip("-")
    return "%s AS%d %s" % (prefix, roa.asn, address)


def request_text(roa, name, timestamp, start, end):
    """ARIN's ROA request text for one ROA; DataError for a name or dates ARIN would refuse."""
    where = "ARIN ROA request %s" % (name,)
    if not isinstance(name, str) or not _NAME.match(name):
        raise DataError("the name may hold only letters, digits, spaces and dashes (1..256)", where, "name")
    if end < start:
        raise DataError("validity ends (%s) before it starts (%s)" % (end, start), where, "end")
    if roa.asn == 0:
        raise DataError("AS0 ROAs are not requested with this format", where, "asn")
    fields = [
        VERSION,
        int(timestamp),
        name,
        roa.asn,
        start.strftime("%m-%d-%Y"),
        end.strftime("%m-%d-%Y"),
        roa.prefix.network_address,
        roa.prefix.prefixlen,
        roa.max_length,
    ]
    return "".join("%s|" % value for value in fields)


class ArinRoaRequests:
    """Renders a plan as ARIN ROA requests: ``render(plan)`` gives the texts to sign and the removals to do by hand."""

    name = "ARIN"

    def __init__(self, valid_days=365, name_prefix="routesec", now=None):
        if not isinstance(valid_days, int) or valid_days < 1:
            raise DataError("valid_days %r is not a positive number of days" % (valid_days,), "ARIN ROA requests")
        if not _NAME.match(name_prefix):
            raise DataError("name prefix %r: letters, digits, spaces, dashes only" % (name_prefix,), "ARIN")
        self.valid_days = valid_days
        self.name_prefix = name_prefix
        self._now = now or (lambda: datetime.datetime.now(datetime.UTC))

    def render(self, plan):
        """``{"requests": [{"roa", "name", "text"}], "removals": [{"roa", "action"}]}`` for ``plan``."""
        now = self._now()
        start = now.date()
        end = start + datetime.timedelta(days=self.valid_days)
        requests = []
        for roa in plan.add:
            name = roa_name(roa, self.name_prefix)
            requests.append(
                {"roa": roa.to_dict(), "name": name, "text": request_text(roa, name, now.timestamp(), start, end)}
            )
        removals = [{"roa": roa.to_dict(), "action": REMOVAL_HOWTO} for roa in plan.remove]
        return {"requests": requests, "removals": removals}
