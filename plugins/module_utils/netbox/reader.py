# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The NetBox reader: one bulk read of everything routesec needs, per run.

The number of list queries is fixed (one per object kind) whatever the number
of devices or prefixes; only pagination adds requests, ``page_size`` objects at
a time. Only the fields routesec uses are requested (NetBox's ``fields``
parameter), so large prefix tables stay cheap to transfer and parse.

Kinds that a NetBox plugin provides (``PLUGIN_QUERIES``) cost one more request,
to ``/api/status/``, which lists the installed plugins; a kind whose plugin is
not installed is not read and is absent from the snapshot.

The result is a ``Snapshot``: plain dicts as NetBox returned them, handed to
the intent builder, which is pure and testable without NetBox.
"""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import dataclass, field

from ..errors import SourceError
from .schema import RTR_SERVICE, TAG_ANNOUNCE, TAG_MANAGED

try:
    import pynetbox
    import requests
    from pynetbox.core.query import ContentError, Request, RequestError
except ImportError:  # pragma: no cover - reported by the module's missing_required_lib
    pynetbox = None
    requests = None

DEFAULT_PAGE_SIZE = 5000

# kind -> (endpoint path, fixed filters, fields to fetch)
QUERIES = {
    "aggregates": ("ipam/aggregates", {}, "id,prefix,rir"),
    "asns": ("ipam/asns", {}, "id,asn,rir,description,tags,custom_fields"),
    "prefixes": ("ipam/prefixes", {"tag": TAG_ANNOUNCE}, "id,prefix,status,description,custom_fields"),
    "devices": (
        "dcim/devices",
        {"tag": TAG_MANAGED},
        "id,name,platform,primary_ip4,primary_ip6,custom_fields",
    ),
}

# Read only when asked for by name: kind -> (endpoint path, fixed filters, fields to fetch)
ON_REQUEST_QUERIES = {
    # RPKI-to-router caches: services named "rtr" on validator devices or VMs
    "rtr_services": ("ipam/services", {"name": RTR_SERVICE}, "id,name,protocol,ports,ipaddresses,parent"),
}

# kind -> (plugin, endpoint path, fixed filters, fields to fetch)
PLUGIN_QUERIES = {
    "bgp_sessions": (
        "netbox_bgp",
        "plugins/bgp/bgpsession",
        {},
        "id,display,status,device,remote_address,remote_as,custom_fields",
    ),
}


@dataclass
class Snapshot:
    """Raw NetBox records by kind, with how they were fetched."""

    records: dict = field(default_factory=dict)
    api_calls: int = 0
    seconds: float = 0.0

    def __getitem__(self, kind):
        return self.records[kind]


class _CountingSession(requests.Session if requests else object):
    """An HTTP session that counts the requests it sends and bounds each one in time."""

    def __init__(self, timeout):
        super().__init__()
        self.calls = 0
        self.timeout = timeout

    def request(self, method, url, **kwargs):  # pylint: disable=arguments-differ
        self.calls += 1
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, **kwargs)


def connect(url, token, timeout=30, validate_certs=True):
    """A pynetbox API object whose ``http_session`` counts requests (``.calls``)."""
    if pynetbox is None:
        raise SourceError("the Python libraries pynetbox and requests are required", "NetBox")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise SourceError("%r is not an http(s) URL" % (url,), "NetBox", "netbox_url")
    session = _CountingSession(timeout)
    session.verify = validate_certs
    api = pynetbox.api(url.rstrip("/"), token=token)
    api.http_session = session
    return api


def read_snapshot(url, token, page_size=DEFAULT_PAGE_SIZE, timeout=30, validate_certs=True, kinds=None):
    """Read every kind in ``kinds`` (default: all, plugins' kinds included) from NetBox at ``url``.

    Raises SourceError naming the endpoint on any failure, so that no intent is
    ever built from a partial read.
    """
    api = connect(url, token, timeout, validate_certs)
    session = api.http_session
    snapshot = Snapshot()
    started = time.perf_counter()
    kinds = list(kinds or (*QUERIES, *PLUGIN_QUERIES))
    plugins = installed_plugins(api) if any(kind in PLUGIN_QUERIES for kind in kinds) else {}
    for kind in kinds:
        plugin, path, filters, fields = PLUGIN_QUERIES.get(kind) or (None, *{**QUERIES, **ON_REQUEST_QUERIES}[kind])
        if plugin is None or plugin in plugins:
            snapshot.records[kind] = _fetch(api, session, path, dict(filters, fields=fields), page_size)
    snapshot.api_calls = session.calls
    snapshot.seconds = time.perf_counter() - started
    return snapshot


def installed_plugins(api):
    """NetBox's installed plugins, name -> version, from ``/api/status/``."""
    with source_errors(api, "%s/status/" % api.base_url):
        status = api.status()
    plugins = status.get("plugins") if isinstance(status, dict) else None
    return plugins if isinstance(plugins, dict) else {}


def _fetch(api, session, path, filters, page_size):
    endpoint = "%s/%s/" % (api.base_url, path)
    with source_errors(api, endpoint):
        request = Request(
            base=endpoint,
            http_session=session,
            filters=filters,
            limit=page_size,
            token=api.token,
            pagination="offset",
        )
        return list(request.get())


@contextlib.contextmanager
def source_errors(api, what):
    """Turn pynetbox/requests failures into a SourceError naming ``what``."""
    base_url = api.base_url.rsplit("/api", 1)[0]
    try:
        yield
    except RequestError as exc:
        status = getattr(exc.req, "status_code", "?")
        raise SourceError("NetBox answered HTTP %s for %s: %s" % (status, what, _short(exc.error)), "NetBox") from None
    except requests.exceptions.JSONDecodeError as exc:  # before RequestException, one of its bases
        raise _not_json(what, exc) from None
    except requests.exceptions.RequestException as exc:
        raise SourceError("NetBox at %s is unreachable: %s" % (base_url, _reason(exc)), "NetBox") from None
    except (ContentError, ValueError) as exc:
        raise _not_json(what, exc) from None


def _not_json(what, exc):
    return SourceError("NetBox sent an answer that is not JSON for %s: %s" % (what, _short(exc)), "NetBox")


def _reason(exc):
    """The useful end of a requests error ("[Errno 111] Connection refused"), not its whole chain."""
    found = re.search(r"\[Errno -?\d+\][^'\")]*|Read timed out|timed out", str(exc))
    return found.group(0).strip() if found else type(exc).__name__


def _short(value, limit=300):
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "..."
