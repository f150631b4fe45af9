# -*- coding: utf-8 -*-
"""Compliance of BIRD 2 and OpenBGPD routers' sessions with the session policy: the configuration the renderer
writes for the sample intent, included by a main configuration the daemon's own parser takes and read back as
router_state reads it (through the driver, on this host and over SSH, includes in place), gives no finding;
each problem seeded into it (the seeded text still taken by ``bird -p`` / ``bgpd -n``) gives exactly its
finding, and the drift names exactly the blocks it touched. How the parsers read what the daemons accept
(channels, templates of policy, groups, the filter rules' last-match and quick semantics) is checked on
configurations the daemons take too."""

from __future__ import annotations

import dataclasses
import json
import subprocess

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.compliance.session_checks import (
    session_findings,
    session_state,
)
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.bird2 import Bird2Driver
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.openbgpd import OpenbgpdDriver
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.runner import LocalRunner
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.policy.options import PolicyOptions
from ansible_collections.routesec.bgp.plugins.module_utils.render import (
    bird2,
    bird2_session_policy,
    openbgpd,
    openbgpd_session_policy,
)
from session_policy_sample import SESSIONS, sample_intent
from test_session_policy_daemons import bgpd_checked
from test_session_policy_daemons import checked as bird_checked

RENDERERS = {"bird2": bird2_session_policy, "openbgpd": openbgpd_session_policy}
CUSTOMER, TRANSIT, PEER6 = "198.51.100.1", "198.51.100.2", "2001:db8::3"
STRAY = "192.0.2.99"


def intent(platform, sessions=SESSIONS):
    """The sample intent with a limit on every session that the platform can express: the IPv6 peer, which has
    none in the sample, gets 100, and on OpenBGPD (no warning-only limit) the transit's tears the session down."""
    sessions = [dataclasses.replace(s, max_prefix=s.max_prefix or 100) for s in sessions]
    if platform == "openbgpd":
        sessions = [dataclasses.replace(s, max_prefix_action="teardown") for s in sessions]
    return sample_intent(platform, sessions)


ROUTERS = {  # platform: (the daemon's check writing the files, the main file, its driver, its includes)
    "bird2": (bird_checked, "bird.conf", Bird2Driver, bird2.expand_includes),
    "openbgpd": (bgpd_checked, "bgpd.conf", OpenbgpdDriver, openbgpd.expand_includes),
}


def router_state(platform, tmp_path, text, runner=None):
    """The ``session_policy`` router_state returns for a router whose included file holds ``text`` (which the
    daemon must take), read through the driver with the includes in place."""
    check, main, driver, expand = ROUTERS[platform]
    check(tmp_path, text)
    runner = runner or LocalRunner()
    conf = str(tmp_path / main)
    return session_state(platform, expand(driver(runner, conf).get_running(), conf, runner.read))


def findings(platform, state, device_intent=None):
    """(the findings as sorted (check, subject), the blocks the drift names, the messages)."""
    found = session_findings("edge1", device_intent or intent(platform), state, PolicyOptions())
    drift = [f.message.split(": ", 1)[1].split(", ") for f in found if f.check == "session-policy-drift"]
    return sorted((f.check, f.subject) for f in found), sorted(drift[0] if drift else []), [f.message for f in found]


def rendered(platform, device_intent=None):
    return RENDERERS[platform].render_session_policy(device_intent or intent(platform), PolicyOptions())


def within(text, head, old, new):
    """``text`` with the first ``old`` after ``head`` replaced by ``new`` (both must be there)."""
    start = text.index(head)
    at = text.index(old, start)
    return text[:at] + new + text[at + len(old) :]


@pytest.mark.parametrize("platform", sorted(RENDERERS))
def test_the_configuration_the_renderer_writes_gives_no_finding(tmp_path, runner, platform):
    state = router_state(platform, tmp_path, rendered(platform), runner)
    assert json.loads(json.dumps(state)) == state  # as Ansible passes it on
    assert set(state["sessions"]) == {CUSTOMER, TRANSIT, PEER6, "198.51.100.4"}
    assert all(s["import"] and s["export"] and s["max_prefix"] and s["role"] for s in state["sessions"].values())
    assert findings(platform, state) == ([], [], [])


