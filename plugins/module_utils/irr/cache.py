# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Answers of earlier runs, reused only while the IRR's data has not changed.

``CachedClient`` wraps a ``WhoisClient``: every answer it receives (data or
"not found"; never an error) is kept in a file per server and source list, and
a later run asks the server only what the file does not hold. Results computed
from answers (``remember``: the expansion of an AS-SET) are kept the same way. The file is valid
for as long as the server's own status of each queried source is the same: IRRd
4's ``!J`` reports, per source, when its RPSL data last changed
(``rpsl_data_updated``) and its journal, mirror and NRTMv4 serials. Any change
to any of them discards every answer. A server without ``!J``, or a source
without ``rpsl_data_updated``, means no cache: every query goes to the server.

Answers are saved only when they are known to come from one state of the data:
the status read when the run starts must equal the status read when it ends, and
no source may have changed within ``settle`` seconds before the start (IRRd
answers ``!i``/``!a`` from an in-memory copy refreshed shortly after a change).
Two files per server and source list, written atomically in a directory only
its owner can read: the results (read when the run starts) and the raw answers
(read only when a query is not answered by a result).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from datetime import datetime

from ..local_files import write_atomically
from .whois import IrrError, encode_command

FORMAT = 1
DEFAULT_SETTLE = 60.0
# The parts of a source's !J status that change when its data can have changed.
STATUS_KEYS = ("rpsl_data_updated", "serial_newest_journal", "serial_newest_mirror", "nrtm4_client_version")


