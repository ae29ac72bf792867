#!/usr/bin/env python3
"""pty.py: drive a program on a pseudo-terminal, for the t3 tests.

usage: pty.py [--deadline SECS] [--log FILE] -- CMD [ARG...]

Runs CMD with a new pseudo-terminal (80x24) as its controlling terminal
and standard input, output and error, then follows a script read from
standard input, one step a line:
  send TEXT       write TEXT to the terminal; Python escapes apply (\\r is
                  Enter, \\t Tab, \\x03 Ctrl-C, \\x04 Ctrl-D, \\x1b[A Up)
  expect TEXT     wait until TEXT (escapes apply) appears in the output
                  after the end of the previous match
  expect_re RE    the same for a Python regular expression (on bytes
                  decoded as Latin-1)
  mark            the next expect searches only what comes after now
  signal NAME     send CMD the signal NAME (TERM, HUP, ...)
  wait            wait for CMD to exit
Blank lines and lines starting with '#' are skipped. Each expect and the
wait give up after --deadline seconds (default 20): a bound for a program
that hangs, never a measure of speed.

Reports on standard output: "ok STEP" or "FAIL STEP" for each expect,
then "exit N" (N the exit status, or -SIGNAL). The whole output of CMD
goes to --log. Exits 0 when every expect matched and CMD exited, else 1
(after killing CMD). Python 3 standard library only.
"""

import os
import sys

# this file's name hides the standard module pty: not from here
_here = os.path.dirname(os.path.abspath(__file__))
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != _here]

import argparse  # noqa: E402
import codecs  # noqa: E402
import fcntl  # noqa: E402
import pty  # noqa: E402
import re  # noqa: E402
import select  # noqa: E402
import signal  # noqa: E402
import struct  # noqa: E402
import termios  # noqa: E402
import time  # noqa: E402


def unescape(s):
    return codecs.decode(s.encode("latin-1"), "unicode_escape").encode("latin-1")


class Term:
    def __init__(self, argv, log):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                os.execvp(argv[0], argv)
            finally:
                os._exit(127)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.out = b""
        self.pos = 0
        self.log = log
        self.status = None

    def read(self, timeout):
        """Read what is there within timeout; False at the end of output."""
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return True
        try:
            d = os.read(self.fd, 65536)
        except OSError:
            d = b""
        if not d:
            return False
        self.out += d
        if self.log:
            self.log.write(d)
            self.log.flush()
        return True

    def expect(self, pattern, deadline, regex=False):
        end = time.monotonic() + deadline
        alive = True
        while True:
            if regex:
                m = re.compile(pattern.decode("latin-1"), re.S).search(
                    self.out.decode("latin-1"), self.pos)
                if m:
                    self.pos = m.end()
                    return True
            else:
                i = self.out.find(pattern, self.pos)
                if i >= 0:
                    self.pos = i + len(pattern)
                    return True
            left = end - time.monotonic()
            if left <= 0 or not alive:
                return False
            alive = self.read(min(left, 0.2))

    def wait(self, deadline):
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(st)
                while self.read(0.05):
                    pass
                return True
            self.read(0.05)
        return False

    def kill(self):
        if self.status is None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.kill(self.pid, sig)
                except ProcessLookupError:
                    break
                if self.wait(2):
                    break


def main():
    ap = argparse.ArgumentParser(prog="pty.py")
    ap.add_argument("--deadline", type=float, default=20)
    ap.add_argument("--log")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    argv = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not argv:
        ap.print_usage(sys.stderr)
        return 2
    steps = [l.rstrip("\n") for l in sys.stdin]
    log = open(a.log, "wb") if a.log else None
    t = Term(argv, log)
    good = True
    for step in steps:
        if not step.strip() or step.lstrip().startswith("#"):
            continue
        word, _, arg = step.partition(" ")
        if word == "send":
            os.write(t.fd, unescape(arg))
        elif word in ("expect", "expect_re"):
            if t.expect(unescape(arg), a.deadline, word == "expect_re"):
                print("ok %s" % step)
            else:
                print("FAIL %s" % step)
                tail = t.out[t.pos:][-400:].decode("latin-1")
                print("  after the last match: %r" % tail)
                good = False
                break
        elif word == "mark":
            while t.read(0):
                if not select.select([t.fd], [], [], 0)[0]:
                    break
            t.pos = len(t.out)
        elif word == "signal":
            os.kill(t.pid, getattr(signal, "SIG" + arg))
        elif word == "wait":
            if not t.wait(a.deadline):
                print("FAIL wait: still running")
                good = False
                break
        else:
            print("FAIL unknown step %r" % step)
            good = False
            break
    if t.status is None and good:
        good = t.wait(a.deadline)
        if not good:
            print("FAIL the program did not exit")
    t.kill()
    print("exit %s" % t.status)
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
