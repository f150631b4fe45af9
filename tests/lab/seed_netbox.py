# -*- coding: utf-8 -*-
"""Seed the lab NetBox with routesec's schema and the lab's network, idempotently.

The lab network: AS64500 is ours, holding 185.230.76.0/22 and 2a0f:b300::/32
(RIPE NCC); routers r1 and r2 (FRR) announce our prefixes to a transit router
(AS64496); an ExaBGP speaker (AS65000) injects routes into r1 and r2. AS65000 is
also r2's customer, filtered by what its AS-SET AS65000:AS-CUSTOMERS holds in the
lab IRRd (a second ExaBGP speaker, "cust", announces its routes to r2). When NetBox has
the netbox-bgp plugin, r2's two sessions with cust are plugin BGP sessions too: the same
neighbour, from the plugin's side.

Usage: PYTHONPATH=$ANSIBLE_COLLECTIONS_PATH python seed_netbox.py
(reads NETBOX_URL and NETBOX_TOKEN from the environment)
"""

from __future__ import annotations

import os

from ansible_collections.routesec.bgp.plugins.module_utils.netbox import schema
from ansible_collections.routesec.bgp.plugins.module_utils.netbox.bootstrap import ensure_schema
from ansible_collections.routesec.bgp.plugins.module_utils.netbox.reader import connect, installed_plugins

OWN_ASN = 64500
ASNS = {64500: [schema.TAG_OWN_ASN], 64496: [], 65000: [schema.TAG_CUSTOMER]}
# Our AS-SET (on our ASN) and the customer's; route objects and our AS-SET go to the lab IRRd.
AS_SETS = {64500: "AS64500:AS-ROUTESEC-LAB", 65000: "AS65000:AS-CUSTOMERS"}
NEIGHBORS = {"r2": [65000]}
AGGREGATES = ["185.230.76.0/22", "2a0f:b300::/32"]
# prefix -> (announce, max_length, description)
PREFIXES = {
    "185.230.76.0/22": (True, 23, ""),
    "185.230.79.0/24": (True, None, "routesec lab: customer PoP"),
    "185.230.78.0/24": (False, None, ""),
    "2a0f:b300::/32": (True, None, ""),
    "2a0f:b300:100::/48": (True, None, ""),
}
# device -> (management address, managed by routesec)
DEVICES = {"r1": ("127.0.10.1/32", True), "r2": ("127.0.10.2/32", True), "transit": ("127.0.10.10/32", False)}
# netbox-bgp plugin sessions: device -> (name, local address, remote address, remote AS), on the
# lab's link (tests/lab/routers.sh): r2 with cust, its customer AS65000.
SESSIONS = {
    "r2": [
        ("cust-v4", "198.18.0.2/24", "198.18.0.101/24", 65000),
        ("cust-v6", "fdff:5e5::2/64", "fdff:5e5::101/64", 65000),
    ]
}


def get_or_create(endpoint, lookup, **fields):
    record = endpoint.get(**lookup)
    if record is None:
        record = endpoint.create(dict(lookup, **fields))
    return record


def tag_ids(slugs):
    return [{"slug": slug} for slug in slugs]


def add_rtr_service(api, device_name, address, port, description):
    """An RTR cache in NetBox: a TCP service named rtr on ``device_name`` at ``address``; returns (service, ip)."""
    ip = api.ipam.ip_addresses.create(address="%s/32" % address, description=description)
    device = api.dcim.devices.get(name=device_name)
    service = api.ipam.services.create(
        name="rtr",
        parent_object_type="dcim.device",
        parent_object_id=device.id,
        protocol="tcp",
        ports=[port],
        ipaddresses=[ip.id],
    )
    return service, ip


def seed(api):
    rir = get_or_create(api.ipam.rirs, {"slug": "ripe"}, name="RIPE NCC")
    asns = {}
    for asn, tags in ASNS.items():
        fields = {"tags": tag_ids(tags), "custom_fields": {schema.CF_AS_SET: AS_SETS.get(asn)}}
        asns[asn] = get_or_create(api.ipam.asns, {"asn": asn}, rir=rir.id, **fields)
        asns[asn].update(fields)  # a NetBox seeded by an older lab gets the fields it lacks
    for prefix in AGGREGATES:
        get_or_create(api.ipam.aggregates, {"prefix": prefix}, rir=rir.id)
    for prefix, (announce, max_length, description) in PREFIXES.items():
        fields = {"status": "active", "description": description}
        if announce:
            fields["tags"] = tag_ids([schema.TAG_ANNOUNCE])
            fields["custom_fields"] = {schema.CF_ORIGIN_ASN: asns[OWN_ASN].id, schema.CF_MAX_LENGTH: max_length}
        get_or_create(api.ipam.prefixes, {"prefix": prefix}, **fields).update({"description": description})
    site = get_or_create(api.dcim.sites, {"slug": "lab"}, name="Lab", status="active")
    maker = get_or_create(api.dcim.manufacturers, {"slug": "frrouting"}, name="FRRouting")
    dtype = get_or_create(api.dcim.device_types, {"slug": "frr-router"}, model="FRR router", manufacturer=maker.id)
    role = get_or_create(api.dcim.device_roles, {"slug": "border"}, name="Border router", color="1565c0")
    platform = get_or_create(api.dcim.platforms, {"slug": "frr"}, name="FRR")
    devices = {}
    for name, (address, managed) in DEVICES.items():
        device = devices[name] = get_or_create(
            api.dcim.devices,
            {"name": name},
            site=site.id,
            device_type=dtype.id,
            role=role.id,
            platform=platform.id,
            status="active",
            tags=tag_ids([schema.TAG_MANAGED] if managed else []),
            custom_fields={
                schema.CF_LOCAL_ASN: asns[OWN_ASN if managed else 64496].id,
                schema.CF_NEIGHBOR_ASNS: [asns[n].id for n in NEIGHBORS.get(name, [])],
            },
        )
        iface = get_or_create(
            api.dcim.interfaces, {"device_id": device.id, "name": "mgmt0"}, device=device.id, type="virtual"
        )
        ip = get_or_create(
            api.ipam.ip_addresses,
            {"address": address},
            assigned_object_type="dcim.interface",
            assigned_object_id=iface.id,
            status="active",
        )
        if not device.primary_ip4 or device.primary_ip4.id != ip.id:
            device.update({"primary_ip4": ip.id})
    if "netbox_bgp" in installed_plugins(api):
        seed_sessions(api, devices, asns)


def seed_sessions(api, devices, asns):
    for name, sessions in SESSIONS.items():
        for session, local, remote, remote_asn in sessions:
            local_ip, remote_ip = (
                get_or_create(api.ipam.ip_addresses, {"address": address}, status="active")
                for address in (local, remote)
            )
            get_or_create(
                api.plugins.bgp.bgpsession,
                {"device_id": devices[name].id, "remote_address_id": remote_ip.id},
                name=session,
                device=devices[name].id,
                local_address=local_ip.id,
                remote_address=remote_ip.id,
                local_as=asns[OWN_ASN].id,
                remote_as=asns[remote_asn].id,
                status="active",
            )


def main():
    url, token = os.environ["NETBOX_URL"], os.environ["NETBOX_TOKEN"]
    changes = ensure_schema(url, token)
    seed(connect(url, token))
    print("NetBox seeded (%d schema changes)" % len(changes))


if __name__ == "__main__":
    main()
