# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One-shot monitoring: MRT files replayed through the detector, for back-tests and CI.

``replay(files, watch)`` reads the files in the order given (a RIB dump first, then its updates) with one
record of each peer's routes across them (a peer's session that goes down withdraws what its updates
announced), runs every route event through a ``Detector`` and records its changes in an ``AlertStore`` without
a file; it returns the store's alerts (one per key, its whole life, active or cleared at the end), and calls
``on_change`` with each change the store would notify (throttled by ``throttle`` seconds of the files' time).

From the command line, the alerts (or, with ``--changes``, the notified changes) as JSON lines::

    python -m ansible_collections.routesec.bgp.plugins.module_utils.monitor.replay --watch W.json \\
        [--vrps VRPS.json] [--aspas ASPAS.json] [--collector rrc00] [--changes] FILE...

A watch list, VRPs or ASPAs that cannot be read: a message naming it on standard error and exit status 2. An
MRT record that cannot be read is named on standard error and passed over (where the rest of its file cannot be
followed, that file ends there): the alerts of every other record are printed, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Mapping

from ..errors import DataError
from ..observe.feeds import RouteTable
from ..observe.mrt import route_events
from ..rpki.aspa import read_aspas
from ..rpki.rov import RovIndex
from ..rpki.vrp import read_vrps
from .detect import Detector
from .model import Alert, AlertChange, WatchList
from .state import AlertStore
from .watch import read_watch_list


def replay(
    files: Iterable,
    watch: WatchList,
    vrps: RovIndex | None = None,
    aspas: Mapping | None = None,
    collector: str | None = None,
    throttle: float = 0.0,
    on_change: Callable[[AlertChange], None] | None = None,
    on_error: Callable[[DataError], None] | None = None,
) -> list[Alert]:
    """The alerts of the MRT ``files`` replayed in order (see the module's description); a record that cannot
    be read raises DataError, or with ``on_error`` is handed to it and passed over."""
    detector = Detector(watch, vrps, aspas)
    store = AlertStore(throttle=throttle)
    sessions = RouteTable()
    for path in files:
        for event in route_events(path, collector, sessions, on_error):
            for change in detector.observe(event):
                notified = store.apply(change)
                if notified is not None and on_change is not None:
                    on_change(notified)
    return store.alerts()


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--watch", required=True, help="the watch list (JSON, as the role writes it)")
    parser.add_argument("--vrps", help="VRPs (validator JSON or CSV) for rpki-invalid")
    parser.add_argument("--aspas", help="ASPAs (rpki-client JSON) for aspa-invalid and route-leak")
    parser.add_argument("--collector", help="the collector's name in vantage points (default: each file's name)")
    parser.add_argument("--changes", action="store_true", help="print each notified change, not the alerts")
    parser.add_argument("--throttle", type=float, default=0.0, help="seconds between notified updates of an alert")
    parser.add_argument("files", nargs="+", metavar="FILE", help="MRT files, in the order to replay them")
    args = parser.parse_args(argv)
    try:
        watch = read_watch_list(args.watch)
        vrps = RovIndex(read_vrps(args.vrps)) if args.vrps else None
        aspas = read_aspas(args.aspas) if args.aspas else None
        printed = _print_change if args.changes else None
    except DataError as exc:
        sys.stderr.write("error: %s\n" % exc)
        return 2
    faults = []
    alerts = replay(args.files, watch, vrps, aspas, args.collector, args.throttle, printed, faults.append)
    if not args.changes:
        for alert in alerts:
            sys.stdout.write(json.dumps(alert.to_dict(), sort_keys=True) + "\n")
    for fault in faults:
        sys.stderr.write("error: %s\n" % fault)
    return 1 if faults else 0


def _print_change(change: AlertChange) -> None:
    change_text = json.dumps({"event": change.event, "at": change.at, "alert": change.alert.to_dict()}, sort_keys=True)
    sys.stdout.write(change_text + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
