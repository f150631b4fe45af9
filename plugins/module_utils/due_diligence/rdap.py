# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the RIR's RDAP service (RFC 9082 queries, RFC 9083 answers) says about an address block.

``rdap_ip`` asks ``{base}/ip/{prefix}`` for the most specific network covering
the prefix. A bootstrap service redirects to the right RIR: at most
``MAX_REDIRECTS`` redirects are followed (a loop ends in a SourceError). 404
is no registration (None); another failure, a timeout or an answer that is not
a JSON object is a SourceError naming the URL. Parsing is tolerant: a missing
or malformed member leaves its field empty. Prefixes come from ``cidr0_cidrs``
when present, else from ``startAddress``..``endAddress``; registrants are the
top-level ``entities`` with role ``registrant``, named by their jCard ``fn``
and ``org``.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from ..errors import DataError, SourceError

MAX_REDIRECTS = 3
MAX_BODY = 4 * 1024 * 1024
REDIRECT_CODES = (301, 302, 303, 307, 308)
GOOD_STATUS = frozenset({"active", "allocated", "assigned"})
BAD_STATUS = frozenset({"inactive", "removed", "pending delete"})


@dataclass
class RdapNetwork:
    """One registered IP network, as much of it as the answer held."""

    handle: str | None = None
    name: str | None = None
    start_address: str | None = None
    end_address: str | None = None
    cidrs: list[str] = field(default_factory=list)
    country: str | None = None
    type: str | None = None
    status: list[str] = field(default_factory=list)
    registrant_names: list[str] = field(default_factory=list)
    registrant_handles: list[str] = field(default_factory=list)
    port43: str | None = None
    source_url: str | None = None


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    """Hand every redirect back as an HTTPError, so that ``_get_json`` counts them itself."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_KeepRedirects)


def rdap_ip(base_url, prefix, timeout=10):
    """The RdapNetwork registered for ``prefix`` at the RDAP service ``base_url``; None when there is none."""
    network = _prefix(prefix, "prefix")
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
        raise DataError("must be a positive number of seconds, not %r" % (timeout,), "RDAP query", "timeout")
    url = "%s/ip/%s" % (_base(base_url), network)
    document, answered_by = _get_json(url, timeout)
    return None if document is None else _network(document, answered_by)


def check_rdap(network, block, expected_holder=None):
    """The problems (strings) with ``block``'s registration ``network``; [] when there are none."""
    prefix = _prefix(block, "block")
    if expected_holder is not None and (not isinstance(expected_holder, str) or not expected_holder.strip()):
        raise DataError("must be a non-empty name or handle", "RDAP check of %s" % prefix, "expected_holder")
    if network is None:
        return ["%s: no RDAP registration found" % prefix]
    where = "%s (registered network %s)" % (prefix, network.handle or network.name or "without a handle")
    problems = []
    if not _covers(network.cidrs, prefix):
        problems.append("%s: the block is not inside %s" % (where, ", ".join(network.cidrs) or "any registered range"))
    status = {str(value).lower() for value in network.status}
    if not status & GOOD_STATUS or status & BAD_STATUS:
        problems.append("%s: status is %s, not active/allocated/assigned" % (where, sorted(status) or "empty"))
    if expected_holder is not None and not _holder_matches(network, expected_holder):
        holders = ", ".join(network.registrant_names + network.registrant_handles) or "no registrant"
        problems.append("%s: registrant is %s, not %s" % (where, holders, expected_holder))
    return problems


def _prefix(value, field_name):
    try:
        return ipaddress.ip_network(str(value).strip())
    except ValueError as error:
        raise DataError("not an IP prefix (%s)" % error, "due diligence", field_name) from None


