# -*- coding: utf-8 -*-
"""Replay (``monitor.replay``) of the real RIPE RIS updates file of ../shared/data/bgp through the detector, with
a watch list made from what the file shows: the prefixes six ASes originate taken as ours (among them ASes whose
prefixes another AS announces too, or more-specifics of them, and ASes whose routes are withdrawn at many
peers), each AS's most frequent upstream as its provider, and a /16 that the file shows others announcing in,
held and not announced. The alerts must be exactly those this test derives from the same routes with its own
plain code (linear scans, no index, no detector), rule by rule as the detector's description states them."""

from __future__ import annotations

import collections
import gzip
import ipaddress
import json
import os
import subprocess
import sys

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.monitor.model import Watched, WatchList
from ansible_collections.routesec.bgp.plugins.module_utils.monitor.replay import main, replay
from ansible_collections.routesec.bgp.plugins.module_utils.monitor.watch import to_json
from ansible_collections.routesec.bgp.plugins.module_utils.observe.feeds import RouteTable
from ansible_collections.routesec.bgp.plugins.module_utils.observe.mrt import route_events
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.rov import RovIndex
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.vrp import make_vrp
from test_mrt import RIS_UPDATES

pytestmark = pytest.mark.cpu_bound  # real data for minutes: the idle scheduling class (conftest.py)

# 18196 and 49550: prefixes 58678 and 33922 announce too; 36958, 30496: more-specifics from 36867, 55045;
# 12252, 56636: routes withdrawn at most peers that had them
OURS = frozenset({18196, 49550, 36958, 30496, 12252, 56636})
HELD = ipaddress.ip_network("201.228.0.0/16")  # 3816 and 7315 announce inside it
COLLECTOR = "rrc00"


@pytest.fixture(scope="module")
def routes():
    return list(route_events(RIS_UPDATES, COLLECTOR, RouteTable()))


def compressed(path):
    return [asn for index, asn in enumerate(path) if index == 0 or asn != path[index - 1]]


@pytest.fixture(scope="module")
def watch(routes):
    """Our prefixes: the widest ones our ASes originate (the more-specifics they announce are then not ours
    to announce), exact; providers: each AS's most frequent upstream."""
    origins, upstreams = collections.defaultdict(set), collections.defaultdict(collections.Counter)
    for event in routes:
        if event.path and event.path[-1] in OURS:
            origins[event.prefix].add(event.path[-1])
            hops = compressed(event.path)
            if len(hops) > 1:
                upstreams[hops[-1]][hops[-2]] += 1
    widest = [p for p in origins if not any(q != p and q.version == p.version and p.subnet_of(q) for q in origins)]
    prefixes = [Watched(p, frozenset(origins[p]), p.prefixlen) for p in widest]
    providers = {asn: frozenset([max(sorted(seen), key=seen.get)]) for asn, seen in upstreams.items()}
    return WatchList(tuple(prefixes) + (Watched(HELD, frozenset(), 16, False),), OURS, providers)


@pytest.fixture(scope="module")
def vrps(watch):
    return [(w.prefix, w.prefix.prefixlen, asn) for w in watch.prefixes for asn in w.origins]


def text(path):
    return " ".join(str(a) if isinstance(a, int) else "{%s}" % ",".join(map(str, sorted(a))) for a in path or ())


def inside(prefix, network):
    return prefix.version == network.version and prefix.subnet_of(network)


