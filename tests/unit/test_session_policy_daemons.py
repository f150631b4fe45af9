# -*- coding: utf-8 -*-
"""The session policy of BIRD 2 and OpenBGPD: every combination of the options gives a configuration the
daemon's own parser takes (``bird -p`` beside the origin-validation part, ``bgpd -n`` included by a bgpd.conf),
and each session says what the policy asks (role, strict mode, max-prefix and its action, filters)."""

from __future__ import annotations

import dataclasses
import subprocess

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.intent.model import (
    AsPathList,
    PrefixEntry,
    PrefixList,
    parse_prefix,
)
from ansible_collections.routesec.bgp.plugins.module_utils.intent.sessions import Session
from ansible_collections.routesec.bgp.plugins.module_utils.policy.options import PolicyOptions
from ansible_collections.routesec.bgp.plugins.module_utils.render import bird2, openbgpd_session_policy
from ansible_collections.routesec.bgp.plugins.module_utils.render.bird2_session_policy import render_session_policy
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.router_policy import RovPolicy, RtrCache
from test_driver_frr_policy import intent as frr_intent

V6_PEER = Session("2001:db8::7", 65007, "peer", name="v6", role="peer", max_prefix=5, as_set="AS-SEVEN")
V4_RS = Session("198.51.100.9", 65009, "route_server", name="rs", role="rs-client", max_prefix_action="warning")


def intent():
    """The FRR tests' intent, with AS65007's IRR lists (its AS-SET expanded)."""
    found = frr_intent()
    seven = PrefixList("ROUTESEC-AS65007-IN-V6", 6, (PrefixEntry(parse_prefix("2001:db8:7000::/36")),))
    origins = (*found.as_path_lists, AsPathList("ROUTESEC-AS65007-IN", 65007, (65007,)))
    return dataclasses.replace(found, prefix_lists=(*found.prefix_lists, seven), as_path_lists=origins)


def checked(tmp_path, text):
    """``bird -p`` on a main configuration with the origin-validation part and ``text`` included."""
    (tmp_path / "sessions.conf").write_text(text)
    rov = bird2.render_rov([RtrCache("192.0.2.20", 3323)], RovPolicy())
    main = 'router id 192.0.2.1;\nprotocol device {}\n%s\ninclude "%s";\n' % (rov, tmp_path / "sessions.conf")
    (tmp_path / "bird.conf").write_text(main)
    proc = subprocess.run(
        ["bird", "-p", "-c", str(tmp_path / "bird.conf")], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr + text


def bgpd_checked(tmp_path, text):
    """``bgpd -n`` on a bgpd.conf with its global settings, an RTR cache and ``text`` included."""
    (tmp_path / "sessions.conf").write_text(text)
    main = 'AS 64500\nrouter-id 192.0.2.1\nrtr 192.0.2.20 {\n\tport 3323\n}\ninclude "%s"\n' % (
        tmp_path / "sessions.conf"
    )
    (tmp_path / "bgpd.conf").write_text(main)
    proc = subprocess.run(
        ["bgpd", "-n", "-f", str(tmp_path / "bgpd.conf")], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr + text


OPTIONS = [
    PolicyOptions(),
    PolicyOptions(customer_export="default", role_strict=True, max_prefix_restart=0),
    PolicyOptions(transit_free=(), reject_invalid=False, min_length=(0, 0), max_length=(32, 128)),
]


def every_kind_of_session():
    device_intent = intent()
    sessions = tuple(dataclasses.replace(s, blackhole=s.relationship == "customer") for s in device_intent.sessions)
    return dataclasses.replace(device_intent, sessions=(*sessions, V6_PEER, V4_RS))


@pytest.mark.parametrize("options", OPTIONS)
def test_bird_takes_the_policy_with_every_option(tmp_path, options):
    text = render_session_policy(every_kind_of_session(), options)
    checked(tmp_path, text)
    assert ("require roles on;" in text) == options.role_strict
    assert ("import limit 10 action %s;" % ("disable" if options.max_prefix_restart == 0 else "restart")) in text
    assert "routesec_rov_state()" in text if options.reject_invalid else "routesec_rov_state()" not in text


def test_each_session_gets_its_protocol_filters_role_and_limit():
    text = render_session_policy(dataclasses.replace(intent(), sessions=(V6_PEER, V4_RS)), PolicyOptions())
    peer = text[text.index("protocol bgp routesec_peer_as65007_2001_db8__7 {") :]
    assert "neighbor 2001:db8::7 as 65007;" in peer and "local role peer;" in peer
    assert "ipv6 {" in peer and "import filter routesec_in_peer_as65007_v6;" in peer
    assert "import limit 5 action restart;" in peer
    rs = text[text.index("protocol bgp routesec_route_server_as65009_198_51_100_9 {") :]
    assert "local role rs_client;" in rs and "import limit" not in rs.split("}", maxsplit=1)[0]
    server_filter = text[text.index("filter routesec_in_rs_as65009_v4") :].split("\n}")[0]
    assert "bgp_path.first" not in server_filter and "bgp_next_hop = from;" not in server_filter
    peer_filter = text[text.index("filter routesec_in_peer_as65007_v6") :].split("\n}")[0]
    assert "if ! (net ~ 'ROUTESEC-AS65007-IN-V6') then reject;" in peer_filter
    assert "if filter(bgp_path, ROUTESEC_TRANSIT_FREE).len > 0 then reject;" in peer_filter


def test_a_customer_or_peer_without_its_irr_lists_is_refused_naming_the_session():
    with pytest.raises(DataError, match="BGP session v6.*no ROUTESEC-AS65007-IN-V6 and no ROUTESEC-AS65007-IN"):
        render_session_policy(dataclasses.replace(frr_intent(), sessions=(V6_PEER,)), PolicyOptions())


@pytest.mark.parametrize("options", OPTIONS)
def test_openbgpd_takes_the_policy_with_every_option(tmp_path, options):
    text = openbgpd_session_policy.render_session_policy(every_kind_of_session(), options)
    bgpd_checked(tmp_path, text)
    customer = text[text.index("neighbor 198.51.100.1 {") :].split("}")[0]
    assert ("announce policy provider enforce" in customer) == options.role_strict
    restart = " restart %d" % options.max_prefix_restart if options.max_prefix_restart else ""
    assert "max-prefix 10%s\n" % restart in customer
    assert ("export default-route" in customer) == (options.customer_export == "default")
    transit = text[text.index("neighbor 198.51.100.2 {") :].split("}")[0]
    assert "# max-prefix 900000 (warning): OpenBGPD only tears a session down; not set" in transit
    assert ("ovs invalid" in text) == options.reject_invalid
    server = text[text.index("neighbor 198.51.100.9 {") :].split("}")[0]
    assert "enforce neighbor-as no" in server and "announce policy rs-client" in server
