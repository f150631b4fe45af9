# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A client of IRRd's whois query language (IRRd 4, and IRRd-style servers such as RADb's).

A connection in persistent mode (``!!``) carries many queries. ``query_many``
pipelines: it writes commands while it reads answers, keeping at most ``window``
commands unanswered, so that neither side's socket buffer can fill up and stall
the other, and a batch of 50,000 queries costs one pass over the connection
rather than 50,000 round trips. With ``connections`` above 1, a large batch is
split into that many contiguous parts, each pipelined on its own connection at
the same time: IRRd serves each connection in its own worker process, so a walk
of thousands of sets is bound by the server's cores, not by one worker.
Answers are framed by the protocol::

    A<length>\\n<data>\\nC\\n   data; length counts the characters of data and its newline
    C\\n                      success, no data
    D\\n                      key not found
    E\\n                      multiple copies of the key
    F <message>\\n            error

Sources are chosen once per connection (``!s``, like bgpq4's ``-S``), and the
server's version is asked once (``!v``): IRRd 4 also answers ``!a`` (the
prefixes of a whole set, resolved on the server).

Fail closed: every failure raises IrrError (a SourceError) naming the server and
what was being asked, and no partial answer is ever returned. A connection that
fails (refused, reset, closed in the middle of a batch) is replaced a bounded
number of times (``retries``), resending only the commands not yet answered.
Time is bounded twice: ``timeout`` seconds without progress (no byte read or
written), and ``deadline`` seconds for one call, retries included.
"""

from __future__ import annotations

import codecs
import re
import selectors
import socket
import time
from concurrent.futures import ThreadPoolExecutor

from ..errors import DataError, SourceError

DEFAULT_PORT = 43
DEFAULT_TIMEOUT = 30.0
DEFAULT_DEADLINE = 900.0
DEFAULT_RETRIES = 2
DEFAULT_WINDOW = 2000
DEFAULT_CONNECTIONS = 1
SPLIT_MIN = 128  # a batch is spread over more connections only in parts of at least this many commands

_RECV_SIZE = 1 << 20
# Acknowledge every segment at once: IRRd writes one small segment per answer without
# TCP_NODELAY, so a delayed ACK here would hold its next answer back 40 ms (Nagle).
_QUICKACK = getattr(socket, "TCP_QUICKACK", None)
_SEND_LOW_WATER = 1 << 16
_A, _C, _D, _E, _F = b"ACDEF"
_VERSION = re.compile(rb"version\s+(\d+)\.(\d+)")
_SOURCE = re.compile(r"^[A-Z0-9][A-Z0-9_-]*$")


class IrrError(SourceError):
    """The IRR could not be read: unreachable, too slow, an error answer or a broken one."""

    def __init__(self, message, server, subject=None, query=None):
        self.server = server
        self.subject = subject
        self.query = query
        where = "IRR %s" % server
        if subject:
            where += " (%s)" % subject
        if query is not None:
            message = "query '%s': %s" % (_show(query), message)
        super().__init__(message, where)


class Failure:
    """An ``E`` or ``F`` answer, kept in place while the rest of a batch is read."""

    __slots__ = ("code", "text")

    def __init__(self, code, text):
        self.code = code
        self.text = text

    def __repr__(self):
        return "Failure(%r, %r)" % (self.code, self.text)

    def describe(self):
        if self.code == "E":
            return "the server found more than one copy of the key (E)"
        return "the server answered: %s" % (self.text or "F (no message)")


class _Retryable(Exception):
    """A connection failure worth a new connection (refused, reset, closed early)."""


class _Batch:
    """Commands of one call and the answers read so far (they survive a reconnection)."""

    __slots__ = ("answers", "commands", "first_failure")

    def __init__(self, commands):
        self.commands = commands
        self.answers = []
        self.first_failure = None


class WhoisClient:
    """Persistent, pipelined connections to one IRR whois server (one caller thread at a time).

    ``query_many`` returns one answer per command, in order: the data as bytes
    (``b""`` for ``C``), or None for ``D`` (not found). ``E``/``F`` raise IrrError
    once the batch has been read, naming the first failing query.

    ``sources``: "RIPE,RIPE-NONAUTH" or a list, sent once per connection (``!s``);
    ``timeout``: seconds without progress; ``deadline``: seconds for one call;
    ``retries``: new connections after a failed one; ``window``: most commands
    unanswered at once; ``connections``: most connections one batch is spread
    over. The first connection opens on first use (or ``connect()``), the others
    when a batch is large enough to need them.
    """

    def __init__(
        self,
        host,
        port=DEFAULT_PORT,
        sources=None,
        timeout=DEFAULT_TIMEOUT,
        deadline=DEFAULT_DEADLINE,
        retries=DEFAULT_RETRIES,
        window=DEFAULT_WINDOW,
        connections=DEFAULT_CONNECTIONS,
    ):
        self.host = host
        self.port = int(port)
        self.sources = _parse_sources(sources)
        self.timeout = float(timeout)
        self.deadline = float(deadline)
        self.retries = int(retries)
        self.window = max(1, int(window))
        self.connections = int(connections)
        if not 1 <= self.connections <= 32:
            raise DataError("connections must be 1 to 32, not %r" % (connections,), "IRR", "connections")
        self.version = None
        self._queries = 0
        self._connects = 0
        self._siblings = []
        self._pool = None
        self._sock = None
        self._selector = None
        self._events = 0
        self._inbuf = bytearray()
        self._skip_empty = False

    @property
    def server(self):
        return "[%s]:%d" % (self.host, self.port) if ":" in self.host else "%s:%d" % (self.host, self.port)

    @property
    def queries(self):
        """Commands sent, over every connection."""
        return self._queries + sum(s.queries for s in self._siblings)

    @property
    def connects(self):
        """Connections opened, replacements included."""
        return self._connects + sum(s.connects for s in self._siblings)

    @property
    def irrd_version(self):
        """(major, minor) from the ``!v`` answer, or None if the server did not say."""
        found = _VERSION.search(self.version.encode()) if self.version else None
        return (int(found.group(1)), int(found.group(2))) if found else None

    @property
    def supports_a(self):
        """True for IRRd 4 and later, which answer ``!a`` (prefixes of a set)."""
        version = self.irrd_version
        return bool(version and version[0] >= 4)

    def __enter__(self):
        self.connect()
        return self

    def __exit__(self, *exc):
        self.close()

    def connect(self, subject=None):
        """Open the connection now (it is otherwise opened by the first query)."""
        self._run(_Batch([]), subject)
        return self

    def close(self):
        for sibling in self._siblings:
            sibling.close()
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        if self._sock is not None:
            try:
                self._sock.send(b"!q\n")
            except OSError:
                pass
        self._drop()

    def query(self, command, subject=None):
        """One command (``"!iAS-FOO"``); its answer as for ``query_many``."""
        return self.query_many([command], subject)[0]

    def query_many(self, commands, subject=None):
        """Send every command pipelined; return their answers in order.

        ``subject`` says what is being asked (``"AS-SET AS-FOO"``) for error messages.
        """
        encoded = [encode_command(command) for command in commands]
        parts = min(self.connections, len(encoded) // SPLIT_MIN)
        if parts <= 1:
            return self._answers(encoded, subject)
        return self._answers_parallel(encoded, parts, subject)

    def _answers_parallel(self, encoded, parts, subject):
        """Answers of ``encoded`` split in ``parts`` contiguous parts, each on its own connection."""
        while len(self._siblings) < parts - 1:
            self._siblings.append(
                WhoisClient(self.host, self.port, self.sources, self.timeout, self.deadline, self.retries, self.window)
            )
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.connections, thread_name_prefix="whois")
        size = -(-len(encoded) // parts)
        clients = [self] + self._siblings[: parts - 1]
        futures = [
            self._pool.submit(client._answers, encoded[i * size : (i + 1) * size], subject)  # pylint: disable=protected-access
            for i, client in enumerate(clients)
        ]
        answers, error = [], None
        for future in futures:  # every part is waited for: no connection is left mid-batch
            try:
                answers.extend(future.result())
            except Exception as exc:  # noqa: BLE001  # pylint: disable=broad-exception-caught
                error = error or exc
        if error is not None:
            raise error
        return answers

    def _answers(self, encoded, subject):
        batch = _Batch(encoded)
        self._run(batch, subject)
        if batch.first_failure is not None:
            index = batch.first_failure
            others = sum(1 for a in batch.answers if isinstance(a, Failure)) - 1
            message = batch.answers[index].describe()
            if others:
                message += " (and %d more failed queries in this batch)" % others
            raise IrrError(message, self.server, subject, batch.commands[index])
        return batch.answers

    # -- connection -----------------------------------------------------------------

    def _run(self, batch, subject):
        deadline = time.monotonic() + self.deadline
        failures = 0
        while True:
            try:
                if self._sock is None:
                    self._open(deadline, subject)
                if len(batch.answers) < len(batch.commands):
                    self._exchange(batch, deadline, subject)
                return
            except _Retryable as exc:
                self._drop()
                failures += 1
                left = deadline - time.monotonic()
                if failures > self.retries or left <= 0:
                    tries = "%d attempt%s" % (failures, "s" if failures > 1 else "")
                    raise IrrError("%s (%s)" % (exc, tries), self.server, subject) from None
                time.sleep(min(0.2 * failures, left))
            except BaseException:
                self._drop()  # answers may still be in flight: this connection is out of step
                raise

    def _open(self, deadline, subject):
        wait = min(self.timeout, deadline - time.monotonic())
        if wait <= 0:
            raise IrrError("not done within %g s (deadline)" % self.deadline, self.server, subject)
        try:
            sock = socket.create_connection((self.host, self.port), timeout=wait)
        except TimeoutError:
            raise IrrError("no connection within %g s" % wait, self.server, subject) from None
        except OSError as exc:
            raise _Retryable("cannot connect: %s" % _reason(exc)) from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        self._sock = sock
        self._selector = selectors.DefaultSelector()
        self._selector.register(sock, selectors.EVENT_READ)
        self._events = selectors.EVENT_READ
        self._inbuf = bytearray()
        self._connects += 1
        hello = _Batch([b"!v\n"] + ([b"!s%s\n" % ",".join(self.sources).encode()] if self.sources else []))
        self._skip_empty = True  # some servers answer "!!" with "C": skip it
        self._exchange(hello, deadline, subject, preamble=b"!!\n")
        version = hello.answers[0]
        self.version = version.decode("utf-8", "replace").strip() if isinstance(version, bytes) else None
        if self.sources and hello.answers[1] != b"":
            answer = hello.answers[1]
            why = answer.describe() if isinstance(answer, Failure) else "unexpected answer %r" % (answer,)
            raise IrrError("sources %s refused: %s" % (",".join(self.sources), why), self.server, subject)

    def _drop(self):
        if self._selector is not None:
            self._selector.close()
            self._selector = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self._inbuf = bytearray()

    # -- pipelining -----------------------------------------------------------------

    def _exchange(self, batch, deadline, subject, preamble=b""):
        """Write the batch's unanswered commands while reading answers, window-bounded."""
        sock, selector, commands = self._sock, self._selector, batch.commands
        total = len(commands)
        sent = len(batch.answers)  # a retry resends only what is unanswered
        out = bytearray(preamble)
        inbuf = self._inbuf
        window = self.window
        progress = time.monotonic()
        while len(batch.answers) < total:
            done = len(batch.answers)
            if sent < total and sent - done < window and len(out) < _SEND_LOW_WATER:
                upto = min(total, done + window)
                out += b"".join(commands[sent:upto])
                self._queries += upto - sent
                sent = upto
            events = selectors.EVENT_READ | selectors.EVENT_WRITE if out else selectors.EVENT_READ
            if events != self._events:
                selector.modify(sock, events)
                self._events = events
            now = time.monotonic()
            limit = min(progress + self.timeout, deadline)
            if now >= limit:
                raise IrrError(self._late(progress, deadline, done, total), self.server, subject)
            for _key, mask in selector.select(limit - now):
                if mask & selectors.EVENT_WRITE and out:
                    try:
                        count = sock.send(out)
                    except (BlockingIOError, InterruptedError):
                        count = 0
                    except OSError as exc:
                        raise _Retryable("connection lost while sending: %s" % _reason(exc)) from None
                    if count:
                        del out[:count]
                        progress = time.monotonic()
                if mask & selectors.EVENT_READ:
                    try:
                        chunk = sock.recv(_RECV_SIZE)
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError as exc:
                        raise _Retryable("connection lost: %s" % _reason(exc)) from None
                    if not chunk:
                        raise _Retryable(
                            "the server closed the connection after %d of %d answers" % (len(batch.answers), total)
                        )
                    if _QUICKACK is not None:
                        sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
                    progress = time.monotonic()
                    inbuf += chunk
                    self._parse(inbuf, batch, subject)
        if inbuf:
            raise self._garbled(inbuf, 0, batch, subject, "more answers than queries")

    def _late(self, progress, deadline, done, total):
        if progress + self.timeout <= deadline:
            return "no answer within %g s (timeout), after %d of %d answers" % (self.timeout, done, total)
        return "not done within %g s (deadline), after %d of %d answers" % (self.deadline, done, total)

    def _parse(self, buf, batch, subject):
        """Move every complete answer from ``buf`` to ``batch.answers``; keep the rest."""
        answers = batch.answers
        append = answers.append
        find = buf.find
        wanted = len(batch.commands) - len(answers)
        pos, end = 0, len(buf)
        while wanted and pos < end:
            kind = buf[pos]
            newline = find(b"\n", pos)
            if newline < 0:
                break
            if kind == _A:
                try:
                    size = int(buf[pos + 1 : newline])
                except ValueError:
                    raise self._garbled(buf, pos, batch, subject) from None
                start = newline + 1
                stop = start + size  # ASCII: size counts bytes; "C\n" follows
                if stop + 2 > end:
                    break
                if size < 1 or buf[stop - 1] != 10 or buf[stop] != _C or buf[stop + 1] != 10:
                    stop = self._text_stop(buf, start, size, batch, subject)
                    if stop is None:
                        break
                append(bytes(buf[start : stop - 1]))
                newline = stop + 1
            elif kind == _C:
                if self._skip_empty:  # the "C" of "!!"
                    self._skip_empty = False
                    pos = newline + 1
                    continue
                append(b"")
            elif kind == _D:
                append(None)
            elif kind == _F or kind == _E:
                if batch.first_failure is None:
                    batch.first_failure = len(answers)
                append(Failure(chr(kind), buf[pos + 1 : newline].decode("utf-8", "replace").strip()))
            else:
                raise self._garbled(buf, pos, batch, subject)
            self._skip_empty = False
            wanted -= 1
            pos = newline + 1
        del buf[:pos]

    def _text_stop(self, buf, start, size, batch, subject):
        """Where the data of an ``A`` answer ends when it is not ASCII (IRRd counts characters).

        Returns the index of its closing "C\\n", or None when more bytes are needed.
        """
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            text = decoder.decode(bytes(buf[start:]), final=False)
        except UnicodeDecodeError:
            raise self._garbled(buf, start, batch, subject) from None
        if len(text) < size + 2:
            return None
        stop = start + len(text[:size].encode("utf-8"))
        if buf[stop - 1 : stop + 2] != b"\nC\n":
            raise self._garbled(buf, start, batch, subject)
        return stop

    def _garbled(self, buf, pos, batch, subject, why="answer is not in IRRd's format"):
        index = len(batch.answers)
        query = batch.commands[index] if index < len(batch.commands) else None
        sample = bytes(buf[pos : pos + 60]).decode("utf-8", "replace")
        return IrrError("%s: %r" % (why, sample), self.server, subject, query)


def _parse_sources(sources):
    if not sources:
        return ()
    if isinstance(sources, str):
        sources = sources.split(",")
    names = tuple(str(s).strip().upper() for s in sources if str(s).strip())
    for name in names:
        if not _SOURCE.match(name):
            raise DataError("%r is not an IRR source name" % name, "IRR", "sources")
    return names


def encode_command(command):
    """A command as the bytes sent: one line, newline-terminated; DataError for an embedded line break."""
    data = command.encode("utf-8") if isinstance(command, str) else bytes(command)
    if not data.endswith(b"\n"):
        data += b"\n"
    if b"\n" in data[:-1] or b"\r" in data:
        raise DataError("%r holds a line break" % (command,), "IRR query")
    return data


def _show(query):
    text = query.decode("utf-8", "replace") if isinstance(query, (bytes, bytearray)) else str(query)
    return text.strip()


def _reason(exc):
    return (exc.strerror or type(exc).__name__) if isinstance(exc, OSError) else str(exc)
