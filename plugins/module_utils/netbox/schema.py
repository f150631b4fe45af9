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
)
