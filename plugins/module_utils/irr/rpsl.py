# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""RPSL objects (RFC 2622) as data: built from checked values, written by one serializer, read back.

Every value is checked before an object exists: a line break, a carriage
return or any control character would let a value start an attribute or a
continuation line of its own, and ``#`` starts an end-of-line comment that
parsers drop, so all are refused, as is anything but printable ASCII. Names
follow RFC 2622 as IRRd's strict mode reads it: maintainers, sources and
contacts are object names that are no reserved word (``ANY``, ``AS-ANY``, ...)
and do not begin with a set's prefix (``AS-``, ``RS-``, ...); as-set and
route-set names may be hierarchical (``AS702:RS-DE``). Prefixes and AS numbers
are parsed, and a source must be one of those the caller allows.

``RpslObject.text()`` writes ``attribute:`` padded to column 17, one value a
line, in the class's attribute order; ``parse_objects`` reads objects back from
whois output as IRRd reads them, for planning: a value continued over lines
(space, tab or ``+``, a line of only whitespace included) is its lines without
comments, joined by ",".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import DataError
from ..intent.model import (
    RPSL_NAME,
    RPSL_RESERVED_WORDS,
    RPSL_SET_PREFIXES,
    parse_as_set,
    parse_asn,
    parse_prefix,
    parse_set_name,
)

_VALUE = re.compile(r"^[\x20-\x22\x24-\x7e]*$")  # printable ASCII without '#'
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
    """An object name (a maintainer, a source, a contact), upper-cased: RFC 2622's characters, no reserved
    word, no set's prefix."""
    text = str(value).strip().upper()
    if not RPSL_NAME.match(text):
        raise DataError("%r is not an RPSL name (letters, digits, '-', '_')" % (value,), where, field)
    if text in RPSL_RESERVED_WORDS:
        raise DataError("%s is a reserved word of RPSL (RFC 2622), not a name" % text, where, field)
    reserved = next((p for p in RPSL_SET_PREFIXES if text.startswith(p)), None)
    if reserved:
        raise DataError(
            "%r begins %s, which RPSL keeps for set names (RFC 2622 section 2)" % (value, reserved), where, field
        )
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
    asn = parse_asn(origin, "%s %s origin %s" % (object_class, network, origin), "origin")
    where = "%s %s AS%d" % (object_class, network, asn)
    mntners = [clean_name(m, where, "mnt-by") for m in ([mnt_by] if isinstance(mnt_by, str) else mnt_by or ())]
    if not mntners:
        raise DataError("needs at least one maintainer", where, "mnt-by")
    attributes = [(object_class, str(network))]
    attributes += [("descr", d) for d in _texts(descr, where, "descr")]
    attributes.append(("origin", "AS%d" % asn))
    attributes += [("member-of", parse_set_name(m, "RS-", where, "member-of")) for m in member_of or ()]
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
    """RpslObjects from RPSL text (whois output), read as IRRd reads them: an empty line ends an object
    (a line of spaces does not), ``%`` and ``#`` lines are skipped, a line beginning with a space, a tab
    or ``+`` continues the value before it, and a continued value is its lines without end-of-line
    comments, each stripped of spaces and commas at its ends, joined by ","."""
    objects, current = [], []
    for raw in str(text).splitlines():
        if raw.startswith(("%", "#")):
            continue
        if not raw:
            if current:
                objects.append(_object(current))
                current = []
            continue
        if raw[0] in " \t+":
            if not current:
                raise DataError("a continuation line opens an object: %r" % raw[:80], "RPSL text")
            current[-1][1].append(raw[1:])
            continue
        found = _ATTRIBUTE.match(raw)
        if not found:
            raise DataError("not an RPSL attribute line: %r" % raw[:80], "RPSL text")
        current.append((found.group(1).lower(), [found.group(2)]))
    if current:
        objects.append(_object(current))
    return objects


def _object(attributes):
    return RpslObject(tuple((name, _value(lines)) for name, lines in attributes))


def _value(lines):
    if len(lines) == 1:
        return lines[0].split("#", 1)[0].strip()
    kept = (line.split("#", 1)[0].strip("\n\t, ") for line in lines)
    return ",".join(line for line in kept if line)
