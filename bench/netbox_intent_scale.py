# -*- coding: utf-8 -*-
"""Benchmark: NetBox API calls and seconds to build intent for 1,000 devices and 50,000 prefixes.

Seeds the lab NetBox (devices, their interfaces and primary IPs through the
API in bulk; the prefixes straight into its PostgreSQL database, because the
API creates only about 25 prefixes a second), then times the reader (one list
query per kind, paginated) and the intent builder separately, for a few page
sizes, beside plain pynetbox reading the same prefixes as full records. Leaves
the objects in NetBox: `tests/lab/lab.sh reset` (run by bench/run.sh) restores
the seed afterwards.

    NETBOX_URL=... NETBOX_TOKEN=... PYTHONPATH=$ANSIBLE_COLLECTIONS_PATH python bench/netbox_intent_scale.py
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import resource
import subprocess
import time

from ansible_collections.routesec.bgp.plugins.module_utils.intent.build import build_intent
from ansible_collections.routesec.bgp.plugins.module_utils.netbox.reader import connect, read_snapshot

AGGREGATE = ipaddress.ip_network("10.0.0.0/8")
CHUNK = 1000


def chunks(items, size=CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


PREFIX_SQL = """
WITH own AS (SELECT id FROM ipam_asn WHERE asn = 64500),
have AS (SELECT count(*) AS n FROM ipam_prefix WHERE prefix << '10.0.0.0/8'),
created AS (
    INSERT INTO ipam_prefix (created, last_updated, custom_field_data, prefix, status, is_pool, description,
                             _children, _depth, mark_utilized, comments)
    SELECT now(), now(),
           jsonb_build_object('routesec_origin_asn', (SELECT id FROM own), 'routesec_max_length', NULL),
           set_masklen('10.0.0.0'::inet + g * 256, 24)::cidr, 'active', false, '', 0, 0, false, ''
    FROM generate_series((SELECT n FROM have), %d - 1) AS g
    RETURNING id
)
INSERT INTO extras_taggeditem (object_id, content_type_id, tag_id)
SELECT created.id,
       (SELECT id FROM django_content_type WHERE app_label = 'ipam' AND model = 'prefix'),
       (SELECT id FROM extras_tag WHERE slug = 'routesec-announce')
FROM created
"""


def seed_prefixes(count):
    """Announced /24s in 10.0.0.0/8, origin AS64500, straight into the lab NetBox's database."""
    subprocess.run(
        [
            "runuser",
            "-u",
            "postgres",
            "--",
            "psql",
            "-q",
            "-X",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            "netbox",
            "-c",
            PREFIX_SQL % count,
        ],
        check=True,
    )


def seed_announced(api, prefixes):
    """The aggregate 10.0.0.0/8 (RIPE NCC) and ``prefixes`` announced /24s in it (``seed_prefixes``)."""
    rir = api.ipam.rirs.get(slug="ripe")
    if api.ipam.aggregates.get(prefix=str(AGGREGATE)) is None:
        api.ipam.aggregates.create(prefix=str(AGGREGATE), rir=rir.id)
    seed_prefixes(prefixes)


def create_routers(api, names, platform_slug, address_of):
    """Managed routers ``names`` in the lab site (tag routesec-managed, local AS64500, the platform of
    ``platform_slug``, created when NetBox lacks it), each with an interface mgmt0 whose address
    ``address_of(name)`` (``a.b.c.d/32``) is its primary IP; created in bulk, CHUNK per request."""
    own = api.ipam.asns.get(asn=64500)
    site, role = api.dcim.sites.get(slug="lab"), api.dcim.device_roles.get(slug="border")
    dtype = api.dcim.device_types.get(slug="frr-router")
    platform = api.dcim.platforms.get(slug=platform_slug) or api.dcim.platforms.create(
        name=platform_slug, slug=platform_slug
    )
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
                    "address": address_of(i.device.name),
                    "status": "active",
                    "assigned_object_type": "dcim.interface",
                    "assigned_object_id": i.id,
                }
                for i in ifaces
            ]
        )
        api.dcim.devices.update([{"id": d.id, "primary_ip4": ip.id} for d, ip in zip(created, ips)])


def seed(api, devices, prefixes):
    started = time.perf_counter()
    seed_announced(api, prefixes)
    existing = api.dcim.devices.count(name__isw="bench-")
    names = ["bench-%04d" % i for i in range(existing, devices)]
    create_routers(api, names, "frr", lambda name: "127.1.%d.%d/32" % divmod(int(name[6:]), 250))
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
    anchor = connect(url, token, timeout=600)
    started = time.perf_counter()
    full = {
        "aggregates": list(anchor.ipam.aggregates.filter(limit=1000)),
        "asns": list(anchor.ipam.asns.filter(limit=1000)),
        "prefixes": list(anchor.ipam.prefixes.filter(tag="routesec-announce", limit=1000)),
        "devices": list(anchor.dcim.devices.filter(tag="routesec-managed", limit=1000)),
    }
    seconds = time.perf_counter() - started
    snapshot = read_snapshot(url, token, page_size=1000, timeout=600)
    print(
        "anchor, plain pynetbox full records at page size 1000: %d API calls, %.2f s for %d objects; "
        "routesec reader / pynetbox = %.2f (time)"
        % (anchor.http_session.calls, seconds, sum(map(len, full.values())), snapshot.seconds / seconds)
    )
    print("peak RSS of this process: %.0f MB" % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


if __name__ == "__main__":
    main()
