# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One router's session policy intent with a session of every relationship, for the renderers' and drivers'
tests: a customer allowed to blackhole (IPv4, teardown over 10 prefixes), a transit (IPv4, warning over
900000), a peer over IPv6 (no limit) and a route server (IPv4, 5000); our own space in both families; the
customer's and the peer's IRR lists and origin lists."""

from __future__ import annotations

from ansible_collections.routesec.bgp.plugins.module_utils.intent.model import (
    AsPathList,
    Device,
    DeviceIntent,
    PrefixEntry,
    PrefixList,
    parse_prefix,
)
from ansible_collections.routesec.bgp.plugins.module_utils.intent.sessions import Session

LOCAL_ASN = 64500
SESSIONS = (
    Session("198.51.100.1", 65000, "customer", "cust", "provider", 10, "teardown", True, "AS-CUST"),
    Session("198.51.100.2", 64496, "transit", "transit", "customer", 900000, "warning"),
    Session("2001:db8::3", 65001, "peer", "peer6", "peer", None, "teardown", False, "AS-PEER"),
    Session("198.51.100.4", 65002, "route_server", "rs", "rs-client", 5000),
)
IRR_LISTS = (
    PrefixList("ROUTESEC-AS65000-IN-V4", 4, (PrefixEntry(parse_prefix("203.0.113.0/24")),)),
    PrefixList("ROUTESEC-AS65001-IN-V6", 6, (PrefixEntry(parse_prefix("2001:db8:1::/48")),)),
)
OWN_LISTS = (
    PrefixList("ROUTESEC-OWN-V4", 4, (PrefixEntry(parse_prefix("185.230.76.0/22"), le=24),)),
    PrefixList("ROUTESEC-OWN-V6", 6, (PrefixEntry(parse_prefix("2a0f:b300::/32"), le=48),)),
)
ORIGIN_LISTS = (
    AsPathList("ROUTESEC-AS65000-IN", 65000, (65000, 64511)),
    AsPathList("ROUTESEC-AS65001-IN", 65001, (65001,)),
)


def sample_intent(platform: str, sessions=SESSIONS, name="edge1") -> DeviceIntent:
    """The sample intent for a device of ``platform`` (with ``sessions``, by default all four)."""
    return DeviceIntent(
        Device(name, platform, None, LOCAL_ASN), OWN_LISTS + IRR_LISTS, (), ORIGIN_LISTS, tuple(sessions)
    )
