# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The session policy as route-maps on Cisco IOS/IOS-XE and Arista EOS.

Deployed through each platform's CLI driver to the emulated routers of ``fakenos_devices`` (whose running
configuration holds the four sessions' neighbours and the IRR prefix lists first): check mode changes
nothing, a deployment binds every session's import and export route-map and its prefix limit, a second run
changes nothing, a session the router lacks is refused with nothing changed, and a policy change converges
both ways. Then what differs between the two platforms in the text itself: the ``continue`` of graceful
shutdown, origin validation, the next hop, how a long path is caught, and the neighbours read back.
(Emulated routers, not real ones: see test_driver_cli.)"""

from __future__ import annotations

import re

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.drivers import DriverError
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.cli.cisco_ios import IosPrediction
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.registry import DRIVERS
from ansible_collections.routesec.bgp.plugins.module_utils.errors import SafetyError
from ansible_collections.routesec.bgp.plugins.module_utils.plan import deploy as deployment
from ansible_collections.routesec.bgp.plugins.module_utils.plan.session_policy import (
    feature_gaps,
    session_policy_plan,
)
from ansible_collections.routesec.bgp.plugins.module_utils.policy.objects import export_name, import_name
from ansible_collections.routesec.bgp.plugins.module_utils.policy.options import PolicyOptions
from ansible_collections.routesec.bgp.plugins.module_utils.render import (
    arista_eos_session_policy,
    cisco_ios_session_policy,
)
from fakenos_devices import PASSWORD, ROUTERS, USERNAME, serve
from session_policy_sample import IRR_LISTS, LOCAL_ASN, OWN_LISTS, SESSIONS, sample_intent

RENDERERS = {"cisco_ios": cisco_ios_session_policy, "arista_eos": arista_eos_session_policy}
INDENT = {"cisco_ios": " ", "arista_eos": "   "}  # one level, as each prints its configuration
CLOCK_RATE = 1  # the routers' timers at real speed: IOS's revert timer runs while the candidate is typed
CUSTOMER = SESSIONS[0]


# -- the emulated router -------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=sorted(RENDERERS))
def served(request):
    with serve(ROUTERS[request.param](clock_rate=CLOCK_RATE)) as served:
        yield request.param, served


@pytest.fixture
def router(served):
    """A fresh router of the platform, its bytes not yet touched."""
    platform, server = served
    server.router = ROUTERS[platform](clock_rate=CLOCK_RATE)
    return platform, server


def driver(router):
    platform, server = router
    options = {"port": server.port, "timeout": 10, "hostkey": server.hostkey, "fast_cli": True}
    return DRIVERS[(platform, "netmiko")]("127.0.0.1", USERNAME, PASSWORD, name="edge1", **options)


def neighbours_text(platform, sessions):
    """``router bgp`` with the sessions' neighbours (the IPv6 one activated in its family), as the operator
    configures them before routesec binds policies."""
    one = INDENT[platform]
    lines = ["router bgp %d" % LOCAL_ASN]
    lines += ["%sneighbor %s remote-as %d" % (one, s.address, s.remote_asn) for s in sessions]
    lines += [one + "!", one + "address-family ipv6"]
    lines += ["%sneighbor %s activate" % (2 * one, s.address) for s in sessions if s.afi == 6]
    lines += [one + "exit-address-family"] if platform == "cisco_ios" else []
    return "\n".join(lines) + "\n"


def prepared(router, sessions=SESSIONS):
    """The router with the sessions' neighbours, our own prefix lists and the neighbours' IRR lists."""
    platform = router[0]
    with driver(router) as open_driver:
        open_driver.load_candidate(neighbours_text(platform, sessions))
        open_driver.commit()
    with driver(router) as open_driver:
        plan = deployment.prefix_list_plan(OWN_LISTS + IRR_LISTS, platform)
        deployment.deploy(open_driver, plan, deployment.DeployOptions(confirm_timeout=30))
    return router


def deploy_policy(router, options=None, check_mode=False):
    platform = router[0]
    options = options or PolicyOptions()
    planner = session_policy_plan(sample_intent(platform), options, check_mode=check_mode, syntax=platform)
    with driver(router) as open_driver:
        return deployment.deploy(
            open_driver, planner, deployment.DeployOptions(check_mode=check_mode, confirm_timeout=60)
        )


def running(router):
    with driver(router) as open_driver:
        return open_driver.get_running()


def bgp_lines(text):
    """``{None: lines under router bgp, "ipv4": lines of that address family, ...}``, stripped."""
    found, family, inside = {}, None, False
    for raw in text.splitlines():
        line = raw.strip()
        if raw[:1] not in (" ", ""):
            inside, family = line.startswith("router bgp "), None
            continue
        if not inside or not line or line.startswith("!") or line == "exit-address-family":
            continue
        if line.startswith("address-family "):
            family = line.split()[1]
            continue
        found.setdefault(family, set()).add(line)
    return found


def route_maps(text):
    """The names of the route-maps ``text`` defines."""
    return set(re.findall(r"^route-map (\S+) (?:permit|deny) \d+$", text, re.MULTILINE))


def expected_limits(platform, session, options):
    """Where a session's prefix limit sits (None: router bgp, or its family) and its lines, as each
    platform's command reference spells it."""
    peer = "neighbor %s" % session.address
    restart = options.max_prefix_restart
    if platform == "cisco_ios":
        if session.max_prefix is None:
            return family_of(session), set()
        how = "warning-only" if session.max_prefix_action == "warning" else "restart %d" % restart
        return family_of(session), {"%s maximum-prefix %d %s" % (peer, session.max_prefix, how)}
    if session.max_prefix is None:  # EOS's own default would be 12000 routes
        return None, {"%s maximum-routes 0" % peer}
    if session.max_prefix_action == "warning":
        return None, {"%s maximum-routes %d warning-only" % (peer, session.max_prefix)}
    return None, {
        "%s maximum-routes %d" % (peer, session.max_prefix),
        "%s idle-restart-timer %d" % (peer, restart * 60),
    }


