# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Confining a plan to some address blocks (``within``), as onboarding one block does.

NetBox records narrowed to the blocks plan only what lies inside them: the
blocks stand in for NetBox's aggregates (so nothing outside them is ours to add
or remove in that plan) and only the prefixes inside them remain.
"""

from __future__ import annotations

from ..errors import SafetyError
from .model import parse_prefix


def parse_blocks(values, field="within"):
    """The blocks of option ``field`` as networks (DataError naming the field)."""
    return [parse_prefix(value, "option %s" % field, field) for value in values]


def inside(prefix, blocks):
    """Whether ``prefix`` (a network) lies inside one of ``blocks``."""
    return any(prefix.version == block.version and prefix.subnet_of(block) for block in blocks)


def scoped_records(records, blocks):
    """``records`` with aggregates and prefixes narrowed to ``blocks``; the other kinds unchanged.

    Each block becomes an aggregate with the RIR of the NetBox aggregate that
    holds it; SafetyError when none holds it (that space is not ours).
    """
    held = [(parse_prefix(r.get("prefix"), "NetBox aggregate %s" % r.get("prefix")), r) for r in records["aggregates"]]
    aggregates = []
    for block in blocks:
        holder = next((record for network, record in held if inside(block, [network])), None)
        if holder is None:
            raise SafetyError("%s is inside no NetBox aggregate: we do not hold it" % block, "option within", "within")
        aggregates.append(dict(holder, prefix=str(block)))
    prefixes = []
    for record in records["prefixes"]:
        network = parse_prefix(record.get("prefix"), "NetBox prefix %s" % record.get("prefix"))
        if inside(network, blocks):
            prefixes.append(record)
    return dict(records, aggregates=aggregates, prefixes=prefixes)
