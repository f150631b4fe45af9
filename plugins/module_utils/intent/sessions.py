# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""BGP sessions and what each neighbour is to us, from the netbox-bgp plugin's sessions. Pure, no I/O.

A session's custom fields (``netbox.schema.SESSION_CUSTOM_FIELDS``) give its relationship (customer, peer,
transit, route server, internal), our RFC 9234 role when it is not the one the relationship implies, the
IPv4/IPv6 max-prefix and its action, and whether a customer may send blackhole requests. The max-prefix
fields and the blackhole switch may also sit on the neighbour's ASN, as the default of all its sessions.

Every problem names the NetBox object and the field: an unknown relationship, a max-prefix that is not a
positive number, a role that contradicts the relationship, blackholing for a neighbour that is not a
customer, an eBGP session without a relationship, and a customer or peer whose ASN has no AS-SET.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import DataError
from ..netbox.schema import (
    BGP_ROLES,
    CF_AS_SET,
    CF_BGP_ROLE,
    CF_BLACKHOLE,
    CF_MAX_PREFIX_ACTION,
    CF_MAX_PREFIX_V4,
    CF_MAX_PREFIX_V6,
    CF_RELATIONSHIP,
    MAX_PREFIX_ACTIONS,
    RELATIONSHIPS,
)
from .model import check_number, parse_address, parse_as_set, parse_asn

# Our RFC 9234 role on a session with each kind of neighbour (the neighbour's role is the opposite one)
ROLE_OF = {"customer": "provider", "peer": "peer", "transit": "customer", "route_server": "rs-client"}
FILTERED = ("customer", "peer")  # relationships whose routes are limited to what their AS-SET registers


@dataclass(frozen=True, order=True)
class Session:
    """One BGP session of a router, as NetBox describes it. ``role`` is ours (None: none); ``max_prefix`` the
    most prefixes of the session's address family (None: no limit set)."""

    address: str
    remote_asn: int
    relationship: str
    name: str = ""
    role: str | None = None
    max_prefix: int | None = None
    max_prefix_action: str = "teardown"
    blackhole: bool = False
    as_set: str | None = None

    def __post_init__(self) -> None:
        where = "BGP session %s" % (self.name or self.address)
        object.__setattr__(self, "address", str(parse_address(self.address, where, "remote_address")))
        parse_asn(self.remote_asn, where, "remote_as")
        if self.relationship not in RELATIONSHIPS:
            raise DataError(
                "%r is not a relationship (%s)" % (self.relationship, ", ".join(RELATIONSHIPS)), where, "relationship"
            )
        if self.role is not None and self.role not in ROLE_OF.values():
            raise DataError("%r is not a BGP role (%s)" % (self.role, ", ".join(BGP_ROLES)), where, "role")
        if self.relationship != "internal" and self.role not in (None, ROLE_OF[self.relationship]):
            raise DataError(
                "role %s contradicts the relationship %s (our role with a %s is %s)"
                % (self.role, self.relationship, self.relationship, ROLE_OF[self.relationship]),
                where,
                "role",
            )
        if self.max_prefix is not None:
            check_number(self.max_prefix, 1, 2**32 - 1, where, "max_prefix")
        if self.max_prefix_action not in MAX_PREFIX_ACTIONS:
            raise DataError(
                "%r is not %s" % (self.max_prefix_action, " or ".join(MAX_PREFIX_ACTIONS)), where, "max_prefix_action"
            )
        if self.blackhole and self.relationship != "customer":
            raise DataError(
                "only a customer may send blackhole requests, not a %s" % self.relationship, where, "blackhole"
            )

    @property
    def afi(self) -> int:
        return 6 if ":" in self.address else 4

    @property
    def ebgp(self) -> bool:
        return self.relationship != "internal"

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data, where="session"):
        if not isinstance(data, dict):
            raise DataError("expected a mapping, got %r" % (data,), where)
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise DataError("unknown key(s) %s" % ", ".join(unknown), where)
        where = "BGP session %s" % (data.get("name") or data.get("address"))
        values = dict(data)
        values["remote_asn"] = parse_asn(data.get("remote_asn"), where, "remote_asn")
        return cls(**values)


def session_of(record, remote_asn, address, asn_records, problems, obj):
    """The Session of one active eBGP ``record`` (NetBox session) whose remote AS and address are already
    checked; None with its problems recorded, each naming the NetBox object and field it came from."""
    custom = record.get("custom_fields") or {}
    relationship = custom.get(CF_RELATIONSHIP)
    if relationship is None:
        problems.add(
            obj,
            "custom_fields.%s" % CF_RELATIONSHIP,
            "is empty: say what the neighbour is to us (%s)" % ", ".join(RELATIONSHIPS),
        )
        return None
    asn_obj = "NetBox ASN %d" % remote_asn
    asn_custom = (asn_records.get(remote_asn) or {}).get("custom_fields") or {}
    origins = {"relationship": (obj, CF_RELATIONSHIP), "role": (obj, CF_BGP_ROLE)}  # Session field -> its source

    def pick(key, name):
        """The session's custom field ``name``, else the ASN's (the default of its sessions)."""
        on_session = custom.get(name) is not None
        origins[key] = (obj if on_session else asn_obj, name)
        return custom[name] if on_session else asn_custom.get(name)

    as_set = None
    if relationship in FILTERED:
        as_set = _as_set(asn_custom, asn_obj, problems)
        if as_set is None:
            return None
    role = custom.get(CF_BGP_ROLE)
    try:
        return Session(
            address=str(address),
            remote_asn=remote_asn,
            relationship=relationship,
            name=record.get("display") or record.get("name") or "",
            role=None if role == "off" else (role or ROLE_OF.get(relationship)),
            max_prefix=pick("max_prefix", CF_MAX_PREFIX_V6 if ":" in str(address) else CF_MAX_PREFIX_V4),
            max_prefix_action=pick("max_prefix_action", CF_MAX_PREFIX_ACTION) or "teardown",
            blackhole=bool(pick("blackhole", CF_BLACKHOLE)),
            as_set=as_set,
        )
    except DataError as exc:
        where, name = origins.get(exc.field, (obj, exc.field))
        problems.add(where, "custom_fields.%s" % name, exc.reason)
        return None


def _as_set(asn_custom, asn_obj, problems):
    value = asn_custom.get(CF_AS_SET)
    field = "custom_fields.%s" % CF_AS_SET
    if not value:
        problems.add(asn_obj, field, "is empty: a customer's or peer's routes are limited to what its AS-SET registers")
        return None
    return problems.collect(parse_as_set, value, asn_obj, field)
