# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Route objects and our AS-SET: the ones NetBox asks for, what the IRR holds, and the plan between them.

``desired_route_objects`` makes one ``route``/``route6`` object per prefix we
originate, with the maintainer and source of the registry of the aggregate it
lies in (``registries``: RIR slug -> {"mntner", "source"}) and the prefix's
NetBox description as ``descr`` (else the one given for all). ``our_as_set``
adds the AS-SET listing our customers when NetBox names one.

``existing_route_objects`` asks the IRR (IRRd whois, one pipelined batch) for
every object our maintainers hold (``!o``), every route object for our
prefixes whoever holds it (``!r``) and our AS-SET by name (``!m``).

``plan_route_objects`` compares them on the attributes routesec writes (an
object's other attributes in the registry, such as ``remarks``, ``notify`` or
``member-of`` added by hand, are kept as they are): objects to create, to
modify (ours only), to delete (route objects under our maintainers, for one of
our ASNs inside our aggregates, that NetBox no longer asks for; never anyone
else's, nor a customer's object our maintainer happens to hold, nor an AS-SET),
to keep, and objects held by other maintainers, reported and left alone.
``check_deletions`` refuses a plan that deletes all of our route objects or more
than a share of them, or removes that share of our AS-SET's members (a NetBox
that lost its data must not empty the IRR).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import DataError
from ..intent.build import Problems, holdings
from ..intent.model import parse_asn, parse_prefix
from ..plan.guards import check_share_removed
from ..rpki.rov import INVALID, RovIndex
from .our_as_set import desired_as_set
from .rpsl import RpslObject, parse_objects, route_object

ROUTE_CLASSES = ("route", "route6")
PLANNED_CLASSES = ROUTE_CLASSES + ("as-set",)
ALWAYS_MANAGED = ("origin", "members", "mnt-by", "source")  # written by routesec even when it has none
LIST_ATTRIBUTES = ("members", "mnt-by")
GENERATED = ("created", "last-modified", "changed")  # set by the registry, never submitted


@dataclass(frozen=True)
class RouteObjectPlan:
    create: tuple = ()
    modify: tuple = ()  # (old, new) pairs
    delete: tuple = ()
    keep: tuple = ()
    foreign: tuple = ()

    @property
    def changed(self):
        return bool(self.create or self.modify or self.delete)

    def changes(self):
        """(action, object) in the order to submit: creations and modifications, then deletions."""
        return (
            [("create", o) for o in self.create]
            + [("modify", new) for _old, new in self.modify]
            + [("delete", o) for o in self.delete]
        )

    def diff(self, registry):
        """Ansible's ``diff`` of the plan: the RPSL of the objects changed, before and after."""
        before = [o.text() for o in self.delete] + [old.text() for old, _new in self.modify]
        after = [new.text() for _old, new in self.modify] + [o.text() for o in self.create]
        return {
            "before_header": "%s (held now)" % registry,
            "after_header": "%s (after the plan)" % registry,
            "before": "\n".join(before),
            "after": "\n".join(after),
        }

    def to_dict(self):
        return {
            "create": [o.text() for o in self.create],
            "modify": [{"before": old.text(), "after": new.text()} for old, new in self.modify],
            "delete": [o.text() for o in self.delete],
            "unchanged": len(self.keep),
            "foreign": [o.text() for o in self.foreign],
        }


def plan_from_netbox(records, registries, descr, existing, as_set=True, ours=None):
    """(desired objects, plan) from NetBox ``records`` and the registry read by ``existing``
    (a callable taking maintainers, prefixes and AS-SET names, see ``existing_route_objects``); ``ours``: the
    run's Holdings when already derived."""
    problems = Problems()
    if ours is None:
        ours = holdings(records, problems)
    own, found = ours.own, ours.originations
    aggregates = []
    for record in records["aggregates"]:
        network = problems.collect(
            parse_prefix, record.get("prefix"), "NetBox aggregate %s" % record.get("prefix"), "prefix"
        )
        rir = record.get("rir") if isinstance(record.get("rir"), dict) else {}
        if network is not None:
            aggregates.append((network, rir.get("slug")))
    our_set = desired_as_set(records["asns"], own, registries, descr, problems) if as_set else None
    problems.raise_if_any()
    desired = desired_route_objects(found, aggregates, registries, descr, descriptions=descriptions(records))
    desired += [our_set] if our_set else []
    mntners = {entry["mntner"] for entry in registries.values() if isinstance(entry, dict) and entry.get("mntner")}
    sets = [our_set.key[1]] if our_set else []
    held = existing(mntners, [o.prefix for o in found], sets)
    return desired, plan_route_objects(desired, held, mntners, own, [n for n, _rir in aggregates])


def descriptions(records):
    """NetBox prefix -> its description, for the route objects' ``descr``."""
    found = {}
    for record in records["prefixes"]:
        try:
            network = parse_prefix(record.get("prefix"))
        except DataError:
            continue  # reported by originations()
        if str(record.get("description") or "").strip():
            found[network] = record["description"]
    return found


def registry_of(prefix, aggregates, registries):
    """(mntner, source) for ``prefix`` from the RIR of the aggregate it lies in; DataError if none."""
    for network, rir in aggregates:
        if prefix.version == network.version and prefix.subnet_of(network):
            entry = registries.get(rir)
            if not isinstance(entry, dict) or not entry.get("mntner") or not entry.get("source"):
                raise DataError(
                    "the RIR %r of its aggregate %s has no registry (mntner and source) configured" % (rir, network),
                    "prefix %s" % prefix,
                    "registries",
                )
            return entry["mntner"], entry["source"]
    raise DataError("is outside every aggregate", "prefix %s" % prefix, "prefix")


