# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``ipaddress`` networks built from (packed address, length), several times faster.

An IRR answer for a large AS-SET holds tens of thousands of prefixes; the
``IPv4Network``/``IPv6Network`` constructors parse and re-check each one and cost
most of the time of reading such an answer. ``network_builder(afi)`` returns a
function that makes the same objects from an address already packed by
``inet_pton`` (strict: host bits set is a ValueError, as in ``ipaddress``).

It sets the attributes the constructors set (``_ip`` of the address; the
network's address, netmask and ``_prefixlen``), so it relies on ``ipaddress``'s
layout: at import it builds sample networks both ways and compares every
attribute, and the addresses' ``_ip`` and ``_scope_id``; if they differ (another Python), the builder is the constructor
itself. /31, /32, /127 and /128 always go through the constructor.
"""

from __future__ import annotations

import ipaddress

_CLASSES = {4: (ipaddress.IPv4Network, ipaddress.IPv4Address), 6: (ipaddress.IPv6Network, ipaddress.IPv6Address)}


def _plain(network_class):
    def build(packed, length):
        return network_class((packed, length))

    return build


def _fast(network_class, address_class):
    width = network_class._max_prefixlen  # pylint: disable=protected-access
    masks = [network_class._make_netmask(length) for length in range(width + 1)]  # pylint: disable=protected-access
    scoped = hasattr(address_class(0), "_scope_id")  # IPv6 addresses carry a scope id (None here)
    new = object.__new__
    from_bytes = int.from_bytes
    slow = _plain(network_class)
    full = (1 << width) - 1

    def build(packed, length):
        if not 0 <= length < width - 1:
            return slow(packed, length)
        value = from_bytes(packed, "big")
        if value & (full >> length):
            raise ValueError("%s/%d has host bits set" % (address_class(packed), length))
        address = new(address_class)
        address._ip = value  # pylint: disable=protected-access
        if scoped:
            address._scope_id = None  # pylint: disable=protected-access
        network = new(network_class)
        network.network_address = address
        network.netmask, network._prefixlen = masks[length]  # pylint: disable=protected-access
        return network

    return build


def _agrees(build, network_class, samples):
    try:
        references = [network_class(sample) for sample in samples]
        made = [build(n.network_address.packed, n.prefixlen) for n in references]
        return all(
            vars(m) == vars(n) and _slots(m.network_address) == _slots(n.network_address)
            for m, n in zip(made, references)
        )
    except (AttributeError, TypeError, ValueError):
        return False


def _slots(address):
    return tuple(getattr(address, name, None) for name in ("_ip", "_scope_id"))


def _builders():
    samples = {
        4: ("0.0.0.0/0", "10.0.0.0/8", "185.230.76.0/22", "192.0.2.128/25"),
        6: ("::/0", "2001:db8::/32", "2a0f:b300:1::/48"),
    }
    builders = {}
    for afi, (network_class, address_class) in _CLASSES.items():
        fast = _fast(network_class, address_class)
        builders[afi] = fast if _agrees(fast, network_class, samples[afi]) else _plain(network_class)
    return builders


BUILDERS = _builders()


def network_builder(afi):
    """``build(packed, length)`` -> IPv4Network (afi 4) or IPv6Network (afi 6)."""
    return BUILDERS[afi]