# -- one problem of each kind -------------------------------------------------------------------------------

BIRD_CUSTOMER = "protocol bgp routesec_customer_as65000_198_51_100_1"
BIRD_PEER6 = "protocol bgp routesec_peer_as65001_2001_db8__3"
BIRD_TRANSIT_IN = "filter routesec_in_transit_as64496_v4"
BIRD_STRAY = """protocol bgp stray {
    local as 64500;
    neighbor 192.0.2.99 as 65099;
    ipv4 { import all; export none; };
}
"""
BIRD_SEEDS = {
    # seed: (the text changed, the findings besides the drift, the blocks the drift names)
    "a channel with import all": (
        lambda t: within(t, BIRD_CUSTOMER, "import filter routesec_in_customer_as65000_v4;", "import all;"),
        [("session-policy-missing", "edge1 " + CUSTOMER)],
        [BIRD_CUSTOMER],
    ),
    "no import limit": (
        lambda t: within(t, BIRD_CUSTOMER, "        import limit 10 action restart;\n", ""),
        [("max-prefix-missing", "edge1 " + CUSTOMER)],
        [BIRD_CUSTOMER],
    ),
    "no local role": (
        lambda t: within(t, BIRD_PEER6, "    local role peer;\n", ""),
        [("role-missing", "edge1 " + PEER6)],
        [BIRD_PEER6],
    ),
    "a changed filter line": (
        lambda t: within(t, BIRD_TRANSIT_IN + "\n", "if bgp_path.len > 100 then", "if bgp_path.len > 200 then"),
        [],
        [BIRD_TRANSIT_IN],
    ),
    "an eBGP neighbour NetBox does not know, without policy": (
        lambda t: t + BIRD_STRAY,
        [("session-policy-missing", "edge1 " + STRAY)],
        [],
    ),
}

BGPD_CUSTOMER_IN = "# ROUTESEC-IN-CUSTOMER-AS65000-V4: import\n"
BGPD_STRAY = "neighbor 192.0.2.99 {\n\tremote-as 65099\n}\n"
BGPD_SEEDS = {
    "every route of the customer allowed first": (
        lambda t: within(t, BGPD_CUSTOMER_IN, BGPD_CUSTOMER_IN, BGPD_CUSTOMER_IN + "allow quick from %s\n" % CUSTOMER),
        [("session-policy-missing", "edge1 " + CUSTOMER)],
        ["neighbor " + CUSTOMER],
    ),
    "no max-prefix": (
        lambda t: within(t, "neighbor %s {" % CUSTOMER, "\tmax-prefix 10 restart 15\n", ""),
        [("max-prefix-missing", "edge1 " + CUSTOMER)],
        ["neighbor " + CUSTOMER],
    ),
    "no announce policy": (
        lambda t: within(t, "neighbor %s {" % PEER6, "\tannounce policy peer\n", ""),
        [("role-missing", "edge1 " + PEER6)],
        ["neighbor " + PEER6],
    ),
    "a changed filter rule": (
        lambda t: within(
            t, "", "deny quick from %s max-as-len 100" % TRANSIT, "deny quick from %s max-as-len 200" % TRANSIT
        ),
        [],
        ["neighbor " + TRANSIT],
    ),
    "an eBGP neighbour NetBox does not know, without policy": (
        lambda t: (
            within(t, BGPD_CUSTOMER_IN, BGPD_CUSTOMER_IN, BGPD_STRAY + BGPD_CUSTOMER_IN) + "allow from %s\n" % STRAY
        ),
        [("session-policy-missing", "edge1 " + STRAY)],
        [],
    ),
}
SEEDS = {"bird2": BIRD_SEEDS, "openbgpd": BGPD_SEEDS}


def expected(cases):
    """The findings and drifted blocks the seeds of ``cases`` give together."""
    found = sorted(f for _seed, own, _drift in cases for f in own)
    drift = sorted({block for _seed, _own, blocks in cases for block in blocks})
    return sorted(found + ([("session-policy-drift", "edge1")] if drift else [])), drift