def family_of(session):
    return "ipv%d" % session.afi


def assert_bound(platform, text, options):
    bgp, defined = bgp_lines(text), route_maps(text)
    for session in SESSIONS:
        peer = "neighbor %s" % session.address
        family = bgp.get(family_of(session), set())
        assert "%s route-map %s in" % (peer, import_name(session)) in family
        assert "%s route-map %s out" % (peer, export_name(session, options)) in family
        assert {import_name(session), export_name(session, options)} <= defined
        where, limits = expected_limits(platform, session, options)
        assert limits <= bgp.get(where, set()), (session.name, limits)


# -- deploying -----------------------------------------------------------------------------------------


def test_check_mode_then_deploy_binds_every_session_then_nothing_to_do(router):
    platform = prepared(router)[0]
    before = running(router)

    planned = deploy_policy(router, check_mode=True)
    assert planned.changed and not planned.committed
    assert "route-map %s" % import_name(CUSTOMER) in planned.diff
    assert running(router) == before

    applied = deploy_policy(router)
    assert applied.changed and applied.committed
    after = running(router)
    assert_bound(platform, after, PolicyOptions())
    assert not router[1].router.pending  # confirmed, no timer left running

    again = deploy_policy(router)
    assert again.diff == "" and again.commands == [] and not again.committed
    assert running(router) == after


def test_a_session_the_router_lacks_is_refused_and_nothing_changes(router):
    prepared(router, sessions=SESSIONS[:3])  # no route server neighbour
    before = running(router)
    with pytest.raises(SafetyError, match="has no neighbour %s" % re.escape(SESSIONS[3].address)):
        deploy_policy(router)
    assert running(router) == before


def test_a_policy_change_converges_both_ways(router):
    platform = prepared(router)[0]
    deploy_policy(router)
    peer = "neighbor %s" % CUSTOMER.address
    default = PolicyOptions(customer_export="default")

    changed = deploy_policy(router, default)
    assert changed.committed
    text = running(router)
    assert_bound(platform, text, default)
    assert "%s default-originate" % peer in bgp_lines(text)["ipv4"]
    assert not deploy_policy(router, default).changed

    back = deploy_policy(router)
    assert back.committed
    text = running(router)
    assert_bound(platform, text, PolicyOptions())
    assert "%s default-originate" % peer not in bgp_lines(text)["ipv4"]
    assert not deploy_policy(router).changed


# lines each router refuses: a neighbour setting for a neighbour IOS does not have, the other platform's words
REFUSED = {
    "cisco_ios": ("router bgp 64500\n !\n address-family ipv4\n  neighbor 192.0.2.99 route-map X in\n", "Specify"),
    "arista_eos": ("route-map X deny 10\n   match rpki invalid\n", "Invalid input"),
}


def test_a_line_the_router_refuses_changes_nothing(router):
    platform = prepared(router)[0]
    before = running(router)
    text, refusal = REFUSED[platform]
    with pytest.raises(DriverError, match=refusal), driver(router) as open_driver:
        open_driver.load_candidate(text)
        open_driver.commit()
    assert running(router) == before


