# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The monitor as a running service: live feeds -> detector -> alert store -> outputs, with a status page.

``MonitorService`` reads one configuration file (``config``), then:

* **feeds**: a BMP listener (``observe.bmp``) for the routers, an ExaBGP speaker (``observe.exabgp``) for BGP
  sessions. Their route events go through the ``Detector``; each change it makes goes to the ``AlertStore``
  (grouping, throttle), and each change the store lets through to the ``Notifier`` (one queue per output,
  kept in ``<state_dir>/outputs``) and to the metrics. Feeds call in from their own threads; one lock keeps
  detector and store consistent.
* **status**: ``/`` and ``/metrics`` on ``status_listen`` (``status_page``); feed status (a router or speaker
  connected or gone, a vantage point up or down) shows as ``routesec_monitor_feed_up`` and in the log.
* **state**: the alert groups in ``<state_dir>/alerts.json``, written within ``SAVE_EVERY`` seconds of a change
  and on exit. A restart restores them: an alert still active is not raised again (the detector's raise is an
  update to the store, throttled from its last notification).
* **sweep**: ``sweep_after`` seconds after the start, the feeds have sent their tables again (a BMP router
  sends its Adj-RIB-In on connecting, an ExaBGP session its table on coming up; no End-of-RIB is awaited, as
  FRR's BMP does not mark the end of the initial table): the restored alerts the detector does not hold then
  are cleared (``AlertStore.sweep``). A feed still down at that moment has its restored alerts cleared too.
* **SIGHUP**: the configuration is read again; the watch list, VRPs and ASPAs are swapped in
  (``Detector.rewatched``: the routes held are judged again, alerts of prefixes no longer watched clear, new
  causes raise, alert state is kept). Other changed fields (feeds, outputs, listen addresses, state
  directory, throttle) take a restart and are named in the log. A configuration that cannot be read is
  logged and the running one kept.
* **SIGTERM** (or SIGINT): the feeds stop (nothing is withdrawn), the state is saved, the outputs' queues are
  closed (undelivered changes stay on disk for the next start); exit status 0.

A fault in a feed (a router's connection dropped, ExaBGP exiting: started again after ``RESTART_AFTER``
seconds) or in an output (retried by its queue) is logged and shown in the metrics; the rest runs on.

From the command line (``--check``: read the configuration and exit)::

    python -m ansible_collections.routesec.bgp.plugins.module_utils.monitor.service --config FILE [--check]

One-shot replays of MRT files are ``replay``'s. A configuration that cannot be read, or a listener that cannot
listen, is a message on standard error and exit status 2.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from collections.abc import Iterable

from ..errors import DataError
from ..observe.bmp import BmpListener
from ..observe.events import RouteEvent
from ..observe.exabgp import ExabgpSpeaker
from ..observe.feeds import FeedStatus
from ..rpki.aspa import read_aspas
from ..rpki.rov import RovIndex
from ..rpki.vrp import read_vrps
from .config import ServiceConfig, read_config
from .detect import Detector
from .metrics import MonitorMetrics
from .model import UPDATED, AlertChange
from .notify import Notification, Notifier
from .outputs import build_outputs
from .state import AlertStore
from .status_page import StatusServer, parse_listen

LOG = logging.getLogger("routesec.monitor")
SAVE_EVERY = 2.0  # seconds: the state is written this long after a change, at the latest
RESTART_AFTER = 10.0  # seconds before ExaBGP, having exited, is started again
TICK = 0.5


class MonitorService:
    """See the module's description."""

    def __init__(self, config_path):
        self.config_path = config_path
        self.config = read_config(config_path)
        self.config.state_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._reload_asked = self._stop_asked = False
        self.detector = Detector(self.config.watch, *rpki_of(self.config))
        self.store = AlertStore(self.config.state_dir / "alerts.json", throttle=self.config.throttle)
        self.notifier = None
        self.metrics = MonitorMetrics(lambda: self.notifier.statuses() if self.notifier else [])
        outputs = build_outputs(self.config.outputs)
        self.notifier = Notifier(outputs, self.config.state_dir, listeners=[self.metrics.alert_changed])
        self._restore_metrics()
        self.started = time.time()
        self.swept = False
        self._dirty_since: float | None = None
        self.status_server = StatusServer(self.metrics, self.config.status_listen)
        self.bmp: BmpListener | None = None
        self.exabgp: ExabgpSpeaker | None = None
        self._exabgp_restart_at: float | None = None

    # Starting and stopping

    def start(self) -> MonitorService:
        self.status_server.start()
        LOG.info("status page and metrics at %s", self.status_server.url)
        self._start_bmp()
        self._start_exabgp()
        return self

    def run(self) -> None:
        """Serve until SIGTERM (or SIGINT); SIGHUP reloads."""
        signal.signal(signal.SIGHUP, lambda *_: self.ask("reload"))
        signal.signal(signal.SIGTERM, lambda *_: self.ask("stop"))
        signal.signal(signal.SIGINT, lambda *_: self.ask("stop"))
        while not self._stop_asked:
            self._wake.wait(TICK)
            self._wake.clear()
            if self._reload_asked:
                self._reload_asked = False
                self.reload()
            self._housekeeping()
        self.stop()

    def ask(self, what: str) -> None:
        """Ask the main loop to ``reload`` or ``stop`` (safe from a signal handler)."""
        if what == "reload":
            self._reload_asked = True
        else:
            self._stop_asked = True
        self._wake.set()

    def stop(self) -> None:
        LOG.info("stopping: feeds closed, state saved")
        if self.bmp is not None:
            self.bmp.close()
        if self.exabgp is not None:
            self.exabgp.stop()
        self.status_server.close()
        with self._lock:
            self.store.save()
        self.notifier.close()

    def _start_bmp(self) -> None:
        feed = self.config.bmp
        if feed is None:
            return
        host, port = parse_listen(feed.listen, "monitor configuration feeds.bmp")
        listener = BmpListener(self.on_event, self.on_status, host, port, names=feed.routers)
        try:
            self.bmp = listener.start()
        except OSError as exc:
            self.metrics.feed_down("bmp listener", "cannot listen on %s: %s" % (feed.listen, exc.strerror or exc))
            LOG.error("the BMP listener cannot listen on %s: %s", feed.listen, exc.strerror or exc)
            return
        self.metrics.feed_up("bmp listener")
        LOG.info("BMP listener on %s", feed.listen)

    def _start_exabgp(self) -> None:
        feed = self.config.exabgp
        if feed is None:
            return
        folder = self.config.state_dir / ("exabgp-" + feed.name)
        folder.mkdir(exist_ok=True)
        name = "bgp " + feed.name
        try:
            speaker = ExabgpSpeaker(
                feed.name, feed.sessions, self.on_event, self.on_status, folder, (), feed.settings, feed.program
            )
            self.exabgp = speaker.start()
        except (DataError, OSError) as exc:
            self.metrics.feed_down(name, str(exc))
            LOG.error("ExaBGP (%s) cannot start: %s", name, exc)
            self._exabgp_restart_at = time.monotonic() + RESTART_AFTER
            return
        self.metrics.feed_up(name)
        LOG.info("ExaBGP (%s) started, process %d", name, self.exabgp.process.pid)

    # What the feeds hand over (from their threads)

    def on_event(self, event: RouteEvent) -> None:
        try:
            with self._lock:
                self._publish(self.detector.observe(event))
            self.metrics.route_events(feed_of(event.vantage))
        except Exception:  # a fault on one route must not end the feed's connection
            LOG.exception("route event %s at %s could not be judged", event.prefix, event.vantage)

    def on_status(self, status: FeedStatus) -> None:
        name = status.vantage or status.feed
        if status.state == "peer-up" or (status.state == "connected" and status.vantage is None):
            self.metrics.feed_up(name)  # a vantage point is up once its session is, not its TCP connection
        elif status.state in ("disconnected", "peer-down"):
            self.metrics.feed_down(name, status.detail)
        level = logging.WARNING if status.state in ("error", "disconnected", "peer-down") else logging.INFO
        LOG.log(level, "feed %s: %s%s", name, status.state, ": " + status.detail if status.detail else "")

    # Reload, sweep, state

    def reload(self) -> None:
        """Read the configuration again and swap in its watch list, VRPs and ASPAs (see the description)."""
        try:
            config = read_config(self.config_path)
            rpki = rpki_of(config)
        except DataError as exc:
            LOG.error("reload refused, the running configuration is kept: %s", exc)
            return
        with self._lock:
            self.detector, changes = self.detector.rewatched(config.watch, *rpki, at=time.time())
            self._publish(changes)
        later = config.restart_needed(self.config)
        if later:
            LOG.warning("reloaded the watch list, VRPs and ASPAs; %s change(s) on restart only", ", ".join(later))
        else:
            LOG.info("reloaded the watch list, VRPs and ASPAs")
        self.config = config

    def sweep(self) -> list[Notification]:
        """Clear the restored alerts the detector does not hold (see the description)."""
        with self._lock:
            held = [alert.key for alert in self.detector.active()]
            published = self._publish(self.store.sweep(held, time.time()), through_store=False)
        self.swept = True
        LOG.info("swept the alert state: %d restored alert(s) cleared", len(published))
        return published

    def _housekeeping(self) -> None:
        if not self.swept and time.time() - self.started >= self.config.sweep_after:
            self.sweep()
        if self._dirty_since is not None and time.monotonic() - self._dirty_since >= SAVE_EVERY:
            self._save()
        self._keep_exabgp_running()

    def _keep_exabgp_running(self) -> None:
        speaker = self.exabgp
        if speaker is not None and speaker.process.poll() is not None and self._exabgp_restart_at is None:
            self._exabgp_restart_at = time.monotonic() + RESTART_AFTER
            LOG.warning("ExaBGP exited (status %s): started again in %g s", speaker.process.returncode, RESTART_AFTER)
        if self._exabgp_restart_at is not None and time.monotonic() >= self._exabgp_restart_at:
            self._exabgp_restart_at = None
            self._start_exabgp()

    def _save(self) -> None:
        with self._lock:
            try:
                self.store.save()
            except OSError as exc:
                LOG.error("cannot save the alert state in %s: %s", self.store.path, exc.strerror or exc)
                return
            self._dirty_since = None

    def _publish(self, changes: Iterable[AlertChange], through_store: bool = True) -> list[Notification]:
        """Each change (recorded in the store first, unless it comes from it) to the outputs; caller holds the
        lock."""
        published = []
        for change in changes:
            notified = self.store.apply(change) if through_store else change
            if notified is not None:
                published.append(self.notifier.publish(notified))
                if self._dirty_since is None:
                    self._dirty_since = time.monotonic()
        return published

    def _restore_metrics(self) -> None:
        for alert in self.store.alerts(active_only=True):
            self.metrics.alert_changed(Notification(UPDATED, alert, alert.last_seen, 0))


def rpki_of(config: ServiceConfig) -> tuple:
    """(VRPs as a RovIndex, ASPAs), None for what the configuration does not give."""
    vrps = RovIndex(read_vrps(config.vrps)) if config.vrps else None
    aspas = read_aspas(config.aspas) if config.aspas else None
    return vrps, aspas


def feed_of(vantage: str) -> str:
    """The feed of a vantage point: ``bmp r1`` of ``bmp r1 198.18.0.10``."""
    return " ".join(vantage.split()[:2])


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--config", required=True, help="the service's configuration (JSON, as monitor_config writes)")
    parser.add_argument("--check", action="store_true", help="read the configuration, report, and exit")
    parser.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        if args.check:
            read_config(args.config)
            return 0
        service = MonitorService(args.config).start()
    except DataError as exc:
        sys.stderr.write("error: %s\n" % exc)
        return 2
    service.run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