@pytest.mark.parametrize(("platform", "seed"), [(p, s) for p in sorted(SEEDS) for s in SEEDS[p]])
def test_each_seeded_problem_gives_exactly_its_finding(tmp_path, platform, seed):
    change, _own, _drift = case = SEEDS[platform][seed]
    state = router_state(platform, tmp_path, change(rendered(platform)))
    found, drift, _messages = findings(platform, state)
    assert (found, drift) == expected([case])


@pytest.mark.parametrize("platform", sorted(SEEDS))
def test_every_seeded_problem_at_once_gives_exactly_theirs(tmp_path, platform):
    text = rendered(platform)
    for change, _own, _drift in SEEDS[platform].values():
        text = change(text)
    found, drift, messages = findings(platform, router_state(platform, tmp_path, text))
    assert (found, drift) == expected(SEEDS[platform].values())
    policy = "filter" if platform == "bird2" else "filter rules"
    assert "BGP neighbour %s (AS65099, not in NetBox) has no import and no export %s" % (STRAY, policy) in messages
    assert "BGP session cust (customer, AS65000) has no import %s" % policy in messages


def test_a_session_netbox_no_longer_has_leaves_drift_on_bird(tmp_path):
    """routesec's protocol and filters for the customer stay on the router after NetBox dropped the session:
    drift names them; the neighbour itself has its policy, so nothing is missing."""
    gone = intent("bird2", [s for s in SESSIONS if s.address != CUSTOMER])
    found, drift, _messages = findings("bird2", router_state("bird2", tmp_path, rendered("bird2")), gone)
    assert found == [("session-policy-drift", "edge1")]
    assert drift == [
        "filter routesec_in_customer_as65000_v4 (not from NetBox)",
        "filter routesec_out_customer_v4 (not from NetBox)",
        BIRD_CUSTOMER + " (not from NetBox)",
    ]


@pytest.mark.parametrize("platform", sorted(RENDERERS))
def test_limits_the_platform_cannot_hold_or_netbox_does_not_set_are_missing(tmp_path, platform):
    """The sample as it is: the IPv6 peer has no limit in NetBox, and OpenBGPD has no warning-only one for the
    transit, so the renderer writes none and the check says why."""
    text = rendered(platform, sample_intent(platform))
    found, drift, messages = findings(platform, router_state(platform, tmp_path, text), sample_intent(platform))
    unsettable = [("max-prefix-missing", "edge1 " + TRANSIT)] if platform == "openbgpd" else []
    assert (found, drift) == (sorted([("max-prefix-missing", "edge1 " + PEER6), *unsettable]), [])
    assert any(m.endswith("(NetBox sets none either)") for m in messages)
    if platform == "openbgpd":
        assert "NetBox's is 900000 as a warning, which OpenBGPD cannot express" in " ".join(messages)


# -- how the parsers read what the daemons take -------------------------------------------------------------

BIRD_FORMS = """
filter mine { accept; }
protocol bgp by_where {
    local as 64500; neighbor 192.0.2.1 as 65001;
    ipv4 { import where net.len <= 24; export filter mine; receive limit 50 action warn; };
}
protocol bgp inline_and_other_family {
    local as 64500; neighbor 192.0.2.2 port 1179 as 65002; local role customer;
    ipv4 { import filter { if net.len > 24 then reject; accept; }; export filter mine; import limit 9; };
    ipv6 { import all; export all; };
}
protocol bgp limit_off {
    local as 64500; neighbor 192.0.2.3 as 65003;
    ipv4 { import all; export none; import limit 9; import limit off; };
}
protocol bgp nothing_in_or_out {
    local as 64500; neighbor 2001:db8::4 as 65004;
    ipv6 { import none; export none; };
}
protocol bgp internal_one {
    local as 64500; neighbor 192.0.2.5 as 64500;
    ipv4 { import all; export all; };
}
protocol bgp switched_off {
    local as 64500; neighbor 192.0.2.6 as 65006; disabled;
    ipv4 { import all; export all; };
}
"""


