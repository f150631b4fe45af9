# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Configurations of RPKI validators and RTR caches, rendered from plain data.

One settings mapping drives every tool::

    tals: [ripe, apnic]            # chosen from KNOWN_TALS
    tal_dir: /etc/tals             # holds <name>.tal for each chosen TAL
    cache_dir: /var/cache/rpki     # the validator's copy of the repositories
    output_dir: /var/lib/rpki      # where VRPs are written (rpki-client, FORT)
    slurm: /etc/rpki/slurm.json    # optional local exceptions (RFC 8416)
    rtr: {address: 127.0.0.1, port: 3323}    # optional RTR listener
    http: {address: 127.0.0.1, port: 8323}   # optional HTTP listener (Routinator, StayRTR export)
    offline: false                 # true: use the cache only, fetch nothing
    vrp_cache: /var/lib/rpki/json  # StayRTR: VRP JSON to serve (default: rpki-client's output_dir/json)
    selected_tal_dir: /etc/fort/tals   # FORT with several TALs: a directory holding only them
    aspa: true                     # validate and serve ASPA (default: where the tool can; see below)
    fort_version: "1.7"            # FORT: the version the configuration is for (default 1.6)

``rpki_client_argv``, ``fort_config``, ``routinator_config`` and ``stayrtr_argv``
render them; every refusal is a DataError naming the setting.

**ASPA.** Routers verify AS paths with the ASPAs a validator serves them, so
``aspa`` left out means "on where the tool serves ASPA that routers read":