# -- what each platform writes -------------------------------------------------------------------------


def rendered(platform, options=None):
    return RENDERERS[platform].render_session_policy(sample_intent(platform), options or PolicyOptions())


def entries(text, name):
    """``{seq: (action, [lines])}`` of the route-map ``name`` in ``text``."""
    found, current = {}, None
    for raw in text.splitlines():
        head = re.fullmatch(r"route-map (\S+) (permit|deny) (\d+)", raw)
        if head:
            current = int(head[3]) if head[1] == name else None
            if current is not None:
                found[current] = (head[2], [])
        elif current is not None and raw.startswith(" "):
            found[current][1].append(raw.strip())
        else:
            current = None
    return found


@pytest.mark.parametrize("platform", sorted(RENDERERS))
def test_graceful_shutdown_continues_to_the_next_entry_and_the_map_ends_denying(platform):
    import_map = entries(rendered(platform), import_name(CUSTOMER))
    first, following = sorted(import_map)[:2]
    action, lines = import_map[first]
    assert action == "permit" and "set local-preference 0" in lines
    assert "continue %d" % following in lines
    assert lines.index("continue %d" % following) > max(i for i, line in enumerate(lines) if line.startswith("match"))
    last = max(import_map)
    assert import_map[last] == ("deny", [])  # a route that no entry took after the continue is denied
    export_map = entries(rendered(platform), export_name(CUSTOMER, PolicyOptions()))
    assert not any(line.startswith("continue") for action, lines in export_map.values() for line in lines)


@pytest.mark.parametrize(
    "platform, invalid", [("cisco_ios", "match rpki invalid"), ("arista_eos", "match origin-as validity invalid")]
)
def test_rpki_invalid_is_denied_in_the_platforms_words(platform, invalid):
    import_map = entries(rendered(platform), import_name(CUSTOMER))
    assert [action for action, lines in import_map.values() if lines == [invalid]] == ["deny"]
    assert invalid not in rendered(platform, PolicyOptions(reject_invalid=False))


@pytest.mark.parametrize("platform", sorted(RENDERERS))
def test_the_next_hop_is_the_neighbours_in_its_family_but_not_from_a_route_server(platform):
    text = rendered(platform)
    for session in SESSIONS:
        lines = [line for action, body in entries(text, import_name(session)).values() for line in body]
        expected = set() if session.relationship == "route_server" else {"set %s next-hop peer-address" % ip(session)}
        assert {line for line in lines if "next-hop" in line} == expected, session.name


def ip(session):
    return "ip" if session.afi == 4 else "ipv6"


def ios_expression(text):
    """An IOS AS-path expression as a Python one: ``_`` is a separator, the start or the end."""
    return re.compile(text.replace("_", r"(?:^|$|[ ,{}()])"))


def test_ios_writes_no_bounded_repetition_and_checks_long_paths_with_maxas_limit():
    text = rendered("cisco_ios", PolicyOptions(max_path_length=50))
    assert "{" not in "".join(line for line in text.splitlines() if line.startswith("ip as-path"))
    assert bgp_lines(text)[None] == {"bgp maxas-limit 50"}
    assert "PATH-TOO-LONG" not in text
    bogon_lines = re.findall(r"^ip as-path access-list ROUTESEC-BOGON-ASNS permit (\S+)$", text, re.MULTILINE)
    expressions = [ios_expression(line) for line in bogon_lines]

    def bogon(asn):
        return any(expression.search("174 %d 3356" % asn) for expression in expressions)

    for asn in (0, 23456, 64496, 64511, 65535, 65551, 131071, 4200000000, 4294967295):
        assert bogon(asn), asn
    for asn in (1, 174, 64495, 131072, 4199999999, 396982):
        assert not bogon(asn), asn


def test_eos_reads_paths_as_text_and_checks_their_length_with_an_expression():
    text = rendered("arista_eos", PolicyOptions(max_path_length=50))
    assert text.startswith("ip as-path regex-mode string\n")
    assert "ip as-path access-list ROUTESEC-PATH-TOO-LONG permit ^([0-9]+_){50}[0-9]+ any" in text
    assert "maxas-limit" not in text


@pytest.mark.parametrize("platform", sorted(RENDERERS))
def test_the_only_gap_is_roles_and_a_run_with_roles_reports_it(platform):
    assert set(RENDERERS[platform].GAPS) == {"roles"}
    assert [gap.split(":")[0] for gap in feature_gaps(sample_intent(platform), platform)] == ["roles"]
    with pytest.raises(SafetyError, match="roles"):
        feature_gaps(sample_intent(platform), platform, strict=True)


