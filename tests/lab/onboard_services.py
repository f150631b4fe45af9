# -*- coding: utf-8 -*-
"""The services an onboarding run asks besides NetBox, the IRR and the routers, on loopback for the lab.

``onboard_services(workdir, block, holder)`` starts, for the ``with`` block:

* an RDAP server (tests/unit/rdap_server.py) holding the RIR's registration of
  ``block`` to ``holder``;
* NSD (tests/unit/dns_server.py) serving an empty blocklist zone ``bl.test``
  and the block's reverse zones, each delegated (an NS record);
* a lab CA speaking Krill's routes API (tests/unit/ca_servers.py) which
  publishes: after each change its ROAs, with the lab's own VRPs
  (lab_api.LAB_VRPS), become the VRP file the lab's StayRTR serves to the
  routers, as a CA's repository reaches routers through a validator. The file
  is put back as it was afterwards.

It yields the playbook variables (``routesec_*``) that point
playbooks/onboard_block.yml at them, and the CA server (``ca.roas``).
"""

from __future__ import annotations

import json
import secrets
import sys
from contextlib import ExitStack, contextmanager
from pathlib import Path

import lab_api

sys.path.insert(0, str(lab_api.HERE.parents[0] / "unit"))
from ca_servers import KrillServer, serving
from dns_server import nsd_server
from rdap_server import ip_network_document, rdap_server

CA_HANDLE = "routesec-lab"
SOA = "@ SOA ns.test. hostmaster.test. 1 3600 600 86400 60\n@ NS ns.test.\n"


def vrp_file():
    """The VRP file the lab's StayRTR reads (every few seconds)."""
    return lab_api.state_dir() / "rpki" / "vrps.json"


class LabCa(KrillServer):
    """Krill's routes API whose ROAs, after every accepted change, join the lab's VRPs that StayRTR serves."""

    def route(self, method, path, body):
        status, data = super().route(method, path, body)
        if method == "POST" and status == 200:
            self.publish()
        return status, data

    def publish(self):
        base = json.loads(lab_api.LAB_VRPS.read_text())["roas"]
        issued = [{"prefix": p, "maxLength": m, "asn": "AS%d" % a} for p, m, a in sorted(self.roas)]
        target = vrp_file()
        staged = target.with_suffix(".new")
        staged.write_text(json.dumps({"roas": base + issued}, indent=1) + "\n")
        staged.replace(target)


def reverse_zone_names(block):
    from ansible_collections.routesec.bgp.plugins.module_utils.due_diligence.dns_checks import reverse_zones

    return reverse_zones(block)


@contextmanager
def onboard_services(workdir, block, holder):
    """(playbook variables, the LabCa) while RDAP, NSD and the lab CA run; see the module's docstring."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    saved = vrp_file().read_bytes()
    with ExitStack() as stack:
        stack.callback(vrp_file().write_bytes, saved)
        rdap = stack.enter_context(rdap_server())
        rdap.register(ip_network_document("NET-LAB-ONBOARD", block, holder))
        zones = {"bl.test": SOA, **dict.fromkeys(reverse_zone_names(block), SOA)}
        dns_port = stack.enter_context(nsd_server(workdir, zones))
        ca = stack.enter_context(serving(LabCa(secrets.token_hex(16), CA_HANDLE)))
        variables = {
            "routesec_block": block,
            "routesec_holder": holder,
            "routesec_rdap_url": rdap.url,
            "routesec_dns_server": "127.0.0.1",
            "routesec_dns_port": dns_port,
            "routesec_dnsbl_zones": ["bl.test"],
            "routesec_ca": "krill",
            "routesec_ca_url": ca.url,
            "routesec_ca_handle": CA_HANDLE,
            "routesec_ca_api_key": ca.secret,
            "routesec_current_vrps": str(vrp_file()),
        }
        yield variables, ca


def record_block(api, block, description="routesec lab: newly acquired"):
    """Record ``block`` in the lab NetBox (pynetbox ``api``) as a new RIPE aggregate whose one prefix, the block
    itself, AS64500 originates; returns a callable that deletes both again."""
    from ansible_collections.routesec.bgp.plugins.module_utils.netbox import schema

    rir = api.ipam.rirs.get(slug="ripe")
    asn = api.ipam.asns.get(asn=64500)
    aggregate = api.ipam.aggregates.create(prefix=block, rir=rir.id, description=description)
    prefix = api.ipam.prefixes.create(
        prefix=block,
        status="active",
        description=description,
        tags=[{"slug": schema.TAG_ANNOUNCE}],
        custom_fields={schema.CF_ORIGIN_ASN: asn.id},
    )

    def forget():
        prefix.delete()
        aggregate.delete()

    return forget