def _base(base_url):
    parts = urllib.parse.urlsplit(base_url if isinstance(base_url, str) else "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise DataError("must be an http(s) URL, not %r" % (base_url,), "RDAP query", "base_url")
    return base_url.rstrip("/")


def _get_json(url, timeout):
    """GET ``url`` following at most MAX_REDIRECTS redirects: (JSON document or None for 404, final URL)."""
    first = url
    for _hop in range(MAX_REDIRECTS + 1):
        try:
            request = urllib.request.Request(url, headers={"Accept": "application/rdap+json, application/json"})
            with _OPENER.open(request, timeout=timeout) as answer:
                return _json_object(answer.read(MAX_BODY + 1), url), url
        except urllib.error.HTTPError as error:
            error.close()
            if error.code == 404:
                return None, url
            location = error.headers.get("Location") if error.headers else None
            if error.code not in REDIRECT_CODES or not location:
                raise SourceError("RDAP service answered HTTP %d %s" % (error.code, error.reason), url) from None
            url = urllib.parse.urljoin(url, location)
            if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
                raise SourceError("redirected to a URL that is not http(s): %s" % url, first) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as error:
            raise SourceError("RDAP service did not answer (%s)" % getattr(error, "reason", error), url) from None
    raise SourceError("more than %d redirects (the last to %s)" % (MAX_REDIRECTS, url), first)


def _json_object(body, url):
    if len(body) > MAX_BODY:
        raise SourceError("answer larger than %d bytes" % MAX_BODY, url)
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SourceError("answer is not JSON", url) from None
    if not isinstance(document, dict):
        raise SourceError("answer is not a JSON object", url)
    if document.get("objectClassName", "ip network") != "ip network":
        raise SourceError("answer is a %r, not an 'ip network'" % (document.get("objectClassName"),), url)
    return document


def _network(document, url):
    registrants = [e for e in _list(document.get("entities")) if "registrant" in _list(_dict(e).get("roles"))]
    return RdapNetwork(
        handle=_text(document.get("handle")),
        name=_text(document.get("name")),
        start_address=_text(document.get("startAddress")),
        end_address=_text(document.get("endAddress")),
        cidrs=_cidrs(document),
        country=_text(document.get("country")),
        type=_text(document.get("type")),
        status=[s for s in _list(document.get("status")) if isinstance(s, str)],
        registrant_names=[name for entity in registrants for name in _vcard_names(entity)],
        registrant_handles=[h for h in (_text(e.get("handle")) for e in registrants) if h],
        port43=_text(document.get("port43")),
        source_url=url,
    )


def _cidrs(document):
    """The cidr0 prefixes, else the prefixes spanning startAddress..endAddress; [] when neither is usable."""
    cidrs = []
    for entry in map(_dict, _list(document.get("cidr0_cidrs"))):
        try:
            address = entry.get("v4prefix") or entry.get("v6prefix")
            cidrs.append(str(ipaddress.ip_network("%s/%s" % (address, entry.get("length")))))
        except ValueError:
            continue
    if cidrs:
        return cidrs
    try:
        start, end = (ipaddress.ip_address(document.get(key)) for key in ("startAddress", "endAddress"))
        return [str(n) for n in ipaddress.summarize_address_range(start, end)]
    except (TypeError, ValueError):
        return []


def _vcard_names(entity):
    """The ``fn`` and ``org`` values of an entity's jCard: ["vcard", [[name, params, type, value], ...]]."""
    card = _list(entity.get("vcardArray"))
    names = []
    for prop in _list(card[1]) if len(card) > 1 else []:
        if isinstance(prop, list) and len(prop) > 3 and prop[0] in ("fn", "org"):
            value = prop[3][0] if isinstance(prop[3], list) and prop[3] else prop[3]
            if isinstance(value, str) and value.strip():
                names.append(value.strip())
    return names


def _covers(cidrs, prefix):
    for cidr in cidrs:
        try:
            if prefix.subnet_of(ipaddress.ip_network(cidr)):
                return True
        except (TypeError, ValueError):
            continue
    return False


def _holder_matches(network, expected_holder):
    wanted = expected_holder.strip().casefold()
    return any(wanted == name.casefold() for name in network.registrant_names + network.registrant_handles)


def _text(value):
    return value if isinstance(value, str) and value else None


def _list(value):
    return value if isinstance(value, list) else []


def _dict(value):
    return value if isinstance(value, dict) else {}
