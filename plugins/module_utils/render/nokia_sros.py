# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Nokia SR OS prefix-lists and AS-path groups, model-driven CLI (MD-CLI).

The form is bgpq4's ``-n`` output: ``/configure policy-options``, then per
list ``delete prefix-list "NAME"`` and a ``prefix-list "NAME" { ... }`` block
with one ``prefix PREFIX type T { ... }`` element per entry:

* exact: ``type exact { }``;
* lengths from the prefix's own to M: ``type through { through-length M }``;
* lengths N..M (N longer than the prefix): ``type range { start-length N
  end-length M }``.

Quirks:

* Names are always quoted. One prefix-list holds both families, so an IPv4
  and an IPv6 list with the same name become one (IPv4 first);
  ``parse_prefix_lists`` splits them back by family, keyed by 1-based position.
* Prefix-list entries have no action: a ``deny`` entry raises DataError.
* The parser reads MD-CLI ``info`` output (nested braces); it also accepts
  ``type longer``. Other types (``address-mask``, ...) raise DataError.
* ``description`` is not rendered. An empty list renders as an empty block;
  the product refuses empty lists earlier.
"""

from __future__ import annotations

from ..errors import DataError
from ..intent.model import parse_prefix
from . import common, jinja

TEMPLATE = """\
/configure policy-options
{% for set in sets %}
delete prefix-list "{{ set.name }}"
prefix-list "{{ set.name }}" {
{% for entry in set.entries %}
{% set kind, low, high = shape(entry) %}
{% if kind == "exact" %}
    prefix {{ entry.prefix }} type exact {
    }
{% elif kind == "upto" %}
    prefix {{ entry.prefix }} type through {
        through-length {{ high }}
    }
{% else %}
    prefix {{ entry.prefix }} type range {
        start-length {{ low }}
        end-length {{ high }}
    }
{% endif %}
{% endfor %}
}
{% endfor %}
"""


def render_prefix_lists(prefix_lists):
    sets = common.by_name(prefix_lists, "SR OS")
    return jinja.render(TEMPLATE, sets=sets, shape=common.shape)


def _element(body, i, where):
    """Read ``prefix P type T { key value ... }`` at ``body[i]``; return (entry, next index)."""
    if body[i + 2 : i + 3] != ["type"]:
        raise DataError(f"expected 'type' after prefix {body[i + 1]}", where, "entries")
    prefix, kind = parse_prefix(body[i + 1], where), body[i + 3]
    values, j = {}, i + 4
    if body[j : j + 1] == ["{"]:
        close = body.index("}", j)
        values = dict(zip(body[j + 1 : close : 2], body[j + 2 : close : 2]))
        j = close + 1
    own, top = prefix.prefixlen, prefix.max_prefixlen
    ranges = {
        "exact": lambda: (own, own),
        "longer": lambda: (own + 1, top),
        "through": lambda: (own, int(values.get("through-length", top))),
        "range": lambda: (
            int(values.get("start-length", own)),
            int(values.get("end-length", top)),
        ),
    }
    if kind not in ranges:
        raise DataError(f"prefix type {kind!r} is not supported", where, "entries")
    return common.from_range(prefix, *ranges[kind](), where=where), j


def parse_prefix_lists(text):
    """Entries of every prefix-list in MD-CLI ``text``: ``{(afi, name): {position: PrefixEntry}}``."""
    found = {}
    for name, body in common.blocks(common.tokens(text), "prefix-list"):
        where = f'prefix-list "{name}"'
        i = 0
        while i < len(body):
            if body[i] != "prefix":
                i += 1
                continue
            entry, i = _element(body, i, where)
            common.add_entry(found, name, entry)
    return found


AS_PATH_WIDTH = 8  # origins per expression, as bgpq4 prints them for SR OS

AS_PATH_TEMPLATE = """\
/configure policy-options
{% for aspl in as_path_lists %}
delete as-path-group "{{ aspl.name }}"
as-path-group "{{ aspl.name }}" {
{% for expression in expressions(aspl) %}
  entry {{ loop.index }} {
    expression "{{ expression }}"
  }
{% endfor %}
}
{% endfor %}
"""


def as_path_expressions(aspl):
    """SR OS AS-path expressions: ``PEER+`` for the peer's own routes, ``PEER.*[A B C]``."""
    own, groups = common.as_path_groups(aspl, AS_PATH_WIDTH)
    peer = aspl.peer_asn
    expressions = [f"{peer}+"] if own else []
    return expressions + [f"{peer}.*[{' '.join(map(str, group))}]" for group in groups]


def render_as_path_lists(as_path_lists):
    """AS-path groups (model.AsPathList) as bgpq4 ``-n -f PEER`` prints them (MD-CLI).

    Entries numbered from 1, eight origins per expression; a group without
    origins is empty, which matches nothing.
    """
    lists = common.check_unique_as_paths(list(as_path_lists))
    return jinja.render(AS_PATH_TEMPLATE, as_path_lists=lists, expressions=as_path_expressions)


ROV_TEMPLATE = """\
/configure router "Base" origin-validation
{% for cache in caches %}
rpki-session {{ cache.address }} {
    admin-state enable
    port {{ cache.port }}
}
{% endfor %}
/configure policy-options
delete policy-statement "ROUTESEC-ROV"
policy-statement "ROUTESEC-ROV" {
{% if policy.reject_invalid %}
    entry 10 {
        from {
            origin-validation-state invalid
        }
        action {
            action-type reject
        }
    }
{% endif %}
{% if policy.not_found_local_pref is not none %}
    entry 20 {
        from {
            origin-validation-state not-found
        }
        action {
            action-type next-policy
            local-preference {{ policy.not_found_local_pref }}
        }
    }
{% endif %}
    default-action {
        action-type next-policy
    }
}
"""


def render_rov(caches, policy, asn=None):  # pylint: disable=unused-argument
    """SR OS RPKI sessions of the base router and the policy ``ROUTESEC-ROV`` (MD-CLI).

    Origin validation must also be enabled on the BGP groups that use the policy
    (``enable-origin-validation``). Not checked against a device (none runs here): the syntax
    follows the vendor's documentation.
    """
    return jinja.render(ROV_TEMPLATE, caches=common.rtr_caches(caches, "SR OS"), policy=policy)