class Expected:
    """The alerts, derived route by route with plain scans, as the detector's description defines them."""

    def __init__(self, watch, vrps):
        self.watch, self.vrps = watch, vrps
        self.routes = {}  # (vantage, prefix) -> path
        self.causes = {}  # (vantage, prefix) -> {alert key: path text}
        self.showing = collections.defaultdict(set)  # alert key -> vantage points whose route shows it now
        self.had, self.gone = collections.defaultdict(set), collections.defaultdict(set)
        self.withdrawn_path = {}
        self.alerts = {}

    def feed(self, event):
        route, vantage, prefix = (event.vantage, event.prefix), event.vantage, event.prefix
        old = self.routes.pop(route, None)
        now = self.route_causes(prefix, event.path) if event.path is not None else {}
        if event.path is not None:
            self.routes[route] = event.path
        for key in self.causes.pop(route, {}):
            self.showing[key].discard(vantage)
        for key in now:
            self.showing[key].add(vantage)
        if now:
            self.causes[route] = now
        shown = dict(now)
        shown.update(self.visibility(event, old))
        for key in set(shown) | set(self.alerts):
            self.record(key, shown.get(key), event.time)

    def visibility(self, event, old):
        """{the visibility key: path} when the event shows a loss (else {}), after following who had it."""
        prefix, vantage = event.prefix, event.vantage
        if event.path is not None and self.expected_ours(prefix, event.path):
            self.had[prefix].add(vantage)
            self.gone[prefix].discard(vantage)
        elif vantage in self.had[prefix] and event.path is None:
            self.gone[prefix].add(vantage)
            self.withdrawn_path[prefix] = text(old) if old else self.withdrawn_path.get(prefix, "")
        elif vantage in self.had[prefix]:
            self.gone[prefix].discard(vantage)
        gone, had = len(self.gone[prefix]), len(self.had[prefix])
        lost = gone > 0 and gone >= min(self.watch.visibility_threshold, had) and gone >= had / 2
        key = ("visibility-loss", str(prefix), None)
        self.showing[key] = set(self.gone[prefix]) if lost else set()
        return {key: self.withdrawn_path[prefix]} if lost and vantage in self.gone[prefix] else {}

    def record(self, key, path, at):
        alert = self.alerts.get(key)
        if path is not None:
            if alert is None:
                alert = self.alerts[key] = {"first_seen": at, "count": 0, "vantages": set()}
            alert.update(last_seen=at, path=path, active=True, count=alert["count"] + 1)
            alert["vantages"] |= self.showing[key]
        elif alert is not None and not self.showing[key]:
            alert["active"] = False

    def covering(self, prefix):
        return [w for w in self.watch.prefixes if inside(prefix, w.prefix)]

    def expected_ours(self, prefix, path):
        announced = [w for w in self.covering(prefix) if w.announced and prefix.prefixlen <= w.max_length]
        return bool(announced) and path[-1] in OURS

    def route_causes(self, prefix, path):
        covering = self.covering(prefix)
        if not covering:
            return {}
        origin = path[-1]

        def key(rule, asn):
            return (rule, str(prefix), asn)

        announced = [w for w in covering if w.announced]
        if not isinstance(origin, int) or origin not in OURS:
            origin = origin if isinstance(origin, int) else None
            exact = [w for w in announced if w.prefix == prefix]
            rule = "hijack" if exact else "subprefix-hijack" if announced else "squatting"
            return {key(rule, origin): text(path)}
        found = []
        if not any(prefix.prefixlen <= w.max_length for w in announced):
            found.append(key("new-more-specific", origin))
        covering_vrps = [(length, asn) for network, length, asn in self.vrps if inside(prefix, network)]
        if covering_vrps and not any(asn == origin and prefix.prefixlen <= length for length, asn in covering_vrps):
            found.append(key("rpki-invalid", origin))
        upstream = self.upstream(path)
        if upstream is not None:
            found.append(key("new-upstream", upstream))
        return dict.fromkeys(found, text(path))

    def upstream(self, path):
        """The upstream next to our ASes when it is none of the providers of the AS of ours it touches."""
        hops = compressed(path)
        if any(not isinstance(asn, int) for asn in hops):
            return None
        ours = None
        while hops and hops[-1] in OURS:
            ours = hops.pop()
        providers = self.watch.providers.get(ours)
        if not hops or providers is None or hops[-1] in providers:
            return None
        return hops[-1]


def summary(alert):
    return {
        "first_seen": alert["first_seen"],
        "last_seen": alert["last_seen"],
        "count": alert["count"],
        "vantages": sorted(alert["vantages"]),
        "active": alert["active"],
        "path": alert["path"],
    }


@pytest.fixture(scope="module")
def expected(routes, watch, vrps):
    derived = Expected(watch, vrps)
    for event in routes:
        derived.feed(event)
    return {key: summary(alert) for key, alert in derived.alerts.items()}


@pytest.fixture(scope="module")
def replayed(watch, vrps):
    index = RovIndex([make_vrp(str(prefix), length, asn) for prefix, length, asn in vrps])
    return replay([RIS_UPDATES], watch, index, collector=COLLECTOR)


