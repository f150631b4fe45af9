# -*- coding: utf-8 -*-
"""What router_state reads from a BIRD 2 router for compliance, against a real BIRD: the prefix sets and RTR caches
routesec renders, included from their own files by a configuration BIRD runs, read back through the runner (on this
host and over SSH) with the includes in place and parsed to exactly what was rendered, as BIRD itself reports its
caches; a drifted set and a router without RTR are found; the forms of ``protocol rpki`` BIRD accepts are read
with BIRD's defaults."""

from __future__ import annotations

import re
import subprocess
from ipaddress import ip_network

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.compliance.checks import router_findings
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.bird2 import Bird2Driver
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.intent.model import PrefixEntry, PrefixList
from ansible_collections.routesec.bgp.plugins.module_utils.render import bird2
from ansible_collections.routesec.bgp.plugins.module_utils.render.common import entry_text
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.router_policy import RovPolicy, RtrCache
from daemons import BIRD, running_bird

LISTS = (
    PrefixList(
        "ROUTESEC-OWN-V4",
        4,
        (PrefixEntry(ip_network("192.0.2.0/24")), PrefixEntry(ip_network("198.51.100.0/22"), None, 24)),
    ),
    PrefixList("ROUTESEC-OWN-V6", 6, (PrefixEntry(ip_network("2001:db8::/32"), 40, 48),)),
)
# Loopback only: the BIRD under test tries to reach its caches (nothing listens there).
CACHES = (RtrCache("127.0.0.1", 3323, 1), RtrCache("::1", 8282, 2))
MAIN = """router id 192.0.2.1;
protocol device {}
include "routesec/filters.conf";
include "routesec/rov.conf";  # RTR sessions and the import filter
protocol static s1 { ipv4; route 192.0.2.0/24 blackhole; }
"""


def write_router(folder, lists=LISTS, caches=CACHES):
    """A BIRD configuration in ``folder`` that includes routesec's sets and RTR sessions; checked by ``bird -p``."""
    (folder / "routesec").mkdir()
    (folder / "routesec" / "filters.conf").write_text(bird2.render_prefix_lists(list(lists)))
    rov = bird2.render_rov(caches, RovPolicy(reject_invalid=True)) if caches else ""
    (folder / "routesec" / "rov.conf").write_text(rov)
    conf = folder / "bird.conf"
    conf.write_text(MAIN)
    check = subprocess.run([BIRD, "-p", "-c", conf], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr
    return conf


def bird_reports(birdc):
    """The caches a running BIRD reports (``show protocols all``), with its default port where it shows none."""
    shown = birdc("show", "protocols", "all")
    found = re.findall(r"Cache server:\s+(\S+)\n(?:\s+Cache port:\s+(\d+)\n)?(?:.*\n)*?\s+Transport:\s+(\S+)", shown)
    return sorted(
        "%s %s" % (server, port or (22 if transport == "SSHv2" else 323)) for server, port, transport in found
    )


def read_state(runner, conf):
    """(prefix sets as {name: entry texts}, RTR caches) as router_state reads them."""
    text = bird2.expand_includes(Bird2Driver(runner, str(conf)).get_running(), str(conf), runner.read)
    lists = {
        name: {entry_text(e) for e in entries.values()}
        for (_afi, name), entries in bird2.parse_prefix_lists(text).items()
    }
    return lists, bird2.parse_rtr_caches(text)


def test_rendered_sets_and_caches_read_back_as_bird_runs_them(tmp_path, runner):
    conf = write_router(tmp_path)
    lists, caches = read_state(runner, conf)
    assert lists == {p.name: {entry_text(e) for e in p.entries} for p in LISTS}
    assert lists["ROUTESEC-OWN-V4"] == {"permit 192.0.2.0/24", "permit 198.51.100.0/22 le 24"}
    assert caches == ["127.0.0.1 3323", "::1 8282"]
    with running_bird(conf, tmp_path) as birdc:
        assert bird_reports(birdc) == caches  # BIRD's own view of what it runs
    assert router_findings("r1", "bird2", LISTS, lists, CACHES, caches)[0] == []


def test_a_drifted_set_and_a_router_without_rtr_are_found(tmp_path, runner):
    v4, v6 = LISTS
    drifted = PrefixList(v4.name, 4, v4.entries[:1] + (PrefixEntry(ip_network("203.0.113.0/24")),))
    conf = write_router(tmp_path, (drifted, v6), caches=())
    lists, caches = read_state(runner, conf)
    findings, state = router_findings("r1", "bird2", LISTS, lists, CACHES, caches)
    assert [(f.check, f.subject) for f in findings] == [("filter-drift", "r1 ROUTESEC-OWN-V4"), ("rtr-missing", "r1")]
    assert "permit 203.0.113.0/24" in findings[0].message and "permit 198.51.100.0/22 le 24" in findings[0].message
    assert state.drift_entries == 2 and caches == []


RPKI_FORMS = """router id 192.0.2.1;
roa4 table r4;
# protocol rpki commented { remote 127.0.0.9; }
template rpki lab { roa4 { table r4; }; remote 127.0.0.2; port 8282; }
template rpki portless { roa4 { table r4; }; port 8282; }
protocol rpki { roa4 { table r4; }; remote "127.0.0.3"; }
protocol rpki inherits from lab { }
protocol rpki overrides from lab { port 3324; }
protocol rpki stopped from lab { disabled; }
protocol rpki started from portless { disabled no; remote 127.0.0.5; }
protocol rpki secure {
    roa4 { table r4; };
    remote 127.0.0.6;
    transport ssh { bird private key "/nonexistent"; remote public key "/nonexistent"; user "rtr"; };
}
"""


def test_the_forms_of_protocol_rpki_bird_accepts(tmp_path):
    conf = tmp_path / "bird.conf"
    conf.write_text(RPKI_FORMS)
    check = subprocess.run([BIRD, "-p", "-c", conf], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr
    caches = bird2.parse_rtr_caches(RPKI_FORMS)
    assert caches == [
        "127.0.0.2 3324",
        "127.0.0.2 8282",  # the template's, inherited
        "127.0.0.3 323",  # BIRD's default over TCP
        "127.0.0.5 8282",
        "127.0.0.6 22",  # BIRD's default over SSH
    ]
    with running_bird(conf, tmp_path) as birdc:
        assert bird_reports(birdc) == caches


def test_includes_bird_would_not_read_are_refused(tmp_path):
    files = {"/etc/bird/bird.conf": 'include "sets/*.conf";', "/etc/bird/loop.conf": 'include "loop.conf";'}
    with pytest.raises(DataError, match="wildcard"):
        bird2.expand_includes(files["/etc/bird/bird.conf"], "/etc/bird/bird.conf", files.get)
    with pytest.raises(DataError, match="/etc/bird/missing.conf does not exist"):
        bird2.expand_includes('include "missing.conf";', "/etc/bird/bird.conf", files.get)
    with pytest.raises(DataError, match="nested deeper than 8"):
        bird2.expand_includes(files["/etc/bird/loop.conf"], "/etc/bird/loop.conf", files.get)
    commented = "# include \"missing.conf\";\n/* include 'x'; */ define A = 1;"
    assert "include" not in bird2.expand_includes(commented, "/etc/bird/bird.conf", files.get)
