# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""FRR: prefix-lists changed by the minimal delta, originations added, session policy planned object by object.

What a candidate may hold is in ``frr_candidate``: prefix-lists, planned each
against the running one (entries that stay keep their sequence numbers, only
entries added or removed are sent; a list where nothing stays, renumbered, is
replaced as a whole instead, which costs FRR fewer lines), originations,
only added, and the session policy (``frr_policy``: AS-path and community
lists, route-maps and the neighbours' bindings, each entry or line that differs
changed, the policy's objects nothing uses any more removed). ``FrrBase`` holds the planning, the push and its read-back, the
rollback and the BGP state every FRR driver shares; a subclass says how lines
and commands reach vtysh.

FRR checks every new entry against all the entries of its list, so sending
an entry costs time in proportion to the list's length: sending only the delta
is what keeps a change to a 100,000-entry list affordable.

vtysh does not apply a change as a transaction (lines before a refused one
stay applied), so after a push the driver reads the lists and the policy back
and, when they are not as planned, puts them back as they were. ``save`` writes the
configuration (``write memory``) once a change is final.

``FrrDriver`` (this module) runs vtysh on the router through a runner (over SSH
or on this host): vtysh checks the candidate first (``vtysh --dryrun``), the
change goes to vtysh as one file (``vtysh -f``), which FRR reads several times
faster than line by line, and with a confirm timer the driver leaves a watchdog
on the router (``watchdog``) that sends the reverse of the change unless it is
confirmed in time. Its files live in ``state_dir`` on the router: the
candidate, the change and its reverse, the timer's marker, and the lock
directory. ``frr_netmiko`` drives vtysh as an SSH shell instead.
"""

from __future__ import annotations

import json
import shlex

from ..render import frr
from ..render.list_delta import ListChange, plan_list, unified_diff
from . import DriverError, frr_policy, unified
from .frr_candidate import parse_candidate, plan_originations
from .frr_policy import PolicyChange
from .locked import RunnerDriver, short
from .watchdog import Watchdog

REFUSALS = (
    "% Unknown command",
    "% Invalid",
    "% Malformed",
    "% Ambiguous",
    "% Incomplete",
    "% Command incomplete",
    "% There is no matched command",
    "% Configuration failed",
)


class FrrBase:
    """The verbs every FRR driver shares; a subclass provides ``show``, ``send``, ``check_candidate`` and,
    when it has a confirm timer, ``arm`` and ``disarm``."""

    platform = "frr"
    confirm_timer = False  # whether commit(confirm=...) has a timer that sends the change back
    line_of = staticmethod(frr.entry_line)

    def __init__(self, name: str, where: str, save: bool = True, method: str = "auto"):
        if method not in ("auto", "delta", "replace"):
            raise DriverError("method must be auto, delta or replace, not %r" % method, "FRR driver")
        self.name = name
        self.where = where
        self.save = save
        self.method = method
        self.changes = None  # the planned ListChanges of the loaded candidate
        self.originations = []  # the planned Originations of the loaded candidate
        self.policy = PolicyChange({}, {})  # the planned session-policy change of the loaded candidate
        self.policy_state = {}  # the session-policy objects the router will hold, for the guards
        self.prefix_list_names = set()  # (afi, name) of the prefix-lists the router will hold, for the guards
        self.committed = None  # (changes, originations, policy) of the last commit, for rollback
        self.pending = False
        self.sent = []  # the lines of the last push

    # -- what a subclass provides -------------------------------------------------------------------

    def show(self, command: str) -> str:  # pragma: no cover - each driver's
        """The answer to one vtysh command; DriverError when it fails."""
        raise NotImplementedError

    def send(self, lines: list) -> str:  # pragma: no cover - each driver's
        """Send configuration ``lines``; FRR's refusals ("" when none)."""
        raise NotImplementedError

    def check_candidate(self, text: str) -> None:
        """Have FRR check ``text`` before anything is planned (DriverError when refused)."""

    def arm(self, seconds: int, undo: list) -> None:
        raise DriverError("this FRR driver has no confirm timer; commit without confirm", self.where)

    def disarm(self) -> bool:
        return False

    # -- the verbs ----------------------------------------------------------------------------------

    def get_running(self) -> str:
        return self.show("show running-config")

    def load_candidate(self, text: str) -> None:
        self.check_candidate(text)
        candidate = parse_candidate(text, self.where)
        running_text = self.get_running()
        running = frr.parse_prefix_lists(running_text)
        self.changes = [plan_list(plist, running.get((plist.afi, plist.name))) for plist in candidate.prefix_lists]
        self.originations = plan_originations(candidate.networks, running_text)
        before = frr_policy.parse(running_text)
        self.policy_state = frr_policy.target(before, candidate.policy)
        self.policy = PolicyChange(before, self.policy_state)
        self.prefix_list_names = {key for key, entries in running.items() if entries}
        self.prefix_list_names |= {(c.afi, c.name) for c in self.changes if c.after}
        self.prefix_list_names -= {(c.afi, c.name) for c in self.changes if not c.after}

    def compare(self) -> str:
        lists = unified_diff(self._need_changes(), frr.entry_line, self.name)
        policy = unified(*self.policy.diff_texts(), self.name) if self.policy else ""
        added = added_lines(self.originations)
        return lists + policy + (unified("", "".join(line + "\n" for line in added), self.name) if added else "")

    def commands(self) -> list:
        """The lines a commit of the loaded candidate sends."""
        changed = [c for c in self._need_changes() if c.changed]
        return self.lines_for(changed) + self.policy.lines() + added_lines(self.originations)

    def discard(self) -> None:
        self.changes = None
        self.originations = []
        self.policy = PolicyChange({}, {})

    def commit(self, confirm: int | None = None) -> None:
        changes = [c for c in self._need_changes() if c.changed]
        originations, policy = self.originations, self.policy
        if confirm:
            self.arm(confirm, self.undo_lines(changes, originations, policy))
        try:
            self.push(changes, originations, policy)
        except DriverError:
            if confirm:
                self.disarm()
            raise
        self.committed = (changes, originations, policy)
        self.discard()
        if confirm:
            self.pending = True
        else:
            self.persist()

    def confirm(self) -> None:
        if not self.pending:
            raise DriverError("there is no commit waiting for confirmation", self.where)
        self.pending = False
        if not self.disarm():
            raise DriverError("nothing to confirm: the driver's timer already sent the change back", self.where)
        self.persist()

    def rollback(self) -> None:
        """Back to the lists and originations as they were before the last commit."""
        if self.committed is None:
            raise DriverError("there is no commit to roll back", self.where)
        if self.pending:
            self.disarm()
            self.pending = False
        changes, originations, policy = self.committed
        self.restore(changes, policy=policy)
        undo = taken_back_lines(originations)
        if undo and self.send(undo):
            raise DriverError("taking the originations back failed; check the router by hand", self.where)
        self.persist()
        self.committed = None

    # -- pushing --------------------------------------------------------------------------------------

    def lines_for(self, changes: list) -> list:
        return [line for change in changes for line in self.change_lines(change)]

    def change_lines(self, change):
        replace = self.method == "replace" or (self.method == "auto" and change.before and not kept(change))
        return frr.replace_lines(change) if replace else frr.change_lines(change)

    def undo_lines(self, changes, originations, policy=None):
        """The lines that send ``changes``, ``originations`` and ``policy`` back."""
        undo = self.lines_for([c.reverse() for c in changes])
        return undo + (policy.reverse().lines() if policy else []) + taken_back_lines(originations)

    def push(self, changes, originations=(), policy=None):
        """Send the change; read the lists and the policy back and put them back as they were when they are not
        as planned."""
        policy = policy or PolicyChange({}, {})
        self.sent = self.lines_for(changes) + policy.lines() + added_lines(originations)
        if not self.sent:
            return
        refused = self.send(self.sent)
        running_text = self.get_running()
        running = frr.parse_prefix_lists(running_text)
        wrong = [c.name for c in changes if running.get((c.afi, c.name), {}) != c.after]
        wrong += policy.wrong(frr_policy.parse(running_text)) if policy else []
        if refused or wrong:
            self.restore(changes, running_text, policy)
            undo = taken_back_lines(originations)
            if undo:
                self.send(undo)
            raise DriverError(
                "the change did not apply (%s); the previous configuration was put back"
                % (refused or "not as planned: %s" % ", ".join(wrong)),
                self.where,
            )

    def restore(self, changes, running_text=None, policy=None):
        """Bring every list of ``changes`` and every object of ``policy`` back to its ``before``, from whatever
        state it is in now."""
        if running_text is None:
            running_text = self.get_running()
        running = frr.parse_prefix_lists(running_text)
        back = [ListChange(c.afi, c.name, running.get((c.afi, c.name), {}), c.before) for c in changes]
        lines = [line for change in back if change.changed for line in frr.change_lines(change)]
        if policy:
            lines += policy.back_from(frr_policy.parse(running_text)).lines()
        if lines and self.send(lines):
            raise DriverError("putting the previous configuration back failed; check the router by hand", self.where)

    def persist(self):
        if self.save:
            output = self.show("write memory")
            if "[OK]" not in output and "Configuration saved" not in output:
                raise DriverError("'write memory' did not confirm: %s" % short(output), self.where)

    # -- BGP state, for the post-change checks ----------------------------------------------------

    def neighbors(self):
        output = self.show("show bgp neighbors json")
        try:
            return json.loads(output or "{}")
        except ValueError:
            raise DriverError("'show bgp neighbors json' did not answer JSON", self.where) from None

    def established(self, names) -> set:
        """The BGP neighbors (addresses or interface names) among ``names`` that are Established."""
        neighbors = self.neighbors()
        return {n for n in names if neighbors.get(n, {}).get("bgpState") == "Established"}

    def prefix_counts(self, names) -> dict:
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


class FrrDriver(FrrBase, RunnerDriver):
    """vtysh run on the router through a runner, with a watchdog as its confirm timer."""

    confirm_timer = True

    def __init__(self, runner, state_dir, vtysh=("vtysh",), name=None, save=True, method="auto"):
        self.state_dir = str(state_dir).rstrip("/")
        name = name or runner.where
        FrrBase.__init__(self, name, "device %s (FRR, %s)" % (name, runner.where), save, method)
        RunnerDriver.__init__(self, runner, self.file("lock"), self.where)
        self.vtysh = [str(word) for word in vtysh]
        self.watchdog = Watchdog(runner, self.file("pending"), self.where)

    def __enter__(self):
        self.command(["mkdir", "-p", self.state_dir], "making the folder %s" % self.state_dir)
        return super().__enter__()

    def file(self, what):
        return "%s/routesec-%s" % (self.state_dir, what)

    def show(self, command):
        return self.command(self.vtysh + ["-c", command], command)

    def check_candidate(self, text):
        path = self.file("candidate")
        self.runner.write(path, text)
        status, output = self.runner.run(self.vtysh + ["--dryrun", "-f", path])
        self.runner.remove(path)
        if status != 0:
            raise DriverError("vtysh refused the candidate, nothing was changed: %s" % short(output), self.where)

    def arm(self, seconds, undo):
        self.runner.write(self.file("undo"), lines_text(undo))
        self.watchdog.arm(seconds, "%s -f %s" % (shlex.join(self.vtysh), shlex.quote(self.file("undo"))))

    def disarm(self):
        return self.watchdog.disarm()

    def send(self, lines):
        """Send ``lines`` as one file; FRR's refusals ("" when none)."""
        path = self.file("change")
        self.runner.write(path, lines_text(lines))
        status, output = self.runner.run(self.vtysh + ["-f", path])
        return refusals(output, status)


def kept(change):
    """Entries of ``change`` that stay as they are."""
    return [seq for seq, entry in change.before.items() if change.after.get(seq) == entry]


def added_lines(originations):
    return [line for plan in originations for line in plan.lines()]


def taken_back_lines(originations):
    return [line for plan in originations for line in plan.undo_lines()]


def lines_text(lines):
    return "".join(line + "\n" for line in lines)


def refusals(output, status=0):
    """FRR's refusals in ``output``, on one line ("" when none; a failed status without one counts)."""
    refused = [line.strip() for line in output.splitlines() if any(mark in line for mark in REFUSALS)]
    if status != 0 and not refused:
        refused = [short(output)]
    return "; ".join(refused[:5])
