# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The monitor service's configuration: one JSON document, read strictly (``read_config``), which the
``monitor_config`` module writes from NetBox::

    {"watch": {...the watch list, see ``watch``...},
     "vrps": "/var/lib/rpki-client/json", "aspas": "/var/lib/rpki-client/json",
     "feeds": {"bmp": {"listen": "0.0.0.0:11019", "routers": {"192.0.2.1": "r1"}},
               "exabgp": {"name": "transit",
                          "sessions": [{"peer_address": "192.0.2.254", "peer_as": 64496,
                                        "local_address": "192.0.2.10", "local_as": 64500,
                                        "router_id": "192.0.2.10", "passive": false}],
                          "settings": {"exabgp.daemon.user": "exabgp"}}},
     "outputs": [{"type": "webhook", "url": "https://alerts.example.net/hook"}],
     "state_dir": "/var/lib/routesec-monitor", "status_listen": "127.0.0.1:9478",
     "throttle": 300, "sweep_after": 120}

``vrps``, ``aspas`` (rpki-client JSON, or for VRPs a validator's CSV), each feed, ``outputs`` (``outputs.
build_outputs``'s list) are optional; ``watch`` and ``state_dir`` are required. ``sweep_after``: seconds after
the start by which the feeds have sent their tables again (see ``service``). An unknown or missing field or a
value of the wrong type is a DataError naming the file and the field (``feeds.exabgp.sessions[0].peer_as``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DataError
from ..observe.exabgp import FAMILIES, Session, render_config
from ..rpki.vrp import json_object, read_text
from .model import WatchList
from .outputs import build_outputs, checked_seconds, checked_text
from .status_page import parse_listen
from .watch import fields_of, from_document, to_document

FIELDS = ("watch", "vrps", "aspas", "feeds", "outputs", "state_dir", "status_listen", "throttle", "sweep_after")
FEED_FIELDS = ("bmp", "exabgp")
BMP_FIELDS = ("listen", "routers")
EXABGP_FIELDS = ("name", "sessions", "settings", "program")
SESSION_FIELDS = (
    "peer_address",
    "peer_as",
    "local_address",
    "local_as",
    "router_id",
    "passive",
    "hold_time",
    "families",
)
SESSION_REQUIRED = SESSION_FIELDS[:4]
ADDRESSES = ("peer_address", "local_address", "router_id")  # a router id defaults to the local address
STATUS_LISTEN = "127.0.0.1:9478"
RELOADED = ("watch", "vrps", "aspas")  # what a reload changes; the rest takes a restart


@dataclass(frozen=True)
class BmpFeed:
    listen: str
    routers: dict  # router address -> its name in the vantage points


@dataclass(frozen=True)
class ExabgpFeed:
    name: str
    sessions: tuple  # of exabgp.Session
    settings: dict = field(default_factory=dict)
    program: str | None = None


@dataclass(frozen=True)
class ServiceConfig:
    document: dict  # as read, for comparing a reloaded configuration with the running one
    watch: WatchList
    state_dir: Path
    vrps: str | None = None
    aspas: str | None = None
    bmp: BmpFeed | None = None
    exabgp: ExabgpFeed | None = None
    outputs: list = field(default_factory=list)  # the outputs' configuration
    status_listen: str = STATUS_LISTEN
    throttle: float = 300.0
    sweep_after: float = 120.0

    def restart_needed(self, other: ServiceConfig) -> list[str]:
        """The fields that differ from ``other`` and take a restart to apply."""
        keys = set(self.document) | set(other.document)
        return sorted(k for k in keys - set(RELOADED) if self.document.get(k) != other.document.get(k))


def read_config(path) -> ServiceConfig:
    """The configuration in the JSON file ``path``; DataError naming the file and the field."""
    where = "monitor configuration %s" % path
    return config_of(json_object(read_text(Path(path), "monitor configuration"), where), where)


def config_of(data: dict, where: str = "monitor configuration") -> ServiceConfig:
    """The ServiceConfig of a document (see the module's description), read strictly."""
    fields_of(data, FIELDS, ("watch", "state_dir"), where, "")
    feeds = data.get("feeds", {})
    fields_of(feeds, FEED_FIELDS, (), where, "feeds")
    outputs = data.get("outputs", [])
    build_outputs(outputs)  # refused here, before anything starts, if wrong
    listen = data.get("status_listen", STATUS_LISTEN)
    parse_listen(listen, where)
    return ServiceConfig(
        document=data,
        watch=from_document(data["watch"], where + " watch"),
        state_dir=Path(checked_text(data["state_dir"], where, "state_dir")),
        vrps=_optional_text(data.get("vrps"), where, "vrps"),
        aspas=_optional_text(data.get("aspas"), where, "aspas"),
        bmp=_bmp(feeds["bmp"], where) if "bmp" in feeds else None,
        exabgp=_exabgp(feeds["exabgp"], where) if "exabgp" in feeds else None,
        outputs=outputs,
        status_listen=listen,
        throttle=checked_seconds(data.get("throttle", 300.0), where, "throttle", zero=True),
        sweep_after=checked_seconds(data.get("sweep_after", 120.0), where, "sweep_after", zero=True),
    )


def to_json(document: dict) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def _bmp(data, where) -> BmpFeed:
    fields_of(data, BMP_FIELDS, ("listen",), where, "feeds.bmp")
    parse_listen(data["listen"], where)
    routers = data.get("routers", {})
    if not isinstance(routers, dict) or not all(isinstance(v, str) and v for v in routers.values()):
        raise DataError("must map router addresses to names", where, "feeds.bmp.routers")
    return BmpFeed(data["listen"], dict(routers))


def _exabgp(data, where) -> ExabgpFeed:
    name = "feeds.exabgp"
    fields_of(data, EXABGP_FIELDS, ("name", "sessions"), where, name)
    sessions = data["sessions"]
    if not isinstance(sessions, list) or not sessions:
        raise DataError("must be a non-empty list of sessions", where, name + ".sessions")
    settings = data.get("settings", {})
    if not isinstance(settings, dict) or not all(isinstance(v, str) for v in settings.values()):
        raise DataError("must map ExaBGP settings to text", where, name + ".settings")
    checked = tuple(_session(s, where, "%s.sessions[%d]" % (name, i)) for i, s in enumerate(sessions))
    render_config(checked)  # refused here, naming the session and the field, before anything starts
    return ExabgpFeed(
        name=checked_text(data["name"], where, name + ".name"),
        sessions=checked,
        settings=dict(settings),
        program=_optional_text(data.get("program"), where, name + ".program"),
    )


def _session(data, where, name) -> Session:
    fields_of(data, SESSION_FIELDS, SESSION_REQUIRED, where, name)
    for key in ("peer_as", "local_as", "hold_time"):
        if key in data and (isinstance(data[key], bool) or not isinstance(data[key], int)):
            raise DataError("%r is not a whole number" % (data[key],), where, "%s.%s" % (name, key))
    passive = data.get("passive", False)
    if not isinstance(passive, bool):
        raise DataError("%r is not true or false" % (passive,), where, name + ".passive")
    families = data.get("families", list(FAMILIES))
    if not isinstance(families, list):
        raise DataError("must be a list of families", where, name + ".families")
    texts = {key: checked_text(data.get(key, data["local_address"]), where, "%s.%s" % (name, key)) for key in ADDRESSES}
    return Session(
        peer_address=texts["peer_address"],
        local_address=texts["local_address"],
        local_as=data["local_as"],
        peer_as=data["peer_as"],
        router_id=texts["router_id"],
        families=tuple(families),
        passive=passive,
        hold_time=data.get("hold_time", 90),
    )


def _optional_text(value, where, name) -> str | None:
    return None if value is None else checked_text(value, where, name)


SECRET_FIELDS = ("url", "headers")  # of an output: secrets (a Slack webhook URL is its token)
HIDDEN = "********"


def service_document(watch: WatchList, settings: dict) -> dict:
    """The configuration document of ``watch`` and the service's ``settings`` (the other fields; those that are
    None left out), checked as the service reads it."""
    document = {"watch": to_document(watch)}
    document.update({key: value for key, value in settings.items() if value is not None and key in FIELDS})
    config_of(document)
    return document


def secrets_of(document: dict) -> list[str]:
    """The secret values of the document's outputs (URLs, header values)."""
    found = []
    for output in document.get("outputs", []):
        for key in SECRET_FIELDS:
            value = output.get(key)
            found += list(value.values()) if isinstance(value, dict) else [value] if value else []
    return [str(value) for value in found]


def redacted(document: dict) -> dict:
    """The document with its outputs' secrets hidden: what may be shown."""
    outputs = [{k: _hidden(v) if k in SECRET_FIELDS else v for k, v in o.items()} for o in document.get("outputs", [])]
    return {**document, "outputs": outputs} if "outputs" in document else dict(document)


def _hidden(value):
    return {key: HIDDEN for key in value} if isinstance(value, dict) else HIDDEN
