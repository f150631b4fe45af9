# -*- coding: utf-8 -*-
"""The emulated devices' channel-to-shell tap (fakenos_devices.line_tap): what the CLI driver tests type reaches
the shell a line at a time, and a reply that comes before the tap is done with the line is not lost."""

from __future__ import annotations

import threading

from fakenos_devices import CTRL_D, line_tap


class Channel:
    """The SSH channel's file as the tap sees it: the client's bytes, then the end of the stream."""

    active = True

    def __init__(self, typed):
        self.typed = bytearray(typed)
        self.echoed = bytearray()
        self.channel = self

    def read(self, size):
        taken, self.typed = bytes(self.typed[:size]), self.typed[size:]
        return taken

    def write(self, data):
        self.echoed += data


class ReplyFlag(threading.Event):
    """The flag the shell raises when it has answered; counts the waits the tap would spend on it in vain (10 s
    each) instead of spending them."""

    def __init__(self):
        super().__init__()
        self.stalls = 0

    def wait(self, timeout=None):
        if not self.is_set():
            self.stalls += 1
        return self.is_set()


class QuickShell:
    """A shell that answers each line at once, before the tap's ``write`` returns (as a shell thread may when
    the tap's thread is descheduled); it notes whether the tap then had to wait for that answer."""

    def __init__(self, replied):
        self.replied = replied
        self.lines = []
        self.replied_when_line_came = []

    def write(self, line):
        self.replied_when_line_came.append(self.replied.is_set())
        self.lines.append(line)
        self.replied.set()


def tap(typed):
    replied, run = ReplyFlag(), threading.Event()
    replied.set()
    run.set()
    channel = Channel(typed)
    shell = QuickShell(replied)
    line_tap(channel, shell, replied, run)
    return channel, shell, replied


def test_each_line_reaches_the_shell_with_its_echo():
    channel, shell, replied = tap(b"show version\rconfigure\n")
    assert shell.lines == ["show version\n", "configure\n"]
    assert channel.echoed == b"show version\r\nconfigure\r\n"
    assert replied.stalls == 0


def test_a_lone_ctrl_d_ends_a_line_and_goes_with_it():
    shell = tap(b"set system\n" + CTRL_D.encode())[1]
    assert shell.lines == ["set system\n", CTRL_D + "\n"]


def test_a_reply_quicker_than_the_tap_is_not_forgotten():
    shell, replied = tap(b"one\ntwo\nthree\n")[1:]
    # the flag was down when each line went to the shell, and the shell's answer left it up: the bytes after it
    # go on at once instead of each waiting 10 s for an answer that had already come
    assert shell.replied_when_line_came == [False, False, False]
    assert replied.stalls == 0
