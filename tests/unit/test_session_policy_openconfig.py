# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""session_policy's OpenConfig flow (``session_policy_plan(..., syntax="openconfig")`` through the NETCONF driver)
against a real NETCONF server: yuma123 netconfd serving the published 2017 ``openconfig-routing-policy``,
``openconfig-bgp-policy`` and ``openconfig-bgp`` modules (fetched by scripts/setup.sh), so every edit is
checked by the server against the model, leafrefs included. Check mode changes nothing; a deploy leaves the
policies, their sets and each neighbour's apply-policy and prefix-limit in running; a second run changes
nothing; a session the router has no neighbour for is refused before anything is sent; an apply-policy naming
a policy the router lacks is refused by the server.

netconfd 2.13 cannot serve ``openconfig-bgp`` as published, so the test serves a copy whose schema tree is
the same (``netconfd_module``): the submodules merged into the module (netconfd fails on an identityref, in
a submodule, to an identity of an imported module), the top-level ``uses bgp-top`` written out (under a
top-level ``uses`` netconfd stores apply-policy's import-policy yet cannot print it), and
``bgp/global/config/as`` not ``mandatory`` (netconfd refuses mandatory nodes under a top-level container;
the startup configuration sets it all the same). In ``openconfig-bgp-policy`` the ``when`` of set-community's
``inline`` and ``reference`` compares ``method`` with ``INLINE`` unquoted, an XPath location path that selects
nothing, so a server following XPath drops both containers (netconfd does); the copy quotes the literal.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.drivers import DriverError
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.netconf import NetconfDriver
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError, SafetyError
from ansible_collections.routesec.bgp.plugins.module_utils.intent.model import Device
from ansible_collections.routesec.bgp.plugins.module_utils.plan import deploy as deployment
from ansible_collections.routesec.bgp.plugins.module_utils.plan.session_policy import (
    feature_gaps,
    session_policy_plan,
)
from ansible_collections.routesec.bgp.plugins.module_utils.policy.objects import export_name, import_name
from ansible_collections.routesec.bgp.plugins.module_utils.policy.options import PolicyOptions
from ansible_collections.routesec.bgp.plugins.module_utils.policy.terms import policy_set
from ansible_collections.routesec.bgp.plugins.module_utils.render import openconfig
from ansible_collections.routesec.bgp.plugins.module_utils.render import openconfig_session_policy as oc
from lxml import etree
from netconfd import missing_programs, netconf_server
from session_policy_sample import IRR_LISTS, LOCAL_ASN, OWN_LISTS, SESSIONS, sample_intent

YANG = Path(os.environ.get("ROUTESEC_CACHE", "/var/cache/routesec")) / "openconfig-yang"
MODULES = ["openconfig-routing-policy", "openconfig-bgp-policy", "openconfig-bgp"]
NS = {"rp": oc.RPOL, "bp": oc.BGP_POLICY, "b": oc.BGP}
CUSTOMER, TRANSIT, PEER6, ROUTE_SERVER = SESSIONS


# -- the model as netconfd can load it -----------------------------------------------------------------------

TOKEN = re.compile(r"\s+|//[^\n]*|/\*.*?\*/|\"(?:[^\"\\]|\\.)*\"|'[^']*'|[{};]|[^\s{};\"']+", re.DOTALL)
HEADER = ("yang-version", "namespace", "prefix")
METHOD_WHEN = re.compile(r'(when "\.\./config/method=)(INLINE|REFERENCE)(")')
META = ("organization", "contact", "description", "reference", "revision", "oc-ext:openconfig-version")


def statements(text):
    """The top-level YANG statements of ``text``: (keyword, argument, source)."""
    found, depth, start, words = [], 0, None, []
    for match in TOKEN.finditer(text):
        token = match.group()
        if token.isspace() or token.startswith(("//", "/*")):
            continue
        start = match.start() if start is None else start
        depth += {"{": 1, "}": -1}.get(token, 0)
        if (token == "}" and depth == 0) or (token == ";" and depth == 0):
            found.append((words[0], words[1].strip("\"'") if len(words) > 1 else None, text[start : match.end()]))
            start, words = None, []
        elif depth == 0 and token not in "{}":
            words.append(token)
    return found


def inside(source):
    """The statements inside the braces of one statement's ``source``."""
    return statements(source[source.index("{") + 1 : source.rindex("}")])


def module_statements(path):
    ((_keyword, _name, source),) = statements(path.read_text())
    return inside(source)


def netconfd_module(modpath, name):
    """Module ``name`` as netconfd 2.13 can serve it, the schema tree unchanged: its submodules merged in (their
    imports must use the module's prefixes), a top-level ``uses`` written out (netconfd cannot print a
    leafref leaf-list, apply-policy's import-policy, under a top-level ``uses``), and the top-level
    ``bgp/global/config/as`` not ``mandatory``."""
    main = module_statements(modpath / (name + ".yang"))
    imports, body, seen = {}, [], set()

    def take(stmts):
        for keyword, argument, source in stmts:
            if keyword == "import":
                assert imports.setdefault(argument, source).split("prefix")[1] == source.split("prefix")[1]
            elif keyword == "include" and argument not in seen:
                seen.add(argument)
                take(module_statements(modpath / (argument + ".yang")))
            elif keyword not in HEADER + META + ("include", "belongs-to"):
                body.append((keyword, argument, source))

    take(main)
    groupings = {argument: source for keyword, argument, source in body if keyword == "grouping"}
    written = [
        "\n".join(s for k, _a, s in inside(groupings[argument]) if k not in META) if keyword == "uses" else source
        for keyword, argument, source in body
    ]
    head = [s for k, _a, s in main if k in HEADER] + list(imports.values()) + [s for k, _a, s in main if k in META]
    text = "module %s {\n%s\n}\n" % (name, "\n\n".join(head + written))
    start = text.index("grouping bgp-global-config")
    at = text.index("mandatory true;", start)
    return text[:at] + text[at + len("mandatory true;") :]


@pytest.fixture(scope="module")
def modpath(tmp_path_factory):
    missing = missing_programs() + ([] if (YANG / "openconfig-bgp.yang").exists() else [str(YANG)])
    if missing:
        pytest.fail("no NETCONF server with the OpenConfig model (missing %s): run scripts/setup.sh" % missing)
    path = tmp_path_factory.mktemp("yang")
    for module in YANG.glob("*.yang"):
        if module.name not in ("openconfig-bgp.yang", "openconfig-bgp-policy.yang"):
            (path / module.name).symlink_to(module)
    (path / "openconfig-bgp.yang").write_text(netconfd_module(YANG, "openconfig-bgp"))
    policy, count = METHOD_WHEN.subn(r"\1'\2'\3", (YANG / "openconfig-bgp-policy.yang").read_text())
    assert count == 4
    (path / "openconfig-bgp-policy.yang").write_text(policy)
    return path


# -- the router ----------------------------------------------------------------------------------------------


def startup(sessions=SESSIONS, peer_as=None):
    """Running at first: the prefix-sets prefix_filter deploys (our own space, the neighbours' IRR lists),
    BGP AS 64500 and a neighbour per session (its ``peer_as`` overridden by {address: AS})."""
    sets = etree.fromstring(openconfig.edit_config(OWN_LISTS + IRR_LISTS, {})[0].encode())
    root = etree.Element("{%s}config" % oc.NC, nsmap={None: oc.NC})
    root.extend(list(sets))
    bgp = etree.SubElement(root, "{%s}bgp" % oc.BGP, nsmap={None: oc.BGP})
    etree.SubElement(etree.SubElement(etree.SubElement(bgp, q("global")), q("config")), q("as")).text = str(LOCAL_ASN)
    neighbors = etree.SubElement(bgp, q("neighbors"))
    for session in sessions:
        neighbor = etree.SubElement(neighbors, q("neighbor"))
        etree.SubElement(neighbor, q("neighbor-address")).text = session.address
        config = etree.SubElement(neighbor, q("config"))
        etree.SubElement(config, q("neighbor-address")).text = session.address
        etree.SubElement(config, q("peer-as")).text = str((peer_as or {}).get(session.address, session.remote_asn))
    return etree.tostring(root, encoding="unicode")


def q(tag):
    return "{%s}%s" % (oc.BGP, tag)


@pytest.fixture
def server(tmp_path, modpath):
    with netconf_server(tmp_path, startup(), MODULES, modpath) as running_server:
        yield running_server


def driver(server):
    return NetconfDriver(subtree_filter=oc.FILTER, validate=False, name="edge1", **server.driver_params())


def deploy(server, intent=None, options=None, **deploy_options):
    intent, options = intent or sample_intent("cisco_iosxr"), options or PolicyOptions()
    check = deploy_options.get("check_mode", False)
    plan = session_policy_plan(intent, options, check_mode=check, syntax="openconfig")
    with driver(server) as session:
        return deployment.deploy(session, plan, deployment.DeployOptions(confirm_timeout=30, **deploy_options))


def running(server):
    with driver(server) as session:
        return etree.fromstring(session.get_running().encode())


def commits(server):
    return server.log.read_text().count("agt_rpc: <commit>")


# -- reading running back ------------------------------------------------------------------------------------


def one(node, path):
    found = node.xpath(path, namespaces=NS)
    assert len(found) == 1, "%s: %d found" % (path, len(found))
    return found[0]


def texts(node, path):
    return [value.strip() for value in node.xpath(path + "/text()", namespaces=NS)]


def definition(root, name):
    return one(root, "rp:routing-policy/rp:policy-definitions/rp:policy-definition[rp:name='%s']" % name)


def statement_names(root, name):
    return texts(definition(root, name), "rp:statements/rp:statement/rp:name")


def statement(root, name, label):
    return one(definition(root, name), "rp:statements/rp:statement[rp:name='%s']" % label)


def community_members(root, name):
    path = "rp:routing-policy/rp:defined-sets/bp:bgp-defined-sets/bp:community-sets/bp:community-set"
    return texts(one(root, "%s[bp:community-set-name='%s']" % (path, name)), "bp:config/bp:community-member")


def afi_safi(root, session):
    return one(root, "b:bgp/b:neighbors/b:neighbor[b:neighbor-address='%s']/b:afi-safis/b:afi-safi" % session.address)


# -- the tests -----------------------------------------------------------------------------------------------


def test_check_mode_deploy_and_a_second_run_that_changes_nothing(server):
    before = etree.tostring(running(server))
    planned = deploy(server, check_mode=True)
    assert planned.changed and not planned.committed and commits(server) == 0
    assert etree.tostring(running(server)) == before

    applied = deploy(server)
    assert applied.changed and applied.committed
    root = running(server)
    wanted = policy_set(sample_intent("cisco_iosxr"), PolicyOptions())
    assert sorted(texts(root, "rp:routing-policy/rp:policy-definitions/rp:policy-definition/rp:name")) == sorted(
        wanted.policies
    )
    for session in SESSIONS:
        policy = one(afi_safi(root, session), "b:apply-policy/b:config")
        assert texts(policy, "b:import-policy") == [import_name(session)]
        assert texts(policy, "b:export-policy") == [export_name(session, PolicyOptions())]
        assert texts(policy, "b:default-import-policy") == texts(policy, "b:default-export-policy") == ["REJECT_ROUTE"]
    # the helper prefix-sets hold the helper lists; the prefix-sets of the startup are still there
    sets = oc.parse_prefix_lists(etree.tostring(root, encoding="unicode"))
    for helper in (plist for plist in wanted.helpers if plist.entries):
        assert sorted(sets[(helper.afi, helper.name)].values(), key=oc.entry_order) == sorted(
            helper.entries, key=oc.entry_order
        )
    assert {(p.afi, p.name) for p in OWN_LISTS + IRR_LISTS} <= set(sets)
    done = commits(server)

    again = deploy(server)
    assert not again.changed and not again.committed and commits(server) == done


def test_max_prefix_and_default_route_per_session(server):
    deploy(server)
    root = running(server)
    limits = {}
    for session in SESSIONS:
        family = "ipv6-unicast" if session.afi == 6 else "ipv4-unicast"
        unicast = one(afi_safi(root, session), "b:" + family)
        limits[session.name] = (
            texts(unicast, "b:prefix-limit/b:config/b:max-prefixes"),
            texts(unicast, "b:prefix-limit/b:config/b:prevent-teardown"),
            [float(v) for v in texts(unicast, "b:prefix-limit/b:config/b:restart-timer")],
        )
        assert texts(unicast, "b:config/b:send-default-route") == ["false"]
    # teardown comes back after max_prefix_restart (15 minutes); a warning-only limit has no timer
    assert limits == {
        "cust": (["10"], ["false"], [900.0]),
        "transit": (["900000"], ["true"], []),
        "peer6": ([], [], []),
        "rs": (["5000"], ["false"], [900.0]),
    }


def test_the_statements_follow_the_terms(server):
    deploy(server)
    root = running(server)
    customer_in = import_name(CUSTOMER)
    names = statement_names(root, customer_in)
    # graceful shutdown first; the RPKI-invalid term (90) cannot be written (GAPS), the removal of our
    # communities precedes the statement that tags and accepts
    assert names[0] == "5" and "90" not in names and names.index("45-1") + 1 == names.index("45")
    assert names[-2:] == ["100-1", "100"]
    gshut = statement(root, customer_in, "5")
    assert texts(gshut, "rp:actions/rp:config/rp:policy-result") == []  # then on to the next statement
    assert texts(gshut, "rp:actions/bp:bgp-actions/bp:config/bp:set-local-pref") == ["0"]
    assert community_members(root, texts(gshut, ".//bp:match-community-set/bp:config/bp:community-set")[0]) == [
        "65535:0"
    ]
    first_as = statement(root, customer_in, "30")
    assert texts(first_as, ".//bp:match-as-path-set/bp:config/bp:match-set-options") == ["INVERT"]
    assert texts(first_as, "rp:actions/rp:config/rp:policy-result") == ["REJECT_ROUTE"]
    # a blackhole request of the customer's own space is accepted with NO_EXPORT and the customer tag; the
    # export policy towards the transit accepts routes carrying that same tag
    blackhole = statement(root, customer_in, "45")
    assert texts(blackhole, "rp:actions/rp:config/rp:policy-result") == ["ACCEPT_ROUTE"]
    added = texts(blackhole, "rp:actions/bp:bgp-actions/bp:set-community/bp:inline/bp:config/bp:communities")
    tag = next(value for value in added if "NO_EXPORT" not in value)
    assert any(value.endswith(":NO_EXPORT") for value in added)
    to_transit = statement(root, export_name(TRANSIT, PolicyOptions()), "110")
    tagged = texts(to_transit, ".//bp:match-community-set/bp:config/bp:community-set")[0]
    assert community_members(root, tagged) == [tag] == ["%d:11" % LOCAL_ASN]
    # what a neighbour sends under our tag is removed before the tag is added
    removal = statement(root, customer_in, "100-1")
    assert texts(removal, ".//bp:set-community/bp:config/bp:options") == ["REMOVE"]
    removed = texts(removal, ".//bp:set-community/bp:reference/bp:config/bp:community-set-ref")[0]
    assert re.fullmatch(community_members(root, removed)[0], "%d:14" % LOCAL_ASN)
    assert not re.fullmatch(community_members(root, removed)[0], "%d:21" % LOCAL_ASN)


def test_a_session_the_router_lacks_is_refused_before_anything_is_sent(tmp_path, modpath):
    with netconf_server(tmp_path, startup(sessions=SESSIONS[:3]), MODULES, modpath) as server:
        before = etree.tostring(running(server))
        with pytest.raises(SafetyError, match="no neighbour 198.51.100.4"):
            deploy(server)
        assert etree.tostring(running(server)) == before and commits(server) == 0


def test_a_neighbour_under_another_as_is_refused(tmp_path, modpath):
    with netconf_server(tmp_path, startup(peer_as={"198.51.100.2": 64497}), MODULES, modpath) as server:
        with pytest.raises(SafetyError, match="198.51.100.2 has remote AS 64497, NetBox says AS64496"):
            deploy(server)
        assert commits(server) == 0


def test_the_server_refuses_an_apply_policy_naming_a_missing_policy(server):
    """The bindings alone, without the policy definitions they name: the model's leafref refuses them."""
    candidate = etree.fromstring(oc.render_session_policy(sample_intent("cisco_iosxr"), PolicyOptions()).encode())
    candidate.remove(one(candidate, "rp:routing-policy"))
    before = etree.tostring(running(server))
    refused = "refused the candidate.*required value instance not found.*import-policy\\[.='%s'\\]" % re.escape(
        import_name(CUSTOMER)
    )
    with driver(server) as session, pytest.raises(DriverError, match=refused):
        session.load_candidate(etree.tostring(candidate, encoding="unicode"))
    assert etree.tostring(running(server)) == before and commits(server) == 0


def test_a_changed_policy_replaces_the_binding_and_the_limit(server):
    """A customer moved to a default route only: its export policy is replaced (not added to the chain),
    the default route is sent; with no restart, the timer a previous run set goes."""
    deploy(server)
    changed = PolicyOptions(customer_export="default", max_prefix_restart=0)
    assert deploy(server, options=changed).committed
    family = afi_safi(running(server), CUSTOMER)
    assert texts(family, "b:apply-policy/b:config/b:export-policy") == [export_name(CUSTOMER, changed)]
    assert export_name(CUSTOMER, changed) != export_name(CUSTOMER, PolicyOptions())
    assert texts(family, "b:ipv4-unicast/b:config/b:send-default-route") == ["true"]
    assert texts(family, "b:ipv4-unicast/b:prefix-limit/b:config/b:restart-timer") == []
    assert texts(family, "b:ipv4-unicast/b:prefix-limit/b:config/b:max-prefixes") == ["10"]
    assert not deploy(server, options=changed).changed


@pytest.mark.parametrize("confirm_timeout", [30, 0])
def test_a_failed_post_change_check_rolls_the_policy_back(server, confirm_timeout):
    """A change to a deployed policy whose post-change check fails: with a confirm timer the server cancels the
    commit; without one the driver restores what running was (identityref values, as the address families
    are, included)."""
    deploy(server)
    before = etree.tostring(running(server))

    def failing(_driver):
        raise RuntimeError("post-change check failed")

    changed = PolicyOptions(customer_export="default")
    plan = session_policy_plan(sample_intent("cisco_iosxr"), changed, syntax="openconfig")
    options = deployment.DeployOptions(confirm_timeout=confirm_timeout)
    with driver(server) as session, pytest.raises(RuntimeError, match="post-change check failed"):
        deployment.deploy(session, plan, options, check=failing)
    assert etree.tostring(running(server)) == before


def test_parse_neighbors_reads_the_router():
    text = startup(peer_as={"2001:db8::3": 65009})
    assert oc.parse_neighbors(text) == {
        "198.51.100.1": {"remote_as": "65000", "group": None},
        "198.51.100.2": {"remote_as": "64496", "group": None},
        "2001:db8::3": {"remote_as": "65009", "group": None},
        "198.51.100.4": {"remote_as": "65002", "group": None},
    }


def test_gaps_and_a_local_as_no_standard_community_can_hold():
    intent = sample_intent("cisco_iosxr")
    gaps = feature_gaps(intent, "openconfig")
    assert sorted(gap.split(":")[0] for gap in gaps) == ["large_communities", "next_hop_peer", "roles", "rpki"]
    with pytest.raises(SafetyError, match="cannot express"):
        session_policy_plan(intent, PolicyOptions(), syntax="openconfig", strict_features=True)
    wide = dataclasses.replace(intent, device=Device("edge1", "cisco_iosxr", None, 4200000001))
    with pytest.raises(DataError, match="AS4200000001 does not fit a standard community") as refused:
        oc.render_session_policy(wide, PolicyOptions())
    assert refused.value.field == "local_asn"
