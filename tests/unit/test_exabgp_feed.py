# -*- coding: utf-8 -*-
"""The BGP feed through ExaBGP (observe/exabgp.py) against real daemons: the monitor's ExaBGP 4.2, configured by
``render_config`` and run by ``ExabgpSpeaker`` in the monitor's network namespace, peers with FRR 8.4 (r1 of
feed_lab.py) over IPv4 (the speaker connects) and IPv6 (the speaker listens: a passive session).

r1's neighbours announce and withdraw routes with known paths (prepended, with an AS_SET, with 4-octet ASes,
from a 2-octet session); r1 passes them on, and they arrive as route events at ``bgp collector <r1's
address>``, announced then withdrawn, with r1's AS in front. A session that goes down withdraws what it had
announced; ExaBGP stopping withdraws nothing and is reported. Lines that are not ExaBGP's messages are
reported and passed over.
"""

from __future__ import annotations

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError
from ansible_collections.routesec.bgp.plugins.module_utils.observe import exabgp
from feed_lab import (
    AS_ROOT,
    FROM_OLD,
    FROM_V4,
    FROM_V6,
    MONITOR_LINK,
    ROUTER_LINK,
    Inbox,
    announce_then_withdraw,
    lab,
    router_config,
)

MONITOR_AS = 65020
TO_MONITOR = """
neighbor {v4} remote-as {asn}
neighbor {v4} timers 3 9
neighbor {v4} timers connect 1
neighbor {v4} passive
neighbor {v4} advertisement-interval 0
neighbor {v6} remote-as {asn}
neighbor {v6} timers 3 9
neighbor {v6} timers connect 1
neighbor {v6} advertisement-interval 0
""".format(v4=MONITOR_LINK[0], v6=MONITOR_LINK[1], asn=MONITOR_AS)
ACTIVATE = {family: "neighbor %s activate" % address for family, address in zip(("ipv4", "ipv6"), MONITOR_LINK)}
SESSIONS = (
    exabgp.Session(ROUTER_LINK[0], MONITOR_LINK[0], MONITOR_AS, 65001, MONITOR_LINK[0], ("ipv4 unicast",), False, 9),
    exabgp.Session(ROUTER_LINK[1], MONITOR_LINK[1], MONITOR_AS, 65001, MONITOR_LINK[0], ("ipv6 unicast",), True, 9),
)
V4, V6 = "bgp collector %s" % ROUTER_LINK[0], "bgp collector %s" % ROUTER_LINK[1]

# (neighbour, prefix, AS path as ExaBGP writes it, vantage point, the path the event must carry)
ROUTES = (
    (FROM_V4, "192.0.2.0/24", "[ 65002 65002 65003 ]", V4, (65001, 65002, 65002, 65003)),
    (
        FROM_V4,
        "198.51.100.0/24",
        "[ 65002 65010 ( 65011 65012 ) ]",
        V4,
        (65001, 65002, 65010, frozenset({65011, 65012})),
    ),
    (FROM_V6, "2001:db8:1::/48", "[ 65002 4200000001 ]", V6, (65001, 65002, 4200000001)),
    (FROM_OLD, "203.0.113.0/24", "[ 65004 4200000002 64998 ]", V4, (65001, 65004, 4200000002, 64998)),
)


@pytest.fixture(scope="module")
def router():
    with lab(router_config(TO_MONITOR, ACTIVATE)) as running:
        yield running


@pytest.fixture
def speaker(router, tmp_path_factory):
    """The monitor's ExaBGP, once both its sessions are up; (speaker, inbox)."""
    inbox = Inbox()
    folder = tmp_path_factory.mktemp("exabgp")
    wrapper = ("ip", "netns", "exec", router.monitor_ns)
    running = exabgp.ExabgpSpeaker("collector", SESSIONS, inbox.event, inbox.status, folder, wrapper, AS_ROOT)
    with running:
        inbox.wait(lambda box: box.with_state("peer-up", V4) and box.with_state("peer-up", V6), "both sessions up")
        yield running, inbox


def test_announcements_and_withdrawals_arrive_as_route_events_with_their_paths(router, speaker):
    _running, inbox = speaker
    announce_then_withdraw(router, inbox, ROUTES)
    assert not inbox.with_state("error")


