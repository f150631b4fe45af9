# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""DNS checks of an address block, asked of one configured server (never the system resolver).

``dnsbl_listings`` asks DNS blocklists (RFC 5782) about the block's addresses:
``<reversed address>.<zone>`` A. An answer in 127.0.0.0/8 means listed (its
TXT record gives the reason), NXDOMAIN or no A record means not listed.
127.0.0.1 and 127.255.255.0/24 are the error codes lists answer to refused or
excessive queries, and an answer outside 127/8 is a wildcard or a hijacking
resolver: both are SourceErrors, as are SERVFAIL, REFUSED or no answer to a
query sent ``TRIES`` times (``timeout`` each; a truncated answer is asked
again over TCP). A list that cannot be asked is never reported as clean.

Which addresses (``dnsbl_addresses``): an IPv4 block of at most
``max_addresses`` addresses (a /22 by default) is checked address by address;
a larger one by three samples per /24 (its network address, first and last
host), refused with a DataError when that is still more than
``max_addresses`` queries per list (larger than a /16 by default). For an
IPv6 block only its first address is asked, in RFC 5782's nibble form.

``reverse_delegation`` names the reverse zones covering the block (on octet
boundaries for IPv4: a /22 has four /24 zones, a /16 one zone, a /26 the /24
zone enclosing it; on nibble boundaries for IPv6) and asks for each its NS
records: those of the answer, else those of a referral; [] when there are none.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from ..errors import DataError, SourceError

try:
    import dns.exception
    import dns.message
    import dns.name
    import dns.query
    import dns.rcode
    import dns.rdatatype
except ImportError:  # pragma: no cover - reported by the modules that use these checks
    dns = None

ERROR_CODES = (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("127.255.255.0/24"))
LISTED = ipaddress.ip_network("127.0.0.0/8")
TRIES = 2


@dataclass
class Listing:
    """One address listed by one blocklist: the A answers (listing codes) and the TXT reason."""

    address: str
    zone: str
    answer: list[str]
    reason: str


class _Server:
    """The DNS server every query goes to, by address and port."""

    def __init__(self, address, port, timeout):
        if dns is None:
            raise SourceError("the Python library dnspython is required", "DNS check")
        try:
            self.address = str(ipaddress.ip_address(str(address)))
        except ValueError:
            raise DataError("must be an IP address, not %r" % (address,), "DNS check", "server") from None
        if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
            raise DataError("must be a port number, not %r" % (port,), "DNS check", "port")
        if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
            raise DataError("must be a positive number of seconds, not %r" % (timeout,), "DNS check", "timeout")
        self.port, self.timeout = port, timeout

    def ask(self, qname, rdtype, zone):
        """The NOERROR or NXDOMAIN response to ``qname``/``rdtype``; SourceError naming ``zone`` otherwise."""
        query = dns.message.make_query(qname, rdtype)
        where = "DNS zone %s" % zone
        for _attempt in range(TRIES):
            try:
                response, _tcp = dns.query.udp_with_fallback(query, self.address, timeout=self.timeout, port=self.port)
                break
            except dns.exception.Timeout:
                continue
            except (dns.exception.DNSException, OSError, ValueError) as error:
                raise SourceError("%s failed to answer %s %s (%s)" % (self, qname, rdtype, error), where) from None
        else:
            raise SourceError("no answer from %s to %s %s within %ss" % (self, qname, rdtype, self.timeout), where)
        if response.rcode() not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            rcode = dns.rcode.to_text(response.rcode())
            raise SourceError("%s answered %s to %s %s" % (self, rcode, qname, rdtype), where)
        return response

    def __str__(self):
        return "%s port %d" % (self.address, self.port)


def dnsbl_listings(block, zones, server, port=53, timeout=3, max_addresses=1024):
    """The Listings of ``block``'s addresses (see ``dnsbl_addresses``) in the blocklist ``zones``; [] when clean."""
    network = _network(block)
    zone_names = _zone_names(zones)
    resolver = _Server(server, port, timeout)
    addresses = dnsbl_addresses(network, max_addresses)
    listings = []
    for zone in zone_names:
        for address in addresses:
            listing = _listing(address, zone, resolver)
            if listing:
                listings.append(listing)
    return listings


