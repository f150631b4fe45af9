# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Prefix-lists as OpenConfig prefix-sets (``openconfig-routing-policy``), the model IOS-XR, Junos, Nokia
SR OS and EOS serve over NETCONF beside their own: the sets parsed from a ``<config>`` text, and the
smallest ``<edit-config>`` that brings them to the intent.

A prefix-set holds prefixes keyed by (``ip-prefix``, ``masklength-range``), with no order and no action:
every member matches. The edit adds the prefixes the intent has and running lacks, and deletes
(``operation="delete"``) the ones running has and the intent lacks, so a 1% change sends 1% of the set;
a set running does not have is created whole. Other prefix-sets are not touched.
"""

from __future__ import annotations

import re

from ..errors import DataError
from ..intent.model import PrefixEntry, parse_prefix
from .common import shape

try:
    from lxml import etree
except ImportError:  # pragma: no cover - reported by the NETCONF driver
    etree = None

NS = "http://openconfig.net/yang/routing-policy"
NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
FILTER = '<routing-policy xmlns="%s"><defined-sets><prefix-sets/></defined-sets></routing-policy>' % NS
MODES = {4: "IPV4", 6: "IPV6"}
RANGE = re.compile(r"^(\d+)\.\.(\d+)$")


def masklength_range(entry):
    """``exact`` or ``low..high``, OpenConfig's spelling of an entry's lengths."""
    kind, low, high = shape(entry)
    return "exact" if kind == "exact" else "%d..%d" % (low, high)


def entry_of(ip_prefix, lengths, where):
    """The canonical entry for an OpenConfig prefix; DataError naming the field when it is not one."""
    prefix = parse_prefix(ip_prefix, where, "ip-prefix")
    if lengths == "exact":
        return PrefixEntry(prefix)
    found = RANGE.match(lengths or "")
    if not found:
        raise DataError("masklength-range %r is neither exact nor low..high" % lengths, where, "masklength-range")
    try:
        return PrefixEntry(prefix, int(found.group(1)), int(found.group(2)))
    except DataError as error:
        raise DataError(error.reason, where, "masklength-range") from None


def parse_prefix_lists(text):
    """{(afi, name): {n: PrefixEntry}} for every prefix-set in a ``<config>`` text."""
    sets = {}
    for node in etree.fromstring(text.encode("utf-8")).iter("{%s}prefix-set" % NS):
        name = node.findtext("{%s}name" % NS)
        where = "running prefix-set %s" % name
        entries = [
            entry_of(member.findtext("{%s}ip-prefix" % NS), member.findtext("{%s}masklength-range" % NS), where)
            for member in node.iter("{%s}prefix" % NS)
        ]
        mode = node.findtext("{%s}config/{%s}mode" % (NS, NS))
        afi = {"IPV4": 4, "IPV6": 6}.get(mode) or (entries[0].afi if entries else 4)
        sets[(afi, name)] = dict(enumerate(sorted(entries, key=entry_order), 1))
    return sets


def entry_order(entry):
    """A prefix-set's members have no order; this one also holds where one of two entries of a prefix has no
    ``ge`` (0.0.0.0/0 0..7 and 0.0.0.0/0 25..32)."""
    return (entry.prefix.version, entry.prefix, entry.ge or 0, entry.le or 0, entry.action)


def replacement(prefix_lists, running):
    """``(current, candidate, commands)`` for ``render.replacement``: the sets of the ``running`` ``<config>``
    text, the edit that brings them to ``prefix_lists`` (None when none differs) and its changes as lines."""
    current = parse_prefix_lists(running)
    candidate, commands = edit_config(prefix_lists, current)
    return current, candidate if commands else None, commands


def edit_config(prefix_lists, running):
    """The ``<config>`` text that brings each of ``prefix_lists`` to its entries from ``running`` (as
    ``parse_prefix_lists`` gives it), and the changes as lines (``NAME add|remove PREFIX RANGE``)."""
    root = etree.Element("{%s}config" % NC, nsmap={None: NC, "nc": NC})
    sets = sub(sub(sub(root, "routing-policy", nsmap={None: NS}), "defined-sets"), "prefix-sets")
    lines = []
    for plist in prefix_lists:
        wanted = members(plist)
        now = {(str(e.prefix), masklength_range(e)) for e in running.get((plist.afi, plist.name), {}).values()}
        added, removed = sorted(wanted - now), sorted(now - wanted)
        if not (added or removed):
            continue
        node = sub(sets, "prefix-set")
        sub(node, "name", plist.name)
        config = sub(node, "config")
        sub(config, "name", plist.name)
        sub(config, "mode", MODES[plist.afi])
        prefixes = sub(node, "prefixes")
        for key in added:
            member = key_of(sub(prefixes, "prefix"), key)
            key_of(sub(member, "config"), key)
        for key in removed:
            key_of(sub(prefixes, "prefix"), key).set("{%s}operation" % NC, "delete")
        lines += ["%s add %s %s" % ((plist.name,) + key) for key in added]
        lines += ["%s remove %s %s" % ((plist.name,) + key) for key in removed]
    etree.indent(root)
    return etree.tostring(root, encoding="unicode") + "\n", lines


def members(plist):
    """The (ip-prefix, masklength-range) keys of a list; DataError for what a prefix-set cannot hold."""
    denied = [str(e.prefix) for e in plist.entries if e.action != "permit"]
    if denied:
        raise DataError(
            "an OpenConfig prefix-set has no deny entries (%s)" % ", ".join(denied),
            "prefix-list %s" % plist.name,
            "action",
        )
    return {(str(e.prefix), masklength_range(e)) for e in plist.entries}


def key_of(node, key):
    sub(node, "ip-prefix", key[0])
    sub(node, "masklength-range", key[1])
    return node


def sub(parent, tag, text=None, nsmap=None):
    node = etree.SubElement(parent, "{%s}%s" % (NS, tag), nsmap=nsmap)
    node.text = text
    return node
