# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""RPSL objects (RFC 2622) as data: built from checked values, written by one serializer, read back.

Every value is checked before an object exists: a line break, a carriage
return or any control character would let a value start an attribute or a
continuation line of its own, and ``#`` starts an end-of-line comment that
parsers drop, so all are refused, as is anything but printable ASCII. Names
(maintainers, sources, AS-SETs) follow RFC 2622's object-name rules, prefixes
and AS numbers are parsed, and a source must be one of those the caller allows.

``RpslObject.text()`` writes ``attribute:`` padded to column 17, one value a
line, in the class's attribute order; ``parse_objects`` reads objects back from
whois output (continuation lines joined, comments dropped), for planning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import DataError
from ..intent.model import parse_as_set, parse_asn, parse_prefix

_VALUE = re.compile(r"^[\x20-\x22\x24-\x7e]*$")  # printable ASCII without '#'
_NAME = re.compile(r"^[A-Z][A-Z0-9_-]*[A-Z0-9]$")  # mntner and source names (RFC 2622 2)
_ATTRIBUTE = re.compile(r"^([a-z0-9-]+):\s*(.*)$", re.IGNORECASE)
WIDTH = 16  # "attribute:" padded to this many characters, as IRRd and the RIPE database print


@dataclass(frozen=True)
class RpslObject:
    """One object: its class and its (attribute, value) pairs in order, the class attribute first."""

    attributes: tuple

    @property
    def object_class(self):
        return self.attributes[0][0]

    def values(self, name):
        return [value for attribute, value in self.attributes if attribute == name]

    def first(self, name):
        found = self.values(name)
        return found[0] if found else None

    @property
    def key(self):
        """What identifies it in an IRR: (class, primary key), origin included for route objects."""
        if self.object_class in ("route", "route6"):
            return (self.object_class, self.first(self.object_class), self.first("origin"))
        return (self.object_class, self.first(self.object_class))

    def text(self):
        return "".join("%s%s\n" % ((name + ":").ljust(WIDTH), value) for name, value in self.attributes)


def clean_value(value, where, field):
    """``value`` as one RPSL line; DataError for anything that could break out of it."""
    text = str(value).strip()
    if not _VALUE.match(text):
        raise DataError(
            "%r holds a line break, a control character, '#' or a character outside printable ASCII" % (value,),
            where,
            field,
        )
    return text


def clean_name(value, where, field):
    text = str(value).strip().upper()
    if not _NAME.match(text):
        raise DataError("%r is not an RPSL name (letters, digits, '-', '_')" % (value,), where, field)
    return text


def _source(source, sources, where):
    name = clean_name(source, where, "source")
    if sources is not None and name not in {str(s).upper() for s in sources}:
        raise DataError("%r is not one of the known sources (%s)" % (source, ", ".join(sources)), where, "source")
    return name


def _texts(values, where, field):
    values = [values] if isinstance(values, str) else list(values or ())
    return [clean_value(v, where, field) for v in values if str(v).strip()]


def route_object(prefix, origin, mnt_by, source, descr=(), member_of=(), remarks=(), sources=None):
    """A ``route`` or ``route6`` object; DataError naming the field for any bad value."""
    network = parse_prefix(prefix, "route object %s" % (prefix,), "prefix")
    object_class = "route" if network.version == 4 else "route6"
    where = "%s %s AS%s" % (object_class, network, origin)
    asn = parse_asn(origin, where, "origin")
    mntners = [clean_name(m, where, "mnt-by") for m in ([mnt_by] if isinstance(mnt_by, str) else mnt_by or ())]
    if not mntners:
        raise DataError("needs at least one maintainer", where, "mnt-by")
    attributes = [(object_class, str(network))]
    attributes += [("descr", d) for d in _texts(descr, where, "descr")]
    attributes.append(("origin", "AS%d" % asn))
    attributes += [("member-of", clean_name(m, where, "member-of")) for m in member_of or ()]
    attributes += [("remarks", r) for r in _texts(remarks, where, "remarks")]
    attributes += [("mnt-by", m) for m in mntners]
    attributes.append(("source", _source(source, sources, where)))
    return RpslObject(tuple(attributes))


def as_set_object(name, members, mnt_by, source, descr=(), sources=None, contacts=()):
    """An ``as-set`` whose members are AS numbers and AS-SET names; DataError naming the field."""
    set_name = parse_as_set(name, "as-set %s" % (name,), "as-set")
    where = "as-set %s" % set_name
    listed = []
    for member in members or ():
        text = str(member).strip().upper()
        listed.append(
            "AS%d" % parse_asn(text, where, "members") if text[2:].isdigit() else parse_as_set(text, where, "members")
        )
    attributes = [("as-set", set_name)]
    attributes += [("descr", d) for d in _texts(descr, where, "descr")]
    attributes += [("members", m) for m in sorted(set(listed), key=_member_order)]
    attributes += [(kind, clean_name(c, where, kind)) for kind, c in contacts]
    attributes += [
        ("mnt-by", clean_name(m, where, "mnt-by")) for m in ([mnt_by] if isinstance(mnt_by, str) else mnt_by)
    ]
    attributes.append(("source", _source(source, sources, where)))
    return RpslObject(tuple(attributes))


def _member_order(member):
    return (0, int(member[2:]), "") if member[2:].isdigit() else (1, 0, member)


def parse_objects(text):
    """RpslObjects from RPSL text (whois output): blank lines separate objects, ``%``/``#`` lines are
    comments, continuation lines (space, tab or ``+``) extend the previous value, end-of-line comments go."""
    objects, current = [], []
    for raw in str(text).splitlines():
        line = raw.rstrip()
        if not line or line.startswith("%"):
            if current:
                objects.append(RpslObject(tuple(current)))
                current = []
            continue
        if line.startswith("#"):
            continue
        if line[0] in " \t+" and current:
            name, value = current[-1]
            current[-1] = (name, ("%s %s" % (value, _uncomment(line[1:]))).strip())
            continue
        found = _ATTRIBUTE.match(line)
        if not found:
            raise DataError("not an RPSL attribute line: %r" % line[:80], "RPSL text")
        current.append((found.group(1).lower(), _uncomment(found.group(2))))
    if current:
        objects.append(RpslObject(tuple(current)))
    return objects


def _uncomment(value):
    return value.split("#", 1)[0].strip()
