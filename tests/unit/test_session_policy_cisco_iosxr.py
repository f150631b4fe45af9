# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The session policy on Cisco IOS-XR: the RPL translation of the policy terms, and its deployment through
``CiscoXrDriver`` to the emulated IOS-XR router of ``fakenos_devices``.

The translation is checked by what it does: ``Rpl`` below runs the rendered route-policies over routes the
way the IOS-XR Routing Policy Language documentation describes (first true branch of an if/elseif chain,
``drop`` and ``done`` end the policy, a route that a ``set`` changed passes unless dropped, others are
dropped at the end). The deployment is checked on the emulated router's running configuration: check mode
changes nothing, every neighbour gets its route-policies and maximum-prefix, a second run changes nothing, a
missing neighbour is refused before anything is sent, a policy naming a set the router lacks is refused by
the router at commit, and a change of options converges. (An emulated router, not a real one: see
test_driver_cli.)
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.drivers import DriverError
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.cli.cisco_iosxr import CiscoXrDriver
from ansible_collections.routesec.bgp.plugins.module_utils.errors import SafetyError
from ansible_collections.routesec.bgp.plugins.module_utils.intent.model import PrefixList
from ansible_collections.routesec.bgp.plugins.module_utils.plan.deploy import DeployOptions, deploy
from ansible_collections.routesec.bgp.plugins.module_utils.plan.session_policy import (
    feature_gaps,
    session_policy_plan,
)
from ansible_collections.routesec.bgp.plugins.module_utils.policy.objects import export_name, import_name
from ansible_collections.routesec.bgp.plugins.module_utils.policy.options import PolicyOptions
from ansible_collections.routesec.bgp.plugins.module_utils.render import cisco_iosxr
from ansible_collections.routesec.bgp.plugins.module_utils.render.cisco_iosxr_session_policy import (
    GAPS,
    parse_neighbors,
    render_session_policy,
)
from fakenos_devices import PASSWORD, ROUTERS, USERNAME, serve
from session_policy_sample import IRR_LISTS, LOCAL_ASN, OWN_LISTS, SESSIONS, sample_intent

CUSTOMER, TRANSIT, PEER6, RS = SESSIONS
SYNTAX = "cisco_iosxr"
# the sample is numbered in documentation and private space: taken out of the bogons to see the other checks work
LAB = PolicyOptions(
    bogon_asn_exceptions=((64496, 65551),),
    bogon_exceptions=("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"),
)


# -- the RPL the renderer writes, run over routes ---------------------------------------------------------


@dataclasses.dataclass
class Route:
    prefix: str
    path: tuple = ()
    communities: frozenset = frozenset()
    large: frozenset = frozenset()
    invalid: bool = False
    local_pref: int = 100
    next_hop: str = "received"


def blocks_of(text, head):
    """``{name: [line, ...]}`` of every ``head NAME`` ... ``end-set``/``end-policy`` block of ``text``."""
    found, current = {}, None
    for line in (line.strip() for line in text.splitlines()):
        if line.startswith(head + " ") and len(line.split()) == 2:
            current = found.setdefault(line.split()[1], [])
        elif line in ("end-set", "end-policy"):
            current = None
        elif current is not None and line and not line.startswith("#"):
            current.append(line.rstrip(","))
    return found


