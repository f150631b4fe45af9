# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Prefix operations for customer and peer filters, with bgpq4's semantics.

The input is the prefixes a neighbour may announce (``ipaddress`` networks or
CIDR text, e.g. the routes of its AS-SET); the output is PrefixEntry lists,
entry for entry what bgpq4 1.9 prints for the same prefixes and options:

* ``aggregate(networks)`` is ``bgpq4 -A``: sibling prefixes are merged into one
  entry of their parent (192.0.2.0/25 and 192.0.2.128/25 become 192.0.2.0/24
  ``ge 25 le 25``, and with 192.0.2.0/24 itself ``le 25``), recursively, exactly
  as bgpq4's radix tree does; what is matched does not change.
* ``with_max_length(networks, le)`` is ``bgpq4 -R le``: a prefix shorter than
  ``le`` also matches its more-specifics up to ``le``; listed prefixes it now
  covers up to that length are dropped, longer ones stay exact.
* ``drop_longer_than(networks, max_len)`` is ``bgpq4 -m max_len``.
* ``remove_bogons(networks, afi)`` drops what ``bogons`` calls a bogon (bgpq4
  has no such option).

``build_prefix_entries`` composes them in bgpq4's order: bogons out, then too
specific prefixes out (-m; routesec's default limit is /24 and /48), then ``-R``,
then ``-A``. It returns the entries sorted (address, then prefix length, then
lengths matched: bgpq4's order) and a ``PrefixReport`` of what it dropped.

Every function takes one family or both; each family is its own tree, IPv4
first. Duplicates are merged. The radix tree is a port of bgpq4's
``sx_prefix.c`` (BSD-2-Clause, Alexandre Snarskii), so that corner cases
(glue nodes, "son" entries for a second length range) agree with bgpq4's.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import DataError
from .bogons import BogonCheck
from .model import PrefixEntry, parse_prefix

TOO_SPECIFIC = {4: 24, 6: 48}  # routesec's default: longer is too specific for a neighbour
WIDTH = {4: 32, 6: 128}


class _Node:
    """A radix tree node as bgpq4 keeps it: a prefix, glue or not, with an optional
    aggregate length range and a ``son`` holding a second range for the same prefix."""

    __slots__ = ("addr", "agg", "glue", "hi", "l", "length", "lo", "parent", "r", "son")

    def __init__(self, addr, length, glue=False):
        self.addr, self.length = addr, length
        self.parent = self.l = self.r = self.son = None
        self.glue, self.agg = glue, False
        self.lo = self.hi = 0

    def copy_range(self, other):
        son = _Node(self.addr, self.length)
        son.agg, son.lo, son.hi = True, other.lo, other.hi
        return son


class _Tree:
    """bgpq4's radix tree for one family (``sx_radix_tree_insert``)."""

    def __init__(self, width):
        self.width = width
        self.head = None

    def _bit(self, addr, index):
        """Bit ``index`` (0 = most significant) of ``addr``."""
        return (addr >> (self.width - 1 - index)) & 1

    def _link(self, old, new):
        """Put ``new`` where ``old`` hangs (its parent's child, or the head)."""
        parent = old.parent
        new.parent = parent
        if parent is None:
            self.head = new
        elif parent.l is old:
            parent.l = new
        else:
            parent.r = new
        old.parent = new

    def insert(self, addr, length):
        if self.head is None:
            self.head = _Node(addr, length)
            return
        node, width = self.head, self.width
        while True:
            # the leading bits both prefixes share, at most the shorter one's length
            eb = min(width - (addr ^ node.addr).bit_length(), length, node.length)
            if eb < length and eb < node.length:
                mask = ((1 << eb) - 1) << (self.width - eb)
                glue, new = _Node(addr & mask, eb, glue=True), _Node(addr, length)
                self._link(node, glue)
                new.parent = glue
                glue.l, glue.r = (node, new) if self._bit(addr, eb) else (new, node)
                return
            if eb == length and eb < node.length:
                new = _Node(addr, length)
                self._link(node, new)
                if self._bit(node.addr, eb):
                    new.r = node
                else:
                    new.l = node
                return
            if eb == node.length and eb < length:
                side = "r" if self._bit(addr, eb) else "l"
                child = getattr(node, side)
                if child is None:
                    child = _Node(addr, length)
                    child.parent = node
                    setattr(node, side, child)
                    return
                node = child
                continue
            node.glue = False  # the same prefix again, or a glue node becoming real
            return

    def refine(self, node, refine):
        """``sx_radix_node_refine`` (bgpq4 -R)."""
        if not node.glue and node.length < refine:
            node.agg, node.lo, node.hi = True, node.length, refine
            for child in (node.l, node.r):
                if child:
                    for inner in _preorder(child):
                        if inner.length <= refine:
                            inner.glue = True
                    self.refine(child, refine)
        elif not node.glue and node.length == refine:
            for child in (node.l, node.r):
                if child:
                    self.refine(child, refine)
        elif node.glue:
            for child in (node.r, node.l):
                if child:
                    self.refine(child, refine)

    def aggregate(self, node):
        """``sx_radix_node_aggregate`` (bgpq4 -A), bottom-up."""
        if node.l:
            self.aggregate(node.l)
        if node.r:
            self.aggregate(node.r)
        left, right = node.l, node.r
        if not (left and right):
            return
        halves = left.length == right.length == node.length + 1
        if not (left.agg or right.agg or left.glue or right.glue) and left.length == right.length:
            _merge_plain(node, left, right, halves)
        elif not halves:  # the other rules only merge a node's two direct halves
            return
        elif right.agg and left.agg and _same(right, left):
            _merge_aggregates(node, left, right)
        elif left.son and right.agg and left.son.agg and _same(right, left.son):
            _merge_son(node, right, left.son)
        elif right.son and left.agg and right.son.agg and _same(left, right.son):
            _merge_son(node, left, right.son)


def _same(a, b):
    return a.hi == b.hi and a.lo == b.lo


def _merge_plain(node, left, right, halves):
    """Two exact halves: the parent matches them (and itself, if it is listed)."""
    if right.length == node.length + 1:
        node.agg, right.glue, left.glue = True, True, True
        node.hi = right.length
        if node.glue:
            node.glue, node.lo = False, right.length
        else:
            node.lo = node.length
    rs, ls = right.son, left.son
    if rs and ls and rs.agg and ls.agg and _same(rs, ls) and halves:
        node.son = node.copy_range(rs)
        rs.glue = ls.glue = True


def _merge_aggregates(node, left, right):
    """Two halves with the same range: the parent takes it over."""
    if node.glue:
        right.glue = left.glue = True
        node.agg, node.glue, node.hi, node.lo = True, False, right.hi, right.lo
    elif right.length == right.lo:
        right.glue = left.glue = True
        node.agg, node.hi, node.lo = True, right.hi, node.length
    else:
        node.son = node.copy_range(right)
        right.glue = left.glue = True
        rs, ls = right.son, left.son
        if rs and ls and _same(rs, ls):
            node.son.son = node.copy_range(rs)
            rs.glue = ls.glue = True


def _merge_son(node, half, son):
    """One half's range equals the other half's second range."""
    if node.glue:
        half.glue = son.glue = True
        node.agg, node.glue, node.hi, node.lo = True, False, half.hi, half.lo
    else:
        node.son = node.copy_range(half)
        half.glue = son.glue = True


def _preorder(node):
    """Nodes under ``node`` (itself first), left before right, as bgpq4 walks them."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if current.r:
            stack.append(current.r)
        if current.l:
            stack.append(current.l)


def _networks(networks, where="prefixes"):
    """``networks`` parsed: networks as they are, CIDR text strictly (host bits refused)."""
    return [parse_prefix(net, where) for net in networks]


def _check_length(value, afi, what):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= WIDTH[afi]:
        raise DataError("%r is not an IPv%d prefix length (1..%d)" % (value, afi, WIDTH[afi]), "prefix filter", what)
    return value


def _bgpq4(networks, aggregate=False, le=None):
    """Entries for ``networks`` as bgpq4 prints them with ``-R le`` and ``-A``, in its order."""
    entries = []
    for afi in (4, 6):
        family = [net for net in networks if net.version == afi]
        if not family:
            continue
        _check_length(le, afi, "le")
        tree = _Tree(WIDTH[afi])
        given = {(int(net.network_address), net.prefixlen): net for net in family}
        for addr, length in given:
            tree.insert(addr, length)
        if le:
            tree.refine(tree.head, le)
        if aggregate:
            tree.aggregate(tree.head)
        make = type(family[0])
        for node in _preorder(tree.head):
            item = node
            while item is not None:
                if not item.glue:
                    prefix = given.get((item.addr, item.length)) or make((item.addr, item.length))
                    if not item.agg:
                        entries.append(PrefixEntry(prefix))
                    elif item.lo > item.length:
                        entries.append(PrefixEntry(prefix, item.lo, item.hi))
                    else:
                        entries.append(PrefixEntry(prefix, None, item.hi))
                item = item.son
    return entries


def _address_order(network):
    return int(network.network_address), network.prefixlen


def sort_key(entry):
    """bgpq4's order: family, address, prefix length, then the lengths the entry matches."""
    own = entry.prefix.prefixlen
    low = own if entry.ge is None else entry.ge
    high = entry.le if entry.le is not None else (own if entry.ge is None else entry.prefix.max_prefixlen)
    return entry.prefix.version, int(entry.prefix.network_address), own, low, high


def aggregate(networks):
    """bgpq4 ``-A``: PrefixEntry list matching exactly ``networks``, merged as bgpq4 merges them."""
    return _bgpq4(_networks(networks), aggregate=True)


def with_max_length(networks, le):
    """bgpq4 ``-R le``: PrefixEntry list where each prefix shorter than ``le`` also matches its
    more-specifics up to ``le`` (listed ones it covers so are left out); ``le=None``: all exact."""
    return _bgpq4(_networks(networks), le=le)


def drop_longer_than(networks, max_len):
    """bgpq4 ``-m max_len`` (as it treats IRR routes): ``(kept, dropped)`` lists of networks,
    ``dropped`` being those longer than ``max_len``."""
    kept, dropped = [], []
    for net in _networks(networks):
        _check_length(max_len, net.version, "max_length")
        (dropped if net.prefixlen > max_len else kept).append(net)
    return kept, dropped


def remove_bogons(networks, afi, allowed=()):
    """``(kept, removed)``: the networks of family ``afi`` that are not bogons, and those that are.

    ``allowed`` are ranges accepted although bogon space (a lab routing 203.0.113.0/24).
    Networks of the other family are left out of both lists.
    """
    check = BogonCheck(afi, allowed)
    kept, removed = [], []
    for net in _networks(networks):
        if net.version == afi:
            (removed if check(net) else kept).append(net)
    return kept, removed


@dataclass(frozen=True)
class PrefixReport:
    """What ``build_prefix_entries`` left out, and the limit it used."""

    afi: int
    bogons: tuple = ()
    too_specific: tuple = ()
    max_length: int = 0

    @property
    def dropped(self):
        return len(self.bogons) + len(self.too_specific)

    def to_dict(self):
        return {
            "afi": self.afi,
            "bogons": [str(net) for net in self.bogons],
            "too_specific": [str(net) for net in self.too_specific],
            "max_length": self.max_length,
        }


def build_prefix_entries(
    networks,
    afi,
    aggregate=False,
    max_length=None,
    le=None,
    drop_bogons=True,
    too_specific=None,
    allowed=(),
):
    """The entries of one family's filter for ``networks``, and a PrefixReport.

    * Networks of the other family are ignored (as bgpq4 does), duplicates merged.
    * ``drop_bogons``: bogons are removed (``bogons``), except inside ``allowed``.
    * Too specific: a prefix longer than ``max_length`` (bgpq4 ``-m``) or than
      ``too_specific`` (routesec's guard, default /24 for IPv4 and /48 for IPv6;
      pass 32 or 128 to turn it off) is removed.
    * ``le`` (bgpq4 ``-R``) then lets each kept prefix shorter than ``le`` match
      its more-specifics up to ``le``, and ``aggregate`` (bgpq4 ``-A``) merges entries.

    A prefix both bogon and too specific is reported as a bogon. Returns
    ``(entries, report)``: a tuple of PrefixEntry in ``sort_key`` order.
    """
    if afi not in WIDTH:
        raise DataError("afi must be 4 or 6, not %r" % (afi,), "prefix filter", "afi")
    nets = sorted({net for net in _networks(networks) if net.version == afi}, key=_address_order)
    bogons = ()
    if drop_bogons:
        nets, bogons = remove_bogons(nets, afi, allowed)
    limit = _check_length(TOO_SPECIFIC[afi] if too_specific is None else too_specific, afi, "too_specific")
    if max_length is not None:
        limit = min(limit, _check_length(max_length, afi, "max_length"))
    nets, longer = drop_longer_than(nets, limit)
    entries = _bgpq4(nets, aggregate=aggregate, le=_check_length(le, afi, "le"))
    report = PrefixReport(afi, tuple(bogons), tuple(longer), limit)
    return tuple(sorted(entries, key=sort_key)), report
