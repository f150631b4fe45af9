# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""prefix_filter's NETCONF flow (``deploy.deploy`` with ``deploy.prefix_list_plan`` for ``openconfig``) against a real NETCONF server: yuma123
netconfd serving the published ``openconfig-routing-policy`` YANG module (from the ydk-models-openconfig
package, fetched by scripts/setup.sh), so every edit is checked by the server against the real model.
Check mode changes nothing, apply commits confirmed, a re-run sends nothing, a 1% change sends only the
prefixes that differ, a prefix-set routesec does not manage is left alone, a sharp shrink is refused before
anything is sent, and a list the model cannot hold is refused naming the field."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.drivers import DriverError
from ansible_collections.routesec.bgp.plugins.module_utils.drivers.netconf import NetconfDriver
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError, SafetyError
from ansible_collections.routesec.bgp.plugins.module_utils.intent.model import (
    Device,
    DeviceIntent,
    PrefixEntry,
    PrefixList,
)
from ansible_collections.routesec.bgp.plugins.module_utils.plan import deploy as deployment
from ansible_collections.routesec.bgp.plugins.module_utils.render import openconfig
from netconfd import missing_programs, netconf_server

YANG = Path(os.environ.get("ROUTESEC_CACHE", "/var/cache/routesec")) / "openconfig-yang"
OPERATOR_SET = """<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
  <routing-policy xmlns="http://openconfig.net/yang/routing-policy"><defined-sets><prefix-sets>
    <prefix-set><name>OPERATOR-BOGONS</name><config><name>OPERATOR-BOGONS</name><mode>IPV4</mode></config>
      <prefixes><prefix><ip-prefix>10.0.0.0/8</ip-prefix><masklength-range>8..32</masklength-range>
        <config><ip-prefix>10.0.0.0/8</ip-prefix><masklength-range>8..32</masklength-range></config>
      </prefix></prefixes>
    </prefix-set>
  </prefix-sets></defined-sets></routing-policy>
</config>
"""
V4 = [PrefixEntry(ipaddress.ip_network("185.230.76.0/22"), le=24)] + [
    PrefixEntry(ipaddress.ip_network("100.%d.%d.0/24" % divmod(n, 256))) for n in range(199)
]
V6 = (PrefixEntry(ipaddress.ip_network("2a0f:b300::/32"), le=48),)


def intent(v4, v6=V6):
    lists = (PrefixList("ROUTESEC-OWN-V4", 4, tuple(v4)), PrefixList("ROUTESEC-OWN-V6", 6, tuple(v6)))
    return DeviceIntent(Device("edge1", "cisco_iosxr"), lists)


@pytest.fixture
def server(tmp_path):
    missing = missing_programs() + ([] if (YANG / "openconfig-routing-policy.yang").exists() else [str(YANG)])
    if missing:
        pytest.fail("no NETCONF server with the OpenConfig model (missing %s): run scripts/setup.sh" % missing)
    with netconf_server(tmp_path, OPERATOR_SET, ["openconfig-routing-policy"], YANG) as running_server:
        yield running_server


def driver(server):
    return NetconfDriver(subtree_filter=openconfig.FILTER, validate=False, name="edge1", **server.driver_params())


def deploy(server, v4, v6=V6, **options):
    plan = deployment.prefix_list_plan(intent(v4, v6).prefix_lists, "openconfig")
    with driver(server) as session:
        return deployment.list_result(
            deployment.deploy(session, plan, deployment.DeployOptions(confirm_timeout=30, **options))
        )


def running_sets(server):
    with driver(server) as session:
        return {
            name: sorted(entries.values())
            for (afi, name), entries in openconfig.parse_prefix_lists(session.get_running()).items()
        }


def commits(server):
    return server.log.read_text().count("agt_rpc: <commit>")


def test_check_mode_apply_nothing_to_do_and_other_sets_left_alone(server):
    planned = deploy(server, V4, check_mode=True)
    added = [line for line in planned["diff"]["prepared"].splitlines() if line.startswith("+")]
    assert planned["changed"] and any("<ip-prefix>185.230.76.0/22</ip-prefix>" in line for line in added)
    assert "ROUTESEC-OWN-V4 add 185.230.76.0/22 22..24" in planned["commands"]
    assert list(running_sets(server)) == ["OPERATOR-BOGONS"] and commits(server) == 0

    applied = deploy(server, V4)
    assert applied["changed"] and len(applied["commands"]) == len(V4) + len(V6)
    sets = running_sets(server)
    assert sets["ROUTESEC-OWN-V4"] == sorted(V4) and sets["ROUTESEC-OWN-V6"] == sorted(V6)
    assert sets["OPERATOR-BOGONS"] == [PrefixEntry(ipaddress.ip_network("10.0.0.0/8"), le=32)]
    assert commits(server) == 2  # the confirmed commit and the confirming one

    again = deploy(server, V4)
    assert not again["changed"] and again["commands"] == [] and commits(server) == 2


def test_a_one_percent_change_sends_only_the_prefixes_that_differ(server):
    deploy(server, V4)
    changed = V4[2:] + [
        PrefixEntry(ipaddress.ip_network("198.51.100.0/24")),
        PrefixEntry(ipaddress.ip_network("203.0.113.0/24")),
    ]
    result = deploy(server, changed)
    assert sorted(result["commands"]) == [
        "ROUTESEC-OWN-V4 add 198.51.100.0/24 exact",
        "ROUTESEC-OWN-V4 add 203.0.113.0/24 exact",
        "ROUTESEC-OWN-V4 remove 100.0.0.0/24 exact",
        "ROUTESEC-OWN-V4 remove 185.230.76.0/22 22..24",
    ]
    assert running_sets(server)["ROUTESEC-OWN-V4"] == sorted(changed)


def test_a_sharp_shrink_is_refused_before_anything_is_sent(server):
    deploy(server, V4)
    done = commits(server)
    with pytest.raises(SafetyError, match="ROUTESEC-OWN-V4.*would shrink from 200 to 100 entries"):
        deploy(server, V4[:100])
    assert running_sets(server)["ROUTESEC-OWN-V4"] == sorted(V4) and commits(server) == done


def test_a_list_a_prefix_set_cannot_hold_is_refused(server):
    deny = [PrefixEntry(ipaddress.ip_network("192.0.2.0/24"), action="deny")]
    with pytest.raises(DataError, match="prefix-list ROUTESEC-OWN-V4.*no deny entries.*192.0.2.0/24") as refused:
        deploy(server, V4 + deny)
    assert refused.value.field == "action" and commits(server) == 0


def test_the_server_checks_the_edit_against_the_model(server):
    """An edit the OpenConfig model does not allow (a masklength-range outside its pattern) is refused by the
    server, and nothing changes."""
    bad = openconfig.edit_config(intent(V4).prefix_lists, {})[0].replace("22..24", "22-24", 1)
    with driver(server) as session, pytest.raises(DriverError, match="refused the candidate, nothing was changed"):
        session.load_candidate(bad)
    assert list(running_sets(server)) == ["OPERATOR-BOGONS"]