class Rpl:
    """The route-policies and sets of a configuration text, evaluated as the RPL documentation describes."""

    def __init__(self, text):
        self.policies = blocks_of(text, "route-policy")
        kinds = ("prefix-set", "as-path-set", "community-set", "large-community-set")
        self.sets = {kind: blocks_of(text, kind) for kind in kinds}

    def run(self, name, route):
        """``(accepted, the route after the policy)``: a route no ``done`` or ``drop`` decided passes when a
        ``set`` changed it."""
        route, self.modified = dataclasses.replace(route), False
        outcome = self.statements(self.policies[name], route)
        return (self.modified if outcome is None else outcome), route

    def statements(self, lines, route):
        """Run ``lines``: True (done), False (drop), None (they ran to their end)."""
        index = 0
        while index < len(lines):
            if lines[index].startswith("if "):
                branches, index = self.chain(lines, index)
                taken = next((body for condition, body in branches if self.holds(condition, route)), [])
                outcome = self.statements(taken, route)
            elif lines[index] in ("drop", "done"):
                outcome, index = lines[index] == "done", index + 1
            else:
                outcome, index = self.act(lines[index], route), index + 1
            if outcome is not None:
                return outcome
        return None

    @staticmethod
    def chain(lines, start):
        """The branches ``[(condition or None, body)]`` of the if-chain at ``start``, and the index after it."""
        branches, depth, index = [], 0, start
        while True:
            line, index = lines[index], index + 1
            word = line.split()[0]
            if depth == 0 and (word == "elseif" or (word == "if" and index - 1 == start)):
                branches.append((line.split(" ", 1)[1].rsplit(" then", 1)[0], []))
            elif depth == 0 and word == "else":
                branches.append((None, []))
            elif depth == 0 and word == "endif":
                return branches, index
            else:
                depth += (word == "if") - (word == "endif")
                branches[-1][1].append(line)

    def holds(self, condition, route):
        return condition is None or all(self.test(part, route) for part in condition.split(" and "))

    def test(self, part, route):
        if part.startswith("not "):
            return not self.test(part[4:], route)
        path = " ".join(str(asn) for asn in route.path)
        kind, operand = part.rsplit(" ", 1)
        if kind == "destination in":
            return any(prefix_matches(entry, route.prefix) for entry in self.sets["prefix-set"][operand])
        if kind == "as-path in":
            return any(re.search(cisco_regex(entry), path) for entry in self.sets["as-path-set"][operand])
        if kind == "as-path length ge":
            return len(route.path) >= int(operand)
        if kind == "as-path neighbor-is":
            return bool(route.path) and route.path[0] == int(operand.strip("'"))
        if kind == "community matches-any":
            return bool(route.communities & set(self.sets["community-set"][operand]))
        if kind == "large-community matches-any":
            return any(large_matches(e, c) for e in self.sets["large-community-set"][operand] for c in route.large)
        assert part == "validation-state is invalid", part
        return route.invalid

    def act(self, line, route):
        self.modified = True
        words = line.split()
        if words[:2] == ["set", "local-preference"]:
            route.local_pref = int(words[2])
        elif words[:2] == ["set", "community"]:
            route.communities = route.communities | {words[2].strip("()")}
        elif words[:3] == ["delete", "large-community", "in"]:
            patterns = self.sets["large-community-set"][words[3]]
            route.large = frozenset(c for c in route.large if not any(large_matches(p, c) for p in patterns))
        elif words[:2] == ["set", "large-community"]:
            route.large = route.large | {words[2].strip("()")}
        else:
            assert line == "set next-hop peer-address", line
            route.next_hop = "peer"


def prefix_matches(entry, prefix):
    words = entry.split()
    network, route = ipaddress.ip_network(words[0]), ipaddress.ip_network(prefix)
    bounds = dict(zip(words[1::2], map(int, words[2::2])))
    low = bounds.get("ge", network.prefixlen)
    high = bounds.get("le", network.prefixlen if "ge" not in bounds else network.max_prefixlen)
    return route.version == network.version and route.subnet_of(network) and low <= route.prefixlen <= high


def cisco_regex(entry):
    """An ``ios-regex '...'`` as a Python regular expression (``_``: the start, the end or a space)."""
    return entry.split("'")[1].replace("_", "(^|$| )")


def large_matches(pattern, community):
    return all(p in ("*", c) for p, c in zip(pattern.split(":"), community.split(":")))


@pytest.fixture(scope="module")
def rpl():
    intent = sample_intent(SYNTAX)
    lists = cisco_iosxr.render_prefix_lists(OWN_LISTS + IRR_LISTS)  # what prefix_filter keeps on the router
    return Rpl(render_session_policy(intent, LAB) + lists)


CUSTOMER_IN = import_name(CUSTOMER)


def test_a_customers_blackhole_request_for_its_own_space_is_taken_before_the_prefix_checks(rpl):
    """A /32 is too long for the length check; the blackhole term comes first and accepts it, NO_EXPORT added."""
    route = Route("203.0.113.7/32", (65000,), frozenset({"65535:666"}))
    accepted, after = rpl.run(CUSTOMER_IN, route)
    assert accepted and "no-export" in after.communities
    assert after.large == {"64500:1:1"} and after.next_hop == "peer"
    # without the community the same /32 is too long
    assert not rpl.run(CUSTOMER_IN, dataclasses.replace(route, communities=frozenset()))[0]
    # outside its space the same request falls through to the length check
    assert not rpl.run(CUSTOMER_IN, dataclasses.replace(route, prefix="8.8.8.8/32"))[0]
    # a transit may not blackhole at all
    assert not rpl.run(import_name(TRANSIT), dataclasses.replace(route, path=(64496,)))[0]