def test_a_session_that_goes_down_withdraws_what_it_announced(router, speaker):
    _running, inbox = speaker
    prefixes = ("100.64.1.0/24", "100.64.2.0/24")
    for prefix in prefixes:
        router.announce(FROM_V4, prefix, "[ 65002 64900 ]")
    inbox.wait(lambda box: all(box.history(V4, p) == [(65001, 65002, 64900)] for p in prefixes), "the announcements")
    router.configure("neighbor %s shutdown" % MONITOR_LINK[0])
    try:
        inbox.wait(lambda box: box.with_state("peer-down", V4), "the IPv4 session down")
        assert all(inbox.history(V4, p) == [(65001, 65002, 64900), None] for p in prefixes)
        assert not [e for e in inbox.events if e.withdrawn and e.vantage != V4]
    finally:
        for prefix in prefixes:
            router.withdraw(FROM_V4, prefix)
        router.configure("no neighbor %s shutdown" % MONITOR_LINK[0])
    inbox.wait(lambda box: len(box.with_state("peer-up", V4)) == 2, "the IPv4 session up again")


def test_exabgp_stopping_withdraws_nothing_and_reports_the_feed_gone(router, speaker):
    running, inbox = speaker
    prefix, path = "100.64.3.0/24", (65001, 65002, 64901)
    router.announce(FROM_V4, prefix, "[ 65002 64901 ]")
    try:
        inbox.wait(lambda box: box.history(V4, prefix) == [path], "the announcement")
        running.stop()
    finally:
        router.withdraw(FROM_V4, prefix)
    assert inbox.history(V4, prefix) == [path]
    stopped = {s.vantage: s.detail for s in inbox.with_state("disconnected") if s.vantage}
    assert set(stopped) == {V4, V6} and all("ExaBGP stopped the session" in d for d in stopped.values())
    assert inbox.statuses[-1].state == "disconnected" and "ExaBGP exited" in inbox.statuses[-1].detail


def test_lines_that_are_not_exabgp_messages_are_reported_and_passed_over():
    inbox = Inbox()
    reader = exabgp.ExabgpReader("collector", inbox.event, inbox.status)
    lines = [
        "Traceback (most recent call last):",
        '{"exabgp": "5.0.0", "type": "update"}',
        '{"exabgp": "4.0.1", "time": 1.0, "type": "update", "neighbor": {"address": {"peer": "10.0.0.1"}}}',
        (
            '{"exabgp": "4.0.1", "time": 1.0, "type": "update", "neighbor": {"address": {"peer": "10.0.0.1"},'
            ' "message": {"update": {"attribute": {"as-path": [65001, "x"]}, "announce": {}}}}}'
        ),
    ]
    exabgp.read_lines(lines, reader)
    assert [s.detail for s in inbox.statuses] == [
        "line passed over: ExaBGP output: not JSON: Traceback (most recent call last):",
        (
            'line passed over: ExaBGP output: not a message of ExaBGP\'s JSON version 4: {"exabgp": "5.0.0", '
            '"type": "update"}'
        ),
        "line passed over: ExaBGP update message: no neighbor.message",
        "line passed over: ExaBGP update: not an AS number in the path: 'x'",
    ]
    assert not inbox.events


def test_the_configuration_hands_parsed_updates_and_session_changes_to_the_process():
    text = exabgp.render_config(SESSIONS[1:])
    assert text == (
        "process routesec-monitor {\n\trun /bin/sh -c 'cat >&2';\n\tencoder json;\n}\n\n"
        "neighbor fd00:ff::1 {\n\trouter-id 10.255.0.2;\n\tlocal-address fd00:ff::2;\n\tlocal-as 65020;\n"
        "\tpeer-as 65001;\n\thold-time 9;\n\tpassive true;\n\tfamily {\n\t\tipv6 unicast;\n\t}\n\tapi {\n"
        "\t\tprocesses [ routesec-monitor ];\n\t\tneighbor-changes;\n\t\treceive {\n\t\t\tparsed;\n\t\t\tupdate;\n"
        "\t\t}\n\t}\n}\n"
    )


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"peer_as": 0}, "field 'peer_as': not an AS number: 0"),
        ({"router_id": "fd00::1"}, "field 'router_id': a BGP identifier is an IPv4 address"),
        ({"families": ("ipv4 flow",)}, "field 'families'"),
        ({"hold_time": 2}, "field 'hold_time': a hold time is 0 or 3 to 65535 seconds, not 2"),
    ],
)
def test_a_session_that_cannot_be_configured_is_refused_naming_the_field(change, error):
    session = exabgp.Session(**{**SESSIONS[0].__dict__, **change})
    with pytest.raises(DataError, match=error):
        exabgp.render_config([session])