def test_bird_channels_as_bird_takes_them(tmp_path):
    state = router_state("bird2", tmp_path, BIRD_FORMS)
    no = {"import": False, "export": False, "max_prefix": False, "role": None}
    assert state["sessions"] == {
        "192.0.2.1": {"remote_as": "65001", "import": True, "export": True, "max_prefix": True, "role": None},
        # its ipv6 channel takes everything, but only the channel of its address's family is looked at
        "192.0.2.2": {"remote_as": "65002", "import": True, "export": True, "max_prefix": True, "role": "customer"},
        # all in, none out: neither filters route by route; the later limit statement wins
        "192.0.2.3": {"remote_as": "65003", **no},
        "2001:db8::4": {"remote_as": "65004", **no},
        "192.0.2.5": {"remote_as": "internal", **no},
    }
    names = [part.split()[0] for part in BIRD_FORMS.split("protocol bgp ")[1:]]
    # with the main configuration's origin-validation filter, which is not the session file's (not drift)
    assert set(state["blocks"]) == {"filter mine", "filter routesec_rov", *("protocol bgp " + n for n in names)}


BGPD_FORMS = """AS 64500
router-id 192.0.2.1
group "peers" {
\tremote-as 65010
\tmax-prefix 100
\tannounce policy peer
\tneighbor 192.0.2.10 {
\t\tdescr "p1"
\t}
\tneighbor 192.0.2.11 {
\t\tmax-prefix 5 out
\t\tannounce policy no
\t\texport none
\t}
}
neighbor 192.0.2.12 {
\tremote-as 64500
}
neighbor 192.0.2.13 {
\tremote-as 65013
\texport default-route
}
neighbor 192.0.2.14 {
\tremote-as 65014
}
neighbor 192.0.2.15 {
\tremote-as 65015
}
prefix-set "BAD" {
\t10.0.0.0/8 or-longer
}
allow from any
deny quick from group "peers" prefix-set "BAD"
allow to { 192.0.2.13, AS 65010 } prefix-set "BAD"
deny from 192.0.2.15 prefix-set "BAD"
allow from 192.0.2.15
deny quick from 192.0.2.14
deny from 192.0.2.14 prefix-set "BAD"
"""


def test_openbgpd_rules_decide_by_their_last_match_and_quick(tmp_path):
    (tmp_path / "bgpd.conf").write_text(BGPD_FORMS)
    proc = subprocess.run(
        ["bgpd", "-n", "-f", str(tmp_path / "bgpd.conf")], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    sessions = openbgpd_session_policy.parse_sessions(BGPD_FORMS)
    assert sessions == {
        # the group's remote-as, max-prefix and role; from any, then the group's bogons denied: a policy in;
        # out, a rule of its AS allows some routes where nothing else allows any
        "192.0.2.10": {"remote_as": "65010", "import": True, "export": True, "max_prefix": True, "role": "peer"},
        # its own "max-prefix N out" is not the inbound limit it inherits; "export none" sends nothing
        "192.0.2.11": {"remote_as": "65010", "import": True, "export": False, "max_prefix": True, "role": None},
        # iBGP (its AS is ours): every route in, none out
        "192.0.2.12": {"remote_as": "internal", "import": False, "export": False, "max_prefix": False, "role": None},
        # every route in; only the default route out
        "192.0.2.13": {"remote_as": "65013", "import": False, "export": True, "max_prefix": False, "role": None},
        # "deny quick" first: nothing in, whatever follows
        "192.0.2.14": {"remote_as": "65014", "import": False, "export": False, "max_prefix": False, "role": None},
        # its deny comes before an allow that matches every route, and the last match decides: every route in
        "192.0.2.15": {"remote_as": "65015", "import": False, "export": False, "max_prefix": False, "role": None},
    }


def test_an_include_bgpd_would_read_from_its_working_directory_is_refused():
    files = {"/etc/bgpd.conf": 'AS 64500\ninclude "routesec.conf"\n'}
    with pytest.raises(DataError, match="relative path.*absolute"):
        openbgpd.expand_includes(files["/etc/bgpd.conf"], "/etc/bgpd.conf", files.get)
    files = {"/etc/bgpd.conf": '# include "/nowhere"\ninclude "/etc/bgpd/s.conf"\n', "/etc/bgpd/s.conf": "AS 1\n"}
    assert openbgpd.expand_includes(files["/etc/bgpd.conf"], "/etc/bgpd.conf", files.get).split() == ["AS", "1"]