def test_a_customer_route_is_tagged_and_everything_else_it_sends_is_dropped(rpl):
    ours = Route("203.0.113.0/24", (65000,), large=frozenset({"64500:1:3", "65000:7:7"}))
    accepted, after = rpl.run(CUSTOMER_IN, ours)
    assert accepted and after.large == {"64500:1:1", "65000:7:7"}  # our own informational one replaced
    for route in (
        Route("203.0.113.0/24", (65001,)),  # not the neighbour first
        Route("203.0.113.0/24", (65000, 174)),  # a transit-free network behind a customer
        Route("203.0.113.0/24", (65000, 64512)),  # a private AS
        Route("203.0.113.0/24", (65000,) * 101),  # too long a path
        Route("203.0.113.0/24", (65000,), invalid=True),  # RPKI-invalid
        Route("8.8.8.0/24", (65000,)),  # not in its IRR list
        Route("185.230.76.0/24", (65000,)),  # our own space
    ):
        assert not rpl.run(CUSTOMER_IN, route)[0], route


def test_graceful_shutdown_lowers_the_preference_and_does_not_accept_by_itself(rpl):
    accepted, after = rpl.run(CUSTOMER_IN, Route("203.0.113.0/24", (65000,), frozenset({"65535:0"})))
    assert accepted and after.local_pref == 0
    # the set alone would pass the route in RPL: the final drop refuses what no term accepted
    assert not rpl.run(CUSTOMER_IN, Route("8.8.8.0/24", (65000,), frozenset({"65535:0"})))[0]


def test_exports_to_transits_carry_our_routes_and_customers_routes_only(rpl):
    out = export_name(TRANSIT, LAB)
    assert rpl.run(out, Route("185.230.76.0/24"))[0]
    assert not rpl.run(out, Route("8.8.8.0/25", (65000,), large=frozenset({"64500:1:1"})))[0]  # too long
    assert rpl.run(out, Route("8.8.8.0/24", (65000,), large=frozenset({"64500:1:1"})))[0]
    assert not rpl.run(out, Route("8.8.8.0/24", (64496,), large=frozenset({"64500:1:3"})))[0]
    assert rpl.run(export_name(CUSTOMER, LAB), Route("8.8.8.0/24", (64496,)))[0]


def test_a_route_server_route_keeps_its_next_hop(rpl):
    accepted, after = rpl.run(import_name(RS), Route("8.8.8.0/24", (65010, 65011)))
    assert accepted and after.next_hop == "received" and after.large == {"64500:1:4"}


def test_a_customer_with_a_default_route_only_is_sent_nothing_else():
    options = PolicyOptions(customer_export="default")
    text = render_session_policy(sample_intent(SYNTAX, (CUSTOMER,)), options)
    rpl = Rpl(text)
    assert not rpl.run(export_name(CUSTOMER, options), Route("185.230.76.0/24"))[0]
    neighbor = text[text.index(" neighbor %s" % CUSTOMER.address) :]
    assert "   default-originate" in neighbor.splitlines()


def test_a_term_naming_an_empty_list_is_left_out():
    """The peer's AS-SET has no IPv6 route: no policy names its list (a match on it would match everything)."""
    lists = (*OWN_LISTS, IRR_LISTS[0], PrefixList("ROUTESEC-AS65001-IN-V6", 6))
    intent = dataclasses.replace(sample_intent(SYNTAX), prefix_lists=lists)
    text = render_session_policy(intent, PolicyOptions())
    assert "ROUTESEC-AS65001-IN-V6" not in text
    assert not Rpl(text).run(import_name(PEER6), Route("2001:db8:1::/48", (65001,)))[0]


def test_no_ebgp_session_renders_nothing():
    assert render_session_policy(sample_intent(SYNTAX, ()), PolicyOptions()) == ""


def test_roles_are_a_declared_gap():
    assert set(GAPS) == {"roles"}
    assert [gap.split(":")[0] for gap in feature_gaps(sample_intent(SYNTAX), SYNTAX)] == ["roles"]
    with pytest.raises(SafetyError, match="strict_features"):
        session_policy_plan(sample_intent(SYNTAX), PolicyOptions(), syntax=SYNTAX, strict_features=True)