def desired_route_objects(originations, aggregates, registries, descr=None, sources=None, descriptions=None):
    """One route object per origination (prefix, origin) with its registry's maintainer and source;
    ``descriptions`` (prefix -> text) overrides ``descr`` per prefix."""
    objects = {}
    for origination in originations:
        mntner, source = registry_of(origination.prefix, aggregates, registries)
        text = (descriptions or {}).get(origination.prefix) or descr
        obj = route_object(
            origination.prefix, origination.origin_asn, mntner, source, [text] if text else (), sources=sources
        )
        objects[obj.key] = obj
    return [objects[key] for key in sorted(objects)]


def existing_route_objects(client, mntners, prefixes, set_names=()):
    """Objects from the IRR: all our maintainers hold, every route object for ``prefixes``, and the
    as-sets named ``set_names``, whoever holds them."""
    commands = ["!o%s" % m for m in sorted(set(mntners))] + ["!r%s" % p for p in sorted(set(map(str, prefixes)))]
    commands += ["!mas-set,%s" % name for name in sorted(set(set_names))]
    found = {}
    for answer in client.query_many(commands, "route objects of %s" % ", ".join(sorted(set(mntners)))):
        for obj in parse_objects(answer.decode("utf-8", "replace")) if answer else ():
            found[obj.key] = obj
    return list(found.values())


def plan_route_objects(desired, existing, mntners, own_asns, held):
    """The RouteObjectPlan from ``desired`` to ``existing`` for objects under ``mntners``.

    Only route objects originated by ``own_asns`` inside the ``held`` aggregates are deleted.
    """
    ours = {m.upper() for m in mntners}
    present = {obj.key: obj for obj in existing if obj.object_class in PLANNED_CLASSES}
    wanted = {obj.key: obj for obj in desired}
    create, modify, keep, foreign = [], [], [], []
    for key, new in sorted(wanted.items()):
        old = present.get(key)
        if old is None:
            create.append(new)
        elif not ours & {m.upper() for m in old.values("mnt-by")}:
            foreign.append(old)
        elif _written(old, new) == _written(new, new):
            keep.append(old)
        else:
            modify.append((old, merged(old, new)))
    delete = [
        old
        for key, old in sorted(present.items())
        if key not in wanted
        and old.object_class in ROUTE_CLASSES
        and ours & {m.upper() for m in old.values("mnt-by")}
        and _ours(old, own_asns, held)
    ]
    return RouteObjectPlan(tuple(create), tuple(modify), tuple(delete), tuple(keep), tuple(foreign))


def merged(old, new):
    """``new`` with the attributes of ``old`` routesec does not write kept (before ``mnt-by``)."""
    names = _names(new)
    kept = [(n, v) for n, v in old.attributes[1:] if n not in names and n not in GENERATED]
    at = next(i for i, (name, _v) in enumerate(new.attributes) if name == "mnt-by")
    return RpslObject(new.attributes[:at] + tuple(kept) + new.attributes[at:])


def check_deletions(plan, max_percent=25, allow_deletions=False):
    """SafetyError if ``plan`` deletes all of our route objects or more than ``max_percent`` of them,
    or removes all or more than ``max_percent`` of the members of one of our AS-SETs."""
    if allow_deletions:
        return
    total = len([o for o in plan.keep if o.object_class in ROUTE_CLASSES]) + len(plan.delete)
    total += len([o for o, _n in plan.modify if o.object_class in ROUTE_CLASSES])
    check_share_removed(len(plan.delete), total, max_percent, "route objects", "allow_deletions", "route object plan")
    for old, new in plan.modify:
        if old.object_class == "as-set":
            members = set(old.values("members"))
            removed = members - set(new.values("members"))
            check_share_removed(
                len(removed), len(members), max_percent, "members of %s" % old.key[1], "allow_deletions", "AS-SET plan"
            )


def rpki_conflicts(objects, vrps):
    """The objects whose (prefix, origin) is RPKI-invalid against ``vrps``: IRRd-based registries refuse them."""
    index = RovIndex(vrps)
    conflicts = []
    for obj in objects:
        prefix = parse_prefix(obj.first(obj.object_class), "IRR object", "prefix")
        if index.validate_network(prefix, parse_asn(obj.first("origin"), "IRR object", "origin")) == INVALID:
            conflicts.append(obj)
    return conflicts


def _ours(obj, own_asns, held):
    try:
        prefix = parse_prefix(obj.first(obj.object_class), "IRR object", "prefix")
        origin = parse_asn(obj.first("origin"), "IRR object", "origin")
    except DataError:
        return False
    return origin in own_asns and any(prefix.version == a.version and prefix.subnet_of(a) for a in held)


def _names(new):
    return {name for name, _v in new.attributes} | set(ALWAYS_MANAGED)


def _written(obj, new):
    """The attributes of ``obj`` that routesec writes for ``new``, in order; list attributes one value
    each (``members: AS1, AS2`` equals two ``members`` lines), names of sets and maintainers upper case."""
    names = _names(new)
    written = []
    for name, value in obj.attributes:
        if name in LIST_ATTRIBUTES:
            written += [(name, v.strip().upper()) for v in value.split(",") if v.strip()]
        elif name in names:
            written.append((name, value))
    return tuple(w for w in written if w[0] in names)
