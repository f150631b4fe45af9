# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""FRR (vtysh) prefix-lists and AS-path access-lists.

FRR numbers entries itself (``seq 5, 10, ...``) and prints the number in its
running configuration, so the renderer writes explicit sequence numbers and
``entry_line``/``parse_prefix_lists`` use the very same line format. List
descriptions are not written: the list's name carries its meaning and a
description line would be one more thing to drift.
"""

from __future__ import annotations

from ..model import PrefixEntry, parse_prefix
from . import common, jinja

SEQ_STEP = 5

TEMPLATE = """\
{% for plist in prefix_lists %}
no {{ keyword(plist.afi) }} {{ plist.name }}
{% for entry in plist.entries %}
{{ entry_line(plist.name, plist.afi, loop.index * step, entry) }}
{% endfor %}
{% endfor %}
"""


def entry_line(name, afi, seq, entry):
    """One running-config line, exactly as FRR prints it."""
    return "%s %s seq %d %s %s%s" % (
        common.cisco_keyword(afi),
        name,
        seq,
        entry.action,
        entry.prefix,
        common.cisco_bounds(entry),
    )


def render_prefix_lists(prefix_lists):
    return jinja.render(
        TEMPLATE, prefix_lists=prefix_lists, keyword=common.cisco_keyword, entry_line=entry_line, step=SEQ_STEP
    )


def parse_prefix_lists(text):
    """Entries of every prefix-list in FRR running-config ``text``.

    Returns ``{(afi, name): {seq: PrefixEntry}}``. The 0.0.0.0/0 'any' form FRR
    prints for ``any`` is read as a prefix with le 32/128.
    """
    found = {}
    for raw in text.splitlines():
        match = common.CISCO_LINE.match(raw.strip())
        if not match or match["seq"] is None:
            continue
        afi = 4 if match["kw"] == "ip" else 6
        ge = None if match["ge"] is None else int(match["ge"])
        le = None if match["le"] is None else int(match["le"])
        prefix_text = match["prefix"]
        if prefix_text == "any":
            prefix_text, le = ("0.0.0.0/0", 32) if afi == 4 else ("::/0", 128)
        prefix = parse_prefix(prefix_text, "running config", "prefix-list %s" % match["name"])
        entry = PrefixEntry(prefix, ge, le, match["action"])
        found.setdefault((afi, match["name"]), {})[int(match["seq"])] = entry
    return found


AS_PATH_WIDTH = 4  # origins per regex: bgpq4's width for IOS, whose regexes FRR shares

AS_PATH_TEMPLATE = """\
{% for aspl in as_path_lists %}
no bgp as-path access-list {{ aspl.name }}
{% for action, regex in rules(aspl, width) %}
bgp as-path access-list {{ aspl.name }} seq {{ loop.index * step }} {{ action }} {{ regex }}
{% endfor %}
{% endfor %}
"""


def render_as_path_lists(as_path_lists):
    """AS-path access-lists (model.AsPathList) in bgpq4's IOS layout, as FRR 8.4 prints them.

    ``bgp as-path access-list NAME seq N permit REGEX``, numbered 5, 10, ... as FRR
    numbers them itself; a list without origins denies everything (``deny .*``).
    FRR answers "doesn't exist" to the leading ``no`` line when the list is new.
    """
    return jinja.render(
        AS_PATH_TEMPLATE,
        as_path_lists=common.check_unique_as_paths(list(as_path_lists)),
        rules=common.cisco_as_path_rules,
        width=AS_PATH_WIDTH,
        step=SEQ_STEP,
    )
