# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""FRR through vtysh on the router: prefix-lists changed by the minimal delta, commit-confirmed by a timer.

The driver manages prefix-lists: a candidate is FRR configuration made of
``ip``/``ipv6 prefix-list`` entry lines (and ``no ... prefix-list NAME`` lines,
as the renderer writes them); anything else is refused. ``load_candidate`` has
vtysh check the candidate (``vtysh --dryrun``) and plans each list against the
running one: entries that stay keep their sequence numbers, only entries added
or removed are sent. A list where nothing stays (renumbered) is replaced as a
whole instead, which costs FRR fewer lines. The change goes to vtysh as one file
(``vtysh -f``), which FRR reads several times faster than line by line.

FRR checks every new entry against all the entries of its list, so sending
an entry costs time in proportion to the list's length: sending only the delta
is what keeps a change to a 100,000-entry list affordable.

With a confirm timer the driver leaves a watchdog on the router (``watchdog``)
that sends the reverse of the change unless it is confirmed in time. ``vtysh
-f`` is not a transaction (lines before a refused one stay applied), so after a
push the driver reads the lists back and, when they are not as planned, puts
them back as they were. ``save`` writes the configuration (``write memory``)
once a change is confirmed.

Its files live in ``state_dir`` on the router: the candidate, the change and its
reverse, the timer's marker, and the lock directory.
"""

from __future__ import annotations

import json
import shlex

from ..model import PrefixList
from ..plan import ListChange, plan_list, unified_diff
from ..render import frr
from ..render.common import CISCO_LINE
from . import DriverError
from .locked import RunnerDriver, short
from .watchdog import Watchdog

REFUSALS = ("% Unknown command", "% Invalid", "% Malformed", "% Ambiguous", "% Incomplete", "% Configuration failed")


class FrrDriver(RunnerDriver):
    platform = "frr"
    line_of = staticmethod(frr.entry_line)

    def __init__(self, runner, state_dir, vtysh=("vtysh",), name=None, save=True, method="auto"):
        if method not in ("auto", "delta", "replace"):
            raise DriverError("method must be auto, delta or replace, not %r" % method, "FRR driver")
        self.state_dir = str(state_dir).rstrip("/")
        self.name = name or runner.where
        super().__init__(runner, self.file("lock"), "device %s (FRR, %s)" % (self.name, runner.where))
        self.vtysh = [str(word) for word in vtysh]
        self.save = save
        self.method = method
        self.watchdog = Watchdog(runner, self.file("pending"), self.where)
        self.changes = None  # the planned ListChanges of the loaded candidate
        self.committed = None  # the changes of the last commit, for rollback
        self.pending = False
        self.sent = []  # the lines of the last push

    def __enter__(self):
        self.command(["mkdir", "-p", self.state_dir], "making the folder %s" % self.state_dir)
        return super().__enter__()

    def file(self, what):
        return "%s/routesec-%s" % (self.state_dir, what)

    # -- the verbs ----------------------------------------------------------------------------------

    def get_running(self):
        return self.command(self.vtysh + ["-c", "show running-config"], "show running-config")

    def load_candidate(self, text):
        path = self.file("candidate")
        self.runner.write(path, text)
        status, output = self.runner.run(self.vtysh + ["--dryrun", "-f", path])
        self.runner.remove(path)
        if status != 0:
            raise DriverError("vtysh refused the candidate, nothing was changed: %s" % short(output), self.where)
        wanted = candidate_lists(text, self.where)
        running = frr.parse_prefix_lists(self.get_running())
        self.changes = [plan_list(plist, running.get((plist.afi, plist.name))) for plist in wanted]

    def compare(self):
        return unified_diff(self._need_changes(), frr.entry_line, self.name)

    def discard(self):
        self.changes = None

    def commit(self, confirm=None):
        changes = [c for c in self._need_changes() if c.changed]
        if confirm:
            self.runner.write(self.file("undo"), lines_text(self.lines_for([c.reverse() for c in changes])))
            self.watchdog.arm(confirm, "%s -f %s" % (shlex.join(self.vtysh), shlex.quote(self.file("undo"))))
        try:
            self.push(changes)
        except DriverError:
            if confirm:
                self.watchdog.disarm()
            raise
        self.committed, self.changes = changes, None
        if confirm:
            self.pending = True
        else:
            self.persist()

    def confirm(self):
        if not self.pending:
            raise DriverError("there is no commit waiting for confirmation", self.where)
        self.pending = False
        if not self.watchdog.disarm():
            raise DriverError("nothing to confirm: the driver's timer already sent the change back", self.where)
        self.persist()

    def rollback(self):
        """Back to the lists as they were before the last commit."""
        if self.committed is None:
            raise DriverError("there is no commit to roll back", self.where)
        if self.pending:
            self.watchdog.disarm()
            self.pending = False
        self.restore(self.committed)
        self.persist()
        self.committed = None

    # -- pushing --------------------------------------------------------------------------------------

    def lines_for(self, changes):
        return [line for change in changes for line in self.change_lines(change)]

    def change_lines(self, change):
        replace = self.method == "replace" or (self.method == "auto" and change.before and not kept(change))
        return frr.replace_lines(change) if replace else frr.change_lines(change)

    def push(self, changes):
        """Send ``changes``; read the lists back and put them back as they were when they are not as planned."""
        self.sent = self.lines_for(changes)
        if not self.sent:
            return
        refused = self.send(self.sent)
        running = frr.parse_prefix_lists(self.get_running())
        wrong = [c.name for c in changes if running.get((c.afi, c.name), {}) != c.after]
        if refused or wrong:
            self.restore(changes, running)
            raise DriverError(
                "the change did not apply (%s); the previous lists were put back"
                % (refused or "not as planned: %s" % ", ".join(wrong)),
                self.where,
            )

    def send(self, lines):
        """Send ``lines`` as one file; FRR's refusals ("" when none)."""
        path = self.file("change")
        self.runner.write(path, lines_text(lines))
        status, output = self.runner.run(self.vtysh + ["-f", path])
        refused = [line.strip() for line in output.splitlines() if any(mark in line for mark in REFUSALS)]
        if status != 0 and not refused:
            refused = [short(output)]
        return "; ".join(refused[:5])

    def restore(self, changes, running=None):
        """Bring every list of ``changes`` back to its ``before``, from whatever state it is in now."""
        if running is None:
            running = frr.parse_prefix_lists(self.get_running())
        back = [ListChange(c.afi, c.name, running.get((c.afi, c.name), {}), c.before) for c in changes]
        lines = [line for change in back if change.changed for line in frr.change_lines(change)]
        if lines and self.send(lines):
            raise DriverError("putting the previous lists back failed; check the router by hand", self.where)

    def persist(self):
        if self.save:
            output = self.command(self.vtysh + ["-c", "write memory"], "write memory")
            if "[OK]" not in output and "Configuration saved" not in output:
                raise DriverError("'write memory' did not confirm: %s" % short(output), self.where)

    def neighbors(self):
        output = self.command(self.vtysh + ["-c", "show bgp neighbors json"], "show bgp neighbors")
        try:
            return json.loads(output or "{}")
        except ValueError:
            raise DriverError("'show bgp neighbors json' did not answer JSON", self.where) from None

    def established(self, names):
        """The BGP neighbors (addresses or interface names) among ``names`` that are Established."""
        neighbors = self.neighbors()
        return {n for n in names if neighbors.get(n, {}).get("bgpState") == "Established"}

    def prefix_counts(self, names):
        """{neighbor: {"accepted": n, "sent": n}} over all address families, for the known ``names``."""
        neighbors = self.neighbors()
        counts = {}
        for name in names:
            families = neighbors.get(name, {}).get("addressFamilyInfo")
            if families is not None:
                counts[name] = {
                    "accepted": sum(f.get("acceptedPrefixCounter", 0) for f in families.values()),
                    "sent": sum(f.get("sentPrefixCounter", 0) for f in families.values()),
                }
        return counts

    def _need_changes(self):
        if self.changes is None:
            raise DriverError("no candidate is loaded", self.where)
        return self.changes


def kept(change):
    """Entries of ``change`` that stay as they are."""
    return [seq for seq, entry in change.before.items() if change.after.get(seq) == entry]


def lines_text(lines):
    return "".join(line + "\n" for line in lines)


def candidate_lists(text, where):
    """The prefix-lists of a candidate, in its order; DriverError on any line that is not a prefix-list's."""
    found = frr.parse_prefix_lists(text)
    names = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("!"):
            continue
        words = line.split()
        if len(words) == 4 and words[0] == "no" and words[2] == "prefix-list" and words[1] in ("ip", "ipv6"):
            names.setdefault((4 if words[1] == "ip" else 6, words[3]), None)
            continue
        match = CISCO_LINE.match(line)
        if not match or match["seq"] is None:
            raise DriverError(
                "candidate line %d is not a prefix-list entry with a sequence number (the FRR driver manages "
                "prefix-lists only): %s" % (number, line[:120]),
                where,
            )
        names.setdefault((4 if match["kw"] == "ip" else 6, match["name"]), None)
    return [
        PrefixList(name, afi, tuple(entry for seq, entry in sorted(found.get((afi, name), {}).items())))
        for afi, name in names
    ]
