# -*- coding: utf-8 -*-
"""Router-side origin validation for BIRD 2 and OpenBGPD, checked by the real daemons.

BIRD's config is parsed by ``bird -p``; then a BIRD with it connects over RTR to a
real StayRTR on 127.0.0.1 serving a VRP file, and ``roa_check`` answers are asked
from the running BIRD. OpenBGPD's sessions and rules go through ``bgpd -n``.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.render import bird2, openbgpd, render_rov
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.router_policy import RovPolicy, RtrCache
from daemons import BIRD
from ports import free_port

BGPD = Path("/usr/sbin/bgpd")
STAYRTR = Path("/usr/bin/stayrtr")
POLICY = RovPolicy(reject_invalid=True, not_found_local_pref=50)


def listening(port, seconds=10):
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, "StayRTR does not listen on port %d" % port
            time.sleep(0.1)


def bird_conf(tmp_path, text):
    conf = tmp_path / "bird.conf"
    conf.write_text("router id 192.0.2.254;\nprotocol device {}\n" + text)
    return conf


def test_bird_config_passes_birds_own_parser(tmp_path):
    text = bird2.render_rov([RtrCache("192.0.2.1", 3323, 2), RtrCache("2001:db8::1")], POLICY)
    assert "remote 2001:db8::1 port 323;" in text and "bgp_local_pref = 50;" in text
    check = subprocess.run([BIRD, "-p", "-c", bird_conf(tmp_path, text)], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr
    lenient = bird2.render_rov([RtrCache("192.0.2.1")], RovPolicy(reject_invalid=False))
    assert "ROA_INVALID" not in lenient and "bgp_local_pref" not in lenient


def test_bird_validates_over_rtr_from_a_real_stayrtr(tmp_path):
    vrps = tmp_path / "vrps.json"
    vrps.write_text(json.dumps({"roas": [{"prefix": "192.0.2.0/24", "maxLength": 24, "asn": "AS64500"}]}))
    port = free_port()
    cache = subprocess.Popen(
        [STAYRTR, "-bind", "127.0.0.1:%d" % port, "-cache", str(vrps), "-checktime=false", "-metrics.addr", ""],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    listening(port)  # BIRD retries a refused cache only after its retry interval (90 s)
    sock = Path(tempfile.mkdtemp(prefix="rov", dir="/tmp")) / "bird.ctl"  # a socket path must stay short
    conf = bird_conf(tmp_path, bird2.render_rov([RtrCache("127.0.0.1", port)], POLICY))
    daemon = subprocess.Popen(
        [BIRD, "-f", "-c", conf, "-s", sock], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:

        def birdc(*words):
            return subprocess.run(["birdc", "-s", sock, *words], capture_output=True, text=True, check=False).stdout

        deadline = time.monotonic() + 30
        while "192.0.2.0/24-24 AS64500" not in birdc("show", "route", "table", "routesec_roa4"):
            assert time.monotonic() < deadline, "BIRD did not get the VRPs from StayRTR over RTR"
            time.sleep(0.3)
        questions = [
            "roa_check(routesec_roa4, 192.0.2.0/24, 64500)",
            "roa_check(routesec_roa4, 192.0.2.0/24, 64501)",
            "roa_check(routesec_roa4, 192.0.2.0/25, 64500)",
            "roa_check(routesec_roa4, 198.51.100.0/24, 64500)",
        ]
        # birdc prints an enum as "(enum 35)N": ROA_UNKNOWN 0, ROA_VALID 1, ROA_INVALID 2
        states = [birdc("eval", q).strip().splitlines()[-1].rsplit(")", 1)[-1] for q in questions]
        assert states == ["1", "2", "2", "0"]
    finally:
        for process in (daemon, cache):
            process.terminate()
            process.wait(timeout=10)
        shutil.rmtree(sock.parent, ignore_errors=True)


def test_openbgpd_sessions_and_rules_pass_bgpd_n(tmp_path):
    sessions, rules = openbgpd.render_rov([RtrCache("192.0.2.1", 3323), RtrCache("2001:db8::1", preference=2)], POLICY)
    assert rules.splitlines() == [
        "deny quick from ebgp ovs invalid",
        "match from ebgp ovs not-found set localpref 50",
    ]
    conf = tmp_path / "bgpd.conf"
    conf.write_text("AS 64500\nrouter-id 192.0.2.254\n" + sessions + "allow from any\nallow to any\n" + rules)
    check = subprocess.run([BGPD, "-n", "-f", conf], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: RtrCache("not-an-address"), "RTR cache not-an-address, field 'address'"),
        (lambda: RtrCache("192.0.2.1", 0), "field 'port': 0 is not a number from 1 to 65535"),
        (lambda: RtrCache("192.0.2.1", preference=11), "field 'preference'"),
        (lambda: RovPolicy(not_found_local_pref=-1), "field 'not_found_local_pref'"),
        (lambda: bird2.render_rov([], POLICY), "at least one RTR cache"),
        (lambda: openbgpd.render_rov([], POLICY), "at least one RTR cache"),
    ],
)
def test_bad_rov_input_names_the_field(make, message):
    with pytest.raises(DataError, match=message):
        make()


CACHES = [RtrCache("2001:db8::1", 3323, 2), RtrCache("192.0.2.1")]
# Per platform: the lines that configure the caches (in preference order), reject invalid routes and
# lower not-found ones, as each vendor documents them. No device runs here to check them further.
VENDOR_LINES = {
    "cisco_ios": (
        [
            " bgp rpki server tcp 192.0.2.1 port 323 refresh 900",
            " bgp rpki server tcp 2001:db8::1 port 3323 refresh 900",
        ],
        ["route-map ROUTESEC-ROV deny 10", " match rpki invalid"],
        [" match rpki not-found", " set local-preference 50"],
    ),
    "cisco_iosxr": (
        [" rpki server 192.0.2.1", "  preference 1", " rpki server 2001:db8::1", "  transport tcp port 3323"],
        ["  if validation-state is invalid then", "    drop"],
        ["  if validation-state is not-found then", "    set local-preference 50"],
    ),
    "arista_eos": (
        [
            "      host 192.0.2.1 port 323",
            "      preference 1",
            "      host 2001:db8::1 port 3323",
            "      preference 2",
        ],
        ["route-map ROUTESEC-ROV deny 10", "   match origin-as validity invalid"],
        ["   match origin-as validity not-found", "   set local-preference 50"],
    ),
    "juniper_junos": (
        ["            session 192.0.2.1 {", "            session 2001:db8::1 {", "                port 3323;"],
        ["            from validation-database invalid;", "                reject;"],
        ["            from validation-database unknown;", "                local-preference 50;"],
    ),
    "nokia_sros": (
        ["rpki-session 192.0.2.1 {", "rpki-session 2001:db8::1 {", "    port 3323"],
        ["            origin-validation-state invalid", "            action-type reject"],
        ["            origin-validation-state not-found", "            local-preference 50"],
    ),
}


def in_order(lines, wanted):
    position = 0
    for line in wanted:
        position = lines.index(line, position) + 1
    return True


@pytest.mark.parametrize("platform", sorted(VENDOR_LINES))
def test_vendor_cli_caches_and_policy(platform):
    caches, invalid, not_found = VENDOR_LINES[platform]
    lines = render_rov(platform, CACHES, POLICY, 64500).splitlines()
    assert in_order(lines, caches) and in_order(lines, invalid) and in_order(lines, not_found)
    lenient = render_rov(platform, CACHES, RovPolicy(reject_invalid=False), 64500).splitlines()
    assert invalid[-1] not in lenient and not_found[-1] not in lenient and in_order(lenient, caches)
    with pytest.raises(DataError, match="at least one RTR cache"):
        render_rov(platform, [], POLICY, 64500)


def test_frr_gets_its_caches_numbered_and_a_route_map_that_ends_in_permit():
    text = render_rov("frr", [RtrCache("192.0.2.1"), RtrCache("2001:db8::1", 3323)], POLICY, 64500)
    assert text.splitlines()[:3] == [
        "rpki",
        " rpki cache 192.0.2.1 323 preference 1",
        " rpki cache 2001:db8::1 3323 preference 2",
    ]
    assert "route-map ROUTESEC-ROV deny 1" in text and " set local-preference 50" in text
    assert text.endswith("route-map ROUTESEC-ROV permit 65535\nexit\n")
    with pytest.raises(DataError, match="always rejects invalid routes"):
        render_rov("frr", [RtrCache("192.0.2.1")], RovPolicy(reject_invalid=False), 64500)