def dnsbl_addresses(block, max_addresses=1024):
    """The addresses of ``block`` a blocklist is asked about (the module docstring tells which)."""
    network = _network(block)
    if not isinstance(max_addresses, int) or isinstance(max_addresses, bool) or max_addresses < 256:
        raise DataError("must be a number of at least 256, not %r" % (max_addresses,), "DNSBL check", "max_addresses")
    if network.version == 6:
        return [network.network_address]
    if network.num_addresses <= max_addresses:
        return list(network)
    if 3 * network.num_addresses // 256 > max_addresses:
        why = "larger than %d queries per list can sample (3 per /24)" % max_addresses
        raise DataError("%s is %s" % (network, why), "DNSBL check", "block")
    return [address for net in network.subnets(new_prefix=24) for address in (net[0], net[1], net[-2])]


def reverse_zones(block):
    """The in-addr.arpa or ip6.arpa zones covering ``block``, in address order."""
    network = _network(block)
    unit, deepest = (8, 24) if network.version == 4 else (4, 124)
    length = min(max(-(-network.prefixlen // unit) * unit, unit), deepest)
    if network.prefixlen > length:
        return [_zone_name(network.supernet(new_prefix=length))]
    return [_zone_name(net) for net in network.subnets(new_prefix=length)]


def reverse_delegation(block, server, port=53, timeout=3):
    """{reverse zone: [its NS names]} for the zones covering ``block`` (see ``reverse_zones``)."""
    zones = reverse_zones(block)
    resolver = _Server(server, port, timeout)
    return {zone: _ns_names(zone, resolver) for zone in zones}


def _listing(address, zone, resolver):
    qname = dns.name.from_text(address.reverse_pointer.rsplit(".", 2)[0], origin=zone)
    zone_text = zone.to_text(omit_final_dot=True)
    response = resolver.ask(qname, "A", zone_text)
    answers = [ipaddress.ip_address(r.address) for r in _records(response.answer, dns.rdatatype.A)]
    if response.rcode() == dns.rcode.NXDOMAIN or not answers:
        return None
    odd = [str(a) for a in answers if a not in LISTED or any(a in error for error in ERROR_CODES)]
    if odd:
        raise SourceError("%s answered %s for %s: not a listing code" % (resolver, ", ".join(odd), qname), zone_text)
    txt = _records(resolver.ask(qname, "TXT", zone_text).answer, dns.rdatatype.TXT)
    reason = " ".join(sorted(b"".join(r.strings).decode("utf-8", "replace") for r in txt))
    return Listing(str(address), zone_text, sorted(str(a) for a in answers), reason)


def _ns_names(zone, resolver):
    qname = dns.name.from_text(zone)
    response = resolver.ask(qname, "NS", zone)
    for section in (response.answer, response.authority):
        names = [r.target.to_text(omit_final_dot=True) for r in _records(section, dns.rdatatype.NS, qname)]
        if names:
            return sorted(names)
    return []


def _records(section, rdtype, owner=None):
    return [r for rrset in section if rrset.rdtype == rdtype and owner in (None, rrset.name) for r in rrset]


def _zone_name(network):
    """The reverse zone of a network on a label boundary: 2.0.192.in-addr.arpa, 8.b.d.0.1.0.0.2.ip6.arpa."""
    if network.version == 4:
        labels, suffix = str(network.network_address).split(".")[: network.prefixlen // 8], "in-addr.arpa"
    else:
        labels, suffix = network.network_address.exploded.replace(":", "")[: network.prefixlen // 4], "ip6.arpa"
    return ".".join([*reversed(labels), suffix])


def _network(block):
    if isinstance(block, (ipaddress.IPv4Network, ipaddress.IPv6Network)):
        return block
    try:
        return ipaddress.ip_network(str(block).strip())
    except ValueError as error:
        raise DataError("not an IP prefix (%s)" % error, "DNS check", "block") from None


def _zone_names(zones):
    """The zones as absolute names; DataError unless each is a name with room for an IPv6 query below it."""
    if not isinstance(zones, (list, tuple)) or not zones or not all(isinstance(z, str) and z.strip(".") for z in zones):
        raise DataError("must be a non-empty list of DNS zone names, not %r" % (zones,), "DNSBL check", "zones")
    try:
        names = [dns.name.from_text(zone) for zone in zones]
        for name in names:
            dns.name.from_text(".".join("0" * 32), origin=name)
        return names
    except dns.exception.DNSException as error:
        raise DataError("not a usable DNS zone name (%s)" % error, "DNSBL check", "zones") from None
