# -*- coding: utf-8 -*-
"""The netbox-bgp plugin's sessions as neighbours: merge, status, iBGP, bad data, and the reader
with and without the plugin (against a small fake NetBox)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from ansible_collections.routesec.bgp.plugins.module_utils.errors import DataError, SourceError
from ansible_collections.routesec.bgp.plugins.module_utils.intent.build import build_intent
from ansible_collections.routesec.bgp.plugins.module_utils.intent.model import DeviceIntent, Neighbor
from ansible_collections.routesec.bgp.plugins.module_utils.netbox.reader import QUERIES, read_snapshot


def device(id_, name, neighbor_asns=()):
    return {
        "id": id_,
        "name": name,
        "platform": {"slug": "frr"},
        "primary_ip4": {"address": "127.0.10.%d/32" % id_},
        "primary_ip6": None,
        "custom_fields": {
            "routesec_local_asn": {"asn": 64500},
            "routesec_neighbor_asns": [{"id": asn, "asn": asn} for asn in neighbor_asns],
        },
    }


def session(id_, device_id, remote_asn, address=None, status="active", name="s"):
    return {
        "id": id_,
        "display": "%s:%s" % ("r%d" % device_id if device_id else "vm1", name),
        "status": {"value": status, "label": status.title()} if status else None,
        "device": {"id": device_id, "name": "r%d" % device_id} if device_id else None,
        "remote_address": {"address": address} if address else None,
        "remote_as": {"id": remote_asn, "asn": remote_asn} if remote_asn else None,
    }


def base_records():
    return {
        "asns": [
            {"id": 1, "asn": 64500, "tags": [{"slug": "routesec-own"}]},
            {"id": 2, "asn": 64501, "tags": [{"slug": "routesec-own"}]},
            {"id": 3, "asn": 65000, "tags": [], "custom_fields": {"routesec_as_set": "AS65000:AS-CUSTOMERS"}},
        ],
        "aggregates": [{"id": 1, "prefix": "185.230.76.0/22"}],
        "prefixes": [],
        "devices": [device(1, "r1"), device(2, "r2", neighbor_asns=[65000])],
    }


@pytest.fixture
def records():
    return base_records()


def neighbors(records, name):
    return [n.to_dict() for n in build_intent(records)[name].neighbors]


def test_sessions_and_custom_field_merge_by_as(records):
    records["bgp_sessions"] = [
        session(1, 2, 65000, "198.18.0.101/24"),
        session(2, 2, 65000, "fdff:5e5::101/64"),
        session(3, 2, 65001, "198.18.0.102/24"),
        session(4, 1, 65001),  # dynamic (a remote prefix, no remote address)
    ]
    assert neighbors(records, "r2") == [
        {"asn": 65000, "as_set": "AS65000:AS-CUSTOMERS", "addresses": ["198.18.0.101", "fdff:5e5::101"]},
        {"asn": 65001, "as_set": "AS65001", "addresses": ["198.18.0.102"]},
    ]
    assert neighbors(records, "r1") == [{"asn": 65001, "as_set": "AS65001", "addresses": []}]
    intent = build_intent(records)["r2"]
    assert DeviceIntent.from_dict(json.loads(json.dumps(intent.to_dict()))) == intent


@pytest.mark.parametrize("status", ["planned", "offline", "failed"])
def test_only_active_sessions_are_neighbours(records, status):
    records["bgp_sessions"] = [session(1, 1, 65000, "198.18.0.100/24", status=status)]
    assert neighbors(records, "r1") == []
    records["bgp_sessions"].append(session(2, 1, 65000, "198.18.0.100/24"))
    assert neighbors(records, "r1") == [{"asn": 65000, "as_set": "AS65000:AS-CUSTOMERS", "addresses": ["198.18.0.100"]}]


def test_ibgp_sessions_are_not_neighbours(records):
    records["bgp_sessions"] = [session(1, 1, 64500, "198.18.0.2/24"), session(2, 1, 64501, "198.18.0.3/24")]
    assert neighbors(records, "r1") == []


def test_sessions_of_other_devices_and_of_vms_are_ignored_bad_or_not(records):
    records["bgp_sessions"] = [
        session(1, 9, 65000, "198.18.0.100/24"),  # device 9 is not managed
        session(2, 9, None),
        session(3, None, 65000, "198.18.0.100/24"),  # on a virtual machine
    ]
    intent = build_intent(records)
    assert intent["r1"].neighbors == ()
    assert [n.asn for n in intent["r2"].neighbors] == [65000]


BAD = [
    ("no remote AS", session(7, 1, None), "NetBox BGP session r1:s (id 7), field 'remote_as': is empty"),
    (
        "malformed remote AS",
        dict(session(7, 1, 65000), remote_as={"asn": "sixty"}),
        "NetBox BGP session r1:s (id 7), field 'remote_as': 'sixty' is not an AS number",
    ),
    (
        "malformed remote address",
        session(7, 1, 65000, "198.18.0.300/24"),
        "NetBox BGP session r1:s (id 7), field 'remote_address': '198.18.0.300/24' is not an IP address",
    ),
    ("no status", session(7, 1, 65000, status=None), "NetBox BGP session r1:s (id 7), field 'status': is empty"),
]


@pytest.mark.parametrize("record,message", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_sessions_are_refused_naming_object_and_field(records, record, message):
    records["bgp_sessions"] = [record]
    with pytest.raises(DataError) as caught:
        build_intent(records)
    assert message in str(caught.value)
    assert "nothing was changed" in str(caught.value)


def test_bad_sessions_are_reported_with_the_other_problems(records):
    records["bgp_sessions"] = [session(7, 1, None), session(8, 2, 65000, "bogus")]
    records["devices"].append(dict(device(3, "r3"), platform=None))
    with pytest.raises(DataError) as caught:
        build_intent(records)
    assert str(caught.value).startswith("3 problems in the source of truth")


def test_without_the_plugin_neighbours_come_from_the_custom_field_alone(records):
    assert "bgp_sessions" not in records
    without = build_intent(records)
    assert [n.to_dict() for n in without["r2"].neighbors] == [
        {"asn": 65000, "as_set": "AS65000:AS-CUSTOMERS", "addresses": []}
    ]
    assert without == build_intent(dict(records, bgp_sessions=[]))


def test_neighbor_keeps_its_two_field_form():
    plain = Neighbor(65000, "AS65000")
    assert plain.addresses == () and plain == Neighbor.from_dict({"asn": 65000, "as_set": "AS65000"})
    assert len({plain, Neighbor(65000, "AS65000")}) == 1
    both = Neighbor(65000, "AS65000", ("fdff:5e5::0101", "198.18.0.101", "198.18.0.101"))
    assert both.addresses == ("198.18.0.101", "fdff:5e5::101")
    assert Neighbor.from_dict(both.to_dict()) == both
    with pytest.raises(DataError, match=r"r1 neighbor, field 'addresses': 'x' is not an IP address"):
        Neighbor.from_dict({"asn": 65000, "as_set": "AS65000", "addresses": ["x"]}, "r1 neighbor")


# ------------------------------------------------------------------ the reader, against a fake NetBox

SESSIONS_PATH = "plugins/bgp/bgpsession"


class FakeNetBox(ThreadingHTTPServer):
    """Answers /api/status/ and offset-paginated lists of ``data`` (path -> records); logs each request."""

    def __init__(self, data, plugins, status_body=None):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.data, self.plugins, self.status_body, self.requests = data, plugins, status_body, []

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server_address[1]


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        path = parts.path.removeprefix("/api/").rstrip("/")
        self.server.requests.append((path, query))
        if path == "status":
            body = self.server.status_body or json.dumps({"netbox-version": "4.7.3", "plugins": self.server.plugins})
        elif path in self.server.data:
            body = json.dumps(self._page(path, query))
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def _page(self, path, query):
        records, limit, offset = self.server.data[path], int(query["limit"]), int(query.get("offset", 0))
        more = offset + limit < len(records)
        next_url = "%s%s?%s" % (
            self.server.url,
            urlsplit(self.path).path,
            urlencode(dict(query, offset=offset + limit)),
        )
        return {"count": len(records), "next": next_url if more else None, "results": records[offset : offset + limit]}

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_netbox():
    servers = []

    def start(plugins, sessions=(), status_body=None):
        records = base_records()
        data = {path: records[kind] for kind, (path, _filters, _fields) in QUERIES.items()}
        data[SESSIONS_PATH] = list(sessions)
        server = FakeNetBox(data, plugins, status_body)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_reader_without_the_plugin_reads_what_it_always_read(fake_netbox):
    netbox = fake_netbox(plugins={"other_plugin": "1.0"})
    snapshot = read_snapshot(netbox.url, "token")
    assert sorted(snapshot.records) == ["aggregates", "asns", "devices", "prefixes"]
    assert [path for path, _query in netbox.requests] == ["status"] + [q[0] for q in QUERIES.values()]
    assert snapshot.api_calls == 5
    assert build_intent(snapshot.records) == build_intent(base_records())


def test_reader_can_leave_the_plugin_out_entirely(fake_netbox):
    netbox = fake_netbox(plugins={"netbox_bgp": "0.20.2"})
    snapshot = read_snapshot(netbox.url, "token", kinds=list(QUERIES))
    assert snapshot.api_calls == 4 and "status" not in [path for path, _query in netbox.requests]
    assert "bgp_sessions" not in snapshot.records


def test_reader_with_the_plugin_pages_through_the_sessions(fake_netbox):
    sessions = [session(i, 1, 65000, "198.18.0.%d/24" % (100 + i)) for i in range(1, 6)]
    netbox = fake_netbox(plugins={"netbox_bgp": "0.20.2"}, sessions=sessions)
    snapshot = read_snapshot(netbox.url, "token", page_size=2)
    assert snapshot["bgp_sessions"] == sessions
    session_calls = [query for path, query in netbox.requests if path == SESSIONS_PATH]
    assert len(session_calls) == 3
    assert session_calls[0]["fields"] == "id,display,status,device,remote_address,remote_as,custom_fields"
    assert snapshot.api_calls == len(netbox.requests) == 1 + 5 + 3  # status, the four kinds (asns: 2 pages), sessions
    assert [n.asn for n in build_intent(snapshot.records)["r1"].neighbors] == [65000]


def test_reader_refuses_a_status_answer_that_is_not_json(fake_netbox):
    netbox = fake_netbox(plugins={}, status_body="<html>maintenance</html>")
    with pytest.raises(SourceError, match=r"not JSON for http://127.0.0.1:\d+/api/status/"):
        read_snapshot(netbox.url, "token")
