#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: monitor_config
short_description: Build the BGP monitor service's configuration from NetBox, and write it
version_added: 0.1.0
description:
  - Reads our ASNs, aggregates, prefixes, routers and (with the netbox-bgp plugin) BGP sessions from NetBox and
    builds the monitor's watch list - our prefixes with their origins and longest max length, the space we hold
    but do not announce, each AS's providers (its ASPA intent) and other neighbours.
  - Adds the service's feeds (O(bmp), O(exabgp)), O(outputs), state directory, status address, throttle and sweep
    delay, and checks the whole document as the service reads it; a wrong value fails naming the field.
  - Returns the document (RV(config)) with the outputs' URLs and header values hidden, and with O(dest) writes it
    there (mode C(0600), atomically); C(changed) when the file changes. The service
    (C(python -m ansible_collections.routesec.bgp.plugins.module_utils.monitor.service --config FILE)) takes a new
    watch list on SIGHUP; the role C(routesec.bgp.monitor) writes the file with this module and reloads it.
  - Runs where the file is written (the monitor's host), which reaches NetBox.
author: routesec maintainers (@routesec)
extends_documentation_fragment:
  - routesec.bgp.netbox
options:
  dest:
    description: Where to write the configuration. Without it, nothing is written.
    type: path
  state_dir:
    description: The service's state directory (alert state, undelivered changes, ExaBGP's files).
    type: path
    default: /var/lib/routesec-monitor
  vrps:
    description: VRPs (rpki-client JSON or a validator's CSV) the service judges routes against (rule C(rpki-invalid)).
    type: path
  aspas:
    description: ASPAs (rpki-client JSON) for the rules C(aspa-invalid) and C(route-leak).
    type: path
  bmp:
    description:
      - The BMP feed - C(listen) (C(address:port)) and C(routers) (a router's address to its name in the
        vantage points).
      - On FRR routers, configure C(bmp monitor ipv4 unicast pre-policy) (and IPv6), C(bmp mirror) and
        C(soft-reconfiguration inbound) on the neighbours; without mirroring, FRR reports the routes it rejects
        (hijacks and leaks of our prefixes among them) wrongly in pre-policy Route Monitoring.
    type: dict
  exabgp:
    description:
      - The BGP feed through ExaBGP - C(name), C(sessions) (each C(peer_address), C(peer_as), C(local_address),
        C(local_as), optionally C(router_id), C(passive), C(hold_time), C(families)) and ExaBGP C(settings).
    type: dict
  outputs:
    description:
      - Where alert changes go, each a mapping with a C(type) (C(jsonl), C(syslog), C(webhook), C(slack),
        C(alertmanager)) and its options.
      - URLs and header values are secrets - hidden in the result and the diff.
      - HTTP outputs (C(webhook), C(slack), C(alertmanager)) take C(min_interval), the seconds from the answer to
        one delivery to the start of the next, at least (C(slack) 1, as Slack allows, the others 0), so that the
        receiver gets them at least that far apart; a receiver answering HTTP 429 or 503 with C(Retry-After) is
        tried again no sooner than it asks (one hour at most).
    type: list
    elements: dict
    default: []
  status_listen:
    description: Address and port of the status page and C(/metrics).
    type: str
    default: 127.0.0.1:9478
  throttle:
    description: Seconds between two notifications of the same alert being seen again.
    type: float
    default: 300
  sweep_after:
    description: Seconds after the start by which the feeds have sent their tables again (restored alerts then clear).
    type: float
    default: 120
  visibility_threshold:
    description: Vantage points at which our prefix must be withdrawn to raise a visibility loss.
    type: int
    default: 2
  visibility_share:
    description: Share of the vantage points that had our prefix at which it must be withdrawn.
    type: float
    default: 0.5
attributes:
  check_mode:
    support: full
    description: Reads NetBox and builds the document; writes nothing.
  diff_mode:
    support: full
    description: The file before and after, its secrets hidden.
  platform:
    description: Runs on the monitor's host (where O(dest) is), reaching NetBox over the network.
    support: full
    platforms: posix
"""

EXAMPLES = r"""
- name: Write the monitor's configuration from NetBox
  routesec.bgp.monitor_config:
    dest: /etc/routesec-monitor/monitor.json
    vrps: /var/lib/rpki-client/json
    bmp:
      listen: 0.0.0.0:11019
      routers: {"192.0.2.1": r1, "192.0.2.2": r2}
    exabgp:
      name: transit
      sessions:
        - {peer_address: 192.0.2.254, peer_as: 64496, local_address: 192.0.2.10, local_as: 64500}
    outputs:
      - {type: webhook, name: oncall, url: "{{ vault_oncall_webhook }}"}
      - {type: jsonl, path: /var/log/routesec-monitor/alerts.jsonl}
  notify: Reload the monitor
"""

RETURN = r"""
config:
  description: The configuration document, the outputs' URLs and header values hidden.
  returned: success
  type: dict
  sample:
    watch: {"own_asns": [64500], "prefixes": [{"prefix": "185.230.76.0/22", "origins": [64500], "max_length": 23,
            "announced": true}], "providers": {}, "neighbors": {}, "visibility": {"threshold": 2, "share": 0.5}}
    outputs: [{"type": "webhook", "url": "********"}]
    state_dir: /var/lib/routesec-monitor
dest:
  description: Where the document was written (or would be, in check mode); null without O(dest).
  returned: success
  type: str
"""

import json
import os
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ..module_utils.ansible_support import NETBOX_ARGSPEC, netbox_records, run
from ..module_utils.monitor.config import redacted, secrets_of, service_document, to_json
from ..module_utils.monitor.watch import watch_list

KINDS = ("asns", "aggregates", "prefixes", "devices", "bgp_sessions")  # what the watch list needs from NetBox
SETTINGS = ("state_dir", "vrps", "aspas", "outputs", "status_listen", "throttle", "sweep_after")


def main():
    module = AnsibleModule(
        argument_spec=dict(
            NETBOX_ARGSPEC,
            dest={"type": "path"},
            state_dir={"type": "path", "default": "/var/lib/routesec-monitor"},
            vrps={"type": "path"},
            aspas={"type": "path"},
            bmp={"type": "dict"},
            exabgp={"type": "dict"},
            outputs={"type": "list", "elements": "dict", "default": []},
            status_listen={"type": "str", "default": "127.0.0.1:9478"},
            throttle={"type": "float", "default": 300},
            sweep_after={"type": "float", "default": 120},
            visibility_threshold={"type": "int", "default": 2},
            visibility_share={"type": "float", "default": 0.5},
        ),
        supports_check_mode=True,
    )
    p = module.params
    module.no_log_values.update(secrets_of({"outputs": p["outputs"]}))
    records = netbox_records(module, KINDS)
    watch = run(module, watch_list, records, p["visibility_threshold"], p["visibility_share"])
    settings = {key: p[key] for key in SETTINGS}
    settings["feeds"] = {kind: p[kind] for kind in ("bmp", "exabgp") if p[kind] is not None}
    document = run(module, service_document, watch, settings)
    text = to_json(document)
    before = _current(p["dest"])
    changed = p["dest"] is not None and text != before
    if changed and not module.check_mode:
        _write(module, p["dest"], text)
    result = {"changed": changed, "config": redacted(document), "dest": p["dest"]}
    if module._diff and p["dest"]:
        result["diff"] = {"before": _shown(before), "after": to_json(redacted(document)), "before_header": p["dest"]}
        result["diff"]["after_header"] = p["dest"]
    module.exit_json(**result)


def _current(path):
    """The file's text; empty when there is none."""
    if path is None or not os.path.exists(path):
        return ""
    with open(path, encoding="utf-8") as stream:
        return stream.read()


def _shown(text):
    """A file's text as the diff may show it: its outputs' secrets hidden (a file that is not a configuration
    document is shown as a note, not as it is)."""
    if not text:
        return ""
    try:
        return to_json(redacted(json.loads(text)))
    except (ValueError, AttributeError, TypeError):
        return "(not a monitor configuration; not shown)\n"


def _write(module, path, text):
    directory = os.path.dirname(path) or "."
    handle, temporary = tempfile.mkstemp(prefix=".monitor-config.", dir=directory)
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
    module.atomic_move(temporary, path)
    os.chmod(path, 0o600)  # it holds the outputs' secrets


if __name__ == "__main__":
    main()