* rpki-client (8.0 and later) validates ASPA objects and writes them into every
  output that carries them (JSON ``aspas``, OpenBGPD ``aspa-set``, BIRD
  ``ASPAS``); ``aspa: false`` renders ``-A``, which leaves them out (8.3 and
  later: Debian 12's 8.2 refuses ``-A``).
* Routinator processes ASPA objects and serves them over RTR version 2 only with
  ``enable-aspa`` (0.13 and later; built in by default since 0.14.1), rendered
  from ``aspa``: true unless ``aspa: false``.
* FORT 1.6 validates no ASPA and serves RTR versions 0 and 1 only: with
  ``fort_version`` left out (1.6) ``aspa: true`` is refused, left out means off.
  FORT 1.7 (1.7.0.experimental, ``fort_version: "1.7"``) validates ASPA objects
  and serves them over RTR version 2, which it negotiates only up to its
  ``server.max-rtr-version`` (default 0): rendered 2 unless ``aspa: false``, which
  renders 1 (what 1.6 serves); its ASPAs are written beside the VRPs
  (``output.aspa``, output_dir/aspas.json) unless ``aspa: false``.
* StayRTR serves no ASPA that routers read: 0.6 removed ASPA and RTR version 2
  (``-protocol 2`` runs version 0), and 0.5 reads only rpki-client's 2023
  ``provider_authorizations`` and sends the ASPA PDU of
  draft-ietf-sidrops-8210bis-10, which BIRD 2.16 and later misread.
  ``aspa: true`` is refused; ``aspa: false`` renders ``-protocol 1``, so that
  no StayRTR version sends an ASPA PDU; left out keeps StayRTR's default.
"""

from __future__ import annotations

import ipaddress
import json
import posixpath
import re
from dataclasses import dataclass

from ..errors import DataError
from ..render.jinja import render

KNOWN_TALS = ("afrinic", "apnic", "arin", "lacnic", "ripe")
WHERE = "validator settings"
_KEYS = (
    "tals",
    "tal_dir",
    "cache_dir",
    "output_dir",
    "slurm",
    "rtr",
    "http",
    "offline",
    "vrp_cache",
    "selected_tal_dir",
    "check_time",
    "aspa",
    "fort_version",
)
FORT_ASPA = (1, 7)  # the first FORT version that validates and serves ASPA
# what each tool answers to ``aspa: true`` when it cannot serve ASPA to routers
NO_ASPA = {
    "FORT": (
        "1.6 validates no ASPA and serves RTR versions 0 and 1 only (ASPA arrives with 1.7.0.experimental);"
        " serve ASPA with Routinator, or from rpki-client's output, or set fort_version to 1.7 for FORT 1.7"
    ),
    "StayRTR": (
        "serves no ASPA that routers read: 0.6 removed ASPA and RTR version 2 (-protocol 2 runs version 0), 0.5"
        " sends the ASPA PDU of draft-ietf-sidrops-8210bis-10 (which BIRD 2.16 and later misread) and reads no"
        " aspas member of rpki-client's JSON; serve ASPA with Routinator, or from rpki-client's output"
    ),
}


@dataclass(frozen=True)
class Listener:
    address: str
    port: int

    def text(self):
        """address:port, IPv6 in brackets (Routinator, StayRTR)."""
        return "[%s]:%d" % (self.address, self.port) if ":" in self.address else "%s:%d" % (self.address, self.port)


@dataclass(frozen=True)
class Settings:
    tals: tuple
    tal_dir: str
    cache_dir: str | None
    output_dir: str | None
    slurm: str | None
    rtr: Listener | None
    http: Listener | None
    offline: bool
    vrp_cache: str | None
    selected_tal_dir: str | None
    check_time: bool
    aspa: bool | None = None  # None: on where the tool serves ASPA that routers read
    fort_version: tuple = (1, 6)  # (major, minor)

    def aspa_off(self) -> bool:
        return self.aspa is False

    def fort_serves_aspa(self) -> bool:
        return self.fort_version >= FORT_ASPA and not self.aspa_off()

    def tal_files(self):
        return [posixpath.join(self.tal_dir, name + ".tal") for name in self.tals]

    def tal_links(self):
        """(TAL file, link in selected_tal_dir) pairs: what a FORT host needs when several TALs are chosen."""
        if self.selected_tal_dir is None:
            return []
        return [(f, posixpath.join(self.selected_tal_dir, posixpath.basename(f))) for f in self.tal_files()]


def _path(data, key, required=False, default=None):
    value = data.get(key)
    if value in (None, ""):
        if required:
            raise DataError("is required (an absolute path)", WHERE, key)
        return default
    if not isinstance(value, str) or not value.startswith("/"):
        raise DataError("%r is not an absolute path" % (value,), WHERE, key)
    if any(ord(c) < 32 or c == "\x7f" for c in value) or "/../" in value + "/":
        raise DataError("%r holds control characters or '..'" % (value,), WHERE, key)
    return posixpath.normpath(value)


def _listener(data, key):
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise DataError("expected {address: ..., port: ...}, got %r" % (value,), WHERE, key)
    unknown = sorted(str(k) for k in value if k not in ("address", "port"))
    if unknown:
        raise DataError("unknown key(s) %s; allowed: address, port" % ", ".join(unknown), WHERE, key)
    try:
        address = ipaddress.ip_address(str(value.get("address", "")).strip())
    except ValueError:
        raise DataError("%r is not an IP address" % (value.get("address"),), WHERE, key + ".address") from None
    port = value.get("port")
    if isinstance(port, str) and port.isdigit():
        port = int(port)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise DataError("%r is not a port 1..65535" % (port,), WHERE, key + ".port")
    return Listener(str(address), port)


def _flag(data, key, default):
    value = data.get(key, default)
    if value is None and default is None:
        return None
    if not isinstance(value, bool):
        raise DataError("expected true or false, got %r" % (value,), WHERE, key)
    return value


def _version(data, key, default):
    """(major, minor) of a version such as "1.7", "1.7.0" or "1.7.0.experimental"."""
    value = data.get(key)
    if value is None:
        return default
    found = re.match(r"(\d+)\.(\d+)(?:\.|$)", str(value)) if isinstance(value, (str, int, float)) else None
    if isinstance(value, bool) or not found:
        raise DataError("%r is not a version such as 1.7 or 1.7.0" % (value,), WHERE, key)
    return int(found[1]), int(found[2])


def validator_settings(data) -> Settings:
    """Checked Settings from a plain mapping (see the module documentation)."""
    if isinstance(data, Settings):
        return data
    if not isinstance(data, dict):
        raise DataError("expected a mapping, got %r" % (data,), WHERE)
    unknown = sorted(str(k) for k in data if k not in _KEYS)
    if unknown:
        raise DataError("unknown setting(s) %s; known: %s" % (", ".join(unknown), ", ".join(_KEYS)), WHERE, unknown[0])
    tals = data.get("tals")
    if isinstance(tals, str):
        tals = [tals]
    if not isinstance(tals, (list, tuple)) or not tals:
        raise DataError("choose one or more of %s" % ", ".join(KNOWN_TALS), WHERE, "tals")
    chosen = []
    for name in tals:
        text = str(name).strip().lower()
        if text not in KNOWN_TALS:
            raise DataError("%r is not a known TAL; known: %s" % (name, ", ".join(KNOWN_TALS)), WHERE, "tals")
        if text in chosen:
            raise DataError("%r is chosen twice" % (name,), WHERE, "tals")
        chosen.append(text)
    return Settings(
        tals=tuple(chosen),
        tal_dir=_path(data, "tal_dir", default="/etc/tals"),
        cache_dir=_path(data, "cache_dir"),
        output_dir=_path(data, "output_dir"),
        slurm=_path(data, "slurm"),
        rtr=_listener(data, "rtr"),
        http=_listener(data, "http"),
        offline=_flag(data, "offline", False),
        vrp_cache=_path(data, "vrp_cache"),
        selected_tal_dir=_path(data, "selected_tal_dir"),
        check_time=_flag(data, "check_time", True),
        aspa=_flag(data, "aspa", None),
        fort_version=_version(data, "fort_version", (1, 6)),
    )


def _require(settings, key, tool):
    if getattr(settings, key) is None:
        raise DataError("%s needs it" % tool, WHERE, key)
    return getattr(settings, key)


def _refuse(settings, key, tool, reason):
    if getattr(settings, key) is not None:
        raise DataError("%s %s" % (tool, reason), WHERE, key)


def _refuse_aspa(settings, tool):
    if settings.aspa:
        raise DataError("%s %s" % (tool, NO_ASPA[tool]), WHERE, "aspa")


def rpki_client_argv(data, program: str = "rpki-client") -> list[str]:
    """rpki-client's command line: one ``-t`` per chosen TAL, ``-d`` cache, ``-j`` JSON into output_dir, and
    ``-A`` (no ASPA in the output) for ``aspa: false``.

    rpki-client reads no SLURM file and serves no RTR: give those to StayRTR, which serves its JSON.
    """
    settings = validator_settings(data)
    _refuse(settings, "slurm", "rpki-client", "reads no SLURM file; give it to StayRTR (stayrtr_argv)")
    _refuse(settings, "rtr", "rpki-client", "has no RTR server; serve its JSON with StayRTR (stayrtr_argv)")
    _refuse(settings, "http", "rpki-client", "has no HTTP server")
    argv = [program, "-j", "-d", _require(settings, "cache_dir", "rpki-client")]
    if settings.offline:
        argv.append("-n")
    if settings.aspa_off():
        argv.append("-A")
    for path in settings.tal_files():
        argv += ["-t", path]
    argv.append(_require(settings, "output_dir", "rpki-client"))
    return argv


def fort_config(data) -> str:
    """FORT's JSON configuration file (``fort --configuration-file``): its text. For FORT 1.7 (``fort_version``) it
    also sets the highest RTR version it serves, and where it writes its ASPAs."""
    settings = validator_settings(data)
    _refuse(settings, "http", "FORT", "has no HTTP server")
    if settings.fort_version < FORT_ASPA:
        _refuse_aspa(settings, "FORT")
    if len(settings.tals) == 1:
        tal = settings.tal_files()[0]
    elif settings.selected_tal_dir is not None:
        tal = settings.selected_tal_dir
    else:
        raise DataError(
            "FORT reads one TAL file or one directory: with several TALs give a directory that holds"
            " only them (tal_links() lists the links to make)",
            WHERE,
            "selected_tal_dir",
        )
    config = {
        "tal": tal,
        "local-repository": _require(settings, "cache_dir", "FORT"),
        "mode": "server" if settings.rtr else "standalone",
        "work-offline": settings.offline,
    }
    if settings.slurm:
        config["slurm"] = settings.slurm
    if settings.rtr:
        config["server"] = {"address": [settings.rtr.address], "port": str(settings.rtr.port)}
        if settings.fort_version >= FORT_ASPA:
            config["server"]["max-rtr-version"] = 2 if settings.fort_serves_aspa() else 1
    if settings.output_dir:
        config["output"] = {"roa": posixpath.join(settings.output_dir, "vrps.json"), "format": "json"}
        if settings.fort_serves_aspa():
            config["output"]["aspa"] = posixpath.join(settings.output_dir, "aspas.json")
    elif not settings.rtr:
        raise DataError("FORT without an RTR listener needs somewhere to write its VRPs", WHERE, "output_dir")
    return json.dumps(config, indent=2) + "\n"


ROUTINATOR_TEMPLATE = """\
# Routinator configuration rendered by routesec.bgp
repository-dir = {{ q(cache_dir) }}
no-rir-tals = true
tals = [{{ tals | map('tojson') | join(', ') }}]
enable-aspa = {{ 'false' if aspa_off else 'true' }}
{% if slurm %}
exceptions = [{{ q(slurm) }}]
{% endif %}
{% if rtr %}
rtr-listen = [{{ q(rtr) }}]
{% endif %}
{% if http %}
http-listen = [{{ q(http) }}]
{% endif %}
{% if offline %}
disable-rsync = true
disable-rrdp = true
{% endif %}
"""


def _toml_string(value):
    """A TOML basic string: JSON's escapes (\\", \\\\, \\uXXXX) are TOML's too."""
    return json.dumps(str(value))


def routinator_config(data) -> str:
    """Routinator's TOML configuration file: its text. TALs are Routinator's bundled ones, by name; ASPA is
    processed and served (``enable-aspa``) unless ``aspa: false``."""
    settings = validator_settings(data)
    return render(
        ROUTINATOR_TEMPLATE,
        q=_toml_string,
        cache_dir=_require(settings, "cache_dir", "Routinator"),
        tals=list(settings.tals),
        slurm=settings.slurm,
        rtr=settings.rtr.text() if settings.rtr else None,
        http=settings.http.text() if settings.http else None,
        offline=settings.offline,
        aspa_off=settings.aspa_off(),
    )


def stayrtr_argv(data, program: str = "stayrtr") -> list[str]:
    """StayRTR's command line: serve a validator's VRP JSON (``-cache``) over RTR (``-bind``), with ``-slurm``.

    ``vrp_cache`` defaults to rpki-client's ``output_dir/json``; ``http`` is the export/metrics listener;
    ``aspa: false`` renders ``-protocol 1`` (no version sends an ASPA PDU), ``aspa: true`` is refused.
    """
    settings = validator_settings(data)
    _refuse_aspa(settings, "StayRTR")
    cache = settings.vrp_cache
    if cache is None:
        if settings.output_dir is None:
            raise DataError("StayRTR needs vrp_cache or output_dir (rpki-client's json there)", WHERE, "vrp_cache")
        cache = posixpath.join(settings.output_dir, "json")
    rtr = _require(settings, "rtr", "StayRTR")
    argv = [program, "-bind", rtr.text(), "-cache", cache]
    if settings.slurm:
        argv += ["-slurm", settings.slurm]
    argv += ["-metrics.addr", settings.http.text() if settings.http else ""]
    if not settings.check_time:
        argv.append("-checktime=false")
    if settings.aspa_off():
        argv += ["-protocol", "1"]
    return argv
