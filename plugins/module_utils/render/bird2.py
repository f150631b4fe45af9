# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""BIRD 2 prefix sets and AS-path origin sets, as an includable ``define`` snippet.

bgpq4's ``-b`` output is a bare ``NAME = [ ... ];`` meant to follow ``define``.
``render_prefix_lists`` writes the whole statement, so the result can be
``include``d as is and used in filters (``if net ~ NAME then accept;``)::

    define NAME = [
        192.0.2.0/24,
        10.0.0.0/8{16,24}
    ];

The list body is bgpq4's byte for byte: an exact entry is ``PREFIX``, any
other ``PREFIX{N,M}`` (lengths N..M; bgpq4 never uses the ``+``/``-`` short
forms, the parser reads ``+``).

Quirks (checked with BIRD 2.0.12 ``bird -p`` and ``birdc eval``):

* Symbol names are ``[A-Za-z_][A-Za-z0-9_]*``; any other name (with ``-`` or
  ``.``, or starting with a digit) is written in apostrophes (``'AS-X.v4'``),
  which BIRD 2 accepts. Keywords stay keywords even in apostrophes and are
  case-sensitive (``net`` fails, ``NET`` works): a list named like a BIRD
  keyword fails ``bird -p``.
* A prefix set holds one family and one symbol has one meaning, so an IPv4
  and an IPv6 list with the same name raise DataError, as does a ``deny``
  entry (sets have no actions).
* An empty list renders as ``define NAME = [];``: BIRD 2.0.12 accepts the
  empty set, and ``net ~ NAME`` is then false for every route. The product
  refuses empty lists earlier.
* ``description`` becomes a ``#`` comment line above the ``define``.
* ``parse_prefix_lists`` reads every ``define`` whose set holds prefixes,
  keyed by 1-based position; sets of other types are skipped.
* ``parse_rtr_caches`` reads the ``protocol rpki`` blocks (and the templates
  they come ``from``); ``expand_includes`` puts each ``include``d file in
  place first, as BIRD does.