class CachedClient:
    """A ``WhoisClient`` whose answers are kept in ``directory`` while the IRR is unchanged.

    It answers ``query``/``query_many`` like the client; everything else
    (``version``, ``supports_a``, ``server``, ``queries``...) is the client's.
    ``report()`` says whether the cache was used, and why not.
    """

    def __init__(self, client, directory, settle=DEFAULT_SETTLE):
        self.client = client
        self.directory = os.path.abspath(os.path.expanduser(str(directory)))
        self.settle = float(settle)
        key = "%s|%s" % (client.server, ",".join(client.sources))
        stem = os.path.join(self.directory, "irr-%s" % hashlib.sha256(key.encode()).hexdigest()[:16])
        self.path = stem + ".json"  # results: small, read on connect
        self.answers_path = stem + ".answers.json"  # raw answers: read on the first query
        self.answers = None  # raw answers (bytes -> bytes or None), once read
        self.results = {}  # results computed from answers (an AS-SET's expansion), JSON values
        self.status = None  # the sources' status at the start, or None before connect()
        self.reason = None  # why answers are not saved (None: they are)
        self.hits = 0
        self.answers_loaded = 0
        self.results_loaded = 0
        self._changed = set()  # the files to write: "results", "answers"

    def __getattr__(self, name):
        return getattr(self.client, name)

    def __enter__(self):
        self.connect()
        return self

    def __exit__(self, *exc):
        self.close(save=exc[0] is None)

    def connect(self, subject=None):
        """Connect, read the sources' status and load the answers that are still valid."""
        self.client.connect(subject)
        if self.status is None:
            self.status, self.reason = self._read_status(subject)
            if self.reason is None:
                self.reason = self._unsettled()
            if self.status:
                self.results = self._read(self.path, "results")
                self.results_loaded = len(self.results)
        return self

    def query(self, command, subject=None):
        return self.query_many([command], subject)[0]

    def query_many(self, commands, subject=None):
        self.connect(subject)
        encoded = [encode_command(command) for command in commands]
        if not self.status:
            return self.client.query_many(encoded, subject)
        if self.answers is None:
            self.answers = _from_text(self._read(self.answers_path, "answers"))
            self.answers_loaded = len(self.answers)
        answers = self.answers
        wanted = list(dict.fromkeys(c for c in encoded if c not in answers))
        self.hits += len(encoded) - len(wanted)
        if wanted:
            answers.update(zip(wanted, self.client.query_many(wanted, subject)))
            self._changed.add("answers")
        return [answers[c] for c in encoded]

    def remember(self, key, compute, encode, decode):
        """``compute()``, or its value saved under ``key`` by an earlier run with the same data.

        ``encode`` makes the value JSON-able, ``decode`` makes it back.
        """
        self.connect()
        if self.status and key in self.results:
            self.hits += 1
            return decode(self.results[key])
        value = compute()
        if self.status:
            self.results[key] = encode(value)
            self._changed.add("results")
        return value

    def close(self, save=True):
        """Save new answers (if they are known to be consistent) and close the connections."""
        try:
            if save and self.status and self._changed and self.reason is None:
                status, reason = self._read_status(None)
                if status != self.status:
                    self.reason = reason or "the IRR's data changed during the run"
                else:
                    self._save()
        finally:
            self.client.close()

    def report(self):
        return {
            "path": self.path,
            "used": bool(self.status),
            "answers_loaded": self.answers_loaded,
            "results_loaded": self.results_loaded,
            "hits": self.hits,
            "saved": bool(self.status) and bool(self._changed) and self.reason is None,
            "reason": self.reason,
        }

    # -- status -------------------------------------------------------------------------

    def _read_status(self, subject):
        """({source: [status values]}, None), or (None, why the cache cannot be used)."""
        try:
            answer = self.client.query(b"!J-*\n", subject) if self.client.supports_a else None
        except IrrError as exc:
            if exc.query is None:  # the connection failed: not a question of the cache
                raise
            answer = None
        if not answer:
            return None, "the server does not report its sources' status (!J)"
        try:
            sources = json.loads(answer.decode("utf-8"))
        except ValueError:
            return None, "the server's !J answer is not JSON"
        wanted = self.client.sources or tuple(sorted(sources))
        status = {}
        for name in wanted:
            entry = sources.get(name) if isinstance(sources, dict) else None
            if not isinstance(entry, dict) or not entry.get("rpsl_data_updated"):
                return None, "the server does not say when source %s last changed" % name
            status[name] = [entry.get(key) for key in STATUS_KEYS]
        return status, None

    def _unsettled(self):
        """Why answers are not saved: every source that changed within the settle time, latest first."""
        now, recent = time.time(), []
        for name, values in sorted(self.status.items()) if self.status else ():
            try:
                changed = datetime.fromisoformat(values[0]).timestamp()
            except (TypeError, ValueError):
                return "source %s reports an unreadable change time %r" % (name, values[0])
            if now - changed < self.settle:
                recent.append((max(0, now - changed), name))
        if not recent:
            return None
        changes = ", ".join("source %s changed %d s ago" % (name, age) for age, name in sorted(recent))
        return "%s (less than %g s): answers are not saved" % (changes, self.settle)

    # -- file ---------------------------------------------------------------------------

    def _read(self, path, kind):
        """The ``kind`` mapping saved in ``path`` for this server and status, or {}."""
        try:
            with open(path, encoding="latin-1") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            return {}
        valid = (
            isinstance(data, dict)
            and data.get("format") == FORMAT
            and data.get("server") == self.client.server
            and data.get("status") == self.status
            and isinstance(data.get(kind), dict)
        )
        return data[kind] if valid else {}

    def _save(self):
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        if "results" in self._changed:
            self._write(self.path, "results", self.results)
        if "answers" in self._changed:
            self._write(self.answers_path, "answers", _to_text(self.answers))

    def _write(self, path, kind, mapping):
        data = {"format": FORMAT, "server": self.client.server, "sources": list(self.client.sources)}
        data.update({"status": self.status, kind: mapping})
        write_atomically(path, json.dumps(data, separators=(",", ":")), encoding="latin-1")


def _to_text(answers):
    """Answers as JSON can hold them: bytes as latin-1 text (every byte value round-trips)."""
    return {c.decode("latin-1"): (None if a is None else a.decode("latin-1")) for c, a in answers.items()}


def _from_text(answers):
    return {c.encode("latin-1"): (None if a is None else a.encode("latin-1")) for c, a in answers.items()}
