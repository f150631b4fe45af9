# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What routesec reads from NetBox: the tags and custom fields it relies on.

One place defines them; the bootstrap module creates them and the reader and
intent builder use the same names.
"""

from __future__ import annotations

TAG_OWN_ASN = "routesec-own"
TAG_ANNOUNCE = "routesec-announce"
TAG_MANAGED = "routesec-managed"
TAG_CUSTOMER = "routesec-customer"

CF_ORIGIN_ASN = "routesec_origin_asn"
CF_MAX_LENGTH = "routesec_max_length"
CF_LOCAL_ASN = "routesec_local_asn"
CF_AS_SET = "routesec_as_set"
CF_NEIGHBOR_ASNS = "routesec_neighbor_asns"
CF_RELATIONSHIP = "routesec_relationship"
CF_MAX_PREFIX_V4 = "routesec_max_prefix_v4"
CF_MAX_PREFIX_V6 = "routesec_max_prefix_v6"
CF_MAX_PREFIX_ACTION = "routesec_max_prefix_action"
CF_BGP_ROLE = "routesec_bgp_role"
CF_BLACKHOLE = "routesec_blackhole"
CF_ASPA_PROVIDERS = "routesec_aspa_providers"

# A BGP session's relationship: who the neighbour is to us (customer: we are its provider; transit: it is ours)
RELATIONSHIPS = ("customer", "peer", "transit", "route_server", "internal")
# Our RFC 9234 BGP role on a session, as the relationship implies it ("off": no role on this session)
BGP_ROLES = ("provider", "customer", "peer", "rs-client", "off")
MAX_PREFIX_ACTIONS = ("warning", "teardown")
# routesec_aspa_providers: AS numbers separated by commas ("AS64496, AS65010"; "AS0": no provider)
ASPA_PROVIDERS_PATTERN = r"^ *(AS)?[0-9]+( *, *(AS)?[0-9]+)* *$"
SESSION_OBJECT = "netbox_bgp.bgpsession"  # the netbox-bgp plugin's session, where these fields live

# A validator's RPKI-to-router service: a NetBox service of this name (TCP, its port and IP
# addresses) on the validator's device or virtual machine.
RTR_SERVICE = "rtr"

TAGS = (
    {
        "name": TAG_OWN_ASN,
        "slug": TAG_OWN_ASN,
        "color": "2e7d32",
        "description": "routesec: an AS number we operate (origins must carry it)",
    },
    {
        "name": TAG_ANNOUNCE,
        "slug": TAG_ANNOUNCE,
        "color": "1565c0",
        "description": "routesec: a prefix we originate in BGP",
    },
    {
        "name": TAG_MANAGED,
        "slug": TAG_MANAGED,
        "color": "6a1b9a",
        "description": "routesec: a router whose filters routesec manages",
    },
    {
        "name": TAG_CUSTOMER,
        "slug": TAG_CUSTOMER,
        "color": "ef6c00",
        "description": "routesec: a customer AS, listed in our AS-SET",
    },
)

CUSTOM_FIELDS = (
    {
        "name": CF_ORIGIN_ASN,
        "label": "Origin ASN",
        "type": "object",
        "related_object_type": "ipam.asn",
        "object_types": ["ipam.prefix"],
        "description": "routesec: the AS that originates this prefix in BGP",
        "required": False,
    },
    {
        "name": CF_MAX_LENGTH,
        "label": "Max length",
        "type": "integer",
        "object_types": ["ipam.prefix"],
        "description": "routesec: longest more-specific we may announce (default: the prefix length)",
        "required": False,
        "validation_minimum": 0,
        "validation_maximum": 128,
    },
    {
        "name": CF_LOCAL_ASN,
        "label": "Local ASN",
        "type": "object",
        "related_object_type": "ipam.asn",
        "object_types": ["dcim.device"],
        "description": "routesec: the AS this router speaks BGP as",
        "required": False,
    },
    {
        "name": CF_AS_SET,
        "label": "IRR AS-SET",
        "type": "text",
        "object_types": ["ipam.asn"],
        "description": "routesec: AS-SET (or AS number) whose routes this AS may announce to us (default: the AS)",
        "required": False,
    },
    {
        "name": CF_NEIGHBOR_ASNS,
        "label": "Filtered neighbours",
        "type": "multiobject",
        "related_object_type": "ipam.asn",
        "object_types": ["dcim.device"],
        "description": "routesec: customer and peer ASes whose announcements this router filters from the IRR",
        "required": False,
    },
    {
        # Text, not objects: AS0 ("no provider") is no NetBox ASN (NetBox's start at 1), and a provider need not
        # be recorded in NetBox to be named here.
        "name": CF_ASPA_PROVIDERS,
        "label": "ASPA providers",
        "type": "text",
        "object_types": ["ipam.asn"],
        "description": "routesec: on our ASN, its providers no transit session names (AS64496, AS65010), "
        "or AS0 for none",
        "required": False,
        "validation_regex": ASPA_PROVIDERS_PATTERN,
    },
)


def _one_of(words):
    return "^(%s)$" % "|".join(words)


# On the netbox-bgp plugin's sessions (created only where the plugin is installed); the max-prefix fields and the
# blackhole switch also on ASNs, as the default of every session with that AS.
SESSION_CUSTOM_FIELDS = (
    {
        "name": CF_RELATIONSHIP,
        "label": "Relationship",
        "type": "text",
        "object_types": [SESSION_OBJECT],
        "description": "routesec: the neighbour is our %s" % ", ".join(RELATIONSHIPS),
        "required": False,
        "validation_regex": _one_of(RELATIONSHIPS),
    },
    {
        "name": CF_BGP_ROLE,
        "label": "BGP role",
        "type": "text",
        "object_types": [SESSION_OBJECT],
        "description": "routesec: our RFC 9234 role (default: the one the relationship implies; off: none)",
        "required": False,
        "validation_regex": _one_of(BGP_ROLES),
    },
    {
        "name": CF_MAX_PREFIX_V4,
        "label": "Max prefixes IPv4",
        "type": "integer",
        "object_types": [SESSION_OBJECT, "ipam.asn"],
        "description": "routesec: most IPv4 prefixes accepted from the neighbour",
        "required": False,
        "validation_minimum": 1,
    },
    {
        "name": CF_MAX_PREFIX_V6,
        "label": "Max prefixes IPv6",
        "type": "integer",
        "object_types": [SESSION_OBJECT, "ipam.asn"],
        "description": "routesec: most IPv6 prefixes accepted from the neighbour",
        "required": False,
        "validation_minimum": 1,
    },
    {
        "name": CF_MAX_PREFIX_ACTION,
        "label": "Max prefix action",
        "type": "text",
        "object_types": [SESSION_OBJECT, "ipam.asn"],
        "description": "routesec: over the max-prefix, warning (log only) or teardown (default)",
        "required": False,
        "validation_regex": _one_of(MAX_PREFIX_ACTIONS),
    },
    {
        "name": CF_BLACKHOLE,
        "label": "Accept blackhole requests",
        "type": "boolean",
        "object_types": [SESSION_OBJECT, "ipam.asn"],
        "description": "routesec: a customer may blackhole its own prefixes (RFC 7999 BLACKHOLE community)",
        "required": False,
    },
)