def test_neighbours_are_read_with_their_group_and_outside_vrfs_only():
    running = """router bgp 64500
 neighbor-group UPSTREAMS
  remote-as 64496
 !
 neighbor 2001:DB8::3
  remote-as 65001
  address-family ipv6 unicast
   default-originate
  !
 !
 neighbor 198.51.100.2
  use neighbor-group UPSTREAMS
 !
 vrf CUSTOMERS
  neighbor 192.0.2.9
   remote-as 65009
  !
 !
!
"""
    assert parse_neighbors(running) == {
        "2001:db8::3": {"remote_as": "65001", "group": None, "maximum_prefix": (), "default_originate": (6,)},
        "198.51.100.2": {"remote_as": "64496", "group": "UPSTREAMS", "maximum_prefix": (), "default_originate": ()},
    }


def test_what_the_router_has_and_the_session_no_longer_wants_is_taken_away():
    """NetBox dropped the route server's limit; the customer gets the full table again."""
    sessions = (CUSTOMER, dataclasses.replace(RS, max_prefix=None))
    kept = {"maximum_prefix": (4,), "default_originate": (4,)}
    text = render_session_policy(sample_intent(SYNTAX, sessions), LAB, {CUSTOMER.address: kept, RS.address: kept})
    customer, route_server = text.split(" neighbor ")[1:]
    assert "   no default-originate" in customer.splitlines() and "no maximum-prefix" not in customer
    assert "   no maximum-prefix" in route_server.splitlines()
    assert "no " not in render_session_policy(sample_intent(SYNTAX, sessions), LAB)  # nothing read: nothing removed


# -- deployment to the emulated router ---------------------------------------------------------------------

CONFIRM = 30


def base_config(sessions=SESSIONS, remote=None):
    """The router before routesec's session policy: the BGP neighbours, and the IRR and own-space prefix-sets
    that prefix_filter deploys."""
    remote = remote or {}
    lines = ["router bgp %d" % LOCAL_ASN, " address-family ipv4 unicast", " address-family ipv6 unicast"]
    for session in sessions:
        lines += [" neighbor %s" % session.address, "  remote-as %d" % remote.get(session.address, session.remote_asn)]
    return cisco_iosxr.render_prefix_lists(OWN_LISTS + IRR_LISTS) + "\n".join(lines) + "\n"


class Bench:
    def __init__(self, served):
        self.served = served

    @property
    def router(self):
        return self.served.router

    def driver(self):
        options = {"timeout": 30, "fast_cli": True, "hostkey": self.served.hostkey}
        return CiscoXrDriver("127.0.0.1", USERNAME, PASSWORD, port=self.served.port, name="edge1", **options)

    def load(self, text):
        with self.driver() as driver:
            driver.load_candidate(text)
            driver.commit()

    def deploy(self, intent=None, options=None, check_mode=False):
        intent = intent or sample_intent(SYNTAX)
        planner = session_policy_plan(intent, options or PolicyOptions(), syntax=SYNTAX, check_mode=check_mode)
        with self.driver() as driver:
            return deploy(driver, planner, DeployOptions(check_mode=check_mode, confirm_timeout=CONFIRM))

    def running(self):
        with self.driver() as driver:
            return driver.get_running()

    def neighbor_af(self, session):
        """The lines under ``router bgp`` / ``neighbor`` / ``address-family`` of ``session`` on the router."""
        bgp = self.router.running.bgp
        neighbors = next(node["children"] for node in bgp.values() if node["line"] == "router bgp %d" % LOCAL_ASN)
        neighbor = next(n["children"] for n in neighbors.values() if n["line"] == "neighbor %s" % session.address)
        family = "address-family ipv%d unicast" % session.afi
        return {node["line"] for af in neighbor.values() if af["line"] == family for node in af["children"].values()}


@pytest.fixture(scope="module")
def served():
    with serve(ROUTERS[SYNTAX](clock_rate=10)) as served:
        yield served


@pytest.fixture
def bench(served):
    """A fresh router holding the base configuration."""
    served.router = ROUTERS[SYNTAX](clock_rate=10)
    bench = Bench(served)
    bench.load(base_config())
    return bench


# what IOS-XR's ``maximum-prefix`` says for each sample session (threshold 75%, then warning-only, restart
# after 15 minutes, or nothing); the IPv6 peer has no limit
LIMITS = {
    CUSTOMER: "maximum-prefix 10 75 restart 15",
    TRANSIT: "maximum-prefix 900000 75 warning-only",
    PEER6: None,
    RS: "maximum-prefix 5000 75 restart 15",
}