IOS_NEIGHBOURS = """router bgp 64500
 neighbor CUSTOMERS peer-group
 neighbor CUSTOMERS remote-as 65000
 neighbor 198.51.100.1 peer-group CUSTOMERS
 neighbor 2001:DB8:0::3 remote-as 65001
 !
 address-family ipv4
  neighbor 198.51.100.1 default-originate
 exit-address-family
 !
 address-family ipv4 vrf CUSTOMER-A
  neighbor 192.0.2.1 remote-as 65009
 exit-address-family
!
"""
EOS_NEIGHBOURS = """router bgp 64500
   neighbor CUSTOMERS peer group
   neighbor CUSTOMERS remote-as 65000
   neighbor 198.51.100.1 peer group CUSTOMERS
   neighbor 2001:DB8:0::3 remote-as 65001
   !
   address-family ipv4
      neighbor 198.51.100.1 default-originate
   !
   vrf CUSTOMER-A
      neighbor 192.0.2.1 remote-as 65009
!
"""


@pytest.mark.parametrize("platform, text", [("cisco_ios", IOS_NEIGHBOURS), ("arista_eos", EOS_NEIGHBOURS)])
def test_neighbours_are_read_with_their_groups_as_and_settings_outside_vrfs(platform, text):
    found = RENDERERS[platform].parse_neighbors(text)
    assert sorted(found) == ["198.51.100.1", "2001:db8::3"]
    assert (found["198.51.100.1"]["remote_as"], found["198.51.100.1"]["group"]) == ("65000", "CUSTOMERS")
    assert "default-originate" in found["198.51.100.1"]["settings"]
    assert (found["2001:db8::3"]["remote_as"], found["2001:db8::3"]["group"]) == ("65001", None)


@pytest.mark.parametrize("platform", sorted(RENDERERS))
def test_a_default_originate_the_customer_no_longer_gets_is_taken_away(platform):
    neighbours = {CUSTOMER.address: {"remote_as": "65000", "group": None, "settings": {"default-originate"}}}
    text = RENDERERS[platform].render_session_policy(sample_intent(platform), PolicyOptions(), neighbours)
    assert "no neighbor %s default-originate" % CUSTOMER.address in bgp_lines(text)["ipv4"]
    assert "no neighbor" not in RENDERERS[platform].render_session_policy(sample_intent(platform), PolicyOptions())


@pytest.mark.parametrize(
    "platform, limit, taken_away",
    [
        ("cisco_ios", "neighbor 198.51.100.1 maximum-prefix 10", None),
        ("arista_eos", "neighbor 198.51.100.1 maximum-routes 10", "no neighbor 198.51.100.1 idle-restart-timer"),
    ],
)
def test_without_restart_a_session_over_its_limit_stays_down(platform, limit, taken_away):
    neighbours = {CUSTOMER.address: {"remote_as": "65000", "group": None, "settings": {"idle-restart-timer 900"}}}
    options = PolicyOptions(max_prefix_restart=0)
    bgp = bgp_lines(RENDERERS[platform].render_session_policy(sample_intent(platform), options, neighbours))
    lines = {line for family in bgp.values() for line in family if line.startswith("neighbor %s " % CUSTOMER.address)}
    assert limit in lines and not any("restart" in line for line in lines)
    assert taken_away is None or taken_away in bgp[None]


def test_ios_prediction_puts_a_line_into_its_address_family_and_replaces_what_ios_holds_once():
    running_text = (
        "router bgp 64500\n neighbor 198.51.100.1 remote-as 65000\n !\n address-family ipv4\n"
        "  neighbor 198.51.100.1 route-map OLD in\n exit-address-family\n!\nend\n"
    )
    candidate = (
        "router bgp 64500\n !\n address-family ipv4\n  neighbor 198.51.100.1 route-map NEW in\n"
        "  neighbor 198.51.100.1 maximum-prefix 10\n exit-address-family\n"
    )
    predicted = IosPrediction(running_text).apply(candidate)
    assert bgp_lines(predicted) == {
        None: {"neighbor 198.51.100.1 remote-as 65000"},
        "ipv4": {"neighbor 198.51.100.1 route-map NEW in", "neighbor 198.51.100.1 maximum-prefix 10"},
    }
    assert IosPrediction(predicted).apply(candidate) == predicted
