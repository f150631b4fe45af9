# -*- coding: utf-8 -*-
"""Benchmark: NetBox API calls and seconds to build intent for 1,000 devices and 50,000 prefixes.

Seeds the lab NetBox through its API (bulk creates), then times the reader
(one list query per kind, paginated) and the intent builder separately, for a
few page sizes. Leaves the objects in NetBox: `tests/lab/lab.sh reset` (run by
bench/run.sh) restores the seed afterwards.

    NETBOX_URL=... NETBOX_TOKEN=... PYTHONPATH=$ANSIBLE_COLLECTIONS_PATH python bench/netbox_intent_scale.py
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import resource
import time

from ansible_collections.routesec.bgp.plugins.module_utils.intent import build_intent
from ansible_collections.routesec.bgp.plugins.module_utils.netbox_reader import connect, read_snapshot

AGGREGATE = ipaddress.ip_network("10.0.0.0/8")
CHUNK = 1000


def chunks(items, size=CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def seed(api, devices, prefixes):
    started = time.perf_counter()
    own = api.ipam.asns.get(asn=64500)
    rir = api.ipam.rirs.get(slug="ripe")
    if api.ipam.aggregates.get(prefix=str(AGGREGATE)) is None:
        api.ipam.aggregates.create(prefix=str(AGGREGATE), rir=rir.id)
    have = api.ipam.prefixes.count(q="10.", tag="routesec-announce")
    subnets = list(AGGREGATE.subnets(new_prefix=24))[have:prefixes]
    for part in chunks(subnets):
        api.ipam.prefixes.create(
            [
                {
                    "prefix": str(n),
                    "status": "active",
                    "tags": [{"slug": "routesec-announce"}],
                    "custom_fields": {"routesec_origin_asn": own.id},
                }
                for n in part
            ]
        )
    site, role = api.dcim.sites.get(slug="lab"), api.dcim.device_roles.get(slug="border")
    dtype, platform = api.dcim.device_types.get(slug="frr-router"), api.dcim.platforms.get(slug="frr")
    existing = api.dcim.devices.count(name__isw="bench-")
    names = ["bench-%04d" % i for i in range(existing, devices)]
    for part in chunks(names):
        created = api.dcim.devices.create(
            [
                {
                    "name": name,
                    "site": site.id,
                    "role": role.id,
                    "device_type": dtype.id,
                    "platform": platform.id,
                    "status": "active",
                    "tags": [{"slug": "routesec-managed"}],
                    "custom_fields": {"routesec_local_asn": own.id},
                }
                for name in part
            ]
        )
        ifaces = api.dcim.interfaces.create([{"device": d.id, "name": "mgmt0", "type": "virtual"} for d in created])
        ips = api.ipam.ip_addresses.create(
            [
                {
                    "address": "127.1.%d.%d/32" % divmod(int(i.device.name[6:]), 250),
                    "status": "active",
                    "assigned_object_type": "dcim.interface",
                    "assigned_object_id": i.id,
                }
                for i in ifaces
            ]
        )
        api.dcim.devices.update([{"id": d.id, "primary_ip4": ip.id} for d, ip in zip(created, ips)])
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--prefixes", type=int, default=50_000)
    args = parser.parse_args()
    url, token = os.environ["NETBOX_URL"], os.environ["NETBOX_TOKEN"]
    seconds = seed(connect(url, token, timeout=600), args.devices, args.prefixes)
    print("seeded NetBox to %d bench devices and %d bench prefixes in %.1f s" % (args.devices, args.prefixes, seconds))
    print(
        "%-10s %10s %12s %12s %10s %10s %12s"
        % ("page_size", "API calls", "read s", "build s", "devices", "prefixes", "entries")
    )
    for page_size in (1000, 5000, 10000):
        snapshot = read_snapshot(url, token, page_size=page_size, timeout=600)
        started = time.perf_counter()
        intent = build_intent(snapshot.records)
        build = time.perf_counter() - started
        entries = sum(len(p.entries) for d in intent.values() for p in d.prefix_lists)
        print(
            "%-10d %10d %12.2f %12.2f %10d %10d %12d"
            % (page_size, snapshot.api_calls, snapshot.seconds, build, len(intent), len(snapshot["prefixes"]), entries)
        )
    print("peak RSS of this process: %.0f MB" % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


if __name__ == "__main__":
    main()