def test_check_mode_apply_and_nothing_to_do(bench):
    before = bench.running()
    planned = bench.deploy(check_mode=True)
    assert planned.diff and not planned.committed
    assert "+route-policy %s" % CUSTOMER_IN in planned.diff.splitlines()
    assert bench.running() == before

    applied = bench.deploy()
    assert applied.committed and not bench.router.pending  # confirmed, no timer left
    options = PolicyOptions()
    for session, limit in LIMITS.items():
        bound = bench.neighbor_af(session)
        assert "route-policy %s in" % import_name(session) in bound
        assert "route-policy %s out" % export_name(session, options) in bound
        assert {line for line in bound if line.startswith("maximum-prefix")} == ({limit} if limit else set())
        assert {import_name(session), export_name(session, options)} <= set(bench.router.running.policies)

    again = bench.deploy()
    assert again.diff == "" and not again.committed


def test_a_missing_neighbour_is_refused_and_nothing_changes(served):
    served.router = ROUTERS[SYNTAX](clock_rate=10)
    bench = Bench(served)
    bench.load(base_config(SESSIONS[:3]))
    before = bench.running()
    with pytest.raises(SafetyError, match="no neighbour %s" % RS.address):
        bench.deploy()
    assert bench.running() == before


def test_a_neighbour_under_another_as_is_refused_and_nothing_changes(served):
    served.router = ROUTERS[SYNTAX](clock_rate=10)
    bench = Bench(served)
    bench.load(base_config(remote={TRANSIT.address: 64497}))
    before = bench.running()
    with pytest.raises(SafetyError, match="remote AS 64497"):
        bench.deploy()
    assert bench.running() == before


def test_a_policy_naming_a_set_the_router_lacks_is_refused_at_commit(bench):
    """The origin lists were not expanded: the customer's import policy names an as-path-set nobody defines,
    which the router itself refuses when the change is committed."""
    before = bench.running()
    intent = dataclasses.replace(sample_intent(SYNTAX, (CUSTOMER,)), as_path_lists=())
    with pytest.raises(DriverError, match=r"refused the commit.*as-path-set \[ROUTESEC-AS65000-IN\]"):
        bench.deploy(intent)
    assert bench.running() == before
    assert not bench.router.pending


def test_the_router_refuses_an_unclosed_if_and_a_neighbour_bound_to_an_undefined_policy(bench):
    before = bench.running()
    unclosed = "route-policy P\n  if destination in ROUTESEC-OWN-V4 then\n    done\nend-policy\n"
    bound = "router bgp %d\n neighbor %s\n  address-family ipv4 unicast\n   route-policy NOPE in\n"
    with bench.driver() as driver:
        with pytest.raises(DriverError, match="refused the candidate.*no endif"):
            driver.load_candidate(unclosed)
        driver.load_candidate(bound % (LOCAL_ASN, CUSTOMER.address))
        with pytest.raises(DriverError, match="refused the commit.*route-policy NOPE is not defined"):
            driver.commit()
    assert bench.running() == before


def test_a_change_of_options_converges(bench):
    """With the customer's session alone (a shorter candidate: the emulated CLI takes each line in turn)."""
    customer = sample_intent(SYNTAX, (CUSTOMER,))
    bench.deploy(customer, LAB)
    rpl = Rpl(bench.running())  # what the router holds does what the terms say
    assert rpl.run(CUSTOMER_IN, Route("203.0.113.7/32", (65000,), frozenset({"65535:666"})))[0]
    assert not rpl.run(CUSTOMER_IN, Route("203.0.113.0/24", (65000,), invalid=True))[0]

    changed = dataclasses.replace(LAB, max_prefix_restart=0, reject_invalid=False, customer_export="default")
    assert bench.deploy(customer, changed).committed
    bound = bench.neighbor_af(CUSTOMER)
    assert "maximum-prefix 10 75" in bound and "default-originate" in bound
    assert "route-policy %s out" % export_name(CUSTOMER, changed) in bound
    rpl = Rpl(bench.running())
    assert rpl.run(CUSTOMER_IN, Route("203.0.113.0/24", (65000,), invalid=True))[0]  # no longer checked
    assert not rpl.run(export_name(CUSTOMER, changed), Route("185.230.76.0/24"))[0]

    assert bench.deploy(customer, LAB).committed  # and back: the full table, without a default route
    bound = bench.neighbor_af(CUSTOMER)
    assert "default-originate" not in bound and "maximum-prefix 10 75 restart 15" in bound
    assert "route-policy %s out" % export_name(CUSTOMER, LAB) in bound
    assert bench.deploy(customer, LAB).diff == ""
