# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Origin-validation intent: the RTR caches NetBox knows, and each managed router's configuration for them.

A cache is a NetBox service named ``rtr`` (protocol TCP) on a validator's device
or virtual machine: one cache per IP address of the service and per port. Every
managed router uses every cache; each router gets its platform's configuration
for them and the import policy ``ROUTESEC-ROV`` (``render.render_rov``).
"""

from __future__ import annotations

from ..errors import DataError
from ..intent.build import Problems, devices, own_asns
from ..netbox.schema import RTR_SERVICE
from ..render import render_rov
from .router_policy import RtrCache


def rtr_caches(records, problems):
    """RtrCache objects from NetBox ``rtr`` services, each address and port once, in NetBox's order."""
    caches = []
    for record in records:
        parent = record.get("parent") if isinstance(record.get("parent"), dict) else {}
        obj = "NetBox service %s on %s (id %s)" % (record.get("name"), parent.get("name", "?"), record.get("id"))
        protocol = record.get("protocol")
        protocol = protocol.get("value") if isinstance(protocol, dict) else protocol
        if protocol != "tcp":
            problems.add(obj, "protocol", "%r: RTR runs over TCP" % (protocol,))
            continue
        addresses = [a.get("address") for a in record.get("ipaddresses") or () if isinstance(a, dict)]
        if not addresses:
            problems.add(obj, "ipaddresses", "is empty: assign the IP addresses routers reach the validator on")
        if not record.get("ports"):
            problems.add(obj, "ports", "is empty")
        for address in addresses:
            for port in record.get("ports") or ():
                cache = problems.collect(_cache, address.split("/")[0], port, obj)
                if cache is not None and cache not in caches:
                    caches.append(cache)
    if not records:
        problems.add("NetBox services", "name", "no service is named %r: no RTR cache to validate with" % RTR_SERVICE)
    return tuple(caches)


def _cache(address, port, obj):
    try:
        return RtrCache(address, port)
    except DataError as exc:
        raise DataError(exc.reason, obj, exc.field) from None


def rov_configs(records, policy, platform_map=None):
    """({device name: {"platform", "config"[, "filter_rules"]}} for every managed router, the caches).

    OpenBGPD's filter rules go in another section of bgpd.conf than its RTR
    sessions, so they come apart. DataError listing every problem in the records.
    """
    problems = Problems()
    caches = rtr_caches(records["rtr_services"], problems)
    routers = devices(records["devices"], own_asns(records["asns"], problems), problems, platform_map)
    problems.raise_if_any()
    result = {}
    for device, _peers in routers:
        text = render_rov(device.platform, caches, policy, device.local_asn)
        config = {"platform": device.platform, "config": text}
        if isinstance(text, tuple):
            config.update(config=text[0], filter_rules=text[1])
        result[device.name] = config
    return result, caches