def test_the_replay_raises_exactly_the_alerts_derived_from_the_file(replayed, expected):
    found = {alert.key: {name: alert.to_dict()[name] for name in summary_fields()} for alert in replayed}
    assert found == expected


def summary_fields():
    return ("first_seen", "last_seen", "count", "vantages", "active", "path")


def test_the_file_shows_every_origin_and_neighbour_rule_and_lost_visibility(expected):
    rules = collections.Counter(rule for rule, _prefix, _asn in expected)
    assert set(rules) == {
        "hijack",
        "subprefix-hijack",
        "squatting",
        "new-more-specific",
        "rpki-invalid",
        "new-upstream",
        "visibility-loss",
    }
    assert all(count >= 3 for count in rules.values()), rules
    assert any(not alert["active"] for alert in expected.values())  # some cleared within the file
    assert any(alert["active"] for alert in expected.values())


def test_alerts_name_our_prefix_and_say_why(replayed):
    for alert in replayed:
        assert alert.watched and alert.detail, alert
        assert ipaddress.ip_network(alert.prefix).subnet_of(ipaddress.ip_network(alert.watched))


def test_the_command_line_prints_the_alerts_as_json_lines(tmp_path, watch, replayed, capsys):
    path = tmp_path / "watch.json"
    path.write_text(to_json(watch))
    assert main(["--watch", str(path), "--collector", COLLECTOR, str(RIS_UPDATES)]) == 0
    lines = capsys.readouterr().out.splitlines()
    without_vrps = [a for a in replayed if a.rule != "rpki-invalid"]
    assert [json.loads(line) for line in lines] == [a.to_dict() for a in without_vrps]


def test_the_command_line_prints_throttled_changes_and_refuses_bad_input(tmp_path, watch):
    path = tmp_path / "watch.json"
    path.write_text(to_json(watch))
    module = "ansible_collections.routesec.bgp.plugins.module_utils.monitor.replay"
    command = [sys.executable, "-m", module, "--watch", str(path), "--changes", "--throttle", "60", str(RIS_UPDATES)]
    env = {**os.environ, "PYTHONPATH": os.environ["ANSIBLE_COLLECTIONS_PATH"]}
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    changes = [json.loads(line) for line in done.stdout.splitlines()]
    assert {change["event"] for change in changes} == {"raised", "updated", "cleared"}
    last_update = {}
    for change in changes:
        key = (change["alert"]["rule"], change["alert"]["prefix"], change["alert"]["asn"])
        if change["event"] == "updated":
            assert change["at"] - last_update.get(key, change["at"] - 60) >= 60
        last_update[key] = change["at"]
    path.write_text('{"own_asns": [64500]}')
    refused = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    assert refused.returncode == 2
    assert "field 'prefixes': missing" in refused.stderr


def records(data: bytes) -> list[bytes]:
    """The MRT records of ``data``, each with its header (its length in bytes 8 to 12)."""
    found, at = [], 0
    while at < len(data):
        end = at + 12 + int.from_bytes(data[at + 8 : at + 12], "big")
        found.append(data[at:end])
        at = end
    return found


def test_a_record_that_cannot_be_read_is_named_and_the_alerts_of_every_other_one_are_printed(tmp_path, watch, capsys):
    path = tmp_path / "watch.json"
    path.write_text(to_json(watch))
    split = records(gzip.decompress(RIS_UPDATES.read_bytes()))
    unknown = split[99][:6] + (99).to_bytes(2, "big") + split[99][8:]  # a subtype mrtparse does not know
    broken, without = tmp_path / "broken", tmp_path / "without"
    broken.write_bytes(b"".join(split[:99] + [unknown] + split[100:]))
    without.write_bytes(b"".join(split[:99] + split[100:]))
    assert main(["--watch", str(path), "--collector", COLLECTOR, str(broken)]) == 1
    printed = capsys.readouterr()
    expected = replay([without], watch, collector=COLLECTOR)
    assert expected and [json.loads(line) for line in printed.out.splitlines()] == [a.to_dict() for a in expected]
    assert (
        printed.err
        == "error: MRT file %s, record 100: cannot be read: Unsupported type: 16(BGP4MP), subtype: 99(Unknown)\n"
        % broken
    )