"""

from __future__ import annotations

import ipaddress
import posixpath
import re

from ..errors import DataError
from ..intent.model import parse_prefix
from . import common, jinja

TEMPLATE = """\
{% for plist in prefix_lists %}
{% if plist.description %}
# {{ one_line(plist.description) }}
{% endif %}
{% if plist.entries %}
define {{ symbol(plist.name) }} = [
{% for entry in plist.entries %}
    {{ pattern(entry) }}{{ "," if not loop.last }}
{% endfor %}
];
{% else %}
define {{ symbol(plist.name) }} = [];
{% endif %}
{% endfor %}
"""

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_COMMENT = re.compile(r"/\*.*?\*/|#[^\n]*", re.DOTALL)
_DEFINE = re.compile(r"\bdefine\s+('[^']*'|\w+)\s*=\s*\[(.*?)\]\s*;", re.DOTALL)
_ITEM = r"\s*([0-9A-Fa-f:.]+/\d+)\s*(\{\s*\d+\s*,\s*\d+\s*\}|[+-])?\s*"
_PREFIX_SET = re.compile(rf"{_ITEM}(?:,{_ITEM})*")


def symbol(name):
    return name if _IDENT.match(name) else f"'{name}'"


def pattern(entry):
    kind, low, high = common.shape(entry)
    if kind == "exact":
        return str(entry.prefix)
    return f"{entry.prefix}{{{low},{high}}}"


def render_prefix_lists(prefix_lists):
    names = set()
    for plist in common.check_unique(prefix_lists):
        common.refuse_deny(plist, "BIRD")
        if plist.name in names:
            raise DataError(
                "BIRD has one symbol per name; IPv4 and IPv6 lists need two names",
                f"prefix-list {plist.name}",
                "name",
            )
        names.add(plist.name)
    return jinja.render(
        TEMPLATE,
        prefix_lists=prefix_lists,
        symbol=symbol,
        pattern=pattern,
        one_line=common.one_line,
    )


def parse_prefix_lists(text):
    """Prefix sets ``define``d in BIRD ``text``: ``{(afi, name): {position: PrefixEntry}}``."""
    found = {}
    for quoted, body in _DEFINE.findall(_COMMENT.sub(" ", text)):
        name = common.unquote(quoted)
        if not _PREFIX_SET.fullmatch(body):
            continue
        where = f"define {name}"
        for item in re.finditer(_ITEM, body):
            prefix = parse_prefix(item[1], where)
            low = high = prefix.prefixlen
            if item[2] == "+":
                high = prefix.max_prefixlen
            elif item[2] == "-":
                raise DataError(f"{prefix}- (shorter prefixes) is not supported", where, "entries")
            elif item[2]:
                low, high = (int(x) for x in item[2].strip("{} ").split(","))
            common.add_entry(found, name, common.from_range(prefix, low, high, where=where))
    return found


AS_PATH_WIDTH = 10  # AS numbers per line, as bgpq4 prints them

AS_PATH_TEMPLATE = """\
{% for aspl in as_path_lists %}
{% if aspl.origins %}
define {{ symbol(aspl.name) }} = [
{% for line in lines(aspl) %}
    {{ line }}{{ "," if not loop.last }}
{% endfor %}
];
{% else %}
define {{ symbol(aspl.name) }} = [];
{% endif %}
{% endfor %}
"""


def render_as_path_lists(as_path_lists):
    """The origins of each AS-path list (model.AsPathList) as an integer set, bgpq4's ``-b -f``.

    bgpq4 prints ``NAME = [ 112, ... ];`` (ten AS numbers a line) for the user's
    ``define``; this writes the whole ``define``, as for prefix sets. The set holds
    origins only (the peer's own AS when it is one); a filter checks the peer
    itself, e.g. ``bgp_path.first = PEER && bgp_path.last ~ NAME``. A list
    without origins is ``define NAME = [];``, which contains nothing.
    """
    lists = common.check_unique_as_paths(list(as_path_lists))

    def lines(aspl):
        origins = [str(asn) for asn in aspl.origins]
        return [", ".join(origins[i : i + AS_PATH_WIDTH]) for i in range(0, len(origins), AS_PATH_WIDTH)]

    return jinja.render(AS_PATH_TEMPLATE, as_path_lists=lists, symbol=symbol, lines=lines)


ROV_TEMPLATE = """\
roa4 table routesec_roa4;
roa6 table routesec_roa6;
{% if policy.aspa %}
aspa table {{ ASPA_TABLE }};
{% endif %}
{% for cache in caches %}

protocol rpki routesec_rtr{{ loop.index }} {
    roa4 { table routesec_roa4; };
    roa6 { table routesec_roa6; };
{% if policy.aspa %}
    aspa { table {{ ASPA_TABLE }}; };
{% endif %}
    remote {{ cache.address }} port {{ cache.port }};
    retry keep 90;
    refresh keep 900;
    expire keep 7200;
}
{% endfor %}

function routesec_rov_state()
{
    if net.type = NET_IP4 then return roa_check(routesec_roa4, net, bgp_path.last);
    return roa_check(routesec_roa6, net, bgp_path.last);
}
{% if policy.aspa %}

function {{ ASPA_STATE }}(bool upstream) -> enum aspa
{
    return aspa_check({{ ASPA_TABLE }}, bgp_path, upstream);
}
{% endif %}

filter routesec_rov
{
{% if policy.reject_invalid %}
    if routesec_rov_state() = ROA_INVALID then reject;
{% endif %}
{% if policy.not_found_local_pref is not none %}
    if routesec_rov_state() = ROA_UNKNOWN then bgp_local_pref = {{ policy.not_found_local_pref }};
{% endif %}
    accept;
}
"""


ASPA_TABLE, ASPA_STATE = "routesec_aspa", "routesec_aspa_state"


def render_rov(caches, policy, asn=None):  # pylint: disable=unused-argument
    """RTR caches (rpki.router_policy.RtrCache) and the import filter ``routesec_rov`` of ``policy``.

    One ``protocol rpki`` per cache, all feeding the ROA tables ``routesec_roa4``
    and ``routesec_roa6`` (BIRD merges every cache: ``preference`` has no
    counterpart). Use the filter on BGP imports (``import filter routesec_rov``)
    or call ``routesec_rov_state()`` from your own filters.

    With ``policy.aspa`` the caches also feed the ASPA table ``routesec_aspa`` (RTR
    version 2, which BIRD tries first and leaves for an older cache), and
    ``routesec_aspa_state(upstream)`` gives a route's ASPA state (``aspa_check``,
    upstream or downstream) to the session policy's filters. BIRD 2.16 and
    later only: an older BIRD refuses ``aspa table``.
    """
    return jinja.render(
        ROV_TEMPLATE,
        caches=common.rtr_caches(caches, "BIRD"),
        policy=policy,
        ASPA_TABLE=ASPA_TABLE,
        ASPA_STATE=ASPA_STATE,
    )


RTR_PORTS = {"tcp": 323, "ssh": 22}  # BIRD's default cache port per transport
_INCLUDES = common.Includes(
    "BIRD",
    re.compile(r'\binclude\s+"([^"]*)"\s*;'),
    _COMMENT,
    lambda name, path, _where: posixpath.join(posixpath.dirname(path), name),
)


def expand_includes(text, path, read):
    """BIRD ``text`` (of the file at ``path``) with comments dropped and each ``include "FILE";`` replaced by that
    file's text, read by ``read(path)`` (None when absent): relative to the folder of the file that includes it and
    nested at most 8 deep, as BIRD reads them. An include with a wildcard is refused (its files are not known)."""
    return common.expand_includes(text, path, read, _INCLUDES)


def parse_rtr_caches(text):
    """The RTR caches (``"address port"``, sorted) of the ``protocol rpki`` blocks in BIRD ``text``.

    A protocol takes the settings of the template it comes ``from`` and overrides them; a ``disabled`` one
    has no session. The port is ``remote ... port N`` or ``port N``, else BIRD's default for the transport
    (323 over TCP, 22 over SSH).
    """
    toks = common.tokens(text)
    templates, caches = {}, set()
    for i, tok in enumerate(toks[:-1]):
        if tok not in ("protocol", "template") or toks[i + 1] != "rpki":
            continue
        head, statements = _block(toks, i + 2)
        parent = head[head.index("from") + 1] if "from" in head[:-1] else None
        settings = dict(templates.get(parent, {}))
        for words in statements:
            _setting(settings, words)
        if tok == "template" and head and head[0] != "from":
            templates[head[0]] = settings
        elif tok == "protocol" and settings.get("remote") and not settings.get("disabled"):
            port = settings.get("port") or RTR_PORTS.get(settings.get("transport"), RTR_PORTS["tcp"])
            caches.add("%s %d" % (settings["remote"], port))
    return sorted(caches)


def _block(toks, start):
    """(the words before ``{``, the top-level statements inside it as word lists) of the block from ``start``;
    nested blocks are left out of the statements, the words before them stay."""
    try:
        opening = toks.index("{", start)
    except ValueError:
        return toks[start:], []
    statements, words, depth = [], [], 0
    for tok in toks[opening + 1 :]:
        if tok == "{":
            depth += 1
        elif tok == "}" and depth:
            depth -= 1
        elif tok == "}":
            break
        elif depth == 0 and tok == ";":
            statements.append(words)
            words = []
        elif depth == 0:
            words.append(tok)
    return toks[start:opening], statements


def _setting(settings, words):
    """Apply one statement of an rpki block (``remote``, ``port``, ``transport``, ``disabled``) to ``settings``."""
    key, args = (words[0], words[1:]) if words else (None, [])
    if key == "remote" and args:
        settings["remote"] = _address(common.unquote(args[0]))
        if args[1:2] == ["port"] and args[2:3] and args[2].isdigit():
            settings["port"] = int(args[2])
    elif key == "port" and args and args[0].isdigit():
        settings["port"] = int(args[0])
    elif key == "transport" and args:
        settings["transport"] = args[0]
    elif key == "disabled":
        settings["disabled"] = not args or args[0].lower() in ("yes", "on", "true", "1")


def _address(text):
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return text  # a host name
